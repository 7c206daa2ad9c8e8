/**
 * Contract of the cosine-similarity kernel: N proposal vectors against E
 * sentence vectors of dimension D, giving an E x N matrix.
 *
 * @module
 */

/** Input of the cosine kernel. */
export interface CosineInput {
  /** N x D, row-major. */
  readonly proposals: Float32Array;
  /** E x D, row-major. */
  readonly sentences: Float32Array;
  /** Vector dimension D. */
  readonly dim: number;
}

/** Checks the shapes and returns N and E. */
export function cosineShape(input: CosineInput): { n: number; e: number } {
  const { proposals, sentences, dim } = input;
  if (!(Number.isInteger(dim) && dim > 0)) {
    throw new RangeError(
      `Vector dimension must be a positive integer, got ${dim}.`,
    );
  }
  if (proposals.length % dim !== 0 || sentences.length % dim !== 0) {
    throw new RangeError(
      `Vectors of ${proposals.length} and ${sentences.length} values are not whole multiples of dimension ${dim}.`,
    );
  }
  return { n: proposals.length / dim, e: sentences.length / dim };
}
