import assert from "node:assert/strict";
import {
  compressCounts,
  compressRle,
  decodeRle,
  decompressCounts,
  decompressRle,
  encodeRle,
  maskToCompressedRle,
  mergeRles,
  type Rle,
  rleArea,
  rleToBbox,
} from "../../pipeline/datasets/coco_rle.ts";
import { CocoMaskError } from "../../pipeline/datasets/coco_mask_error.ts";
import { bits, random, readCocoCases, scanBbox } from "./coco_cases.ts";

/** Runs of a row-major mask read in column-major order, the slow obvious way. */
function naiveCounts(mask: Uint8Array, width: number, height: number) {
  const counts: number[] = [];
  let value = 0, run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x] ? 1 : 0;
      if (v !== value) {
        counts.push(run);
        run = 0;
        value = v;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

function randomMask(
  width: number,
  height: number,
  density: number,
  next: () => number,
) {
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) {
    // Nonzero values other than 1 count as inside.
    if (next() < density) mask[i] = 1 + Math.floor(next() * 255);
  }
  return mask;
}

const binary = (mask: Uint8Array) => mask.map((v) => (v ? 1 : 0));

// Hand-derived encodings. COCO reads pixels column by column (x * h + y);
// counts alternate 0s and 1s, starting with 0s. The string writes each count
// (from index 3 on, minus the count two places before) in 5-bit groups, low
// first, as the character 48 + group, adding 32 while more groups follow;
// the last group's bit 16 is the sign.
Deno.test("encodeRle() and compressCounts() give hand-derived encodings", () => {
  // 2 rows x 3 columns, rows [0 0 1] and [1 0 1]: columns read 0,1 | 0,0 |
  // 1,1 -> runs 1 zero, 1 one, 2 zeros, 2 ones = [1, 1, 2, 2]. String:
  // "1", "1", "2", then 2 - 1 = 1 -> "1": "1121".
  const a = encodeRle(new Uint8Array([0, 0, 1, 1, 0, 1]), 3, 2);
  assert.deepEqual(a, { size: [2, 3], counts: [1, 1, 2, 2] });
  assert.equal(compressCounts(a.counts), "1121");

  // 3 x 3, rows [0 1 0], [1 1 1], [1 1 1]: columns 0,1,1 | 1,1,1 | 0,1,1
  // -> [1, 5, 1, 2]. Index 3: 2 - 5 = -3 = one group 29 (bit 16 set = the
  // sign of -1 that remains) -> chr(48 + 29) = "M": "151M".
  const b = encodeRle(new Uint8Array([0, 1, 0, 1, 1, 1, 1, 1, 1]), 3, 3);
  assert.deepEqual(b.counts, [1, 5, 1, 2]);
  assert.equal(compressCounts(b.counts), "151M");

  // 16 pixels set in one column: [0, 16]. 16 has bit 16 set, which would
  // read as a sign, so it takes 2 groups: 16 + 32 -> "`", then 0 -> "0".
  assert.equal(
    maskToCompressedRle(new Uint8Array(16).fill(1), 1, 16).counts,
    "0`0",
  );
  // All 16 unset: [16] -> "`0".
  assert.equal(maskToCompressedRle(new Uint8Array(16), 1, 16).counts, "`0");

  // 300 x 200 all set: [0, 60000]; 60000 = 1*32^3 + 26*32^2 + 19*32 + 0,
  // groups low first 0, 19, 26, 1 -> 0+32 "P", 19+32 "c", 26+32 "j", 1 "1".
  assert.equal(compressCounts([0, 60000]), "0Pcj1");

  // 1 x 1: unset [1] -> "1"; set [0, 1] -> "01".
  assert.equal(maskToCompressedRle(new Uint8Array([0]), 1, 1).counts, "1");
  assert.equal(maskToCompressedRle(new Uint8Array([1]), 1, 1).counts, "01");
});

Deno.test("decompressCounts() reads the hand-derived strings back", () => {
  assert.deepEqual(decompressCounts("1121"), [1, 1, 2, 2]);
  assert.deepEqual(decompressCounts("151M"), [1, 5, 1, 2]);
  assert.deepEqual(decompressCounts("0`0"), [0, 16]);
  assert.deepEqual(decompressCounts("0Pcj1"), [0, 60000]);
  assert.deepEqual(decompressCounts(""), []);
  // Index 2 is not a difference, index 3 is: "5" "5" "5" "0" -> [5, 5, 5, 5].
  assert.deepEqual(decompressCounts("5550"), [5, 5, 5, 5]);
});

