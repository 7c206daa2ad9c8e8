/**
 * Coarse-to-fine pruning of the automatic generator's point prompts: the
 * decoder first sees every other point of the grid on each axis, then only
 * the remaining points that no mask kept so far covers. A point inside a
 * kept mask would mostly propose that mask again, at one decoder call each.
 *
 * @module
 */

import type { MaskCandidate } from "./postprocess.ts";

/** The prompts of an n x n grid split into the two passes of pruning. */
export interface PromptPasses {
  /** Indices (row-major) of the first pass: even rows and even columns. */
  readonly coarse: readonly number[];
  /** Every other index, row-major: decoded only where still uncovered. */
  readonly fine: readonly number[];
}

/**
 * Splits the prompts of an n x n grid (row-major, as `buildPointGrid`)
 * into a coarse pass (every other point on each axis, from the first) and
 * the rest.
 *
 * @example
 * ```ts
 * splitPromptPasses(3).coarse; // [0, 2, 6, 8]
 * splitPromptPasses(3).fine; // [1, 3, 4, 5, 7]
 * ```
 */
export function splitPromptPasses(pointsPerSide: number): PromptPasses {
  const coarse: number[] = [], fine: number[] = [];
  for (let row = 0; row < pointsPerSide; row++) {
    for (let col = 0; col < pointsPerSide; col++) {
      const i = row * pointsPerSide + col;
      (row % 2 === 0 && col % 2 === 0 ? coarse : fine).push(i);
    }
  }
  return { coarse, fine };
}

/**
 * Whether a candidate's mask holds the pixel under point (x, y), in image
 * pixels.
 *
 * @example
 * ```ts
 * const candidate = {
 *   crop: new Uint8Array([1, 0]),
 *   box: [4, 2, 6, 3] as [number, number, number, number],
 *   area: 1,
 *   predictedIou: 0.9,
 *   stability: 1,
 *   point: [4, 2] as [number, number],
 * };
 * maskCovers(candidate, 4.5, 2.5); // true
 * maskCovers(candidate, 5.5, 2.5); // false
 * ```
 */
export function maskCovers(c: MaskCandidate, x: number, y: number): boolean {
  const px = Math.floor(x), py = Math.floor(y);
  const [x0, y0, x1, y1] = c.box;
  if (px < x0 || px >= x1 || py < y0 || py >= y1) return false;
  return c.crop[(py - y0) * (x1 - x0) + (px - x0)] === 1;
}

/**
 * The prompts of `indices` whose point (in `points`, image pixels
 * [x0, y0, x1, y1, ...]) no candidate's mask covers, in their order.
 *
 * @example
 * ```ts
 * const candidate = {
 *   crop: new Uint8Array([1]),
 *   box: [0, 0, 1, 1] as [number, number, number, number],
 *   area: 1,
 *   predictedIou: 0.9,
 *   stability: 1,
 *   point: [0, 0] as [number, number],
 * };
 * const points = new Float32Array([0.5, 0.5, 1.5, 0.5]);
 * uncoveredPrompts([0, 1], points, [candidate]); // [1]
 * ```
 */
export function uncoveredPrompts(
  indices: readonly number[],
  points: Float32Array,
  candidates: readonly MaskCandidate[],
): number[] {
  return indices.filter((i) =>
    !candidates.some((c) => maskCovers(c, points[i * 2], points[i * 2 + 1]))
  );
}
