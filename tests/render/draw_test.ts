import assert from "node:assert/strict";
import {
  copyImage,
  drawBox,
  fillRect,
  maskOutline,
  outlineMask,
  type OutlineSide,
  tintMask,
} from "../../pipeline/render/_draw.ts";
import { createRgbaImage } from "../../pipeline/image/rgba.ts";
import {
  changed,
  maskPixels,
  patterned,
  pixel,
  rectMask,
  rectPixels,
  solid,
} from "./helpers.ts";

Deno.test("copyImage() copies the pixels into new memory", () => {
  const image = patterned(5, 4);
  const copy = copyImage(image);
  assert.deepEqual([copy.width, copy.height], [5, 4]);
  assert.deepEqual(copy.data, image.data);
  copy.data[0] = image.data[0] + 1;
  assert.notEqual(copy.data[0], image.data[0]);
});

Deno.test("tintMask() blends the inside pixels with the given opacity and leaves the rest", () => {
  const image = solid(6, 5, [100, 50, 200]);
  const before = copyImage(image);
  const mask = rectMask(6, 5, [1, 1, 3, 2]);
  tintMask(image, mask, [0, 255, 0], 0.45);
  // 100 * 0.55 = 55, 50 * 0.55 + 255 * 0.45 = 142.25, 200 * 0.55 = 110
  assert.deepEqual(pixel(image, 1, 1), [55, 142, 110, 255]);
  assert.deepEqual(pixel(image, 3, 2), [55, 142, 110, 255]);
  assert.deepEqual(changed(before, image), maskPixels(mask, 6));
});

Deno.test("tintMask() blends every channel of a patterned image by the opacity", () => {
  const image = patterned(7, 6);
  const before = copyImage(image);
  const mask = new Uint8Array(42).map((_, p) => (p * 7) % 3 === 0 ? 255 : 0);
  tintMask(image, mask, [10, 220, 130], 0.3);
  for (let p = 0; p < 42; p++) {
    const expected = mask[p]
      ? [0, 1, 2].map((c) =>
        Math.round([10, 220, 130][c] * 0.3 + before.data[4 * p + c] * 0.7)
      )
      : [...before.data.subarray(4 * p, 4 * p + 3)];
    assert.deepEqual(
      [...image.data.subarray(4 * p, 4 * p + 3)],
      expected,
      `pixel ${p}`,
    );
    assert.equal(image.data[4 * p + 3], 255);
  }
});

Deno.test("tintMask() composites over transparent and half-transparent pixels", () => {
  const image = createRgbaImage(
    2,
    1,
    new Uint8ClampedArray([0, 0, 0, 0, 100, 100, 100, 128]),
  );
  tintMask(image, new Uint8Array([1, 1]), [0, 200, 0], 0.45);
  assert.deepEqual(pixel(image, 0, 0), [0, 200, 0, 115]);
  assert.deepEqual(pixel(image, 1, 0), [38, 162, 38, 185]);
});

Deno.test("tintMask() with opacity 0 changes nothing and with opacity 1 paints the colour", () => {
  const image = patterned(4, 3);
  const before = copyImage(image);
  const mask = rectMask(4, 3, [0, 0, 2, 3]);
  tintMask(image, mask, [1, 2, 3], 0);
  assert.deepEqual(image.data, before.data);
  tintMask(image, mask, [1, 2, 3], 1);
  assert.deepEqual(pixel(image, 1, 2), [1, 2, 3, 255]);
  assert.deepEqual(changed(before, image), maskPixels(mask, 4));
});

Deno.test("tintMask() rejects a mask of the wrong size and an opacity outside 0..1", () => {
  const image = solid(6, 5, [0, 0, 0]);
  assert.throws(
    () => tintMask(image, new Uint8Array(29), [0, 0, 0], 0.5),
    (e) =>
      e instanceof RangeError &&
      /29 values.*6 x 5 image needs 30/.test(e.message),
  );
  for (const opacity of [1.5, -0.1, NaN]) {
    assert.throws(
      () => tintMask(image, new Uint8Array(30), [0, 0, 0], opacity),
      (e) =>
        e instanceof RangeError &&
        /opacity must be a number from 0 to 1/.test(e.message),
    );
  }
});

