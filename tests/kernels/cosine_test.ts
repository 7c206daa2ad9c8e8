import assert from "node:assert/strict";
import { cosineSimilarity } from "../../kernels/cosine/cpu.ts";
import { seededValues } from "../helpers/tiny_model.ts";

Deno.test("cosineSimilarity() equals the normalised dot product", () => {
  const dim = 7, n = 5, e = 3;
  const p = seededValues(n * dim, 1), s = seededValues(e * dim, 2);
  const out = cosineSimilarity({ proposals: p, sentences: s, dim });
  assert.equal(out.length, e * n);
  for (let j = 0; j < e; j++) {
    for (let i = 0; i < n; i++) {
      let dot = 0, a = 0, b = 0;
      for (let k = 0; k < dim; k++) {
        dot += p[i * dim + k] * s[j * dim + k];
        a += p[i * dim + k] ** 2;
        b += s[j * dim + k] ** 2;
      }
      assert.ok(Math.abs(out[j * n + i] - dot / Math.sqrt(a * b)) < 1e-5);
    }
  }
});

Deno.test("cosineSimilarity() is 1 for parallel, -1 for opposite and 0 for zero vectors", () => {
  const out = cosineSimilarity({
    proposals: Float32Array.of(2, 0, -3, 0, 0, 0),
    sentences: Float32Array.of(1, 0, 1.5, 0),
    dim: 2,
  });
  assert.deepEqual([...out], [1, -1, 0, 1, -1, 0]);
});

Deno.test("cosineSimilarity() rejects vectors that do not fit the dimension", () => {
  assert.throws(
    () =>
      cosineSimilarity({
        proposals: new Float32Array(5),
        sentences: new Float32Array(4),
        dim: 2,
      }),
    /multiples of dimension 2/,
  );
});
