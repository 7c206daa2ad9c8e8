/**
 * SAM stages against PyTorch on a tiny-random SAM of the real architecture
 * (tests/fixtures/reference/sam_reference.py): pixel_values as
 * transformers' SamImageProcessor gives them, the point grid, and
 * automatic mask generation as segment-anything's algorithm computes it
 * for the same model, grid, thresholds and NMS.
 */

import assert from "node:assert/strict";
import { gpuContext } from "../../kernels/gpu_device.ts";
import { CPU_KERNELS, GPU_KERNELS } from "../../kernels/kernels.ts";
import { pilResizeBilinear } from "../../pipeline/image/_pil_bilinear.ts";
import type { RgbaImage } from "../../pipeline/image/rgba.ts";
import { sha256Hex } from "../../pipeline/models/source.ts";
import {
  type BackendName,
  createSession,
  type InferenceSession,
} from "../../pipeline/models/session.ts";
import {
  AutomaticMaskGenerator,
  type MaskGeneratorOptions,
} from "../../pipeline/sam/mask_generator.ts";
import { buildPointGrid } from "../../pipeline/sam/point_grid.ts";
import {
  samPreprocess,
  samPreprocessConfig,
  toSamFrame,
} from "../../pipeline/sam/preprocess.ts";
import {
  decodeRuns,
  parityBackends,
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

interface GoldenMask {
  predictedIou: number;
  stability: number;
  box: [number, number, number, number];
  area: number;
  point: [number, number];
  rle: number[];
}

interface GoldenRun {
  photo: string;
  width: number;
  height: number;
  options: MaskGeneratorOptions;
  masks: GoldenMask[];
}

interface AmgGolden {
  grids: { photo: string; imagePoints: number[]; framePoints: number[] }[];
  runs: GoldenRun[];
}

const PREPROCESS = await readGolden<PreprocessGolden>("sam/preprocess.json");
const AMG = await readGolden<AmgGolden>("sam/amg.json");
const SOURCE = referenceModels();
const BACKENDS = await parityBackends();
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
/** Predicted IoU: onnxruntime and PyTorch differ by about 5e-6 here. */
const IOU_TOL = 1e-4;
/**
 * Stability score: the share of the mask above +1 among the pixels above
 * -1; a pixel whose logit lies within float error of +-1 may flip, moving
 * the score by 1/area (1e-4 for the masks here, of 10,000 to 100,000
 * pixels). 1e-3 allows ten such flips; the goldens keep every score at
 * least 1.6e-3 from its threshold.
 */
const STABILITY_TOL = 1e-3;
/** Mask IoU with the reference's mask. */
const MIN_MASK_IOU = 0.99;
/**
 * Box edges: a box is the mask's extent, so a flipped pixel at an extreme
 * row or column moves an edge by one pixel.
 */
const BOX_TOL = 1;
/**
 * Photos the webgpu run checks. On lavapipe (CI's software adapter) the
 * decoder takes about 10 s per 32 prompts, 20 s a photo; the two photos
 * cover a square and a landscape image, a threshold near 0 and one near
 * 0.5. wasm and native check all four.
 */
const WEBGPU_PHOTOS = ["photos/astronaut.png", "photos/rocket.png"];

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

/** The tiny SAM's two sessions on a backend (webgpu: on the kernels' device, logits left there). */
async function samSessions(
  backend: BackendName,
): Promise<[InferenceSession, InferenceSession]> {
  const gpuDevice = backend === "webgpu"
    ? (await gpuContext()).device
    : undefined;
  const load = async (file: string, deviceOutputs?: string[]) =>
    await createSession(await SOURCE.read(REFERENCE_SAM, `onnx/${file}`), {
      backend,
      label: `${REFERENCE_SAM}/onnx/${file}`,
      gpuDevice,
      ...(gpuDevice && deviceOutputs ? { deviceOutputs } : {}),
    });
  return [
    await load("vision_encoder.onnx"),
    await load("prompt_encoder_mask_decoder.onnx", ["pred_masks"]),
  ];
}

/** IoU of two binary masks of the same size. */
function maskIou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0, union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i] & b[i];
    union += a[i] | b[i];
  }
  return union ? inter / union : 1;
}

for (const backend of BACKENDS) {
  Deno.test(`AutomaticMaskGenerator proposes the reference generator's masks on real photos: same count and order, mask IoU >= 0.99, predicted IoU within 1e-4 (${backend})`, async () => {
    const [encoder, decoder] = await samSessions(backend);
    try {
      // webgpu: the GPU kernels decode the logits where the decoder left them.
      const kernels = backend === "webgpu" ? GPU_KERNELS : CPU_KERNELS;
      const runs = backend === "webgpu"
        ? AMG.runs.filter((r) => WEBGPU_PHOTOS.includes(r.photo))
        : AMG.runs;
      assert.ok(runs.length > 0);
      for (const run of runs) {
        const generator = new AutomaticMaskGenerator(
          encoder,
          decoder,
          run.options,
          CONFIG,
          kernels,
        );
        const got = await generator.generate(await photo(run.photo));
        const where = `${run.photo} (${backend})`;
        assert.equal(got.length, run.masks.length, `${where}: mask count`);
        run.masks.forEach((want, k) => {
          const p = got[k];
          const at = `${where} mask ${k}`;
          assert.ok(
            Math.abs(p.predictedIou - want.predictedIou) <= IOU_TOL,
            `${at}: predicted IoU ${p.predictedIou}, reference ${want.predictedIou}`,
          );
          const iou = maskIou(
            p.mask,
            decodeRuns(want.rle, run.width * run.height),
          );
          assert.ok(iou >= MIN_MASK_IOU, `${at}: mask IoU ${iou}`);
          assert.ok(
            Math.abs(p.stability - want.stability) <= STABILITY_TOL,
            `${at}: stability ${p.stability}, reference ${want.stability}`,
          );
          p.box.forEach((v, i) =>
            assert.ok(
              Math.abs(v - want.box[i]) <= BOX_TOL,
              `${at}: box [${p.box}], reference [${want.box}]`,
            )
          );
          assert.ok(
            Math.abs(p.point[0] - want.point[0]) <= POINT_TOL &&
              Math.abs(p.point[1] - want.point[1]) <= POINT_TOL,
            `${at}: point [${p.point}], reference [${want.point}]`,
          );
        });
      }
    } finally {
      await encoder.release();
      await decoder.release();
    }
  });
}
