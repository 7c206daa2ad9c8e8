import assert from "node:assert/strict";
import { CLIP_NORMALISATION } from "../../kernels/clip_views.ts";
import {
  maskGrid,
  patchGridSide,
  tokenMaskRows,
  wholeImageView,
} from "../../pipeline/clip/_token_mask_inputs.ts";
import { createRgbaImage } from "../../pipeline/image/rgba.ts";
import { maskStats } from "../../pipeline/sam/postprocess.ts";

function rectMask(w: number, h: number, [x0, y0, x1, y1]: number[]) {
  const mask = new Uint8Array(w * h);
  for (let y = y0; y < y1; y++) mask.fill(1, y * w + x0, y * w + x1);
  return { mask, box: maskStats(mask, w).box };
}

Deno.test("maskGrid() gives 1 over a full mask, 0 for an empty one, and the share of each patch a mask covers", () => {
  const [w, h] = [70, 35];
  assert.ok(
    maskGrid(rectMask(w, h, [0, 0, w, h]), w, h, 7).every((v) =>
      Math.abs(v - 1) < 1e-6
    ),
  );
  assert.ok(
    maskGrid(rectMask(w, h, [0, 0, 0, 0]), w, h, 7).every((v) => v === 0),
  );
  // The left half of the image: the first three columns of patches are
  // covered, the middle one half, the last three not at all.
  const grid = maskGrid(rectMask(w, h, [0, 0, 35, h]), w, h, 7);
  for (let row = 0; row < 7; row++) {
    const cols = [...grid.subarray(row * 7, row * 7 + 7)];
    assert.ok(cols.slice(0, 3).every((v) => Math.abs(v - 1) < 1e-6), `${cols}`);
    assert.ok(Math.abs(cols[3] - 0.5) < 1e-6, `${cols}`);
    assert.ok(cols.slice(4).every((v) => Math.abs(v) < 1e-6), `${cols}`);
  }
});

Deno.test("maskGrid() reads only the mask's box and gives what a whole-image pass gives", () => {
  const [w, h] = [53, 41];
  const m = rectMask(w, h, [9, 12, 30, 33]);
  const whole = { mask: m.mask, box: [0, 0, w, h] as const };
  const a = maskGrid(m, w, h, 7), b = maskGrid(whole, w, h, 7);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-6));
});

Deno.test("tokenMaskRows() puts 1 for the class token before each mask's grid", () => {
  const [w, h] = [28, 28];
  const masks = [rectMask(w, h, [0, 0, 28, 28]), rectMask(w, h, [0, 0, 0, 0])];
  const rows = tokenMaskRows(masks, w, h, 2);
  const want = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0];
  assert.equal(rows.length, want.length);
  rows.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `${rows}`));
});

Deno.test("patchGridSide() reads the grid of a token count and refuses one that is not square", () => {
  assert.equal(patchGridSide(50), 7);
  assert.equal(patchGridSide(257), 16);
  assert.throws(() => patchGridSide(51), /not a square patch grid/);
});

Deno.test("wholeImageView() squashes the image to the view and normalises it", () => {
  const image = createRgbaImage(30, 10);
  for (let i = 0; i < 300; i++) image.data.set([255, 0, 128, 255], i * 4);
  const view = wholeImageView(image, 4, CLIP_NORMALISATION);
  assert.equal(view.length, 48);
  const { mean, std } = CLIP_NORMALISATION;
  [255, 0, 128].forEach((v, c) => {
    const want = (v / 255 - mean[c]) / std[c];
    for (let i = c * 16; i < (c + 1) * 16; i++) {
      assert.ok(Math.abs(view[i] - want) < 1e-5);
    }
  });
});
