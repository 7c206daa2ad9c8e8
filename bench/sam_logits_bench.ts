/**
 * One SAM decoder call (64 point prompts, 3 masks each) and the decoding
 * of its logits into masks with statistics (predicted-IoU filter,
 * upsampling to 640x480, stability, boxes), three ways:
 *
 * - native decoder (wasm where onnxruntime-node is not installed), CPU
 *   twin: the CPU path (the baseline);
 * - webgpu decoder, logits read back: onnxruntime-web downloads the
 *   64 x 3 x 256 x 256 logits (50 MB), the GPU kernel uploads the kept ones;
 * - webgpu decoder, logits kept on the GPU: the session runs on the
 *   kernels' device and leaves `pred_masks` there; the kernel copies the
 *   kept planes on the device and only the masks come back.
 *
 * The decoder is the fixture's (real input and output shapes, almost no
 * arithmetic), so the ways differ by data movement, which is what the
 * device path removes. Needs a WebGPU adapter for the last two; on a
 * fallback adapter (lavapipe) the figures say nothing about a real GPU.
 * ORIS_BENCH_N sets the timed runs (default 10; 2 on a fallback adapter).
 *
 *     deno bench -A bench/sam_logits_bench.ts
 *
 * @module
 */

import type { GpuContext } from "../kernels/gpu_device.ts";
import { CPU_KERNELS, gpuKernels, type Kernels } from "../kernels/kernels.ts";
import {
  BackendUnavailableError,
  createSession,
  type InferenceSession,
} from "../pipeline/models/session.ts";
import { tensor } from "../pipeline/models/tensor.ts";
import {
  decodePrompts,
  MASK_GENERATOR_DEFAULTS,
} from "../pipeline/sam/mask_generator.ts";
import { buildPointGrid } from "../pipeline/sam/point_grid.ts";
import { samPreprocess, toSamFrame } from "../pipeline/sam/preprocess.ts";
import { generateScene } from "../pipeline/demo/scenes.ts";
import { FIXTURE_MODELS_DIR } from "../tests/helpers/fixture_models.ts";
import { benchGpuContext } from "./gpu_context.ts";

const WIDTH = 640, HEIGHT = 480, PROMPTS = 64;
const dir = `${FIXTURE_MODELS_DIR}/fixture/color-sam/onnx`;
const encoderBytes = await Deno.readFile(`${dir}/vision_encoder.onnx`);
const decoderBytes = await Deno.readFile(
  `${dir}/prompt_encoder_mask_decoder.onnx`,
);
const scene = generateScene(11, { width: WIDTH, height: HEIGHT });
const input = samPreprocess(scene.image);
/** The native backend, or wasm where it is not installed (the GPU host pack). */
async function cpuSession(bytes: Uint8Array): Promise<InferenceSession> {
  try {
    return await createSession(bytes, { backend: "native" });
  } catch (e) {
    if (!(e instanceof BackendUnavailableError)) throw e;
    return await createSession(bytes, { backend: "wasm" });
  }
}

const encoder = await cpuSession(encoderBytes);
const encoded = await encoder.run({
  pixel_values: tensor("float32", input.pixels, [1, 3, 1024, 1024]),
});
await encoder.release();
const points = Float32Array.from(
  buildPointGrid(8),
  (v, i) => v * (i % 2 === 0 ? WIDTH : HEIGHT),
);
const feeds = {
  image_embeddings: encoded.image_embeddings,
  image_positional_embeddings: encoded.image_positional_embeddings,
  input_points: tensor("float32", toSamFrame(points, input), [
    1,
    PROMPTS,
    1,
    2,
  ]),
  input_labels: tensor("int64", new BigInt64Array(PROMPTS).fill(1n), [
    1,
    PROMPTS,
    1,
  ]),
};

/** One decoder call and its decoding, with the logits where `gpu` says. */
async function decodeOnce(
  decoder: InferenceSession,
  kernels: Kernels,
  gpu?: GpuContext,
): Promise<number> {
  const kept = await decodePrompts(
    decoder,
    feeds,
    {
      gpu,
      points,
      validFractionX: input.resizedWidth / input.padSize,
      validFractionY: input.resizedHeight / input.padSize,
      frameSize: input.padSize,
      width: WIDTH,
      height: HEIGHT,
    },
    MASK_GENERATOR_DEFAULTS,
    kernels,
  );
  return kept.length;
}

const group =
  `SAM decoder (${PROMPTS} prompts x 3) + mask decoding, ${WIDTH}x${HEIGHT}`;
const cpu = await cpuSession(decoderBytes);
const ways: [string, () => Promise<number>][] = [
  [`${cpu.backend} decoder, CPU twin`, () => decodeOnce(cpu, CPU_KERNELS)],
];
const ctx = await benchGpuContext("SAM logits");
let runs = Number(Deno.env.get("ORIS_BENCH_N") ?? 10);
if (ctx) {
  if (!Deno.env.get("ORIS_BENCH_N") && ctx.adapter.isFallbackAdapter) runs = 2;
  const readBack = await createSession(decoderBytes, {
    backend: "webgpu",
    gpuDevice: ctx.device,
  });
  const kept = await createSession(decoderBytes, {
    backend: "webgpu",
    gpuDevice: ctx.device,
    deviceOutputs: ["pred_masks"],
  });
  const gpu = gpuKernels(ctx);
  ways.push(
    ["webgpu decoder, logits read back", () => decodeOnce(readBack, gpu)],
    [
      "webgpu decoder, logits kept on the GPU",
      () => decodeOnce(kept, gpu, ctx),
    ],
  );
}
const counts = await Promise.all(ways.map(([, run]) => run()));
console.error(
  `masks kept per way: ${counts.join(", ")} (of ${PROMPTS * 3} decoded)`,
);
if (new Set(counts).size !== 1) throw new Error("the ways disagree");
for (const [name, run] of ways) {
  Deno.bench(name, {
    group,
    baseline: name === ways[0][0],
    warmup: 1,
    n: runs,
  }, async () => {
    await run();
  });
}
