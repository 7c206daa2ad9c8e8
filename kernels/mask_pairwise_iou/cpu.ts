/**
 * CPU twin of the pairwise mask-IoU kernel (see contract.ts): each mask is
 * packed into bits (32 pixels per word, row by row) with its area and
 * bounding rows and words; a pair's intersection is the population count
 * of the AND of its words over the overlap of the two bounds only.
 *
 * @module
 */

import { checkMasks } from "../clip_views.ts";
import { iouFromCounts, type PairwiseIouInput, rowWords } from "./contract.ts";

function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/**
 * The N x N IoU matrix of N masks (row-major, symmetric; 1 on the
 * diagonal for a non-empty mask, 0 for an empty one).
 *
 * @example
 * ```ts
 * // Three masks of a 2 x 2 image: top row, left column, top-left pixel.
 * const width = 2, height = 2;
 * const data = new Uint8Array([1, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0]);
 * const iou = pairwiseMaskIou({ masks: { data, count: 3 }, width, height });
 * iou[0 * 3 + 2]; // IoU of masks 0 and 2
 * ```
 */
export function pairwiseMaskIou(input: PairwiseIouInput): Float32Array {
  const { masks, width, height } = input;
  checkMasks(masks, width, height);
  const n = masks.count, pixels = width * height;
  const ww = rowWords(width), words = height * ww;
  const bits = new Int32Array(n * words);
  const areas = new Float64Array(n);
  // Bounds in rows and row words: [y0, y1) x [k0, k1); empty when y0 >= y1.
  const bounds = new Int32Array(n * 4);
  for (let m = 0; m < n; m++) {
    const src = masks.data;
    let area = 0, y0 = height, y1 = 0, k0 = ww, k1 = 0;
    for (let y = 0; y < height; y++) {
      const row = m * pixels + y * width, dst = m * words + y * ww;
      let any = false;
      for (let k = 0; k < ww; k++) {
        let v = 0;
        const x0 = k * 32, x1 = Math.min(x0 + 32, width);
        for (let x = x0; x < x1; x++) {
          if (src[row + x] !== 0) v |= 1 << (x - x0);
        }
        if (v !== 0) {
          bits[dst + k] = v;
          area += popcount(v);
          any = true;
          if (k < k0) k0 = k;
          if (k + 1 > k1) k1 = k + 1;
        }
      }
      if (any) {
        if (y < y0) y0 = y;
        y1 = y + 1;
      }
    }
    areas[m] = area;
    bounds.set([y0, y1, k0, k1], m * 4);
  }
  const inter = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    inter[i * n + i] = areas[i];
    for (let j = i + 1; j < n; j++) {
      const y0 = Math.max(bounds[i * 4], bounds[j * 4]);
      const y1 = Math.min(bounds[i * 4 + 1], bounds[j * 4 + 1]);
      const k0 = Math.max(bounds[i * 4 + 2], bounds[j * 4 + 2]);
      const k1 = Math.min(bounds[i * 4 + 3], bounds[j * 4 + 3]);
      let count = 0;
      for (let y = y0; y < y1; y++) {
        const a = i * words + y * ww, b = j * words + y * ww;
        for (let k = k0; k < k1; k++) {
          const v = bits[a + k] & bits[b + k];
          if (v !== 0) count += popcount(v);
        }
      }
      inter[i * n + j] = count;
    }
  }
  return iouFromCounts(n, areas, inter);
}
