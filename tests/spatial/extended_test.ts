import assert from "node:assert/strict";
import {
  candidatePool,
  selectCandidate,
  selectExtended,
} from "../../pipeline/spatial/extended.ts";
import { parseSpatial } from "../../pipeline/spatial/parse.ts";
import { README_LOCATION_WORD } from "../../pipeline/eval/spatial_orientation.ts";
import { selectSeed } from "../../pipeline/spatial/seed.ts";
import { readSharedJson, type RefcocogVal } from "../helpers/shared_data.ts";
import { candidate as c, ZEBRAS } from "../helpers/spatial.ts";
import { SPATIAL_CASES } from "./cases.ts";

const SIZE = { width: 640, height: 480 };

Deno.test("candidatePool() keeps scores within a share of the best, best first", () => {
  assert.deepEqual(candidatePool(ZEBRAS), [0, 2, 1]);
  assert.deepEqual(candidatePool(ZEBRAS, { topK: 2 }), [0, 2]);
  // A wider margin (40% of 0.31: down to 0.186) lets the grass in, not
  // the sky; a zero margin keeps only the best.
  assert.deepEqual(candidatePool(ZEBRAS, { margin: 0.4, topK: 10 }), [
    0,
    2,
    1,
    3,
  ]);
  assert.deepEqual(candidatePool(ZEBRAS, { margin: 0 }), [0]);
  assert.deepEqual(candidatePool([]), []);
});

Deno.test("candidatePool() keeps near-equal scores together, alone or among background", () => {
  // Differences a user can't see don't split the objects: a standard
  // deviation of these scores alone is 0.001, so a cut at one of them
  // would keep only two.
  const near = [0.301, 0.2985, 0.3, 0.2992].map((s, i) =>
    c(i * 150, 100, 100, 200, s)
  );
  assert.deepEqual(candidatePool(near), [0, 2, 3, 1]);
  const withBackground = [
    ...near,
    ...[0.2, 0.22, 0.18].map((s, i) => c(i * 200, 400, 150, 60, s)),
  ];
  assert.deepEqual(candidatePool(withBackground), [0, 2, 3, 1]);
});

Deno.test("candidatePool() keeps equal scores together and caps them at topK", () => {
  const equal = [0, 1, 2, 3, 4].map((i) => c(i * 100, 0, 50, 50, 1));
  assert.deepEqual(candidatePool(equal), [0, 1, 2, 3]);
  assert.deepEqual(candidatePool(equal, { topK: 9 }), [0, 1, 2, 3, 4]);
});

Deno.test("candidatePool() drops candidates that don't match the noun phrase", () => {
  const withNoun = [
    c(250, 250, 120, 100, 0.29, { nounScore: 0.3 }), // dog
    c(450, 260, 120, 100, 0.3, { nounScore: 0.31 }), // dog
    c(40, 260, 100, 90, 0.28, { nounScore: 0.22 }), // cat
    c(0, 380, 640, 100, 0.2, { nounScore: 0.18 }),
    c(0, 100, 640, 200, 0.21, { nounScore: 0.19 }),
  ];
  assert.deepEqual(candidatePool(withNoun), [1, 0]);
  // Without noun scores the cat stays.
  assert.deepEqual(
    candidatePool(withNoun.map(({ box, score }) => ({ box, score }))),
    [1, 0, 2],
  );
});

Deno.test("selectCandidate() picks the best score without a parse, and -1 without candidates", () => {
  assert.deepEqual(selectCandidate(null, ZEBRAS, SIZE), {
    index: 0,
    rule: "best-score",
  });
  assert.deepEqual(selectCandidate(parseSpatial("left"), [], SIZE), {
    index: -1,
    rule: "no-candidates",
  });
  // The noun-phrase score only narrows the pool positions are compared in:
  // with nothing spatial to resolve, the best sentence score wins.
  const withNoun = [
    { box: [0, 0, 10, 10], score: 0.30, nounScore: 0.10 },
    { box: [20, 0, 10, 10], score: 0.29, nounScore: 0.30 },
  ] as const;
  assert.deepEqual(selectCandidate(null, withNoun, SIZE), {
    index: 0,
    rule: "best-score",
  });
  assert.equal(
    selectCandidate(parseSpatial("the cat next to"), withNoun, SIZE).index,
    0,
  );
});

