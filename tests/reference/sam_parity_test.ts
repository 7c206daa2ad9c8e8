/**
 * SAM's preprocessing against PyTorch (tests/fixtures/reference/sam_reference.py):
 * pixel_values as transformers' SamImageProcessor gives them, PIL's resize
 * and the point grid. Automatic mask generation on the tiny-random SAM of
 * the real architecture, on every backend, is in sam_parity_slow_test.ts.
 */

import assert from "node:assert/strict";
import { pilResizeBilinear } from "../../pipeline/image/_pil_bilinear.ts";
import type { RgbaImage } from "../../pipeline/image/rgba.ts";
import { sha256Hex } from "../../pipeline/models/source.ts";
import type { MaskGeneratorOptions } from "../../pipeline/sam/mask_generator.ts";
import { buildPointGrid } from "../../pipeline/sam/point_grid.ts";
import {
  samPreprocess,
  samPreprocessConfig,
  toSamFrame,
} from "../../pipeline/sam/preprocess.ts";
import {
  readGolden,
  readPhoto,
  REFERENCE_SAM,
  referenceModels,
} from "./reference_data.ts";

interface PreprocessPhoto {
  photo: string;
  width: number;
  height: number;
  resizedWidth: number;
  resizedHeight: number;
  resizedRgbSha256: string;
  sum: number;
  sumOfSquares: number;
  sampleIndex: number[];
  sampleValue: number[];
}

interface PreprocessGolden {
  padSize: number;
  rescaleFactor: number;
  mean: [number, number, number];
  std: [number, number, number];
  photos: PreprocessPhoto[];
}

interface AmgGolden {
  grids: { photo: string; imagePoints: number[]; framePoints: number[] }[];
  runs: { options: MaskGeneratorOptions }[];
}

const PREPROCESS = await readGolden<PreprocessGolden>("sam/preprocess.json");
const AMG = await readGolden<AmgGolden>("sam/amg.json");
const SOURCE = referenceModels();
const CONFIG = samPreprocessConfig(
  JSON.parse(
    new TextDecoder().decode(
      await SOURCE.read(REFERENCE_SAM, "preprocessor_config.json"),
    ),
  ),
);

/** pixel_values tolerance (fp32; the values lie within about +-2.7). */
const PIXEL_TOL = 1e-5;
/**
 * Grid points: float32 coordinates below 1024 are exact to 6.1e-5; oris
 * and the reference round at different steps (cell centre, then pixels,
 * then frame), so a point may move by a few units in the last place.
 */
const POINT_TOL = 5e-4;
/** Sum and sum of squares of an array, in float64. */
function sums(values: Float32Array): { sum: number; squares: number } {
  let sum = 0, squares = 0;
  for (const v of values) {
    sum += v;
    squares += v * v;
  }
  return { sum, squares };
}

const photos = new Map<string, Promise<RgbaImage>>();
/** A photo of the reference data, decoded once. */
function photo(path: string): Promise<RgbaImage> {
  if (!photos.has(path)) photos.set(path, readPhoto(path));
  return photos.get(path)!;
}

Deno.test("samPreprocess() matches SamImageProcessor's pixel_values within 1e-5 on real photos", async () => {
  const { padSize: pad } = PREPROCESS;
  for (const p of PREPROCESS.photos) {
    const input = samPreprocess(await photo(p.photo), CONFIG);
    assert.equal(input.padSize, pad);
    assert.equal(input.resizedWidth, p.resizedWidth, p.photo);
    assert.equal(input.resizedHeight, p.resizedHeight, p.photo);
    p.sampleIndex.forEach((i, k) =>
      assert.ok(
        Math.abs(input.pixels[i] - p.sampleValue[k]) <= PIXEL_TOL,
        `${p.photo}: pixel_values[${i}] ${input.pixels[i]}, reference ${
          p.sampleValue[k]
        }`,
      )
    );
    // Every value, through the sums of all of them.
    const { sum, squares } = sums(input.pixels);
    const size = input.pixels.length;
    assert.ok(
      Math.abs(sum - p.sum) / size < 1e-7 &&
        Math.abs(squares - p.sumOfSquares) / size < 1e-6,
      `${p.photo}: pixel_values sums ${sum}, ${squares}; reference ${p.sum}, ${p.sumOfSquares}`,
    );
  }
});

Deno.test("pilResizeBilinear() gives the resized photos that PIL gave SamImageProcessor, byte for byte", async () => {
  for (const p of PREPROCESS.photos) {
    const got = pilResizeBilinear(
      await photo(p.photo),
      p.resizedWidth,
      p.resizedHeight,
    );
    const rgb = new Uint8Array(got.width * got.height * 3);
    for (let i = 0, j = 0; i < got.data.length; i += 4, j += 3) {
      rgb.set(got.data.subarray(i, i + 3), j);
    }
    assert.equal(await sha256Hex(rgb), p.resizedRgbSha256, p.photo);
  }
});

Deno.test("buildPointGrid() and toSamFrame() give segment-anything's point grid in image pixels and in the 1024 frame", () => {
  const n = AMG.runs[0].options.pointsPerSide;
  const grid = buildPointGrid(n);
  for (const g of AMG.grids) {
    const p = PREPROCESS.photos.find((q) => q.photo === g.photo)!;
    const points = new Float32Array(grid.length);
    for (let i = 0; i < grid.length; i += 2) {
      points[i] = grid[i] * p.width;
      points[i + 1] = grid[i + 1] * p.height;
    }
    const frame = toSamFrame(points, p);
    assert.equal(points.length, g.imagePoints.length);
    for (let i = 0; i < points.length; i++) {
      assert.ok(Math.abs(points[i] - g.imagePoints[i]) <= POINT_TOL, g.photo);
      assert.ok(Math.abs(frame[i] - g.framePoints[i]) <= POINT_TOL, g.photo);
    }
  }
});
