import assert from "node:assert/strict";
import { cosineSimilarity } from "../../kernels/cosine/cpu.ts";
import { cosineSimilarityGpu } from "../../kernels/cosine/_gpu.ts";
import { withBindingLimit } from "../../kernels/gpu_device.ts";
import { seededValues } from "../helpers/tiny_model.ts";
import { gpu, maxAbsDiff } from "./gpu_context.ts";

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

/**
 * GPU vs CPU tolerance: the GPU sums D products in f32 (four partial
 * sums), the CPU in f64; for unit-scale vectors the cosine's f32 error is
 * below 1e-6 at D = 768 (observed under 1e-7).
 */
const COSINE_TOLERANCE = 1e-6;

Deno.test({
  name:
    "cosineSimilarityGpu() matches the CPU twin at D = 512 and 768, N = 1 and 256",
  ignore: !gpu,
  async fn() {
    for (
      const [n, e, dim] of [[64, 4, 512], [1, 1, 512], [256, 7, 768], [5, 3, 7]]
    ) {
      const proposals = seededValues(n * dim, n + dim);
      const sentences = seededValues(e * dim, e + 3);
      proposals.fill(0, 0, dim); // a zero vector scores 0
      const input = { proposals, sentences, dim };
      const got = await cosineSimilarityGpu(gpu!, input);
      const want = cosineSimilarity(input);
      assert.ok(
        maxAbsDiff(got, want).diff <= COSINE_TOLERANCE,
        `${n}x${e}x${dim}`,
      );
      for (let j = 0; j < e; j++) assert.equal(got[j * n], 0);
    }
  },
});

Deno.test({
  name: "cosineSimilarityGpu() splits proposals over several bindings",
  ignore: !gpu,
  async fn() {
    const proposals = seededValues(300 * 512, 1),
      sentences = seededValues(2 * 512, 2);
    const input = { proposals, sentences, dim: 512 };
    const got = await cosineSimilarityGpu(
      withBindingLimit(gpu!, 64 * 1024),
      input,
    );
    assert.ok(
      maxAbsDiff(got, cosineSimilarity(input)).diff <= COSINE_TOLERANCE,
    );
  },
});