Deno.test("selectCandidate() resolves each direction among the pool", () => {
  const pick = (s: string) => selectExtended(s, ZEBRAS, SIZE);
  assert.deepEqual(pick("the zebra on the left"), {
    index: 1,
    rule: "extended:left among 3",
  });
  assert.equal(pick("the rightmost zebra").index, 2);
  assert.equal(pick("middle zebra").index, 0);
  // Zebra 0 stands highest and its bottom edge is the highest: top, back.
  assert.equal(pick("the top zebra").index, 0);
  assert.equal(pick("the zebra in the back").index, 0);
  assert.equal(pick("the closest zebra").index, 1);
  assert.equal(pick("the lowest zebra").index, 1);
});

Deno.test("selectCandidate() uses the centroid when given, the box centre otherwise", () => {
  const cands = [
    c(0, 0, 400, 100, 0.3, { centroid: [350, 50] }), // wide box, mass on the right
    c(250, 0, 100, 100, 0.3),
  ];
  assert.equal(selectExtended("the left one", cands, SIZE).index, 1);
  const noCentroid = cands.map(({ box, score }) => ({ box, score }));
  assert.equal(selectExtended("the left one", noCentroid, SIZE).index, 0);
});

Deno.test("selectCandidate() compares sizes by mask area when given", () => {
  const cands = [
    c(0, 0, 300, 300, 0.3, { area: 5000 }), // big box, thin mask
    c(320, 0, 200, 200, 0.3, { area: 30000 }),
  ];
  assert.equal(selectExtended("the biggest one", cands, SIZE).index, 1);
  assert.equal(selectExtended("the smallest one", cands, SIZE).index, 0);
  assert.equal(selectExtended("the tallest one", cands, SIZE).index, 0);
  assert.equal(selectExtended("the shortest one", cands, SIZE).index, 1);
});

Deno.test("selectCandidate() finds the corner of a combination", () => {
  const grid = [
    c(20, 20, 100, 100, 0.3), // top left
    c(520, 20, 100, 100, 0.3), // top right
    c(20, 360, 100, 100, 0.3), // bottom left
    c(520, 360, 100, 100, 0.3), // bottom right
  ];
  assert.deepEqual(selectExtended("the top left one", grid, SIZE), {
    index: 0,
    rule: "extended:top-left among 4",
  });
  assert.equal(selectExtended("upper right", grid, SIZE).index, 1);
  assert.equal(selectExtended("lower left", grid, SIZE).index, 2);
  assert.equal(selectExtended("bottom right corner", grid, SIZE).index, 3);
});

Deno.test("selectCandidate() counts ordinals along their direction", () => {
  const row = [0, 1, 2, 3].map((i) => c(20 + 150 * i, 100, 100, 300, 0.3));
  assert.deepEqual(selectExtended("second from the left", row, SIZE), {
    index: 1,
    rule: "extended:ordinal 2 from left among 4",
  });
  assert.equal(selectExtended("third from right", row, SIZE).index, 1);
  assert.equal(
    selectExtended("the first one on the right", row, SIZE).index,
    3,
  );
  // Past the end of the pool: the last one.
  assert.equal(selectExtended("sixth from the left", row, SIZE).index, 3);
});

Deno.test("selectCandidate() lets ordinals, directions and unanchored relations count every instance past topK", () => {
  // Six people with near-equal scores: the cap of 4 would keep an
  // arbitrary four of them.
  const six = [0.3, 0.298, 0.301, 0.299, 0.302, 0.2995].map((s, i) =>
    c(10 + 105 * i, 100, 90, 300, s)
  );
  assert.deepEqual(selectExtended("second from the left", six, SIZE), {
    index: 1,
    rule: "extended:ordinal 2 from left among 6",
  });
  assert.equal(
    selectExtended("the fifth person from left", six, SIZE).index,
    4,
  );
  const five = six.slice(0, 5);
  assert.deepEqual(selectExtended("the man in the middle", five, SIZE), {
    index: 2,
    rule: "extended:middle among 5",
  });
  // Every direction is an extreme among all instances, not among the
  // best four: the leftmost scores fifth.
  assert.deepEqual(selectExtended("the one on the left", six, SIZE), {
    index: 0,
    rule: "extended:left among 6",
  });
  // A relation with no anchor scored acts as its direction, likewise.
  assert.deepEqual(selectExtended("the one left of the dog", six, SIZE), {
    index: 0,
    rule: "extended:left (left-of without anchor) among 6",
  });
  // With anchor scores, a relation compares the best four.
  const scored = six.map((x, i) => ({ ...x, anchorScore: i === 5 ? 0.3 : 0 }));
  assert.equal(
    selectExtended("the one left of the dog", scored, SIZE).rule,
    "extended:relation left-of anchor #5 among 4",
  );
});

