/**
 * Filter taps with one tap count for every output pixel, for the CPU
 * twins' inner loops (crop & fill's horizontal pass, blur outside's mask
 * coverage), which then run without a data-dependent count.
 *
 * @module
 */

import type { ResampleTaps } from "../pipeline/image/resample.ts";

/**
 * The taps `t` with `taps` taps for every output pixel (`taps` at least
 * every count of `t`, at most `inSize`): zero weights pad the short ones,
 * which are shifted left where they would run past the `inSize` source
 * pixels. Sums are unchanged, as the padding adds only 0 * (a finite
 * value). `maxTaps` and every count of the result are `taps`.
 *
 * @example
 * ```ts
 * const padded = uniformTaps(coverageTaps(224, 640), 4, 640);
 * padded.weights.length; // 224 * 4
 * ```
 */
export function uniformTaps(
  t: ResampleTaps,
  taps: number,
  inSize: number,
): ResampleTaps {
  const size = t.start.length;
  const start = new Int32Array(size);
  const count = new Int32Array(size).fill(taps);
  const weights = new Float32Array(size * taps);
  for (let o = 0; o < size; o++) {
    const s = Math.min(t.start[o], inSize - taps), lead = t.start[o] - s;
    for (let k = 0; k < t.count[o]; k++) {
      weights[o * taps + lead + k] = t.weights[o * t.maxTaps + k];
    }
    start[o] = s;
  }
  return { start, count, weights, maxTaps: taps };
}
