/**
 * WebGPU host code of the pairwise mask-IoU kernel (see contract.ts): the
 * mask bytes go up in chunks, are packed into bits on the GPU, and the
 * intersection counts of all pairs come back in one readback; the IoU is
 * divided out on the host exactly as the CPU twin does.
 *
 * @module
 */

import { checkMasks } from "../clip_views.ts";
import { chunks, runBatch } from "../_gpu_batch.ts";
import { type GpuContext, GpuKernelError } from "../gpu_device.ts";
import { iouFromCounts, type PairwiseIouInput, rowWords } from "./contract.ts";
import { MASK_PAIRWISE_IOU_WGSL } from "./_mask_pairwise_iou.wgsl.ts";

/**
 * The N x N IoU matrix of N masks on the GPU; same contract and results as
 * the CPU twin `pairwiseMaskIou`.
 *
 * @example
 * ```ts
 * const iou = await pairwiseMaskIouGpu(await gpuContext(), { masks, width, height });
 * ```
 */
export async function pairwiseMaskIouGpu(
  ctx: GpuContext,
  input: PairwiseIouInput,
): Promise<Float32Array> {
  const { masks, width, height } = input;
  checkMasks(masks, width, height);
  const n = masks.count, pixels = width * height;
  if (n === 0) return new Float32Array(0);
  const ww = rowWords(width), words = height * ww;
  const [pack, pairs] = await Promise.all([
    ctx.pipeline(MASK_PAIRWISE_IOU_WGSL, "pack"),
    ctx.pipeline(MASK_PAIRWISE_IOU_WGSL, "pairs"),
  ]);
  const inter = new Uint32Array(n * n);
  if (n * words * 4 > ctx.maxBindingBytes || n * n * 4 > ctx.maxBindingBytes) {
    throw new GpuKernelError(
      `mask_pairwise_iou: ${n} masks of ${width}x${height} need more than one storage binding (${ctx.maxBindingBytes} bytes); compare fewer masks per call.`,
    );
  }
  await runBatch(ctx, "mask_pairwise_iou", (batch) => {
    const bits = batch.storage(n * words * 4);
    const counts = batch.storage(n * n * 4);
    const globals = new Uint32Array([width, height, ww, words, n, 0, 0, 0]);
    for (const part of chunks(n, pixels, ctx.maxBindingBytes)) {
      globals[5] = part.start;
      globals[6] = part.count;
      batch.dispatch(pack, {
        0: batch.upload(
          masks.data.subarray(
            part.start * pixels,
            (part.start + part.count) * pixels,
          ),
        ),
        1: bits,
        3: batch.upload(globals, "uniform"),
      }, [Math.ceil(words / 256), part.count, 1]);
    }
    const blocks = Math.ceil(n / 16);
    batch.dispatch(pairs, {
      1: bits,
      2: counts,
      3: batch.upload(globals, "uniform"),
    }, [blocks, blocks, 1]);
    batch.read(
      counts,
      n * n * 4,
      (bytes) => inter.set(new Uint32Array(bytes, 0, n * n)),
    );
  });
  const areas = new Float64Array(n);
  for (let i = 0; i < n; i++) areas[i] = inter[i * n + i];
  return iouFromCounts(n, areas, inter);
}