Deno.test("decodeRle() gives the row-major mask of hand-derived runs", () => {
  assert.deepEqual(
    [...decodeRle({ size: [2, 3], counts: [1, 1, 2, 2] })],
    [0, 0, 1, 1, 0, 1],
  );
  assert.deepEqual(
    [...decodeRle({ size: [3, 3], counts: [1, 5, 1, 2] })],
    [0, 1, 0, 1, 1, 1, 1, 1, 1],
  );
  // Empty runs anywhere (as uncompressed COCO RLEs may hold) are allowed.
  assert.deepEqual(
    [...decodeRle({ size: [2, 2], counts: [0, 1, 0, 2, 1] })],
    [1, 1, 1, 0],
  );
});

Deno.test("encodeRle() matches pycocotools' encode, area and toBbox on random and uniform masks", async () => {
  const { masks } = await readCocoCases();
  assert.ok(masks.length >= 15);
  for (const c of masks) {
    const mask = c.mask !== undefined
      ? bits(c.mask)
      : new Uint8Array(c.width * c.height).fill(c.fill ?? 0);
    const rle = encodeRle(mask, c.width, c.height);
    assert.equal(compressCounts(rle.counts), c.counts, c.name);
    assert.equal(rleArea(rle), c.area, c.name);
    assert.deepEqual(rleToBbox(rle), c.bbox, c.name);
    const back = decodeRle(decompressRle({
      size: [c.height, c.width],
      counts: c.counts,
    }));
    assert.deepEqual(back, mask, c.name);
  }
});

Deno.test("encodeRle() and decodeRle() round-trip random masks of every shape", () => {
  const next = random(42);
  const sizes = [
    [1, 1],
    [1, 9],
    [9, 1],
    [2, 2],
    [3, 7],
    [7, 3],
    [31, 17],
    [64, 48],
    [0, 5],
    [5, 0],
    [0, 0],
  ];
  for (const [w, h] of sizes) {
    for (const density of [0, 0.02, 0.5, 0.98, 1]) {
      const mask = randomMask(w, h, density, next);
      const rle = encodeRle(mask, w, h);
      const label = `${w}x${h} density ${density}`;
      assert.deepEqual(rle.size, [h, w], label);
      assert.deepEqual(rle.counts, naiveCounts(mask, w, h), label);
      assert.deepEqual(decodeRle(rle), binary(mask), label);
      assert.equal(rleArea(rle), binary(mask).reduce((s, v) => s + v, 0));
      assert.deepEqual(rleToBbox(rle), scanBbox(mask, w, h), label);
      const packed = compressRle(rle);
      assert.deepEqual(decompressRle(packed), rle, label);
    }
  }
});

Deno.test("encodeRle() round-trips a single pixel at each corner and the centre", () => {
  for (const [w, h] of [[1, 1], [5, 3], [3, 5], [640, 480]]) {
    const spots = [
      [0, 0],
      [w - 1, 0],
      [0, h - 1],
      [w - 1, h - 1],
      [w >> 1, h >> 1],
    ];
    for (const [x, y] of spots) {
      const mask = new Uint8Array(w * h);
      mask[y * w + x] = 1;
      const packed = maskToCompressedRle(mask, w, h);
      const rle = decompressRle(packed);
      assert.deepEqual(rle.counts, naiveCounts(mask, w, h));
      assert.deepEqual(decodeRle(rle), mask, `${x},${y} of ${w}x${h}`);
      assert.equal(rleArea(packed), 1);
      assert.deepEqual(rleToBbox(packed), [x, y, 1, 1]);
    }
  }
});

Deno.test("encodeRle() encodes empty and full masks as one or two runs", () => {
  assert.deepEqual(encodeRle(new Uint8Array(12), 4, 3).counts, [12]);
  assert.deepEqual(encodeRle(new Uint8Array(12).fill(7), 4, 3).counts, [0, 12]);
  assert.deepEqual(rleToBbox({ size: [3, 4], counts: [12] }), [0, 0, 0, 0]);
  assert.deepEqual(rleToBbox({ size: [3, 4], counts: [0, 12] }), [0, 0, 4, 3]);
  assert.deepEqual(encodeRle(new Uint8Array(0), 0, 0).counts, [0]);
});

Deno.test("compressCounts() and decompressCounts() round-trip large and alternating counts", () => {
  const next = random(7);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + Math.floor(next() * 40);
    const counts = Array.from({ length: n }, (_, i) => {
      const scale = [1, 40, 2000, 1e6, 2 ** 40][Math.floor(next() * 5)];
      const c = Math.floor(next() * scale);
      return i > 0 && c === 0 ? 1 : c;
    });
    assert.deepEqual(decompressCounts(compressCounts(counts)), counts);
  }
  // Counts past 32 bits.
  const huge = [0, 2 ** 33 + 5, 3, 2 ** 45, 1];
  assert.deepEqual(decompressCounts(compressCounts(huge)), huge);
});

