import assert from "node:assert/strict";
import { FAST_ENCODER_DERIVATION } from "../../pipeline/sam/fast_encoder.ts";
import { REFERENCE_SAM } from "../reference/reference_data.ts";
import { keepingDerived } from "../helpers/fast_rewrites.ts";

Deno.test("createSegmenter() on webgpu runs SAM's encoder as exported unless the fast encoder is asked for", async () => {
  const { createSegmenter } = await import("../../pipeline/segmenter.ts");
  const { referenceModels, REFERENCE_CLIP, parityBackends } = await import(
    "../reference/reference_data.ts"
  );
  // Without a WebGPU adapter parityBackends() says so and the test skips.
  if (!(await parityBackends()).includes("webgpu")) return;
  const open = async (fastEncoder?: boolean) => {
    const derivations: string[] = [];
    const segmenter = await createSegmenter({
      // Kept derived files: the webgpu rule, not the source's, decides.
      source: keepingDerived(referenceModels()),
      clip: REFERENCE_CLIP,
      sam: REFERENCE_SAM,
      backend: "webgpu",
      fastDecoder: false,
      ...(fastEncoder === undefined ? {} : { fastEncoder }),
      onProgress: (e) => {
        if (e.kind === "derive" && e.derivation === FAST_ENCODER_DERIVATION) {
          derivations.push(e.derivation);
        }
      },
    });
    const fast = segmenter.models.fastEncoder;
    await segmenter.release();
    return { fast, derivations };
  };
  assert.deepEqual(await open(), { fast: false, derivations: [] });
  assert.deepEqual(await open(true), {
    fast: true,
    derivations: [FAST_ENCODER_DERIVATION],
  });
});