Deno.test("selectCandidate() places the target relative to the best-scoring other anchor", () => {
  const cands = [
    c(40, 260, 110, 90, 0.3, { anchorScore: 0.2 }), // cat far left
    c(200, 180, 60, 170, 0.24, { anchorScore: 0.31 }), // the vase
    c(290, 260, 110, 90, 0.29, { anchorScore: 0.21 }), // cat just right of it
    c(510, 260, 110, 90, 0.28, { anchorScore: 0.2 }), // cat far right
    c(0, 340, 640, 140, 0.19, { anchorScore: 0.2 }),
  ];
  assert.deepEqual(
    selectExtended("the cat to the right of the vase", cands, SIZE),
    { index: 2, rule: "extended:relation right-of anchor #1 among 3" },
  );
  assert.equal(
    selectExtended("the cat to the left of the vase", cands, SIZE).index,
    0,
  );
  assert.equal(
    selectExtended("the cat next to the vase", cands, SIZE).index,
    2,
  );
  assert.equal(
    selectExtended("the cat farthest from the vase", cands, SIZE).index,
    3,
  );
});

Deno.test("selectCandidate() never takes the target itself as its anchor", () => {
  // "the giraffe behind the other giraffe": both score high as the anchor.
  const cands = [
    c(300, 30, 140, 300, 0.29, { anchorScore: 0.29 }), // behind
    c(200, 120, 160, 350, 0.3, { anchorScore: 0.3 }), // in front
    c(500, 0, 140, 400, 0.2, { anchorScore: 0.2 }),
    c(0, 300, 640, 180, 0.19, { anchorScore: 0.2 }),
  ];
  const s = selectExtended(
    "the giraffe behind the other giraffe",
    cands,
    SIZE,
  );
  assert.deepEqual(s, {
    index: 0,
    rule: "extended:relation behind anchor #1 among 2",
  });
  assert.equal(
    selectExtended("the giraffe in front of the other giraffe", cands, SIZE)
      .index,
    1,
  );
});

Deno.test("selectCandidate() takes two anchors for 'between'", () => {
  const cands = [
    c(40, 200, 60, 60, 0.3, { anchorScore: 0.2 }),
    c(300, 210, 60, 60, 0.28, { anchorScore: 0.2 }),
    c(560, 200, 60, 60, 0.29, { anchorScore: 0.2 }),
    c(150, 190, 120, 80, 0.22, { anchorScore: 0.31 }),
    c(390, 190, 120, 80, 0.22, { anchorScore: 0.3 }),
    c(0, 260, 640, 220, 0.19, { anchorScore: 0.2 }),
  ];
  assert.equal(
    selectExtended("the cup between the two plates", cands, SIZE).index,
    1,
  );
});

Deno.test("selectCandidate() falls back to the relation's direction without anchor scores", () => {
  const cands = ZEBRAS.map(({ box, score }) => ({ box, score }));
  assert.deepEqual(
    selectExtended("the zebra left of the tree", cands, SIZE),
    { index: 1, rule: "extended:left (left-of without anchor) among 3" },
  );
  assert.deepEqual(selectExtended("the zebra next to the tree", cands, SIZE), {
    index: 0,
    rule: "best-score (next-to without anchor)",
  });
});

Deno.test("selectCandidate() reads 'in front of' without anchor scores against the other candidates", () => {
  const cands = [
    c(100, 100, 100, 300, 0.3), // a man nearest the camera, on the left
    c(300, 50, 300, 200, 0.3), // a plane
    c(320, 120, 80, 200, 0.3), // a man standing before the plane
  ];
  assert.deepEqual(
    selectExtended("the man in front of the plane", cands, SIZE),
    {
      index: 2,
      rule: "extended:relation in-front-of another candidate among 3",
    },
  );
  // Of two, the front one; a direction of its own still counts.
  assert.equal(
    selectExtended("the man in front of the plane", cands.slice(0, 2), SIZE)
      .index,
    0,
  );
  assert.deepEqual(
    selectExtended("the man on the left in front of the plane", cands, SIZE),
    {
      index: 0,
      rule: "extended:relation in-front-of another candidate + left among 3",
    },
  );
  // "behind" keeps its implied direction.
  assert.deepEqual(
    selectExtended("the man behind the plane", cands, SIZE),
    { index: 1, rule: "extended:back (behind without anchor) among 3" },
  );
});

