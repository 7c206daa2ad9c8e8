import assert from "node:assert/strict";
import {
  drawText,
  GLYPH_HEIGHT,
  glyphFor,
  hasGlyph,
  measureText,
} from "../../pipeline/render/_font.ts";
import { copyImage } from "../../pipeline/render/_draw.ts";
import type { RgbaImage } from "../../pipeline/image/rgba.ts";
import { changed, pixel, solid } from "./helpers.ts";

const INK: [number, number, number] = [255, 255, 255];

/** The drawn pixels of an image that started black, as rows of "#" and ".". */
function inkRows(
  image: RgbaImage,
  x0: number,
  y0: number,
  w: number,
  h: number,
): string[] {
  const rows: string[] = [];
  for (let y = y0; y < y0 + h; y++) {
    let row = "";
    for (let x = x0; x < x0 + w; x++) {
      row += pixel(image, x, y)[0] === 255 ? "#" : ".";
    }
    rows.push(row);
  }
  return rows;
}

Deno.test("glyphFor() has a glyph of its own for digits, A-Z, space and . # - :", () => {
  const required = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ .#-:";
  const seen = new Set<string>();
  for (const char of required) {
    assert.ok(hasGlyph(char), `no glyph for ${JSON.stringify(char)}`);
    const glyph = glyphFor(char);
    assert.equal(glyph.bits.length, glyph.width * GLYPH_HEIGHT);
    // Every glyph but the space has ink, and no two glyphs look the same.
    assert.equal(glyph.bits.some((b) => b === 1), char !== " ", char);
    const key = `${glyph.width}:${glyph.bits.join("")}`;
    assert.ok(!seen.has(key), `${char} looks like another glyph`);
    seen.add(key);
  }
  for (const digit of "0123456789") assert.equal(glyphFor(digit).width, 5);
  assert.equal(hasGlyph("~"), false);
  assert.equal(glyphFor("~"), glyphFor("?"));
  assert.equal(glyphFor("k"), glyphFor("K"));
});

Deno.test("drawText() draws the glyph bits of '1' and '#' at scale 1", () => {
  const image = solid(16, 10, [0, 0, 0]);
  const box = drawText(image, 2, 1, "1#", INK);
  assert.deepEqual(box, [2, 1, 11, 7]);
  assert.deepEqual(inkRows(image, 2, 1, 11, 7), [
    "..#....#.#.",
    ".##....#.#.",
    "..#...#####",
    "..#....#.#.",
    "..#...#####",
    "..#....#.#.",
    ".###...#.#.",
  ]);
  // Nothing outside the text's box [2, 13) x [1, 8).
  for (const p of changed(solid(16, 10, [0, 0, 0]), image)) {
    const [x, y] = p.split(",").map(Number);
    assert.ok(x >= 2 && x < 13 && y >= 1 && y < 8, `ink at ${p}`);
  }
});

Deno.test("drawText() at scale 3 draws each font pixel as a 3 x 3 square", () => {
  const small = solid(12, 9, [0, 0, 0]);
  drawText(small, 0, 0, "7.", INK);
  const large = solid(36, 27, [0, 0, 0]);
  drawText(large, 0, 0, "7.", INK, { scale: 3 });
  for (let y = 0; y < 27; y++) {
    for (let x = 0; x < 36; x++) {
      assert.deepEqual(
        pixel(large, x, y),
        pixel(small, Math.floor(x / 3), Math.floor(y / 3)),
      );
    }
  }
});

