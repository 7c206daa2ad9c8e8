/**
 * CPU twin of the cosine-similarity kernel (see contract.ts).
 *
 * @module
 */

import { type CosineInput, cosineShape } from "./contract.ts";

/** Euclidean norms of the rows of an R x D matrix. */
function rowNorms(m: Float32Array, dim: number): Float64Array {
  const out = new Float64Array(m.length / dim);
  for (let r = 0; r < out.length; r++) {
    let s = 0;
    for (let k = r * dim; k < (r + 1) * dim; k++) s += m[k] * m[k];
    out[r] = Math.sqrt(s);
  }
  return out;
}

/**
 * Cosine similarity of every sentence vector with every proposal vector:
 * E x N, row-major (0 where a vector is all zeros).
 *
 * @example
 * ```ts
 * const dim = 2, n = 2;
 * const proposals = new Float32Array([1, 0, 0, 1]); // N x D
 * const sentences = new Float32Array([1, 1]); // E x D
 * const s = cosineSimilarity({ proposals, sentences, dim });
 * const e = 0, i = 1;
 * s[e * n + i]; // sentence e against proposal i: 0.7071
 * ```
 */
export function cosineSimilarity(input: CosineInput): Float32Array {
  const { n, e } = cosineShape(input);
  const { proposals: p, sentences: s, dim } = input;
  const pn = rowNorms(p, dim), sn = rowNorms(s, dim);
  const out = new Float32Array(e * n);
  for (let j = 0; j < e; j++) {
    for (let i = 0; i < n; i++) {
      let dot = 0;
      const a = i * dim, b = j * dim;
      for (let k = 0; k < dim; k++) dot += p[a + k] * s[b + k];
      const denom = pn[i] * sn[j];
      out[j * n + i] = denom > 0 ? dot / denom : 0;
    }
  }
  return out;
}
