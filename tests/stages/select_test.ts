import assert from "node:assert/strict";
import { createRgbaImage } from "../../pipeline/image/rgba.ts";
import type { Proposal } from "../../pipeline/sam/mask_generator.ts";
import type { WithText } from "../../pipeline/stages/embed_text.ts";
import { fromItems, type ImageJob } from "../../pipeline/stages/job.ts";
import { type Parsed, parseSentence } from "../../pipeline/stages/parse.ts";
import type { Proposed } from "../../pipeline/stages/propose.ts";
import type { ScoreMatrices } from "../../pipeline/stages/score.ts";
import {
  candidatesFor,
  defaultTopK,
  selectAll,
  selectFor,
  selectStage,
  SPATIAL_MODES,
} from "../../pipeline/stages/select.ts";
import {
  EXTENDED_DEFAULTS,
  type ExtendedCandidate,
} from "../../pipeline/spatial/extended.ts";
import { parseSpatial } from "../../pipeline/spatial/parse.ts";

const SIZE = { width: 100, height: 50 };

/** Best score on the right; lower scores further left; the leftmost scores far below. */
const CANDIDATES: ExtendedCandidate[] = [
  { box: [70, 10, 10, 10], area: 100, score: 0.3 },
  { box: [40, 10, 10, 10], area: 100, score: 0.29 },
  { box: [10, 10, 10, 10], area: 100, score: 0.28 },
  { box: [0, 10, 5, 10], area: 50, score: 0.1 },
];

const LEFT = parseSentence("the thing on the left");

Deno.test("defaultTopK() is the extended selector's cap for extended and 3 otherwise", () => {
  assert.equal(defaultTopK("extended"), EXTENDED_DEFAULTS.topK);
  assert.equal(defaultTopK("extended"), 4);
  assert.equal(defaultTopK("seed"), 3);
  assert.equal(defaultTopK("off"), 3);
  assert.deepEqual([...SPATIAL_MODES], ["extended", "seed", "off"]);
});

Deno.test("selectFor() with spatial off takes the best score whatever the sentence says", () => {
  const s = selectFor(LEFT, CANDIDATES, SIZE, { spatial: "off", topK: 3 });
  assert.deepEqual(s, { index: 0, rule: "best-score", ranked: [0, 1, 2] });
});

Deno.test("selectFor() with the seed rule compares the top-k by the sentence's direction word", () => {
  const options = { spatial: "seed", topK: 3 } as const;
  assert.deepEqual(selectFor(LEFT, CANDIDATES, SIZE, options), {
    index: 2,
    rule: "seed:left among top-3",
    ranked: [0, 1, 2],
  });
  // A larger k reaches the low-scoring leftmost candidate; a smaller one does not reach the left one.
  assert.equal(
    selectFor(LEFT, CANDIDATES, SIZE, { spatial: "seed", topK: 4 }).index,
    3,
  );
  const two = selectFor(LEFT, CANDIDATES, SIZE, { spatial: "seed", topK: 2 });
  assert.equal(two.index, 1);
  assert.deepEqual(two.ranked, [0, 1]);
});

Deno.test("selectFor() with the seed rule reads the sentence, not the extended parse", () => {
  const parsed = {
    sentence: "the thing",
    spatial: parseSpatial("on the left"),
  };
  const s = selectFor(parsed, CANDIDATES, SIZE, { spatial: "seed", topK: 3 });
  assert.deepEqual([s.index, s.rule], [0, "best-score"]);
});

Deno.test("selectFor() with the extended rule resolves the parse's directions among close scores", () => {
  const s = selectFor(LEFT, CANDIDATES, SIZE, { spatial: "extended", topK: 4 });
  assert.equal(s.index, 2, s.rule);
  assert.match(s.rule, /^extended:left among 3$/);
  assert.deepEqual(s.ranked, [0, 1, 2, 3]);
});

Deno.test("selectFor() with the extended rule reads the parse, not the sentence", () => {
  const parsed = { sentence: "the thing on the left", spatial: null };
  const s = selectFor(parsed, CANDIDATES, SIZE, {
    spatial: "extended",
    topK: 4,
  });
  assert.deepEqual([s.index, s.rule], [0, "best-score"]);
});

Deno.test("selectFor() without candidates chooses -1 in every mode", () => {
  for (const spatial of SPATIAL_MODES) {
    assert.deepEqual(selectFor(LEFT, [], SIZE, { spatial, topK: 3 }), {
      index: -1,
      rule: "no-proposals",
      ranked: [],
    });
  }
});

type SelectJob = ImageJob & Proposed & WithText & Parsed;

