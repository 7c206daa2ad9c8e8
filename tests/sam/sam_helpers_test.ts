import assert from "node:assert/strict";
import { boxIou, boxNms, greedyNms } from "../../pipeline/sam/_box_nms.ts";
import { buildPointGrid } from "../../pipeline/sam/point_grid.ts";
import {
  connectedComponents,
  removeSmallRegions,
} from "../../pipeline/sam/_small_regions.ts";
import {
  SAM_PREPROCESS,
  samPreprocess,
  samPreprocessConfig,
  samResizedSize,
  toSamFrame,
} from "../../pipeline/sam/preprocess.ts";
import { pilResizeBilinear } from "../../pipeline/image/_pil_bilinear.ts";
import { createRgbaImage } from "../../pipeline/image/rgba.ts";

Deno.test("buildPointGrid() puts one point at the centre of each cell, row by row", () => {
  assert.deepEqual([...buildPointGrid(2)], [
    0.25,
    0.25,
    0.75,
    0.25,
    0.25,
    0.75,
    0.75,
    0.75,
  ]);
  const g = buildPointGrid(16);
  assert.equal(g.length, 512);
  assert.equal(g[0], 1 / 32);
  assert.throws(() => buildPointGrid(0), /positive integer/);
});

Deno.test("boxNms() keeps the best box of each overlapping group", () => {
  const boxes = [0, 0, 10, 10, 1, 1, 10, 10, 20, 20, 30, 30, 0, 0, 10, 10];
  assert.deepEqual(boxNms(boxes, [0.8, 0.9, 0.7, 0.5], 0.7), [1, 2]);
  assert.equal(boxIou([0, 0, 10, 10, 5, 0, 15, 10], 0, 4), 50 / 150);
  assert.equal(boxIou([0, 0, 10, 10, 10, 0, 20, 10], 0, 4), 0);
  // Ties keep the lower index.
  assert.deepEqual(boxNms([0, 0, 4, 4, 0, 0, 4, 4], [0.5, 0.5], 0.7), [0]);
});

Deno.test("removeSmallRegions() removes small islands and fills small holes (8-connected)", () => {
  // 6x5: a 3x3 block with a hole, an island of 1 pixel, a diagonal pair.
  const m = Uint8Array.from([
    1,
    1,
    1,
    0,
    0,
    0,
    1,
    0,
    1,
    0,
    0,
    1,
    1,
    1,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    1,
    0,
    0,
  ]);
  const holes = removeSmallRegions(m, 6, 5, 2, "holes");
  assert.equal(holes.changed, true);
  assert.equal(holes.mask[7], 1);
  const islands = removeSmallRegions(m, 6, 5, 2, "islands");
  assert.equal(islands.mask[11], 0);
  assert.equal(islands.mask[27], 0);
  assert.equal(islands.mask[0], 1);
  const { sizes } = connectedComponents(Uint8Array.from([1, 0, 0, 1]), 2, 2, 1);
  assert.deepEqual(sizes, [0, 2]); // diagonal neighbours join
  // All islands small: the largest stays.
  const kept = removeSmallRegions(
    Uint8Array.from([1, 1, 0, 0, 1]),
    5,
    1,
    5,
    "islands",
  );
  assert.deepEqual([...kept.mask], [1, 1, 0, 0, 0]);
  assert.equal(removeSmallRegions(m, 6, 5, 1, "islands").changed, false);
});

Deno.test("samPreprocess() keeps one row of an image far wider than high (past 2048:1)", () => {
  assert.deepEqual(samResizedSize(3000, 1, 1024).height, 1);
  const image = createRgbaImage(3000, 1);
  image.data.fill(200);
  const input = samPreprocess(image);
  assert.deepEqual([input.resizedWidth, input.resizedHeight], [1024, 1]);
  assert.ok(input.pixels[0] > 0 && input.pixels[1024] === 0);
});

Deno.test("samPreprocess() resizes the longest side to 1024, normalises and pads with zeros", () => {
  assert.deepEqual(samResizedSize(640, 480, 1024), {
    width: 1024,
    height: 768,
    scale: 1.6,
  });
  assert.deepEqual(samResizedSize(333, 1000, 1024).width, 341);
  const image = createRgbaImage(8, 4);
  image.data.fill(255);
  const input = samPreprocess(image);
  assert.equal(input.resizedWidth, 1024);
  assert.equal(input.resizedHeight, 512);
  const plane = 1024 * 1024;
  const white = (1 - SAM_PREPROCESS.mean[0]) / SAM_PREPROCESS.std[0];
  assert.ok(Math.abs(input.pixels[0] - white) < 1e-4);
  assert.equal(input.pixels[600 * 1024], 0); // padding row
  assert.equal(input.pixels.length, 3 * plane);
  assert.deepEqual([...toSamFrame(Float32Array.of(8, 4), input)], [1024, 512]);
});

Deno.test("samPreprocessConfig() reads preprocessor_config.json and keeps defaults for the rest", () => {
  const c = samPreprocessConfig({
    size: { longest_edge: 512 },
    image_mean: [0, 0, 0],
  });
  assert.equal(c.longestEdge, 512);
  assert.deepEqual(c.mean, [0, 0, 0]);
  assert.deepEqual(c.std, SAM_PREPROCESS.std);
  assert.equal(c.rescaleFactor, 1 / 255);
  assert.equal(samPreprocessConfig(null).padSize, 1024);
  assert.equal(
    samPreprocessConfig({ rescale_factor: 0.00392156862745098 }).rescaleFactor,
    1 / 255,
  );
});

Deno.test("samPreprocess() resizes with PIL's bilinear filter and normalises in float32, as SamImageProcessor does", () => {
  // A 2 x 1 image: black and white. PIL gives 1024 x 512 with its
  // fixed-point filter; each level is (v / 255 - mean) / std in float32.
  const image = createRgbaImage(2, 1);
  image.data.set([0, 0, 0, 255, 255, 255, 255, 255]);
  const input = samPreprocess(image);
  const resized = pilResizeBilinear(image, 1024, 512);
  const f = Math.fround;
  for (const x of [0, 300, 511, 512, 700, 1023]) {
    for (let c = 0; c < 3; c++) {
      const v = resized.data[x * 4 + c];
      const want = f(
        f(f(v * (1 / 255)) - f(SAM_PREPROCESS.mean[c])) /
          f(SAM_PREPROCESS.std[c]),
      );
      assert.equal(input.pixels[c * 1024 * 1024 + 100 * 1024 + x], want);
    }
  }
  assert.equal(input.pixels[1024 * 1024 - 1], 0); // padding
});

Deno.test("greedyNms() keeps, in the given order, each index not overlapping a kept one above the threshold", () => {
  const overlaps: Record<string, number> = {
    "0,2": 0.6,
    "1,2": 0.4,
    "1,0": 0.5,
  };
  const overlap = (a: number, b: number) => overlaps[`${a},${b}`] ?? 0;
  assert.deepEqual(greedyNms([2, 0, 1], overlap, 0.5), [2, 1]); // 0.5 is not above
  assert.deepEqual(greedyNms([2, 0, 1], overlap, 0.3), [2]);
  assert.deepEqual(greedyNms([], overlap, 0.5), []);
});