Deno.test("fillRect() fills the clipped rectangle, rounding its corners to pixels", () => {
  const image = solid(5, 4, [9, 9, 9]);
  const before = copyImage(image);
  fillRect(image, [3.4, -2, 10, 3.6], [200, 0, 0]);
  // columns round(3.4) = 3 to round(13.4) - 1, rows 0 to round(1.6) - 1 = 1
  assert.deepEqual(changed(before, image), rectPixels(3, 0, 5, 2));
  assert.deepEqual(pixel(image, 4, 1), [200, 0, 0, 255]);
});

Deno.test("drawBox() draws the frame pixels at the exact coordinates", () => {
  const image = solid(10, 8, [0, 0, 0]);
  const before = copyImage(image);
  drawBox(image, [2, 1, 5, 4], [255, 0, 0], 1);
  const frame = [
    ...rectPixels(2, 1, 7, 2), // top row
    ...rectPixels(2, 4, 7, 5), // bottom row
    ...rectPixels(2, 2, 3, 4), // left column
    ...rectPixels(6, 2, 7, 4), // right column
  ].sort();
  assert.deepEqual(changed(before, image), frame);
  assert.deepEqual(pixel(image, 6, 4), [255, 0, 0, 255]);
});

Deno.test("drawBox() with thickness 2 draws a frame 2 pixels deep inside the box", () => {
  const image = solid(9, 8, [0, 0, 0]);
  const before = copyImage(image);
  drawBox(image, [1, 1, 6, 5], [0, 0, 255], 2);
  const box = new Set(rectPixels(1, 1, 7, 6));
  for (const p of rectPixels(3, 3, 5, 4)) box.delete(p); // the hole
  assert.deepEqual(changed(before, image), [...box].sort());
});

Deno.test("drawBox() clips a box partly outside and draws its visible part", () => {
  const image = solid(10, 8, [0, 0, 0]);
  const before = copyImage(image);
  drawBox(image, [-2, -2, 5, 5], [0, 255, 0], 1); // frame x, y in -2..2
  assert.deepEqual(changed(before, image), ["0,2", "1,2", "2,0", "2,1", "2,2"]);
  const other = copyImage(before);
  drawBox(other, [8, 6, 5, 5], [0, 255, 0], 1); // frame x in 8..12, y in 6..10
  assert.deepEqual(changed(before, other), ["8,6", "8,7", "9,6"]);
});

Deno.test("drawBox() draws nothing and does not throw for boxes outside or empty", () => {
  const image = patterned(6, 6);
  const before = copyImage(image);
  for (
    const box of [
      [10, 10, 4, 4],
      [-9, 0, 4, 4],
      [0, -20, 6, 3],
      [2, 2, 0, 3],
      [2, 2, -3, 3],
      [NaN, 0, 3, 3],
      [0, 0, NaN, 3],
    ] as const
  ) {
    drawBox(image, box, [255, 255, 255], 2);
  }
  assert.deepEqual(image.data, before.data);
  assert.throws(() => drawBox(image, [0, 0, 3, 3], [0, 0, 0], 0), RangeError);
});

/** The outline by its definition, pixel by pixel, as the reference. */
function outlineByDefinition(
  mask: Uint8Array,
  width: number,
  height: number,
  thickness: number,
  side: OutlineSide,
): Uint8Array {
  const on = (x: number, y: number) =>
    (mask[y * width + x] ? 1 : 0) === (side === "inside" ? 1 : 0);
  const offImage = (x: number, y: number) =>
    x < 0 || y < 0 || x >= width || y >= height;
  const isEdge = (x: number, y: number) =>
    on(x, y) &&
    [[1, 0], [-1, 0], [0, 1], [0, -1]].some(([dx, dy]) =>
      offImage(x + dx, y + dy) ? side === "inside" : !on(x + dx, y + dy)
    );
  const out = new Uint8Array(width * height);
  const r = thickness - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!on(x, y)) continue;
      search: for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          if (!offImage(x + dx, y + dy) && isEdge(x + dx, y + dy)) {
            out[y * width + x] = 1;
            break search;
          }
        }
      }
    }
  }
  return out;
}

