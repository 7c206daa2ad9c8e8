import assert from "node:assert/strict";
import {
  BACKGROUND_PROPOSALS,
  casesByRule,
  extendedSelector,
  failurePatterns,
  formatOrientationTable,
  holdsLocationWord,
  inOrientationScope,
  OBJECT_SCORE,
  orientationAccuracy,
  orientationCandidates,
  orientationCases,
  type OrientationData,
  README_LOCATION_WORD,
  rulePattern,
  SCORE_NOISE,
  scoreOrientation,
  seedSelector,
} from "../../pipeline/eval/spatial_orientation.ts";
import {
  examplesArg,
  readOrientationData,
  scopeArg,
} from "../../bench/spatial_eval.ts";
import { parseSpatial } from "../../pipeline/spatial/parse.ts";

/** Two images: three people in a row, and one image with a single object. */
const TINY: OrientationData = {
  images: [
    {
      image_id: 1,
      width: 600,
      height: 400,
      objects: [
        { object_id: 10, bbox_xywh: [20, 100, 80, 250] },
        { object_id: 11, bbox_xywh: [260, 100, 80, 250] },
        { object_id: 12, bbox_xywh: [500, 100, 80, 250] },
      ],
    },
    {
      image_id: 2,
      width: 600,
      height: 400,
      objects: [{ object_id: 20, bbox_xywh: [0, 0, 100, 100] }],
    },
  ],
  expressions: [
    { image_id: 1, object_id: 10, sentence: "the man on the left" },
    { image_id: 1, object_id: 12, sentence: "the man on the right" },
    { image_id: 1, object_id: 11, sentence: "the man in the middle" },
    { image_id: 1, object_id: 11, sentence: "a man in a blue shirt" },
    { image_id: 1, object_id: 11, sentence: "the man next to the dog" },
    { image_id: 2, object_id: 20, sentence: "the dog on the left" },
  ],
};

Deno.test("orientationCases() keeps parsed sentences of images with two or more objects", () => {
  for (const condition of ["near-equal", "background", "equal"] as const) {
    const cases = orientationCases(TINY, condition);
    assert.deepEqual(cases.map((c) => c.text), [
      "the man on the left",
      "the man on the right",
      "the man in the middle",
    ]);
    for (const c of cases) {
      assert.equal(c.objects, 3);
      // The target is the referred object's box, wherever the shuffle put it.
      const object = TINY.expressions.find((e) => e.sentence === c.text)!;
      const box = TINY.images[0].objects.find((o) =>
        o.object_id === object.object_id
      )!.bbox_xywh;
      assert.deepEqual(c.candidates[c.target].box, box);
    }
  }
});

Deno.test("holdsLocationWord() takes directions, ordinals and sided relations, not on / next to / far from", () => {
  for (
    const text of [
      "the man on the left",
      "second from the right",
      "the dog behind the fence",
      "the cup under the table",
      "the cup between the plates",
    ]
  ) assert.ok(holdsLocationWord(parseSpatial(text)), text);
  for (
    const text of [
      "the cup on the table",
      "the man next to the dog",
      "the chair farthest from the window",
      "a man in a blue shirt",
    ]
  ) assert.ok(!holdsLocationWord(parseSpatial(text)), text);
  // Scope "any" keeps every sentence the parser reads.
  assert.deepEqual(
    orientationCases(TINY, "equal", "any").map((c) => c.text).at(-1),
    "the man next to the dog",
  );
});

/** TINY with a location word the parser leaves and a parsed one the README lacks. */
const WORDS: OrientationData = {
  images: TINY.images,
  expressions: [
    ...TINY.expressions,
    { image_id: 1, object_id: 12, sentence: "a man raising his left hand" },
    { image_id: 1, object_id: 10, sentence: "the leftmost man" },
  ],
};

