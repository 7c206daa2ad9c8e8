/**
 * CPU twin of the mask-logits kernel (see contract.ts). Separable: each
 * needed low-resolution row is interpolated horizontally once (three taps
 * per output pixel), then output rows blend three such rows, and
 * thresholds, areas and boxes are counted in the same loop.
 *
 * @module
 */

import {
  checkMaskLogitsInput,
  type DecodedMasks,
  type MaskLogitsInput,
  shapeTaps,
} from "./contract.ts";

/**
 * Upsamples, thresholds and measures N masks of SAM logits on the CPU.
 *
 * @example
 * ```ts
 * // Three masks of SAM's 256 x 256 logits for a 160 x 120 image (resized
 * // to 1024 x 768 in a 1024 x 1024 frame); here all three positive.
 * const logits = new Float32Array(3 * 256 * 256).fill(1);
 * const out = decodeMaskLogits({
 *   logits, count: 3, lowWidth: 256, lowHeight: 256,
 *   validWidth: 256, validHeight: 192, width: 160, height: 120,
 *   frameWidth: 1024, frameHeight: 1024,
 * });
 * out.masks.subarray(0, 160 * 120); // first mask
 * ```
 */
export function decodeMaskLogits(input: MaskLogitsInput): DecodedMasks {
  checkMaskLogitsInput(input);
  const { logits, count, lowWidth, lowHeight, width, height } = input;
  const threshold = input.threshold ?? 0;
  const offset = input.stabilityOffset ?? 1;
  const hi = threshold + offset;
  const lo = threshold - offset;
  const { xs, ys } = shapeTaps(input);
  const rowsNeeded = ys.i2[height - 1] + 1;

  const masks = new Uint8Array(count * width * height);
  const areas = new Uint32Array(count);
  const stability = new Float32Array(count);
  const boxes = new Int32Array(count * 4);
  const rows = new Float32Array(rowsNeeded * width);
  const rowLive = new Uint8Array(rowsNeeded);
  const rowNeeded = new Uint8Array(rowsNeeded);
  const outLive = new Uint8Array(height);
  const plane = lowWidth * lowHeight;

  for (let m = 0; m < count; m++) {
    const base = m * plane;
    // Interpolated values never exceed their taps (the weights are
    // non-negative and sum to one): output rows whose source rows hold
    // only logits at or below the low threshold are empty, and only the
    // source rows of the other output rows need interpolating.
    for (let r = 0; r < rowsNeeded; r++) {
      const src = base + r * lowWidth;
      let max = -Infinity;
      for (let x = 0; x < lowWidth; x++) {
        if (logits[src + x] > max) max = logits[src + x];
      }
      rowLive[r] = max > lo ? 1 : 0;
    }
    rowNeeded.fill(0);
    for (let y = 0; y < height; y++) {
      outLive[y] = rowLive[ys.i0[y]] | rowLive[ys.i1[y]] | rowLive[ys.i2[y]];
      if (outLive[y]) {
        rowNeeded[ys.i0[y]] = rowNeeded[ys.i1[y]] = rowNeeded[ys.i2[y]] = 1;
      }
    }
    for (let r = 0; r < rowsNeeded; r++) {
      if (!rowNeeded[r]) continue;
      const src = base + r * lowWidth;
      const dst = r * width;
      for (let x = 0; x < width; x++) {
        rows[dst + x] = xs.w0[x] * logits[src + xs.i0[x]] +
          xs.w1[x] * logits[src + xs.i1[x]] +
          xs.w2[x] * logits[src + xs.i2[x]];
      }
    }
    let nHi = 0, nLo = 0, area = 0;
    let x0 = width, y0 = height, x1 = -1, y1 = -1;
    const out = m * width * height;
    for (let y = 0; y < height; y++) {
      if (!outLive[y]) continue;
      const r0 = ys.i0[y] * width;
      const r1 = ys.i1[y] * width;
      const r2 = ys.i2[y] * width;
      const wa = ys.w0[y], wb = ys.w1[y], wc = ys.w2[y];
      const o = out + y * width;
      let rowMin = width, rowMax = -1;
      for (let x = 0; x < width; x++) {
        const v = wa * rows[r0 + x] + wb * rows[r1 + x] + wc * rows[r2 + x];
        if (v > lo) {
          nLo++;
          if (v > hi) nHi++;
          if (v > threshold) {
            masks[o + x] = 1;
            area++;
            if (x < rowMin) rowMin = x;
            rowMax = x;
          }
        }
      }
      if (rowMax >= 0) {
        if (y < y0) y0 = y;
        y1 = y;
        if (rowMin < x0) x0 = rowMin;
        if (rowMax > x1) x1 = rowMax;
      }
    }
    areas[m] = area;
    stability[m] = nLo > 0 ? nHi / nLo : 0;
    if (area > 0) boxes.set([x0, y0, x1 + 1, y1 + 1], m * 4);
  }
  return { masks, areas, stability, boxes };
}
