/**
 * WebGPU host code of the batched mask-overlap kernel (see contract.ts):
 * uploads the pairs in chunks that fit a storage binding, runs
 * mask_iou.wgsl.ts, and reads every pair's counts back once.
 *
 * @module
 */

import { chunks, runBatch } from "../_gpu_batch.ts";
import type { GpuContext } from "../gpu_device.ts";
import {
  checkOverlapsInput,
  type MaskOverlaps,
  type MaskOverlapsInput,
} from "./contract.ts";
import { MASK_IOU_WGSL } from "./_mask_iou.wgsl.ts";

/** Workgroups along a pair's pixels at most; more pixels are walked with a stride. */
const MAX_GROUPS_X = 256;

/**
 * Intersection and union of K (prediction, ground truth) pairs on the GPU;
 * same contract and results as the CPU twin `maskOverlaps`.
 *
 * @example
 * ```ts
 * const { intersections, unions } = await maskOverlapsGpu(await gpuContext(), input);
 * ```
 */
export async function maskOverlapsGpu(
  ctx: GpuContext,
  input: MaskOverlapsInput,
): Promise<MaskOverlaps> {
  checkOverlapsInput(input);
  const { predicted, truths, width, height } = input;
  const pixels = width * height, count = predicted.count;
  const intersections = new Uint32Array(count);
  const unions = new Uint32Array(count);
  if (count === 0 || pixels === 0) return { intersections, unions };
  const pipeline = await ctx.pipeline(MASK_IOU_WGSL, "overlaps");
  const groupsX = Math.min(Math.ceil(pixels / 256), MAX_GROUPS_X);
  await runBatch(ctx, "mask_iou", (batch) => {
    const counts = batch.storage(count * 8);
    batch.clear(counts, 0, Math.ceil(count * 8 / 256) * 256);
    for (const part of chunks(count, pixels, ctx.maxBindingBytes)) {
      const range = [part.start * pixels, (part.start + part.count) * pixels];
      batch.dispatch(pipeline, {
        0: batch.upload(predicted.data.subarray(range[0], range[1])),
        1: batch.upload(truths.data.subarray(range[0], range[1])),
        2: counts,
        3: batch.upload(
          Uint32Array.of(pixels, groupsX, part.start, 0),
          "uniform",
        ),
      }, [groupsX, part.count, 1]);
    }
    batch.read(counts, count * 8, (bytes) => {
      const both = new Uint32Array(bytes, 0, count * 2);
      for (let k = 0; k < count; k++) {
        intersections[k] = both[2 * k];
        unions[k] = both[2 * k + 1];
      }
    });
  });
  return { intersections, unions };
}
