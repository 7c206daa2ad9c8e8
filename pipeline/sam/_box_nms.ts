/**
 * Greedy non-maximum suppression over axis-aligned boxes, as SAM's
 * automatic mask generator uses to drop duplicate proposals.
 *
 * @module
 */

/** IoU of boxes a and b, each [x0, y0, x1, y1] at offsets ia and ib of `boxes`. */
export function boxIou(
  boxes: ArrayLike<number>,
  ia: number,
  ib: number,
): number {
  const ax0 = boxes[ia],
    ay0 = boxes[ia + 1],
    ax1 = boxes[ia + 2],
    ay1 = boxes[ia + 3];
  const bx0 = boxes[ib],
    by0 = boxes[ib + 1],
    bx1 = boxes[ib + 2],
    by1 = boxes[ib + 3];
  const iw = Math.min(ax1, bx1) - Math.max(ax0, bx0);
  const ih = Math.min(ay1, by1) - Math.max(ay0, by0);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Keeps boxes in order of decreasing score, dropping every box whose IoU
 * with an already kept one exceeds `iouThreshold`. Returns the kept
 * indices, best first. Ties keep the lower index first.
 *
 * @example
 * ```ts
 * boxNms([0, 0, 10, 10, 1, 1, 10, 10, 20, 20, 30, 30], [0.9, 0.8, 0.7], 0.7); // [0, 2]
 * ```
 */
export function boxNms(
  boxes: ArrayLike<number>,
  scores: ArrayLike<number>,
  iouThreshold: number,
): number[] {
  const n = scores.length;
  if (boxes.length !== n * 4) {
    throw new RangeError(
      `boxNms() got ${boxes.length / 4} boxes for ${n} scores.`,
    );
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    scores[b] - scores[a] || a - b
  );
  return greedyNms(
    order,
    (i, k) => boxIou(boxes, i * 4, k * 4),
    iouThreshold,
  );
}

/**
 * The greedy rule of NMS: walks `order` (best first) and keeps each index
 * whose overlap with every index kept before it is at most `threshold`.
 * Returns the kept indices in order.
 *
 * @example
 * ```ts
 * greedyNms([2, 0, 1], (a, b) => (a + b === 1 ? 0.9 : 0), 0.5); // [2, 0]
 * ```
 */
export function greedyNms(
  order: Iterable<number>,
  overlap: (candidate: number, kept: number) => number,
  threshold: number,
): number[] {
  const kept: number[] = [];
  for (const i of order) {
    if (kept.every((k) => overlap(i, k) <= threshold)) kept.push(i);
  }
  return kept;
}
