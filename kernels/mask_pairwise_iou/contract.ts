/**
 * Contract of the pairwise mask-IoU kernel: the IoU of every pair of N
 * binary masks of one image (for mask NMS and duplicate checks), as an
 * N x N matrix. Both twins count intersections exactly (integers) and
 * divide on the host, so their results are identical.
 *
 * @module
 */

import type { MaskBatch } from "../clip_views.ts";

/** Input of the pairwise mask-IoU kernel. */
export interface PairwiseIouInput {
  /** N masks of width x height bytes, non-zero inside. */
  readonly masks: MaskBatch;
  /** Image width. */
  readonly width: number;
  /** Image height. */
  readonly height: number;
}

/** Bits of one mask row: 32 pixels per word. */
export function rowWords(width: number): number {
  return Math.ceil(width / 32);
}

/**
 * The N x N IoU matrix from the masks' areas and the intersection counts
 * `inter[i * n + j]` for i <= j (the lower triangle is not read): row-major,
 * symmetric, 0 where the union is empty.
 */
export function iouFromCounts(
  n: number,
  areas: ArrayLike<number>,
  inter: ArrayLike<number>,
): Float32Array {
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const k = inter[i * n + j];
      const union = areas[i] + areas[j] - k;
      const v = union > 0 ? k / union : 0;
      out[i * n + j] = v;
      out[j * n + i] = v;
    }
  }
  return out;
}
