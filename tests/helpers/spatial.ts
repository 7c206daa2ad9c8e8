/**
 * Candidates for the spatial selectors' tests: a builder and a small scene.
 *
 * @example
 * ```ts
 * const cats = [candidate(10, 20, 50, 40, 0.3), candidate(200, 20, 50, 40, 0.28)];
 * ```
 *
 * @module
 */

import type { ExtendedCandidate } from "../../pipeline/spatial/extended.ts";

/** A candidate with box [x, y, w, h], its score and any other fields given. */
export function candidate(
  x: number,
  y: number,
  w: number,
  h: number,
  score: number,
  extra: Partial<ExtendedCandidate> = {},
): ExtendedCandidate {
  return { box: [x, y, w, h], score, ...extra };
}

/** Three zebras in a row (best score in the middle), grass and sky; 640x480. */
export const ZEBRAS: readonly ExtendedCandidate[] = [
  candidate(260, 200, 120, 100, 0.31), // 0: middle
  candidate(40, 210, 120, 100, 0.29), // 1: left
  candidate(480, 205, 120, 100, 0.3), // 2: right
  candidate(0, 300, 640, 180, 0.2), // 3: grass
  candidate(0, 0, 640, 150, 0.18), // 4: sky
];