Deno.test("measureText() gives the text's drawn extent", () => {
  // "H" has ink in its first and last columns and rows: its ink box is its measured box.
  const image = solid(20, 20, [0, 0, 0]);
  const before = copyImage(image);
  drawText(image, 3, 4, "H", INK, { scale: 2 });
  const ink = changed(before, image).map((p) => p.split(",").map(Number));
  const xs = ink.map(([x]) => x), ys = ink.map(([, y]) => y);
  const size = measureText("H", 2);
  assert.deepEqual(size, { width: 10, height: 14 });
  assert.deepEqual(
    [
      Math.min(...xs),
      Math.min(...ys),
      Math.max(...xs) + 1,
      Math.max(...ys) + 1,
    ],
    [3, 4, 3 + size.width, 4 + size.height],
  );
  // Glyph widths 5 5 3 5 2 5 5 5 and 7 gaps between them.
  assert.deepEqual(measureText("#2 0.271"), { width: 42, height: 7 });
  assert.deepEqual(measureText("#2 0.271", 3), { width: 126, height: 21 });
  assert.deepEqual(measureText("#2 0.271", 2, 2), { width: 88, height: 18 });
  assert.deepEqual(measureText("AB\nC"), { width: 11, height: 15 });
  assert.deepEqual(measureText(""), { width: 0, height: 0 });
  assert.throws(() => measureText("A", 0), RangeError);
  assert.throws(() => measureText("A", 1.5), RangeError);
});

Deno.test("drawText() with a background fills the padded box under the glyphs", () => {
  const image = solid(60, 20, [0, 0, 0]);
  const before = copyImage(image);
  const box = drawText(image, 5, 3, "#2 0.271", INK, {
    scale: 1,
    background: [200, 0, 0],
  });
  assert.deepEqual(box, [5, 3, 44, 9]); // padding 1 = the scale
  const changedPixels = changed(before, image);
  assert.equal(changedPixels.length, 44 * 9);
  for (const p of changedPixels) {
    const [x, y] = p.split(",").map(Number);
    assert.ok(x >= 5 && x < 49 && y >= 3 && y < 12, `outside the box: ${p}`);
    const [r, g, b] = pixel(image, x, y);
    assert.ok(
      (r === 200 && g === 0 && b === 0) ||
        (r === 255 && g === 255 && b === 255),
      `pixel ${p} is ${[r, g, b]}`,
    );
  }
  // The glyphs sit one pixel in: the "#" starts with ".#.#." on the first text row.
  assert.deepEqual(inkRows(image, 6, 4, 5, 1), [".#.#."]);
  assert.deepEqual(pixel(image, 5, 3).slice(0, 3), [200, 0, 0]);
});

Deno.test("drawText() clips at every border and draws the visible part", () => {
  const text = "#8 W";
  const size = measureText(text, 2, 2);
  // Reference: the whole label on a canvas with room around it.
  const margin = 40;
  const big = solid(30 + 2 * margin, 20 + 2 * margin, [0, 0, 0]);
  const spots: [number, number][] = [[-7, -5], [20, 12], [-30, 15], [25, -9], [
    -1000,
    3,
  ]];
  for (const [x, y] of spots) {
    const image = solid(30, 20, [0, 0, 0]);
    const box = drawText(image, x, y, text, INK, {
      scale: 2,
      background: [0, 0, 90],
    });
    assert.deepEqual(box, [x, y, size.width, size.height]);
    big.data.fill(0);
    drawText(big, x + margin, y + margin, text, INK, {
      scale: 2,
      background: [0, 0, 90],
    });
    for (let py = 0; py < 20; py++) {
      for (let px = 0; px < 30; px++) {
        const got = pixel(image, px, py).slice(0, 3);
        const want = pixel(big, px + margin, py + margin).slice(0, 3);
        assert.deepEqual(
          got,
          want,
          `at (${px}, ${py}) with the label at (${x}, ${y})`,
        );
      }
    }
  }
});

Deno.test("drawText() draws lowercase as uppercase and starts a line at \\n", () => {
  const lower = solid(30, 20, [0, 0, 0]);
  const upper = solid(30, 20, [0, 0, 0]);
  drawText(lower, 0, 0, "ab\nz", INK);
  drawText(upper, 0, 0, "AB", INK);
  drawText(upper, 0, 8, "Z", INK); // 7 rows + 1 blank row below the first line
  assert.deepEqual(lower.data, upper.data);
  assert.throws(
    () => drawText(lower, 0, 0, "A", INK, { scale: 0 }),
    RangeError,
  );
});