Deno.test("compressRle() and decompressRle() convert between the two forms", () => {
  const rle: Rle = { size: [3, 3], counts: [1, 5, 1, 2] };
  assert.deepEqual(compressRle(rle), { size: [3, 3], counts: "151M" });
  assert.deepEqual(decompressRle({ size: [3, 3], counts: "151M" }), rle);
  assert.equal(rleArea({ size: [3, 3], counts: "151M" }), 7);
  assert.deepEqual(rleToBbox({ size: [3, 3], counts: "151M" }), [0, 0, 3, 3]);
});

Deno.test("mergeRles() matches pycocotools' merge as union and intersection", async () => {
  const { merges } = await readCocoCases();
  assert.ok(merges.length >= 4);
  for (const c of merges) {
    const rles = c.masks.map((m) => encodeRle(bits(m), c.width, c.height));
    assert.equal(compressCounts(mergeRles(rles).counts), c.union, c.name);
    assert.equal(
      compressCounts(mergeRles(rles, true).counts),
      c.intersection,
      c.name,
    );
    // And the pixels agree with OR / AND of the masks.
    const masks = c.masks.map(bits);
    const or = masks.reduce((a, b) => a.map((v, i) => v | b[i]));
    const and = masks.reduce((a, b) => a.map((v, i) => v & b[i]));
    assert.deepEqual(decodeRle(mergeRles(rles)), or, c.name);
    assert.deepEqual(decodeRle(mergeRles(rles, true)), and, c.name);
  }
});

Deno.test("mergeRles() returns a single mask's runs unchanged and merges empty runs away", () => {
  const odd: Rle = { size: [2, 2], counts: [0, 1, 0, 2, 1] };
  assert.deepEqual(mergeRles([odd]), odd);
  assert.deepEqual(mergeRles([odd, { size: [2, 2], counts: [4] }]).counts, [
    0,
    3,
    1,
  ]);
});

Deno.test("decompressCounts() names a bad character and its offset", () => {
  assert.throws(
    () => decompressCounts("12 4"),
    (e: unknown) =>
      e instanceof CocoMaskError &&
      e.message.includes('character " " (code 32) at offset 2'),
  );
  assert.throws(() => decompressCounts("12p"), /code 112\) at offset 2/);
  assert.throws(() => decompressCounts("1/"), /code 47\) at offset 1/);
});

Deno.test("decompressCounts() rejects a string cut inside a count and negative runs", () => {
  // "P" (0 + 32) says another group follows.
  assert.throws(
    () => decompressCounts("0P"),
    /ends inside a count \(the count from offset 1/,
  );
  // "O" is 31: a last group with the sign bit, i.e. -1.
  assert.throws(() => decompressCounts("O"), /count 0 .* decodes to -1/);
  assert.throws(
    () => decompressCounts("o".repeat(12) + "0"),
    /over 10 characters long/,
  );
});

Deno.test("decompressRle() and decodeRle() reject counts that do not fill the size", () => {
  assert.throws(
    () => decompressRle({ size: [2, 3], counts: "112" }),
    (e: unknown) =>
      e instanceof CocoMaskError &&
      e.message.includes("counts add up to 4 pixels, but size 2x3") &&
      e.message.includes("holds 6"),
  );
  assert.throws(
    () => decodeRle({ size: [2, 3], counts: [1, 1, 2, 3] }),
    /add up to 7 pixels/,
  );
  assert.throws(
    () => decodeRle({ size: [2, 3], counts: [1, -1, 2, 4] }),
    /count 1 is -1/,
  );
  assert.throws(
    () => decodeRle({ size: [2, 3], counts: [1, 1.5, 2, 1.5] }),
    /count 1 is 1.5/,
  );
  assert.throws(
    () => decodeRle({ size: [2] as unknown as [number, number], counts: [2] }),
    /size \[2\] is not \[height, width\]/,
  );
  assert.throws(
    () => decodeRle({ size: [2, 3], counts: "1121" as unknown as number[] }),
    /counts is string, not an array/,
  );
});

Deno.test("encodeRle() rejects a mask of the wrong length", () => {
  assert.throws(
    () => encodeRle(new Uint8Array(5), 3, 2),
    /the mask holds 5 pixels, not 3x2 = 6/,
  );
  assert.throws(() => encodeRle(new Uint8Array(0), -1, 0), /whole numbers/);
});

Deno.test("mergeRles() rejects masks of different sizes and an empty list", () => {
  assert.throws(
    () =>
      mergeRles([{ size: [2, 3], counts: [6] }, {
        size: [3, 2],
        counts: [6],
      }]),
    /mask 1 is 3x2 \(height x width\), mask 0 is 2x3/,
  );
  assert.throws(() => mergeRles([]), /got no masks/);
});

Deno.test("compressCounts() rejects counts that are not whole numbers", () => {
  assert.throws(() => compressCounts([1, 2.5]), /count 1 is 2.5/);
  assert.throws(() => compressCounts([-1]), /count 0 is -1/);
});
