import assert from "node:assert/strict";
import {
  bboxToRle,
  polygonsToMask,
  polygonsToRle,
  polygonToRle,
} from "../../pipeline/datasets/coco_polygon.ts";
import {
  compressCounts,
  decodeRle,
  rleArea,
  rleToBbox,
} from "../../pipeline/datasets/coco_rle.ts";
import { CocoMaskError } from "../../pipeline/datasets/coco_mask_error.ts";
import { random, readCocoCases } from "./coco_cases.ts";

Deno.test("polygonsToRle() matches pycocotools pixel for pixel on the fixture polygons", async () => {
  const { polygons } = await readCocoCases();
  assert.ok(polygons.length >= 60);
  for (const c of polygons) {
    const rle = polygonsToRle(c.segmentation, c.width, c.height);
    assert.equal(compressCounts(rle.counts), c.counts, c.name);
    assert.equal(rleArea(rle), c.area, c.name);
    assert.deepEqual(rleToBbox(rle), c.bbox, c.name);
  }
});

Deno.test("bboxToRle() matches pycocotools' frBbox", async () => {
  const { boxes } = await readCocoCases();
  assert.ok(boxes.length >= 10);
  for (const c of boxes) {
    const rle = bboxToRle(c.bbox_in, c.width, c.height);
    assert.equal(compressCounts(rle.counts), c.counts, c.name);
    assert.equal(rleArea(rle), c.area, c.name);
  }
});

Deno.test("polygonToRle() fills the pixels whose centres lie inside a square", () => {
  // Square from (1, 1) to (4, 3) on a 6x5 image: centres x 1.5, 2.5, 3.5 and
  // y 1.5, 2.5 are inside. Column-major: column 0 is 5 zeros, columns 1-3
  // read 0 1 1 0 0, columns 4-5 are zeros -> [6, 2, 3, 2, 3, 2, 12]; the
  // string "6230009" is pycocotools' (the fixture's "square on pixel edges").
  const rle = polygonToRle([1, 1, 4, 1, 4, 3, 1, 3], 6, 5);
  assert.deepEqual(rle, { size: [5, 6], counts: [6, 2, 3, 2, 3, 2, 12] });
  assert.equal(compressCounts(rle.counts), "6230009");
  // The same square with its vertices in the other direction.
  assert.deepEqual(polygonToRle([1, 3, 4, 3, 4, 1, 1, 1], 6, 5), rle);
});

Deno.test("polygonsToMask() returns a row-major mask", () => {
  // A 2x1 box over the top-left pixels of a 3x2 image.
  assert.deepEqual(
    [...polygonsToMask([[0, 0, 2, 0, 2, 1, 0, 1]], 3, 2)],
    [1, 1, 0, 0, 0, 0],
  );
  // A tall box over the right column.
  assert.deepEqual(
    [...polygonsToMask([[2, 0, 3, 0, 3, 2, 2, 2]], 3, 2)],
    [0, 0, 1, 0, 0, 1],
  );
});

Deno.test("polygonsToRle() merges overlapping parts by union", () => {
  const a = [0, 0, 4, 0, 4, 4, 0, 4];
  const b = [2, 2, 6, 2, 6, 5, 2, 5];
  const union = decodeRle(polygonsToRle([a, b], 6, 5));
  const ma = polygonsToMask([a], 6, 5), mb = polygonsToMask([b], 6, 5);
  assert.deepEqual(union, ma.map((v, i) => v | mb[i]));
  // 16 + 12 - 4 overlapping pixels.
  assert.equal(union.reduce((s, v) => s + v, 0), 24);
});

Deno.test("polygonsToRle() gives an empty mask for no polygons and for 1 or 2 vertices", () => {
  assert.deepEqual(polygonsToRle([], 4, 3), { size: [3, 4], counts: [12] });
  assert.deepEqual(polygonToRle([1.5, 1.5], 4, 3).counts, [12]);
  assert.deepEqual(polygonToRle([0, 0, 3, 3], 4, 3).counts, [12]);
  assert.deepEqual(polygonToRle([], 4, 3).counts, [12]);
});

Deno.test("polygonToRle() clips polygons that reach far outside the image", () => {
  // A triangle with vertices far away covers the image: all 6x5 pixels.
  const big = polygonToRle([-1e6, -1e6, 1e6, -1e6, 0, 1e6], 6, 5);
  assert.deepEqual(big.counts, [0, 30]);
  // The same square as above, drawn with a far-away detour along its top edge.
  const detour = polygonToRle(
    [1, 1, 4, 1, 4, 3, 1, 3, 1, 1, 1, -5e4, 1, 1],
    6,
    5,
  );
  assert.deepEqual(detour.counts, [6, 2, 3, 2, 3, 2, 12]);
});

/**
 * The sub-pixel walk over every point of every edge, without skipping the
 * parts outside the image: each step across a column's centre line toggles
 * that column from the first pixel centre below the lower of the two points.
 */
