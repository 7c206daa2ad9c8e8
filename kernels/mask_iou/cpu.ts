/**
 * CPU twin of the mask IoU kernel: intersection and union of a predicted
 * mask with a ground-truth mask of the same size (nonzero = inside).
 *
 * @module
 */

import {
  checkOverlapsInput,
  type MaskOverlaps,
  type MaskOverlapsInput,
} from "./contract.ts";

/** Intersection, union and their ratio (0 when the union is empty). */
export interface MaskOverlap {
  /** Pixels inside both masks. */
  readonly intersection: number;
  /** Pixels inside either mask. */
  readonly union: number;
  /** intersection / union; 0 when the union is empty. */
  readonly iou: number;
}

/**
 * Compares two masks pixel by pixel.
 *
 * @example
 * ```ts
 * maskIou(Uint8Array.of(1, 1, 0), Uint8Array.of(0, 1, 1)); // { intersection: 1, union: 3, iou: 1/3 }
 * ```
 */
export function maskIou(
  predicted: ArrayLike<number>,
  truth: ArrayLike<number>,
): MaskOverlap {
  if (predicted.length !== truth.length) {
    throw new RangeError(
      `Masks differ in size: ${predicted.length} vs ${truth.length} pixels; compare them at the image's full size.`,
    );
  }
  let intersection = 0, union = 0;
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i] !== 0, t = truth[i] !== 0;
    if (p && t) intersection++;
    if (p || t) union++;
  }
  return { intersection, union, iou: union > 0 ? intersection / union : 0 };
}

/**
 * Intersection and union of K (prediction, ground truth) pairs at once:
 * the batched form of {@linkcode maskIou}, and the CPU twin of the GPU
 * kernel of the same contract (see contract.ts).
 *
 * @example
 * ```ts
 * // Two predicted and two true masks of a 2 x 2 image, one a row.
 * const width = 2, height = 2;
 * const predictions = new Uint8Array([1, 1, 0, 0, 1, 0, 1, 0]);
 * const truths = new Uint8Array([1, 1, 0, 0, 0, 0, 0, 1]);
 * const { intersections, unions } = maskOverlaps({
 *   predicted: { data: predictions, count: 2 },
 *   truths: { data: truths, count: 2 },
 *   width,
 *   height,
 * });
 * intersections[0] / unions[0]; // 1: the first pair is the same mask
 * ```
 */
export function maskOverlaps(input: MaskOverlapsInput): MaskOverlaps {
  checkOverlapsInput(input);
  const { predicted, truths, width, height } = input;
  const pixels = width * height;
  const intersections = new Uint32Array(predicted.count);
  const unions = new Uint32Array(predicted.count);
  const p = predicted.data, t = truths.data;
  for (let k = 0; k < predicted.count; k++) {
    let i = 0, u = 0;
    for (let q = k * pixels, end = q + pixels; q < end; q++) {
      const a = p[q] !== 0, b = t[q] !== 0;
      if (a || b) {
        u++;
        if (a && b) i++;
      }
    }
    intersections[k] = i;
    unions[k] = u;
  }
  return { intersections, unions };
}
