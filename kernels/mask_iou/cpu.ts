/**
 * CPU twin of the mask IoU kernel: intersection and union of a predicted
 * mask with a ground-truth mask of the same size (nonzero = inside).
 *
 * @module
 */

/** Intersection, union and their ratio (0 when the union is empty). */
export interface MaskOverlap {
  readonly intersection: number;
  readonly union: number;
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
