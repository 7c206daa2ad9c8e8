/**
 * Automatic mask generation against PyTorch on a tiny-random SAM of the
 * real architecture (tests/fixtures/reference/sam_reference.py), as
 * segment-anything's algorithm computes it for the same model, grid,
 * thresholds and NMS, on every backend (webgpu on lavapipe takes minutes).
 * The preprocessing is checked in sam_parity_test.ts.
 */

import assert from "node:assert/strict";
import { gpuContext } from "../../kernels/gpu_device.ts";
import { CPU_KERNELS, GPU_KERNELS } from "../../kernels/kernels.ts";
import type { RgbaImage } from "../../pipeline/image/rgba.ts";
import {
  type BackendName,
  createSession,
  type InferenceSession,
} from "../../pipeline/models/session.ts";
import {
  AutomaticMaskGenerator,
  type MaskGeneratorOptions,
} from "../../pipeline/sam/mask_generator.ts";
import { samPreprocessConfig } from "../../pipeline/sam/preprocess.ts";
import {
  decodeRuns,
  parityBackends,
  readGolden,
  readPhoto,
  REFERENCE_SAM,
  referenceModels,
} from "./reference_data.ts";

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

const AMG = await readGolden<{ runs: GoldenRun[] }>("sam/amg.json");
const SOURCE = referenceModels();
const BACKENDS = await parityBackends();
const CONFIG = samPreprocessConfig(
  JSON.parse(
    new TextDecoder().decode(
      await SOURCE.read(REFERENCE_SAM, "preprocessor_config.json"),
    ),
  ),
);

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

const photos = new Map<string, Promise<RgbaImage>>();
/** A photo of the reference data, decoded once. */
function photo(path: string): Promise<RgbaImage> {
  if (!photos.has(path)) photos.set(path, readPhoto(path));
  return photos.get(path)!;
}

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
          // The reference generator decodes every grid point.
          { ...run.options, prunePoints: false },
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