Deno.test("scope readme takes the data README's location words as whole words, parsed or not", () => {
  for (
    const text of [
      "the man on the LEFT",
      "a man raising his left hand",
      "the dog behind the fence",
      "the cup on top of the table",
      "man in the center",
      "the nearest zebra",
      "the farthest chair",
      "lower shelf",
    ]
  ) assert.ok(README_LOCATION_WORD.test(text), text);
  for (
    const text of [
      "the leftmost man",
      "the cup on the table",
      "the man next to the dog",
      "a bright red kite",
      "the centre of the picture",
      "backpack on a chair",
    ]
  ) assert.ok(!README_LOCATION_WORD.test(text), text);
  // The same images (two or more objects); "his left hand", which the
  // parser doesn't read, counts with a null parse; "the leftmost man" and
  // "next to" don't.
  const cases = orientationCases(WORDS, "equal", "readme");
  assert.deepEqual(cases.map((c) => c.text), [
    "the man on the left",
    "the man on the right",
    "the man in the middle",
    "a man raising his left hand",
  ]);
  assert.equal(cases[3].parse, null);
  assert.equal(typeof extendedSelector(cases[3]).index, "number");
  // The parser's own scope takes "leftmost", not "his left hand".
  assert.deepEqual(
    orientationCases(WORDS, "equal").map((c) => c.text).slice(3),
    ["the leftmost man"],
  );
  const text = "a man raising his left hand";
  assert.ok(inOrientationScope(text, parseSpatial(text), "readme"));
  assert.ok(!inOrientationScope(text, parseSpatial(text), "orientation"));
  assert.ok(!inOrientationScope(text, parseSpatial(text), "any"));
});

Deno.test("spatial:eval --scope names the set --failures lists, every parsed sentence otherwise", () => {
  assert.equal(scopeArg(["--failures", "--scope", "readme"]), "readme");
  assert.equal(scopeArg(["--scope", "orientation"]), "orientation");
  assert.equal(scopeArg(["--failures"]), "any");
  assert.equal(scopeArg(["--scope", "everything"]), "any");
});

Deno.test("orientationCandidates() scores the objects alike, near-equal or among lower background", () => {
  const boxes = TINY.images[0].objects.map((o) => o.bbox_xywh);
  const size = { width: 600, height: 400 };
  const equal = orientationCandidates(boxes, 0, size, "equal", 3);
  assert.ok(equal.candidates.every((c) => c.score === OBJECT_SCORE));
  const near = orientationCandidates(boxes, 0, size, "near-equal", 3);
  assert.equal(near.candidates.length, 3);
  assert.ok(
    near.candidates.every((c) =>
      Math.abs(c.score - OBJECT_SCORE) <= SCORE_NOISE
    ),
  );
  assert.ok(new Set(near.candidates.map((c) => c.score)).size === 3);
  const bg = orientationCandidates(boxes, 0, size, "background", 3);
  assert.equal(bg.candidates.length, 3 + BACKGROUND_PROPOSALS);
  const objects = bg.candidates.filter((c) =>
    boxes.some((b) => b.join() === c.box.join())
  );
  assert.equal(objects.length, 3);
  for (const c of bg.candidates) {
    assert.equal(typeof c.nounScore, "number");
    const [x, y, w, h] = c.box;
    assert.ok(x >= 0 && y >= 0 && x + w <= 600 && y + h <= 400, `${c.box}`);
    if (!objects.includes(c)) assert.ok(c.score < OBJECT_SCORE - SCORE_NOISE);
  }
  // Seeded: the same seed draws the same candidates, another seed others.
  assert.deepEqual(
    orientationCandidates(boxes, 0, size, "background", 3),
    bg,
  );
  assert.notDeepEqual(
    orientationCandidates(boxes, 0, size, "background", 4),
    bg,
  );
});

