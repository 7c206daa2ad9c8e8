import {
  assertFastEncoderOnlyWhenAsked,
  keepingDerived,
} from "../helpers/fast_rewrites.ts";
import {
  parityBackends,
  referenceModels,
} from "../reference/reference_data.ts";

Deno.test("createSegmenter() on webgpu runs SAM's encoder as exported unless the fast encoder is asked for", async () => {
  // Without a WebGPU adapter parityBackends() says so and the test skips.
  if (!(await parityBackends()).includes("webgpu")) return;
  // Kept derived files: the webgpu rule, not the source's, decides.
  await assertFastEncoderOnlyWhenAsked(
    keepingDerived(referenceModels()),
    "webgpu",
  );
});
