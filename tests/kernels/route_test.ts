import assert from "node:assert/strict";
import { CPU_KERNELS, type Kernels } from "../../kernels/kernels.ts";
import {
  DEFAULT_ROUTE_POLICY,
  routedKernels,
  worthGpu,
} from "../../kernels/route.ts";
import { ellipseMasks, texturedImage } from "./inputs.ts";

const views = (count: number, width: number, height: number) => ({
  image: texturedImage(width, height),
  ...ellipseMasks(count, width, height),
});
const cosine = (n: number, e: number, dim = 512) => ({
  proposals: new Float32Array(n * dim),
  sentences: new Float32Array(e * dim),
  dim,
});
const overlaps = (count: number, width: number, height: number) => {
  const masks = { data: new Uint8Array(count * width * height), count };
  return { predicted: masks, truths: masks, width, height };
};

Deno.test("worthGpu() keeps the pipeline's small calls on the CPU and sends its big ones to the GPU", () => {
  // One image's cosine (64 proposals x 12 rows) takes ~0.4 ms on the CPU.
  assert.equal(worthGpu("cosineSimilarity", cosine(64, 12)), false);
  // 65,536 x 4 at D 512: ~140 ms on the CPU.
  assert.equal(worthGpu("cosineSimilarity", cosine(65536, 4)), true);
  // Views of 64 proposals of 640x480: ~63 ms; of 4 of 64x48: ~0.04 ms.
  assert.equal(worthGpu("cropAndFill", views(64, 640, 480)), true);
  assert.equal(worthGpu("blurOutside", views(64, 640, 480)), true);
  assert.equal(worthGpu("cropAndFill", views(4, 64, 48)), false);
  // The view side counts: 16 views of 320x240 at 224 px ~10 ms, at 336 ~20.
  assert.equal(worthGpu("cropAndFill", views(16, 320, 240)), false);
  assert.equal(
    worthGpu("cropAndFill", { ...views(16, 320, 240), size: 336 }),
    true,
  );
  // An evaluated image's two sentences against their ground truth: ~1 ms.
  assert.equal(worthGpu("maskOverlaps", overlaps(2, 640, 480)), false);
  assert.equal(worthGpu("maskOverlaps", overlaps(64, 640, 480)), true);
  const logits = (count: number) => ({
    logits: new Float32Array(count * 65536),
    count,
    lowWidth: 256,
    lowHeight: 256,
    validWidth: 256,
    validHeight: 192,
    width: 640,
    height: 480,
  });
  assert.equal(worthGpu("decodeMaskLogits", logits(64)), true);
  assert.equal(worthGpu("decodeMaskLogits", logits(2)), false);
  const pairwise = (count: number) => ({
    masks: { data: new Uint8Array(count * 640 * 480), count },
    width: 640,
    height: 480,
  });
  assert.equal(worthGpu("pairwiseMaskIou", pairwise(64)), true);
  assert.equal(worthGpu("pairwiseMaskIou", pairwise(4)), false);
});

Deno.test("worthGpu() follows the policy's round trip", () => {
  const input = cosine(64, 12);
  const free = { ...DEFAULT_ROUTE_POLICY, gpuRoundTripMs: 0 };
  const slow = { ...DEFAULT_ROUTE_POLICY, gpuRoundTripMs: 1e9 };
  assert.equal(worthGpu("cosineSimilarity", input, free), true);
  assert.equal(worthGpu("cropAndFill", views(64, 640, 480), slow), false);
});

/** A kernel set that records which kernels it ran, answering with the CPU twins. */
function recording(name: string, calls: string[]): Kernels {
  const set = {} as Record<string, unknown>;
  for (const [key, value] of Object.entries(CPU_KERNELS)) {
    set[key] = typeof value === "function"
      ? (input: unknown) => {
        calls.push(`${name} ${key}`);
        return (value as (i: unknown) => unknown)(input);
      }
      : value;
  }
  return set as unknown as Kernels;
}

Deno.test("routedKernels() runs each call on the set worthGpu() picks, reports gpu and keeps the GPU's device views", async () => {
  const calls: string[] = [];
  const onDevice = {} as Kernels["onDevice"];
  const gpu = { ...recording("gpu", calls), onDevice };
  const kernels = routedKernels(gpu, recording("cpu", calls));
  assert.equal(kernels.device, "gpu");
  assert.equal(kernels.onDevice, onDevice);
  await kernels.cosineSimilarity(cosine(64, 12));
  await kernels.cropAndFill(views(64, 640, 480));
  await kernels.blurOutside(views(2, 32, 24));
  await kernels.maskOverlaps(overlaps(2, 64, 48));
  assert.deepEqual(calls, [
    "cpu cosineSimilarity",
    "gpu cropAndFill",
    "cpu blurOutside",
    "cpu maskOverlaps",
  ]);
  assert.equal(routedKernels(CPU_KERNELS, CPU_KERNELS).onDevice, undefined);
});