Deno.test("scoreOrientation() counts right picks and the random baseline per condition", () => {
  const scores = scoreOrientation(TINY);
  assert.deepEqual(scores.map((s) => s.condition), [
    "near-equal",
    "background",
    "equal",
  ]);
  for (const s of scores) {
    assert.equal(s.n, 3);
    assert.ok(Math.abs(s.random - 1 / 3) < 1e-12);
  }
  // A selector that always takes the target, and one that never does.
  const cases = orientationCases(TINY, "equal");
  assert.equal(
    orientationAccuracy(cases, (c) => ({ index: c.target, rule: "oracle" })),
    1,
  );
  assert.equal(
    orientationAccuracy(cases, () => ({ index: -1, rule: "none" })),
    0,
  );
  // Both rules find "left" and "right"; the extended one "middle" too.
  const right = (select: typeof seedSelector) =>
    cases.map((c) => select(c).index === c.target);
  assert.deepEqual(right(seedSelector).slice(0, 2), [true, true]);
  assert.deepEqual(right(extendedSelector), [true, true, true]);
  assert.match(formatOrientationTable(scores), /^condition +n +random/);
});

Deno.test("scoreOrientation() on RefCOCOg val reports every condition over more than 1000 sentences", async () => {
  const data = await readOrientationData();
  if (!data) return;
  const scores = scoreOrientation(data);
  assert.equal(scores.length, 3);
  for (const s of scores) {
    assert.ok(s.n > 1000, `${s.condition}: n = ${s.n}`);
    for (const v of [s.random, s.seed, s.extended]) {
      assert.ok(v >= 0 && v <= 1, `${s.condition}: ${v}`);
    }
  }
  console.log(formatOrientationTable(scores));
});

Deno.test("rulePattern() drops pool sizes, anchor indices and ordinal numbers", () => {
  assert.equal(
    rulePattern("extended:ordinal 2 from left among 5"),
    "extended:ordinal from left",
  );
  assert.equal(
    rulePattern("extended:relation behind anchor #3 among 2"),
    "extended:relation behind anchor",
  );
  assert.equal(rulePattern("seed:left among top-3"), "seed:left");
  assert.equal(
    rulePattern("best-score (next-to without anchor)"),
    "best-score (next-to without anchor)",
  );
});

Deno.test("failurePatterns() groups failures by rule, most first, with examples", () => {
  const cases = orientationCases(TINY, "equal");
  // Wrong on "left" and "right", right on "middle".
  const patterns = failurePatterns(
    cases,
    (c) =>
      c.text.includes("middle")
        ? { index: c.target, rule: "extended:middle among 3" }
        : { index: -1, rule: `extended:${c.parse?.directions[0]} among 3` },
  );
  assert.deepEqual(patterns, [
    {
      pattern: "extended:left",
      failures: 1,
      total: 1,
      examples: ["the man on the left"],
    },
    {
      pattern: "extended:right",
      failures: 1,
      total: 1,
      examples: ["the man on the right"],
    },
    { pattern: "extended:middle", failures: 0, total: 1, examples: [] },
  ]);
});

Deno.test("casesByRule() groups cases by rule pattern in the order met, asking the selector once each", () => {
  const cases = orientationCases(TINY, "equal");
  let calls = 0;
  const groups = casesByRule(cases, (c) => {
    calls++;
    return c.text.includes("middle")
      ? { index: c.target, rule: "extended:middle among 3" }
      : { index: -1, rule: "best-score" };
  });
  assert.equal(calls, cases.length);
  assert.deepEqual(
    [...groups].map(([p, d]) => [p, d.map((x) => [x.case.text, x.right])]),
    [
      ["best-score", [["the man on the left", false], [
        "the man on the right",
        false,
      ]]],
      ["extended:middle", [["the man in the middle", true]]],
    ],
  );
});

Deno.test("spatial:eval --examples N sets the sentences shown per failure pattern, 3 otherwise", () => {
  assert.equal(examplesArg(["--failures", "--examples", "20"]), 20);
  assert.equal(examplesArg(["--failures"]), 3);
  assert.equal(examplesArg(["--examples", "many"]), 3);
  assert.equal(examplesArg(["--examples"]), 3);
});
