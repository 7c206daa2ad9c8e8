/**
 * The kernels at the sizes of real work, CPU twins and WebGPU (readback
 * included), side by side: 64 proposals on 640x480 and 1024x768 images,
 * D = 512. Target on a 2-core CPU: crop & fill + blur outside for 64
 * proposals of 640x480 in 100 ms or less; on an H100, the GPU 10x faster
 * than the CPU twins of the same host.
 *
 * The GPU benchmarks run when WebGPU finds an adapter (printed first); on
 * a fallback adapter (lavapipe) they measure parity runs, not speed. On a
 * GPU host: `bash .device/env.sh deno bench -A bench/kernels_bench.ts`.
 * ORIS_BENCH_GPU=0 skips them; ORIS_BENCH_SIZES=640 keeps one size.
 *
 * @module
 */

import { CPU_KERNELS, gpuKernels, type Kernels } from "../kernels/kernels.ts";
import { benchGpuContext } from "./gpu_context.ts";
import { ellipseMasks, texturedImage } from "../tests/kernels/inputs.ts";
import { seededValues } from "../tests/helpers/tiny_model.ts";

const PROPOSALS = 64, DIM = 512, SENTENCES = 4, VIEW = 224;

/** SAM-like logits: a blob per mask over a noisy background, 256 x 256. */
function samLogits(count: number): Float32Array {
  const noise = seededValues(count * 65536, 5);
  const out = new Float32Array(count * 65536);
  for (let m = 0; m < count; m++) {
    const cx = (m * 37 + 40) % 256, cy = (m * 23 + 30) % 192;
    const r = 10 + (m * 13) % 70;
    for (let y = 0; y < 256; y++) {
      for (let x = 0; x < 256; x++) {
        const i = m * 65536 + y * 256 + x;
        out[i] = (r - Math.hypot(x - cx, y - cy)) * 0.4 + noise[i] * 2;
      }
    }
  }
  return out;
}

const gpuCtx = await benchGpuContext("GPU kernel");
const gpu = gpuCtx && gpuKernels(gpuCtx);
const sizes = (Deno.env.get("ORIS_BENCH_SIZES") ?? "640,1024").split(",")
  .map(Number);
const logits = samLogits(PROPOSALS);
const proposals = seededValues(PROPOSALS * DIM, 1);
const sentences = seededValues(SENTENCES * DIM, 2);

for (const width of sizes) {
  const height = width * 3 / 4;
  const image = texturedImage(width, height);
  const { masks, boxes } = ellipseMasks(PROPOSALS, width, height);
  const truths = ellipseMasks(PROPOSALS, width, height, 7).masks;
  const views = PROPOSALS * 3 * VIEW * VIEW;
  const tensor = new Float32Array(2 * views);
  const at = `${PROPOSALS} proposals, ${width}x${height}`;
  const devices: [string, Kernels][] = [["CPU", CPU_KERNELS]];
  if (gpu) devices.push(["GPU", gpu]);
  for (const [device, k] of devices) {
    const opts = (group: string) => ({
      group: `${group}, ${at}`,
      baseline: device === "CPU",
      ...(device === "GPU" ? { warmup: 2, n: 10 } : {}),
    });
    Deno.bench(`crop & fill ${device}`, opts("crop & fill"), async () => {
      await k.cropAndFill({ image, masks, boxes });
    });
    Deno.bench(`blur outside ${device}`, opts("blur outside"), async () => {
      await k.blurOutside({ image, masks, boxes });
    });
    Deno.bench(
      `crop & fill + blur outside ${device}, new arrays`,
      opts("crop & fill + blur outside"),
      async () => {
        await Promise.all([
          k.cropAndFill({ image, masks, boxes }),
          k.blurOutside({ image, masks, boxes }),
        ]);
      },
    );
    Deno.bench(
      `crop & fill + blur outside ${device}, into one tensor`,
      opts("crop & fill + blur outside"),
      async () => {
        await Promise.all([
          k.cropAndFill({
            image,
            masks,
            boxes,
            output: tensor.subarray(views),
          }),
          k.blurOutside({
            image,
            masks,
            boxes,
            output: tensor.subarray(0, views),
          }),
        ]);
      },
    );
    const onDevice = k.onDevice;
    if (onDevice) {
      // The pipeline's path with a webgpu CLIP: both views stay in one GPU
      // buffer; the time runs until the GPU has finished them (one wait,
      // which under Deno 2.9 costs a readback's 10 ms floor).
      const ctx = await onDevice.context();
      const buffer = ctx.buffers.acquire("storage", 2 * views * 4);
      Deno.bench(
        `crop & fill + blur outside ${device}, kept on the GPU`,
        opts("crop & fill + blur outside"),
        async () => {
          await onDevice.blurOutside(ctx, { image, masks, boxes }, { buffer });
          await onDevice.cropAndFill(ctx, { image, masks, boxes }, {
            buffer,
            offset: views * 4,
          });
          await ctx.device.queue.onSubmittedWorkDone();
        },
      );
      // Several images in flight, as an evaluation could run them: the
      // readback waits overlap, so this is the time of four images.
      Deno.bench(
        `crop & fill + blur outside ${device}, 4 images in flight`,
        opts("crop & fill + blur outside, 4 images"),
        async () => {
          await Promise.all(
            [0, 1, 2, 3].map(() =>
              Promise.all([
                k.cropAndFill({ image, masks, boxes }),
                k.blurOutside({ image, masks, boxes }),
              ])
            ),
          );
        },
      );
    }
    if (device === "CPU") {
      Deno.bench(
        `crop & fill + blur outside ${device}, 4 images`,
        opts("crop & fill + blur outside, 4 images"),
        async () => {
          for (let i = 0; i < 4; i++) {
            await Promise.all([
              k.cropAndFill({ image, masks, boxes }),
              k.blurOutside({ image, masks, boxes }),
            ]);
          }
        },
      );
    }
    Deno.bench(
      `mask logits ${device}, ${PROPOSALS} masks 256x256 -> ${width}x${height}`,
      opts("mask logits"),
      async () => {
        await k.decodeMaskLogits({
          logits,
          count: PROPOSALS,
          lowWidth: 256,
          lowHeight: 256,
          validWidth: 256,
          validHeight: 192,
          frameWidth: 1024,
          frameHeight: 1024,
          width,
          height,
        });
      },
    );
    Deno.bench(
      `pairwise mask IoU ${device}`,
      opts("pairwise IoU"),
      async () => {
        await k.pairwiseMaskIou({ masks, width, height });
      },
    );
    Deno.bench(`mask overlaps ${device}`, opts("mask overlaps"), async () => {
      await k.maskOverlaps({ predicted: masks, truths, width, height });
    });
  }
}

const devices: [string, Kernels][] = [["CPU", CPU_KERNELS]];
if (gpu) devices.push(["GPU", gpu]);
for (const [device, k] of devices) {
  Deno.bench(
    `cosine ${device}, ${PROPOSALS} x ${SENTENCES}, D = ${DIM}`,
    {
      group: "cosine",
      baseline: device === "CPU",
      ...(device === "GPU" ? { warmup: 2, n: 20 } : {}),
    },
    async () => {
      await k.cosineSimilarity({ proposals, sentences, dim: DIM });
    },
  );
}