function walkEverything(poly: number[], w: number, h: number): Uint8Array {
  const k = poly.length / 2;
  const gx = (j: number) => Math.trunc(5 * poly[2 * (j % k)] + 0.5);
  const gy = (j: number) => Math.trunc(5 * poly[2 * (j % k) + 1] + 0.5);
  const us: number[] = [], vs: number[] = [];
  for (let j = 0; j < k; j++) {
    const x0 = gx(j), y0 = gy(j), x1 = gx(j + 1), y1 = gy(j + 1);
    const dx = Math.abs(x1 - x0), dy = Math.abs(y1 - y0);
    const n = Math.max(dx, dy);
    for (let d = 0; d <= n; d++) {
      // Along the longer axis exactly, the other rounded from the lower end.
      if (dx >= dy) {
        const [xa, ya, yb] = x0 <= x1 ? [x0, y0, y1] : [x1, y1, y0];
        const t = x0 <= x1 ? d : n - d;
        us.push(xa + t);
        vs.push(n === 0 ? NaN : Math.trunc(ya + ((yb - ya) / n) * t + 0.5));
      } else {
        const [xa, ya, xb] = y0 <= y1 ? [x0, y0, x1] : [x1, y1, x0];
        const t = y0 <= y1 ? d : n - d;
        vs.push(ya + t);
        us.push(Math.trunc(xa + ((xb - xa) / n) * t + 0.5));
      }
    }
  }
  const colMajor = new Uint8Array(w * h + 1);
  for (let j = 1; j < us.length; j++) {
    if (us[j] === us[j - 1]) continue;
    const x = (Math.min(us[j], us[j - 1]) + 0.5) / 5 - 0.5;
    if (!Number.isInteger(x) || x < 0 || x > w - 1) continue;
    const v = vs[j] < vs[j - 1] ? vs[j] : vs[j - 1];
    const y = Math.ceil(Math.min(h, Math.max(0, (v + 0.5) / 5 - 0.5)));
    colMajor[x * h + y] ^= 1;
  }
  const out = new Uint8Array(w * h);
  let inside = 0;
  for (let i = 0; i < w * h; i++) {
    inside ^= colMajor[i];
    const x = Math.floor(i / h);
    out[(i - x * h) * w + x] = inside;
  }
  return out;
}

Deno.test("polygonToRle() agrees with a walk over every sub-pixel point of every edge", () => {
  const next = random(3);
  for (let trial = 0; trial < 300; trial++) {
    const w = 1 + Math.floor(next() * 24), h = 1 + Math.floor(next() * 24);
    const spread = [2, 30, 400][trial % 3];
    const poly: number[] = [];
    const n = 3 + Math.floor(next() * 6);
    for (let k = 0; k < n; k++) {
      poly.push(
        Math.round((next() * (w + 2 * spread) - spread) * 100) / 100,
        Math.round((next() * (h + 2 * spread) - spread) * 100) / 100,
      );
    }
    assert.deepEqual(
      decodeRle(polygonToRle(poly, w, h)),
      walkEverything(poly, w, h),
      `${w}x${h} ${JSON.stringify(poly)}`,
    );
  }
});

Deno.test("polygonToRle() gives the same pixels on a wider image", () => {
  // The columns' toggles do not depend on the width; only which columns
  // the walk visits does.
  const next = random(5);
  for (let trial = 0; trial < 50; trial++) {
    const w = 3 + Math.floor(next() * 20), h = 3 + Math.floor(next() * 20);
    const poly: number[] = [];
    const n = 3 + Math.floor(next() * 6);
    for (let k = 0; k < n; k++) {
      poly.push(
        Math.round((next() * (w + 40) - 20) * 100) / 100,
        Math.round((next() * (h + 40) - 20) * 100) / 100,
      );
    }
    const narrow = decodeRle(polygonToRle(poly, w, h));
    const wide = decodeRle(polygonToRle(poly, w + 30, h));
    const cropped = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      cropped.set(wide.subarray(y * (w + 30), y * (w + 30) + w), y * w);
    }
    assert.deepEqual(narrow, cropped, JSON.stringify(poly));
  }
});

Deno.test("polygonToRle() rejects an odd number of coordinates", () => {
  assert.throws(
    () => polygonToRle([1, 2, 3, 4, 5], 6, 5),
    (e: unknown) =>
      e instanceof CocoMaskError &&
      e.message.includes("the polygon has 5 coordinates, an odd number"),
  );
  assert.throws(
    () => polygonsToRle([[0, 0, 1, 0, 1, 1], [1, 2, 3]], 6, 5),
    /polygon 1 of 2: the polygon has 3 coordinates/,
  );
});

Deno.test("polygonToRle() rejects coordinates that are not finite numbers", () => {
  assert.throws(
    () => polygonToRle([0, 0, NaN, 1, 2, 2], 6, 5),
    /coordinate 2 is NaN/,
  );
  assert.throws(
    () => polygonToRle([0, 0, 1, Infinity, 2, 2], 6, 5),
    /coordinate 3 is Infinity/,
  );
  assert.throws(
    () => polygonToRle([0, 0, 1, 1e12, 2, 2], 6, 5),
    /coordinate 3 is 1000000000000, not a number within/,
  );
  assert.throws(
    () => polygonToRle([0, 0, "1", 1, 2, 2] as unknown as number[], 6, 5),
    /coordinate 2 is 1, not a number/,
  );
});

Deno.test("polygonsToRle() and bboxToRle() reject malformed arguments", () => {
  assert.throws(
    () => polygonsToRle("0 0 1 1" as unknown as number[][], 6, 5),
    /got string, not a list of polygons/,
  );
  assert.throws(() => polygonsToRle([[0, 0, 1, 0, 1, 1]], 6.5, 5), /width 6.5/);
  assert.throws(
    () => bboxToRle([1, 2, 3], 6, 5),
    /not \[x, y, width, height\]/,
  );
});