Deno.test("selectCandidate() takes the largest for 'on' without an anchor, unless a direction places it", () => {
  const cands = [
    c(20, 60, 100, 80, 0.3), // small, high up
    c(200, 200, 260, 200, 0.3), // large, low
    c(500, 100, 120, 100, 0.3), // small, right
  ];
  assert.deepEqual(selectExtended("a bowl sitting on a holder", cands, SIZE), {
    index: 1,
    rule: "extended:biggest (on without anchor) among 3",
  });
  assert.deepEqual(
    selectExtended("the bowl on the right sitting on a holder", cands, SIZE),
    { index: 2, rule: "extended:right (on without anchor) among 3" },
  );
});

Deno.test("selectCandidate() breaks ties by the better score", () => {
  const twins = [
    c(100, 100, 100, 100, 0.28),
    c(300, 100, 100, 100, 0.3),
  ];
  // Same bottom edge: "front" can't tell them apart.
  assert.equal(selectExtended("the front one", twins, SIZE).index, 1);
});

/** Accuracy of a selector over the table, overall and per tag. */
function tableAccuracy(
  choose: (text: string, c: (typeof SPATIAL_CASES)[number]) => number,
) {
  const byTag = new Map<string, [number, number]>();
  let right = 0;
  const wrong: string[] = [];
  for (const row of SPATIAL_CASES) {
    const ok = choose(row.text, row) === row.expected;
    right += +ok;
    if (!ok) wrong.push(row.text);
    const t = byTag.get(row.tag) ?? [0, 0];
    byTag.set(row.tag, [t[0] + +ok, t[1] + 1]);
  }
  return { accuracy: right / SPATIAL_CASES.length, byTag, wrong };
}

Deno.test("the extended selector beats the seed rule on the RefCOCOg-style table", () => {
  assert.ok(SPATIAL_CASES.length >= 150, `${SPATIAL_CASES.length} rows`);
  const seed = tableAccuracy((text, row) =>
    selectSeed(text, row.candidates, 3).index
  );
  const extended = tableAccuracy((text, row) =>
    selectExtended(text, row.candidates, row)
      .index
  );
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  console.log(
    `spatial table, ${SPATIAL_CASES.length} rows: seed ${
      pct(seed.accuracy)
    }, extended ${pct(extended.accuracy)}`,
  );
  for (const [tag, [ok, n]] of extended.byTag) {
    const [sOk] = seed.byTag.get(tag) as [number, number];
    console.log(
      `  ${tag.padEnd(12)} ${String(n).padStart(3)} rows: seed ${
        pct(sOk / n)
      }, extended ${pct(ok / n)}`,
    );
  }
  console.log(`  extended misses: ${extended.wrong.join(" | ")}`);
  assert.ok(
    extended.accuracy > seed.accuracy,
    `extended ${extended.accuracy} must beat seed ${seed.accuracy}`,
  );
  assert.ok(extended.accuracy >= 0.85, `extended ${extended.accuracy}`);
});

Deno.test("the extended selector beats the seed rule on RefCOCOg val boxes", async () => {
  const data = await readSharedJson<RefcocogVal>("refcocog_umd_val.json");
  if (!data) return;
  const images = new Map(data.images.map((im) => [im.image_id, im]));
  let n = 0, seed = 0, extended = 0, random = 0;
  let parsed = 0, parsedSeed = 0, parsedExtended = 0;
  for (const e of data.expressions) {
    const im = images.get(e.image_id);
    if (!im || im.objects.length < 2) continue;
    // Candidates: the image's referred objects, all scored alike.
    const cands = im.objects.map((o) => ({ box: o.bbox_xywh, score: 1 }));
    const target = im.objects.findIndex((o) => o.object_id === e.object_id);
    const topK = cands.length;
    const s = selectSeed(e.sentence, cands, topK).index === target;
    const x = selectExtended(e.sentence, cands, im, { topK }).index ===
      target;
    if (README_LOCATION_WORD.test(e.sentence)) {
      n++;
      seed += +s;
      extended += +x;
      random += 1 / topK;
    }
    if (parseSpatial(e.sentence)) {
      parsed++;
      parsedSeed += +s;
      parsedExtended += +x;
    }
  }
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  console.log(
    `RefCOCOg val, ${n} expressions with a location word (images with >= 2 objects): random ${
      pct(random / n)
    }, seed ${pct(seed / n)}, extended ${pct(extended / n)}`,
  );
  console.log(
    `RefCOCOg val, ${parsed} expressions the extended parser reads: seed ${
      pct(parsedSeed / parsed)
    }, extended ${pct(parsedExtended / parsed)}`,
  );
  assert.ok(n > 1000, `${n} expressions`);
  assert.ok(extended >= seed, `extended ${extended} vs seed ${seed} of ${n}`);
});
