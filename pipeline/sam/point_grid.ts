/**
 * The point prompts of SAM's automatic mask generator: an n x n grid of
 * cell centres over the image.
 *
 * @module
 */

/**
 * Builds an n x n grid of points in normalised [0, 1] coordinates, one at
 * the centre of each cell, row by row: [x0, y0, x1, y1, ...].
 *
 * @example
 * ```ts
 * buildPointGrid(2); // Float32Array [0.25, 0.25, 0.75, 0.25, 0.25, 0.75, 0.75, 0.75]
 * ```
 */
export function buildPointGrid(pointsPerSide: number): Float32Array {
  if (!Number.isInteger(pointsPerSide) || pointsPerSide < 1) {
    throw new RangeError(
      `points per side must be a positive integer, got ${pointsPerSide}.`,
    );
  }
  const n = pointsPerSide;
  const out = new Float32Array(n * n * 2);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      const i = (row * n + col) * 2;
      out[i] = (col + 0.5) / n;
      out[i + 1] = (row + 0.5) / n;
    }
  }
  return out;
}
