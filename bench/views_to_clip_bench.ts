/**
 * The regions stage as the pipeline runs it (both CLIP views of 64
 * proposals of a 640x480 image, embedded in one vision call of 128 views)
 * on a webgpu CLIP session, four ways:
 *
 * - CPU twins, CLIP on its own device: as before the device was shared
 *   (the baseline);
 * - CPU twins: the views are made on the CPU and uploaded to the model;
 * - GPU kernels, read back: made on the GPU, read back, uploaded again;
 * - GPU kernels, kept on the GPU: made into a GPU buffer that the session
 *   (on the kernels' device) takes as its input; only embeddings return.
 *
 * The vision model is the fixture's unless ORIS_BENCH_CLIP_VISION names an
 * ONNX file in the layout of Xenova/clip-vit-base-patch32's
 * onnx/vision_model.onnx (bench/gpu_host/export_random_clip.py writes one
 * with random weights, for speed only). Needs a WebGPU adapter; on a
 * fallback adapter (lavapipe) the figures say nothing about a real GPU.
 * ORIS_BENCH_N sets the timed runs of each way (default 10; 2 on a
 * fallback adapter). Without WebGPU it registers nothing.
 *
 *     deno bench -A bench/views_to_clip_bench.ts
 *
 * @module
 */

import { CLIP_NORMALISATION } from "../kernels/clip_views.ts";
import type { GpuContext } from "../kernels/gpu_device.ts";
import { benchGpuContext } from "./gpu_context.ts";
import { CPU_KERNELS, gpuKernels, type Kernels } from "../kernels/kernels.ts";
import { ClipVisionEncoder } from "../pipeline/clip/vision.ts";
import { createSession } from "../pipeline/models/session.ts";
import type { Proposal } from "../pipeline/sam/mask_generator.ts";
import { fromItems } from "../pipeline/stages/job.ts";
import { regionsStage } from "../pipeline/stages/regions.ts";
import { ellipseMasks, texturedImage } from "../tests/kernels/inputs.ts";

const PROPOSALS = 64, WIDTH = 640, HEIGHT = 480;

/** Loads the session and registers the three ways on `ctx`. */
async function register(ctx: GpuContext): Promise<void> {
  const runs = Number(
    Deno.env.get("ORIS_BENCH_N") ?? (ctx.adapter.isFallbackAdapter ? 2 : 10),
  );
  const modelPath = Deno.env.get("ORIS_BENCH_CLIP_VISION") ||
    new URL(
      "../tests/fixtures/models/fixture/color-clip/onnx/vision_model.onnx",
      import.meta.url,
    );
  console.error(`CLIP vision model: ${modelPath}`);
  const bytes = await Deno.readFile(modelPath);
  const encoder = async (gpuDevice?: GPUDevice) =>
    new ClipVisionEncoder(
      await createSession(bytes, {
        backend: "webgpu",
        label: String(modelPath),
        gpuDevice,
      }),
      { batchSize: 2 * PROPOSALS },
    );
  const shared = await encoder(ctx.device);
  const own = await encoder();

  const image = texturedImage(WIDTH, HEIGHT);
  const { masks, boxes } = ellipseMasks(PROPOSALS, WIDTH, HEIGHT);
  const pixels = WIDTH * HEIGHT;
  const proposals: Proposal[] = boxes.map((box, i) => {
    const mask = masks.data.slice(i * pixels, (i + 1) * pixels);
    return {
      mask,
      box,
      area: mask.reduce((n, v) => n + v, 0),
      predictedIou: 0.9,
      stability: 0.9,
      point: [box[0], box[1]],
    };
  });
  const job = { id: 0, image, sentences: [], proposals, timings: {} };

  const gpu = gpuKernels(ctx);
  const ways: [string, Kernels, ClipVisionEncoder][] = [
    ["CPU twins, CLIP on its own device", CPU_KERNELS, own],
    ["CPU twins", CPU_KERNELS, shared],
    ["GPU kernels, read back", { ...gpu, onDevice: undefined }, shared],
    ["GPU kernels, kept on the GPU", gpu, shared],
  ];
  for (const [name, kernels, vision] of ways) {
    const stage = regionsStage(vision, kernels, {
      normalisation: CLIP_NORMALISATION,
      chunk: PROPOSALS,
    });
    Deno.bench(
      `views + CLIP, ${name}`,
      {
        group: `views of ${PROPOSALS} proposals, ${WIDTH}x${HEIGHT}, + CLIP`,
        baseline: vision === own,
        warmup: 1,
        n: runs,
      },
      async () => {
        for await (const done of stage(fromItems([job]))) {
          if (done.regions.dim === 0) throw new Error("no embeddings");
        }
      },
    );
  }
}

const context = await benchGpuContext("views + CLIP");
if (context) await register(context);