function proposal(box: [number, number, number, number]): Proposal {
  return {
    mask: new Uint8Array(SIZE.width * SIZE.height),
    box,
    area: box[2] * box[3],
    predictedIou: 0.9,
    stability: 0.95,
    point: [box[0], box[1]],
  };
}

function selectJob(): SelectJob {
  const sentences = ["the thing on the left", "the thing"];
  return {
    id: 1,
    image: createRgbaImage(SIZE.width, SIZE.height),
    sentences,
    parsed: sentences.map(parseSentence),
    timings: {},
    proposals: CANDIDATES.map((c) =>
      proposal(c.box as [number, number, number, number])
    ),
    text: {
      features: new Float32Array(0),
      phrases: new Float32Array(0),
      anchors: new Float32Array(0),
      hasPhrase: [true, false],
      hasAnchor: [false, true],
      dim: 0,
      truncated: [false, false],
      tokenCounts: [7, 4],
    },
  };
}

/** Row e, proposal i: scores 10e + i, phrase scores 100 + .., anchor scores 200 + .. */
const MATRICES: ScoreMatrices = {
  scores: Float32Array.from([0, 1, 2, 3, 10, 11, 12, 13]),
  phraseScores: Float32Array.from([100, 101, 102, 103, 0, 0, 0, 0]),
  anchorScores: Float32Array.from([0, 0, 0, 0, 210, 211, 212, 213]),
};

Deno.test("candidatesFor() takes sentence e's row of scores with each proposal's box and area", () => {
  const job = selectJob();
  const c1 = candidatesFor(job, MATRICES, 1);
  assert.deepEqual(c1.map((c) => c.score), [10, 11, 12, 13]);
  assert.deepEqual(c1.map((c) => c.box), job.proposals.map((p) => p.box));
  assert.deepEqual(c1.map((c) => c.area), [100, 100, 100, 50]);
});

Deno.test("candidatesFor() adds nounScore and anchorScore only where the sentence has them", () => {
  const job = selectJob();
  const c0 = candidatesFor(job, MATRICES, 0);
  assert.deepEqual(c0.map((c) => c.nounScore), [100, 101, 102, 103]);
  assert.ok(c0.every((c) => !("anchorScore" in c)));
  const c1 = candidatesFor(job, MATRICES, 1);
  assert.deepEqual(c1.map((c) => c.anchorScore), [210, 211, 212, 213]);
  assert.ok(c1.every((c) => !("nounScore" in c)));
});

Deno.test("selectAll() chooses for every sentence, on the job's image size", () => {
  // "top left" weighs x by the width and y by the height: A is further
  // left, B further up; which wins depends on the image's proportions.
  const boxes: [number, number, number, number][] = [
    [5, 35, 10, 10], // A: centre (10, 40)
    [35, 5, 10, 10], // B: centre (40, 10)
    [80, 40, 10, 5], // scores far below, never in the pool
  ];
  const jobOf = (width: number, height: number): SelectJob => {
    const sentences = ["the thing at the top left", "the thing"];
    return {
      ...selectJob(),
      image: createRgbaImage(width, height),
      sentences,
      parsed: sentences.map(parseSentence),
      proposals: boxes.map(proposal),
      text: { ...selectJob().text, hasPhrase: [false, false] },
    };
  };
  const matrices: ScoreMatrices = {
    scores: Float32Array.from([0.3, 0.29, 0.05, 0.1, 0.2, 0.3]),
    phraseScores: new Float32Array(6),
    anchorScores: new Float32Array(6),
  };
  const options = { spatial: "extended", topK: 4 } as const;
  const wide = selectAll(jobOf(100, 50), matrices, options);
  assert.equal(wide[0].index, 1, wide[0].rule);
  assert.equal(wide[1].index, 2, "no spatial words: the best score");
  const tall = selectAll(jobOf(50, 100), matrices, options);
  assert.equal(tall[0].index, 0, tall[0].rule);
});

Deno.test("selectStage() adds the selections of the job's own score matrices", async () => {
  const job = selectJob();
  const matrices: ScoreMatrices = {
    scores: Float32Array.from([0.3, 0.29, 0.28, 0.1, 0.1, 0.2, 0.3, 0.4]),
    phraseScores: Float32Array.from([0.5, 0.5, 0.5, 0.5, 0, 0, 0, 0]),
    anchorScores: new Float32Array(8),
  };
  const options = { spatial: "seed", topK: 3 } as const;
  const out = [];
  for await (
    const j of selectStage(options)(fromItems([{ ...job, ...matrices }]))
  ) {
    out.push(j);
  }
  assert.deepEqual(out[0].selections.map((s) => [s.index, s.rule]), [
    [2, "seed:left among top-3"],
    [3, "best-score"],
  ]);
  assert.ok("select" in job.timings);
});
