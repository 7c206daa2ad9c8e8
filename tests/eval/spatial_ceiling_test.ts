import assert from "node:assert/strict";
import {
  formatCeilingGroups,
  GEOMETRIC_PICKS,
  orientationCeiling,
  pickIndex,
} from "../../pipeline/eval/spatial_ceiling.ts";
import {
  ORIENTATION_CONDITIONS,
  ORIENTATION_SCOPES,
  type OrientationCase,
  orientationCases,
} from "../../pipeline/eval/spatial_orientation.ts";
import { parseSpatial } from "../../pipeline/spatial/parse.ts";
import { readOrientationData } from "../../bench/spatial_eval.ts";

const SIZE = { width: 100, height: 100 };
const pick = (name: string) => {
  const p = GEOMETRIC_PICKS.find((p) => p.name === name);
  assert.ok(p, name);
  return p;
};

/** A case of `text` over `boxes`, all scoring 0.3, referring to `target`. */
function scene(
  text: string,
  boxes: readonly (readonly [number, number, number, number])[],
  target: number,
): OrientationCase {
  return {
    text,
    parse: parseSpatial(text),
    imageSize: SIZE,
    target,
    objects: boxes.length,
    candidates: boxes.map((box) => ({ box, score: 0.3 })),
  };
}

Deno.test("pickIndex() chooses by the pick's cost among the pool, never a low-scoring proposal", () => {
  const c: OrientationCase = {
    ...scene("a cat", [[40, 0, 20, 20], [70, 70, 30, 30]], 0),
    candidates: [
      { box: [40, 0, 20, 20], score: 0.3 },
      { box: [70, 70, 30, 30], score: 0.3 },
      { box: [0, 0, 5, 100], score: 0.2 }, // leftmost and tallest, but background
    ],
  };
  assert.equal(pickIndex(c, pick("leftmost")), 0);
  assert.equal(pickIndex(c, pick("tallest")), 1);
  assert.equal(pickIndex(c, pick("lowest bottom edge")), 1);
  assert.equal(pickIndex(c, pick("highest")), 0);
});

Deno.test("every geometric pick prefers the box its name says", () => {
  const boxes = [[0, 40, 10, 10], [80, 40, 20, 10], [45, 45, 10, 10]] as const;
  const c = scene("a cat", boxes, 0);
  assert.equal(pickIndex(c, pick("leftmost")), 0);
  assert.equal(pickIndex(c, pick("rightmost")), 1);
  assert.equal(pickIndex(c, pick("biggest")), 1);
  assert.equal(pickIndex(c, pick("widest")), 1);
  assert.equal(pickIndex(c, pick("most central")), 2);
  assert.equal(pickIndex(c, pick("lowest")), 2);
  assert.equal(pickIndex(c, pick("top edge")), 0);
});

Deno.test("orientationCeiling() gives each group the better of the selector and its best pick", () => {
  const row = [[0, 0, 20, 20], [40, 0, 20, 20], [80, 60, 20, 40]] as const;
  const cases = [
    // "on the left": the selector is right on both.
    scene("the cup on the left", row, 0),
    scene("the left cup", row, 0),
    // No place: the selector takes the first of equal scores (wrong), while
    // "biggest" is right on both.
    scene("a red cup", row, 2),
    scene("a blue cup", row, 2),
  ];
  const c = orientationCeiling(cases);
  assert.equal(c.n, 4);
  assert.equal(c.selector, 0.5);
  assert.equal(c.ceiling, 1);
  const byPattern = new Map(c.groups.map((g) => [g.pattern, g]));
  assert.deepEqual(
    [
      byPattern.get("best-score")?.selector,
      byPattern.get("best-score")?.bestPickRight,
    ],
    [0, 2],
  );
  const left = byPattern.get("extended:left");
  assert.equal(left?.selector, 2);
  assert.ok(c.ceiling >= c.selector);
});

Deno.test("orientationCeiling() keeps the selector's count where no pick does as well", () => {
  // The selector reads both sentences; no single pick is right on both.
  const row = [[0, 0, 20, 20], [80, 0, 20, 20]] as const;
  const c = orientationCeiling([
    scene("the cup on the left", row, 0),
    scene("the cup on the right", row, 1),
  ]);
  assert.equal(c.selector, 1);
  assert.equal(c.ceiling, 1);
  assert.equal(orientationCeiling([]).ceiling, 0);
});

Deno.test("formatCeilingGroups() lists the groups of at least the minimum size", () => {
  const text = formatCeilingGroups({
    n: 12,
    selector: 0.5,
    ceiling: 0.6,
    groups: [
      {
        pattern: "best-score",
        n: 10,
        selector: 4,
        bestPick: "biggest",
        bestPickRight: 5,
      },
      {
        pattern: "extended:left",
        n: 2,
        selector: 2,
        bestPick: "leftmost",
        bestPickRight: 2,
      },
    ],
  }, 5);
  assert.match(
    text,
    /^ +n +selector +best pick\n +10 +4 +5 {2}biggest {2}best-score$/,
  );
});

Deno.test("on RefCOCOg val the ceiling is at least the selector's accuracy in every set and condition", async () => {
  const data = await readOrientationData();
  if (!data) return;
  for (const scope of ORIENTATION_SCOPES) {
    for (const condition of ORIENTATION_CONDITIONS) {
      const cases = orientationCases(data, condition, scope);
      const c = orientationCeiling(cases);
      assert.equal(c.groups.reduce((a, g) => a + g.n, 0), cases.length);
      assert.ok(
        c.ceiling >= c.selector,
        `${scope} ${condition}: ${c.ceiling} < ${c.selector}`,
      );
    }
  }
});
