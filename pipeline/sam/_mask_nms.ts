/**
 * Mask NMS: greedy suppression by the IoU of the masks themselves, for the
 * proposals that box NMS let through. Box IoU only approximates mask IoU:
 * two masks of one object can have boxes that differ by a thin protrusion
 * and both survive box NMS, then both cost CLIP views. The IoU matrix
 * comes from the pairwise mask-IoU kernel, on the GPU or its CPU twin.
 *
 * @module
 */

import type { Kernels } from "../../kernels/kernels.ts";
import { greedyNms } from "./_box_nms.ts";
import type { Proposal } from "./types.ts";

/**
 * Greedy NMS over an n x n IoU matrix (row-major) whose rows come in order
 * of preference: keeps each index whose IoU with every index kept before
 * it is at most `iouThreshold`. Returns the kept indices in order.
 *
 * @example
 * ```ts
 * nmsByMatrix(Float32Array.of(1, 0.9, 0, 0.9, 1, 0, 0, 0, 1), 3, 0.8); // [0, 2]
 * ```
 */
export function nmsByMatrix(
  iou: ArrayLike<number>,
  n: number,
  iouThreshold: number,
): number[] {
  if (iou.length !== n * n) {
    throw new RangeError(
      `nmsByMatrix() got ${iou.length} IoU values for ${n} masks (needs ${
        n * n
      }).`,
    );
  }
  return greedyNms(
    Array.from({ length: n }, (_, i) => i),
    (i, k) => iou[i * n + k],
    iouThreshold,
  );
}

/**
 * Drops every proposal whose mask IoU with a better one (earlier in
 * `proposals`, which come best first) exceeds `iouThreshold`; 1 keeps all
 * without computing anything. Keeps the order.
 *
 * @example
 * ```ts
 * const kept = await maskNms(proposals, width, height, 0.9, CPU_KERNELS);
 * ```
 */
export async function maskNms(
  proposals: readonly Proposal[],
  width: number,
  height: number,
  iouThreshold: number,
  kernels: Pick<Kernels, "pairwiseMaskIou">,
): Promise<Proposal[]> {
  if (iouThreshold >= 1 || proposals.length < 2) return [...proposals];
  const pixels = width * height;
  const data = new Uint8Array(proposals.length * pixels);
  proposals.forEach((p, i) => data.set(p.mask, i * pixels));
  const iou = await kernels.pairwiseMaskIou({
    masks: { data, count: proposals.length },
    width,
    height,
  });
  return nmsByMatrix(iou, proposals.length, iouThreshold).map((i) =>
    proposals[i]
  );
}
