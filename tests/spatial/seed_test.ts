import assert from "node:assert/strict";
import { seedWords, selectSeed } from "../../pipeline/spatial/seed.ts";
import { candidate as c } from "../helpers/spatial.ts";

// Four candidates: the lowest-scoring one is the leftmost of all.
const candidates = [
  c(200, 100, 50, 50, 0.9), // centre (225, 125), bottom 150
  c(100, 10, 40, 40, 0.8), // centre (120, 30), bottom 50
  c(300, 200, 60, 80, 0.7), // centre (330, 240), bottom 280
  c(0, 0, 10, 10, 0.1), // not in the top 3
];

Deno.test("seedWords() matches the ten words whole, in order, any case", () => {
  assert.deepEqual(seedWords("The LEFT dog, in front of the upper shelf"), [
    "left",
    "front",
    "upper",
  ]);
  assert.deepEqual(seedWords("leftover backpack, topping, lefty"), []);
});

Deno.test("selectSeed() picks by box position among the top 3 only", () => {
  assert.deepEqual(selectSeed("dog on the left", candidates), {
    index: 1,
    rule: "seed:left among top-3",
  });
  assert.equal(selectSeed("the right one", candidates).index, 2);
  assert.equal(selectSeed("top dog", candidates).index, 1);
  assert.equal(selectSeed("upper dog", candidates).index, 1);
  assert.equal(selectSeed("dog above", candidates).index, 1);
  assert.equal(selectSeed("bottom dog", candidates).index, 2);
  assert.equal(selectSeed("lower dog", candidates).index, 2);
  assert.equal(selectSeed("dog below", candidates).index, 2);
  assert.equal(selectSeed("dog in front", candidates).index, 2);
  assert.equal(selectSeed("dog in the back", candidates).index, 1);
});

Deno.test("selectSeed() uses the first direction word and the best score without one", () => {
  assert.equal(selectSeed("right dog, left of the cat", candidates).index, 2);
  assert.deepEqual(selectSeed("a brown dog", candidates), {
    index: 0,
    rule: "best-score",
  });
  assert.deepEqual(selectSeed("left", []), {
    index: -1,
    rule: "no-candidates",
  });
});

Deno.test("selectSeed() honours k", () => {
  assert.equal(selectSeed("the left one", candidates, 4).index, 3);
  assert.equal(selectSeed("the left one", candidates, 1).index, 0);
});
