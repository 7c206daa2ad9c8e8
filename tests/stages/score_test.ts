import assert from "node:assert/strict";
import { CPU_KERNELS, type Kernels } from "../../kernels/kernels.ts";
import type { CosineInput } from "../../kernels/cosine/contract.ts";
import { createRgbaImage } from "../../pipeline/image/rgba.ts";
import type { Proposal } from "../../pipeline/sam/mask_generator.ts";
import type { TextFeatures } from "../../pipeline/stages/embed_text.ts";
import { fromItems, type ImageJob } from "../../pipeline/stages/job.ts";
import type { Proposed } from "../../pipeline/stages/propose.ts";
import type { WithRegions } from "../../pipeline/stages/regions.ts";
import { scoreMatrices, scoreStage } from "../../pipeline/stages/score.ts";
import type { WithText } from "../../pipeline/stages/embed_text.ts";

type ScoreJob = ImageJob & Proposed & WithRegions & WithText;

const DIM = 3;

function proposal(i: number): Proposal {
  return {
    mask: new Uint8Array(4),
    box: [i, 0, 1, 1],
    area: 1,
    predictedIou: 0.9,
    stability: 0.95,
    point: [i, 0],
  };
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  for (let k = 0; k < a.length; k++) {
    dot += a[k] * b[k];
    na += a[k] * a[k];
    nb += b[k] * b[k];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/** Two sentences, three proposals, dimension 3; sentence 1 has no noun phrase, sentence 0 no anchor. */
function job(overrides: Partial<TextFeatures> = {}): ScoreJob {
  const text: TextFeatures = {
    features: Float32Array.from([1, 0, 0, 0.2, 1, 0.5]),
    phrases: Float32Array.from([0.5, 0.5, 0, 0, 0, 0]),
    hasPhrase: [true, false],
    anchors: Float32Array.from([0, 0, 0, 0, 0.3, 1]),
    hasAnchor: [false, true],
    dim: DIM,
    truncated: [false, false],
    tokenCounts: [5, 6],
    ...overrides,
  };
  return {
    id: 1,
    image: createRgbaImage(4, 1),
    sentences: ["a", "b"],
    timings: {},
    proposals: [0, 1, 2].map(proposal),
    regions: {
      global: Float32Array.from([1, 0, 0, 0, 1, 0, 1, 1, 1]),
      local: Float32Array.from([0, 1, 0, 0, 0, 1, -1, 0, 2]),
      globals: {},
      dim: DIM,
    },
    text,
  };
}

const cpuCosine = (i: CosineInput) => CPU_KERNELS.cosineSimilarity(i);

/** The E x N matrix of cosines of `rows` with the proposals' mixed views, computed directly. */
function direct(j: ScoreJob, rows: Float32Array, alpha: number): number[] {
  const { global, local } = j.regions;
  const n = j.proposals.length, e = j.sentences.length;
  const out: number[] = [];
  for (let s = 0; s < e; s++) {
    for (let i = 0; i < n; i++) {
      const v = Array.from(
        { length: DIM },
        (_, k) =>
          alpha * global[i * DIM + k] + (1 - alpha) * local[i * DIM + k],
      );
      out.push(cosine(rows.subarray(s * DIM, (s + 1) * DIM), v));
    }
  }
  return out;
}

function assertClose(actual: Float32Array, expected: number[], what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((v, k) =>
    assert.ok(
      Math.abs(v - expected[k]) <= 1e-6,
      `${what}[${k}]: ${v} vs ${expected[k]}`,
    )
  );
}

Deno.test("scoreMatrices() gives the cosines of sentences, noun phrases and anchors with the mixed views", async () => {
  const j = job();
  for (const alpha of [0.85, 0.3]) {
    const m = await scoreMatrices(j, alpha, cpuCosine);
    assertClose(m.scores, direct(j, j.text.features, alpha), "scores");
    assertClose(
      m.phraseScores,
      direct(j, j.text.phrases, alpha),
      "phraseScores",
    );
    assertClose(
      m.anchorScores,
      direct(j, j.text.anchors, alpha),
      "anchorScores",
    );
  }
});

Deno.test("scoreMatrices() gives 0 rows where a sentence has no noun phrase or anchor", async () => {
  const m = await scoreMatrices(job(), 0.85, cpuCosine);
  assert.deepEqual(Array.from(m.phraseScores.subarray(3)), [0, 0, 0]);
  assert.deepEqual(Array.from(m.anchorScores.subarray(0, 3)), [0, 0, 0]);
  assert.ok(m.phraseScores.subarray(0, 3).some((v) => v !== 0));
});

Deno.test("scoreMatrices() depends on alpha through the mixed views", async () => {
  const a = await scoreMatrices(job(), 1, cpuCosine);
  const b = await scoreMatrices(job(), 0, cpuCosine);
  // Proposal 0: global [1,0,0], local [0,1,0]; sentence 0 is [1,0,0].
  assert.ok(Math.abs(a.scores[0] - 1) < 1e-6);
  assert.ok(Math.abs(b.scores[0]) < 1e-6);
});

Deno.test("scoreMatrices() of no proposals is empty and runs no cosine", async () => {
  const j: ScoreJob = {
    ...job(),
    proposals: [],
    regions: {
      global: new Float32Array(0),
      local: new Float32Array(0),
      globals: {},
      dim: 0,
    },
  };
  const m = await scoreMatrices(j, 0.85, () => {
    throw new Error("cosine called");
  });
  assert.equal(m.scores.length, 0);
  assert.equal(m.phraseScores.length, 0);
  assert.equal(m.anchorScores.length, 0);
});

Deno.test("scoreMatrices() rejects image and text embeddings of different dimensions", async () => {
  const j: ScoreJob = {
    ...job(),
    regions: {
      global: new Float32Array(6),
      local: new Float32Array(6),
      globals: {},
      dim: 2,
    },
  };
  await assert.rejects(
    () => scoreMatrices(j, 0.85, cpuCosine),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message.includes("2 dimensions but its text embeddings 3") &&
      e.message.includes("do not belong together"),
  );
});

Deno.test("scoreStage() adds the matrices to each job through the given kernels", async () => {
  let calls = 0;
  const kernels: Kernels = {
    ...CPU_KERNELS,
    cosineSimilarity: (i) => {
      calls++;
      return CPU_KERNELS.cosineSimilarity(i);
    },
  };
  const j = job();
  const out = [];
  for await (const s of scoreStage<ScoreJob>(kernels, 0.6)(fromItems([j]))) {
    out.push(s);
  }
  assert.equal(calls, 1, "one cosine call per job");
  const expected = await scoreMatrices(j, 0.6, cpuCosine);
  assert.deepEqual(out[0].scores, expected.scores);
  assert.deepEqual(out[0].phraseScores, expected.phraseScores);
  assert.deepEqual(out[0].anchorScores, expected.anchorScores);
  assert.equal(out[0].proposals, j.proposals);
  assert.ok("score" in j.timings);
});