Deno.test("maskOutline() draws only the inside boundary ring of a square", () => {
  const mask = rectMask(10, 10, [2, 2, 6, 6]);
  const ring = new Set(rectPixels(2, 2, 8, 8));
  for (const p of rectPixels(3, 3, 7, 7)) ring.delete(p);
  assert.deepEqual(maskPixels(maskOutline(mask, 10, 10), 10), [...ring].sort());
  const thick = new Set(rectPixels(2, 2, 8, 8));
  for (const p of rectPixels(4, 4, 6, 6)) thick.delete(p);
  assert.deepEqual(
    maskPixels(maskOutline(mask, 10, 10, 2), 10),
    [...thick].sort(),
  );
});

Deno.test("maskOutline() uses 4-neighbours and treats the image's edge as outside", () => {
  const mask = new Uint8Array(49).fill(1);
  mask[3 * 7 + 3] = 0; // a hole in the centre
  const outline = maskPixels(maskOutline(mask, 7, 7), 7);
  const border = new Set(rectPixels(0, 0, 7, 7));
  for (const p of rectPixels(1, 1, 6, 6)) border.delete(p);
  const expected = [...border, "2,3", "4,3", "3,2", "3,4"].sort();
  assert.deepEqual(outline, expected);
  assert.ok(
    !outline.includes("2,2"),
    "a diagonal neighbour of the hole is not on the outline",
  );
});

Deno.test("maskOutline() outside draws the background pixels touching the mask", () => {
  const mask = rectMask(10, 10, [2, 2, 6, 6]);
  const expected = [
    ...rectPixels(2, 1, 8, 2),
    ...rectPixels(2, 8, 8, 9),
    ...rectPixels(1, 2, 2, 8),
    ...rectPixels(8, 2, 9, 8),
  ].sort();
  assert.deepEqual(
    maskPixels(maskOutline(mask, 10, 10, 1, "outside"), 10),
    expected,
  );
  // A mask on the image's edge: the edge itself draws nothing outside.
  const corner = rectMask(5, 5, [0, 0, 2, 2]);
  assert.deepEqual(maskPixels(maskOutline(corner, 5, 5, 1, "outside"), 5), [
    "0,2",
    "1,2",
    "2,0",
    "2,1",
  ]);
});

Deno.test("maskOutline() of an empty mask is empty on both sides", () => {
  for (const side of ["inside", "outside"] as const) {
    assert.deepEqual(
      maskOutline(new Uint8Array(30), 6, 5, 3, side),
      new Uint8Array(30),
    );
  }
  assert.throws(() => maskOutline(new Uint8Array(30), 6, 5, 0), RangeError);
});

Deno.test("maskOutline() matches its definition on random masks, both sides, thickness 1-4", () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let trial = 0; trial < 16; trial++) {
    const width = 5 + Math.floor(random() * 20),
      height = 5 + Math.floor(random() * 20);
    const mask = new Uint8Array(width * height);
    // Blobs: a few filled discs, so the masks have real insides.
    for (let k = 0; k < 3; k++) {
      const cx = random() * width, cy = random() * height, r = 1 + random() * 6;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) mask[y * width + x] = 1;
        }
      }
    }
    for (const side of ["inside", "outside"] as const) {
      for (let t = 1; t <= 4; t++) {
        assert.deepEqual(
          maskOutline(mask, width, height, t, side),
          outlineByDefinition(mask, width, height, t, side),
          `trial ${trial}, ${width} x ${height}, ${side}, thickness ${t}`,
        );
      }
    }
  }
});

Deno.test("outlineMask() paints exactly the outline pixels in the colour", () => {
  const image = patterned(12, 9);
  const before = copyImage(image);
  const mask = rectMask(12, 9, [-3, 4, 8, 9]); // cut by the left and bottom edges
  outlineMask(image, mask, [250, 10, 10], 2);
  const expected = maskPixels(maskOutline(mask, 12, 9, 2), 12);
  assert.deepEqual(changed(before, image), expected);
  assert.ok(expected.includes("0,8") && expected.includes("4,4"));
  assert.ok(!expected.includes("2,6"), "the inside away from every edge stays");
  assert.deepEqual(pixel(image, 0, 8), [250, 10, 10, 255]);
  assert.throws(
    () => outlineMask(image, new Uint8Array(5), [0, 0, 0]),
    RangeError,
  );
});
