/**
 * Filter taps of the crop & fill kernel, shared by its CPU twin and its
 * WebGPU host code: the antialiased triangle filter of
 * `pipeline/image/resample.ts`, with the zero-weight taps at either end
 * of each output pixel dropped. Dropping them changes no result (adding
 * 0 * x leaves a sum as it is) and saves about a quarter of the work.
 *
 * @module
 */

import {
  type ResampleTaps,
  resampleTaps,
} from "../../pipeline/image/resample.ts";

/** Taps of one axis with the source span they read. */
export interface CropTaps extends ResampleTaps {
  /** First source index any output pixel reads. */
  readonly lo: number;
  /** One past the last source index any output pixel reads. */
  readonly hi: number;
}

/**
 * Taps mapping the source span [offset, offset + length) of an axis of
 * `inSize` pixels onto `outSize` output pixels, zero-weight ends dropped.
 * The taps stay inside the span's pixels, as when the span is cropped and
 * then resized (torchvision's resized_crop, the reference's local view);
 * `antialias` as in `resampleTaps` (default true).
 *
 * @example
 * ```ts
 * const xt = cropTaps(640, 100, 320, 224);
 * xt.start[0]; // first source pixel of output pixel 0
 * ```
 */
export function cropTaps(
  inSize: number,
  offset: number,
  length: number,
  outSize: number,
  antialias = true,
): CropTaps {
  const t = resampleTaps(inSize, offset, length, outSize, {
    within: { lo: Math.floor(offset), hi: Math.ceil(offset + length) },
    antialias,
  });
  const { start, count, weights, maxTaps } = t;
  let lo = inSize, hi = 0;
  for (let o = 0; o < outSize; o++) {
    const base = o * maxTaps;
    let a = 0, b = count[o];
    while (a < b - 1 && weights[base + a] === 0) a++;
    while (b > a + 1 && weights[base + b - 1] === 0) b--;
    if (a > 0) {
      weights.copyWithin(base, base + a, base + b);
      weights.fill(0, base + b - a, base + maxTaps);
    }
    start[o] += a;
    count[o] = b - a;
    if (start[o] < lo) lo = start[o];
    if (start[o] + count[o] > hi) hi = start[o] + count[o];
  }
  return { start, count, weights, maxTaps, lo, hi };
}
