/**
 * SAM's automatic mask generator over the Xenova SAM exports: one encoder
 * pass per image, the decoder batched over a grid of point prompts, then the
 * reference generator's filters (predicted IoU, stability score, box NMS,
 * small-region clean-up).
 *
 * @module
 */

import { decodeMaskLogits as decodeMaskLogitsCpu } from "../../kernels/mask_logits/cpu.ts";
import type {
  DecodedMasks,
  MaskLogitsInput,
} from "../../kernels/mask_logits/contract.ts";
import type { RgbaImage } from "../image/rgba.ts";
import {
  assertSignature,
  type InferenceSession,
  type SessionSignature,
} from "../models/session.ts";
import { tensor } from "../models/tensor.ts";
import { boxNms } from "./box_nms.ts";
import { buildPointGrid } from "./point_grid.ts";
import {
  SAM_PREPROCESS,
  samPreprocess,
  type SamPreprocessConfig,
  toSamFrame,
} from "./preprocess.ts";
import { removeSmallRegions } from "./small_regions.ts";

/** Inputs and outputs the SAM vision encoder must have. */
export const SAM_ENCODER_SIGNATURE: SessionSignature = {
  inputs: [{ name: "pixel_values", type: "float32", rank: 4 }],
  outputs: [
    { name: "image_embeddings", type: "float32", rank: 4 },
    { name: "image_positional_embeddings", type: "float32", rank: 4 },
  ],
};

/** Inputs and outputs the SAM prompt encoder + mask decoder must have. */
export const SAM_DECODER_SIGNATURE: SessionSignature = {
  inputs: [
    { name: "image_embeddings", type: "float32", rank: 4 },
    { name: "image_positional_embeddings", type: "float32", rank: 4 },
    { name: "input_points", type: "float32", rank: 4 },
    { name: "input_labels", type: "int64", rank: 3 },
  ],
  outputs: [
    { name: "iou_scores", type: "float32", rank: 3 },
    { name: "pred_masks", type: "float32", rank: 5 },
  ],
};

/** Parameters of the automatic mask generator, each with its default. */
export interface MaskGeneratorOptions {
  /** Points sampled along each side of the image; the grid has n x n prompts. Default 16. */
  pointsPerSide: number;
  /** Point prompts per decoder call. More is faster per point up to ~16 and costs memory; keep <= 64 on wasm. Default 32. */
  pointsPerBatch: number;
  /** Keep masks whose predicted IoU exceeds this. Default 0.88. */
  predIouThresh: number;
  /** Keep masks whose stability score is at least this. Default 0.95. */
  stabilityScoreThresh: number;
  /** Offset of the two thresholds the stability score compares. Default 1.0. */
  stabilityScoreOffset: number;
  /** Logit threshold of a mask pixel. Default 0. */
  maskThreshold: number;
  /** Box IoU above which the lower-scoring of two masks is dropped. Default 0.7. */
  boxNmsThresh: number;
  /** Islands and holes smaller than this many pixels are removed/filled (0 = off). Default 0. */
  minMaskRegionArea: number;
}

/** The defaults of {@linkcode MaskGeneratorOptions}. */
export const MASK_GENERATOR_DEFAULTS: Readonly<MaskGeneratorOptions> = {
  pointsPerSide: 16,
  pointsPerBatch: 32,
  predIouThresh: 0.88,
  stabilityScoreThresh: 0.95,
  stabilityScoreOffset: 1.0,
  maskThreshold: 0,
  boxNmsThresh: 0.7,
  minMaskRegionArea: 0,
};

/** One proposed region. */
export interface Proposal {
  /** Binary mask at the image's size (1 inside). */
  readonly mask: Uint8Array;
  /** Bounding box [x, y, width, height] in pixels. */
  readonly box: readonly [number, number, number, number];
  /** Pixels inside the mask. */
  readonly area: number;
  /** The decoder's predicted IoU. */
  readonly predictedIou: number;
  /** Stability score of the mask. */
  readonly stability: number;
  /** The point prompt that produced it, in image pixels. */
  readonly point: readonly [number, number];
}

/** Progress of {@linkcode AutomaticMaskGenerator.generate}. */
export interface MaskGeneratorProgress {
  stage: "encode" | "decode" | "filter";
  done: number;
  total: number;
}

/** The mask kernels the generator needs (CPU twin by default, GPU when available). */
export interface MaskKernels {
  decodeMaskLogits(
    input: MaskLogitsInput,
  ): DecodedMasks | Promise<DecodedMasks>;
}

interface Candidate {
  crop: Uint8Array;
  box: [number, number, number, number]; // x0, y0, x1, y1 exclusive
  area: number;
  predictedIou: number;
  stability: number;
  point: [number, number];
}

/**
 * Proposes class-agnostic masks for an image with SAM.
 *
 * @example
 * ```ts
 * const generator = new AutomaticMaskGenerator(encoder, decoder, { pointsPerSide: 8 });
 * const proposals = await generator.generate(image);
 * ```
 */
export class AutomaticMaskGenerator {
  /** Effective options. */
  readonly options: Readonly<MaskGeneratorOptions>;
  #encoder: InferenceSession;
  #decoder: InferenceSession;
  #preprocess: SamPreprocessConfig;
  #kernels: MaskKernels;

  /**
   * @param encoder Session of `onnx/vision_encoder.onnx`.
   * @param decoder Session of `onnx/prompt_encoder_mask_decoder.onnx`.
   * @param options Overrides of {@linkcode MASK_GENERATOR_DEFAULTS}.
   * @param preprocess SAM's preprocessing constants (from preprocessor_config.json).
   * @param kernels Mask kernels; the CPU twin by default.
   */
  constructor(
    encoder: InferenceSession,
    decoder: InferenceSession,
    options: Partial<MaskGeneratorOptions> = {},
    preprocess: SamPreprocessConfig = SAM_PREPROCESS,
    kernels: MaskKernels = { decodeMaskLogits: decodeMaskLogitsCpu },
  ) {
    assertSignature(encoder, SAM_ENCODER_SIGNATURE);
    assertSignature(decoder, SAM_DECODER_SIGNATURE);
    this.options = validateOptions({ ...MASK_GENERATOR_DEFAULTS, ...options });
    this.#encoder = encoder;
    this.#decoder = decoder;
    this.#preprocess = preprocess;
    this.#kernels = kernels;
  }

  /** Runs the generator on one image; proposals come sorted by predicted IoU. */
  async generate(
    image: RgbaImage,
    onProgress?: (p: MaskGeneratorProgress) => void,
  ): Promise<Proposal[]> {
    const o = this.options;
    const { width, height } = image;
    const input = samPreprocess(image, this.#preprocess);
    const pad = input.padSize;
    onProgress?.({ stage: "encode", done: 0, total: 1 });
    const encoded = await this.#encoder.run({
      pixel_values: tensor("float32", input.pixels, [1, 3, pad, pad]),
    });
    onProgress?.({ stage: "encode", done: 1, total: 1 });

    const grid = buildPointGrid(o.pointsPerSide);
    const points = new Float32Array(grid.length);
    for (let i = 0; i < grid.length; i += 2) {
      points[i] = grid[i] * width;
      points[i + 1] = grid[i + 1] * height;
    }
    const framed = toSamFrame(points, input);
    const total = grid.length / 2;
    const candidates: Candidate[] = [];
    for (let start = 0; start < total; start += o.pointsPerBatch) {
      const n = Math.min(o.pointsPerBatch, total - start);
      const out = await this.#decoder.run({
        image_embeddings: encoded.image_embeddings,
        image_positional_embeddings: encoded.image_positional_embeddings,
        input_points: tensor(
          "float32",
          framed.slice(start * 2, (start + n) * 2),
          [1, n, 1, 2],
        ),
        input_labels: tensor("int64", new BigInt64Array(n).fill(1n), [1, n, 1]),
      });
      const batch = await this.#filterBatch(
        out.iou_scores.data as Float32Array,
        out.pred_masks.data as Float32Array,
        out.pred_masks.dims,
        points.subarray(start * 2, (start + n) * 2),
        input.resizedWidth / pad,
        input.resizedHeight / pad,
        width,
        height,
      );
      candidates.push(...batch);
      onProgress?.({ stage: "decode", done: start + n, total });
    }
    onProgress?.({ stage: "filter", done: 0, total: 1 });
    const proposals = this.#suppress(candidates, width, height);
    onProgress?.({ stage: "filter", done: 1, total: 1 });
    return proposals;
  }

  async #filterBatch(
    iou: Float32Array,
    logits: Float32Array,
    dims: readonly number[],
    points: Float32Array,
    validFractionX: number,
    validFractionY: number,
    width: number,
    height: number,
  ): Promise<Candidate[]> {
    const o = this.options;
    const masksPerPoint = dims[2], lowH = dims[3], lowW = dims[4];
    const plane = lowW * lowH;
    const kept: number[] = [];
    for (let i = 0; i < iou.length; i++) {
      if (iou[i] > o.predIouThresh) kept.push(i);
    }
    if (kept.length === 0) return [];
    const gathered = new Float32Array(kept.length * plane);
    kept.forEach((i, k) =>
      gathered.set(logits.subarray(i * plane, (i + 1) * plane), k * plane)
    );
    const decoded = await this.#kernels.decodeMaskLogits({
      logits: gathered,
      count: kept.length,
      lowWidth: lowW,
      lowHeight: lowH,
      validWidth: lowW * validFractionX,
      validHeight: lowH * validFractionY,
      width,
      height,
      threshold: o.maskThreshold,
      stabilityOffset: o.stabilityScoreOffset,
    });
    const out: Candidate[] = [];
    kept.forEach((i, k) => {
      if (decoded.stability[k] < o.stabilityScoreThresh) return;
      if (decoded.areas[k] === 0) return;
      const b = decoded.boxes.subarray(k * 4, k * 4 + 4);
      const p = Math.floor(i / masksPerPoint);
      out.push({
        crop: cropMask(decoded.masks, k, width, height, b),
        box: [b[0], b[1], b[2], b[3]],
        area: decoded.areas[k],
        predictedIou: iou[i],
        stability: decoded.stability[k],
        point: [points[p * 2], points[p * 2 + 1]],
      });
    });
    return out;
  }

  #suppress(
    candidates: Candidate[],
    width: number,
    height: number,
  ): Proposal[] {
    const o = this.options;
    const boxes = new Float32Array(candidates.flatMap((c) => c.box));
    const first = boxNms(
      boxes,
      candidates.map((c) => c.predictedIou),
      o.boxNmsThresh,
    ).map((i) => candidates[i]);
    let proposals = first.map((c) => toProposal(c, width, height));
    if (o.minMaskRegionArea > 0) {
      const cleaned = proposals.map((p) =>
        cleanRegions(p, width, height, o.minMaskRegionArea)
      );
      const cleanBoxes = new Float32Array(
        cleaned.flatMap(({ proposal: p }) => [
          p.box[0],
          p.box[1],
          p.box[0] + p.box[2],
          p.box[1] + p.box[3],
        ]),
      );
      // Prefer masks the clean-up left unchanged, as the reference does.
      proposals = boxNms(
        cleanBoxes,
        cleaned.map((c) => (c.changed ? 0 : 1)),
        o.boxNmsThresh,
      ).map((i) => cleaned[i].proposal).filter((p) => p.area > 0);
      proposals.sort((a, b) => b.predictedIou - a.predictedIou);
    }
    return proposals;
  }
}

function validateOptions(o: MaskGeneratorOptions): MaskGeneratorOptions {
  const positiveInt = (name: keyof MaskGeneratorOptions, max: number) => {
    const v = o[name];
    if (!Number.isInteger(v) || v < 1 || v > max) {
      throw new RangeError(
        `${name} must be a whole number from 1 to ${max}, got ${v}.`,
      );
    }
  };
  positiveInt("pointsPerSide", 128);
  positiveInt("pointsPerBatch", 1024);
  for (
    const name of [
      "predIouThresh",
      "stabilityScoreThresh",
      "boxNmsThresh",
    ] as const
  ) {
    if (!(o[name] >= 0 && o[name] <= 1)) {
      throw new RangeError(`${name} must lie in [0, 1], got ${o[name]}.`);
    }
  }
  if (!(o.minMaskRegionArea >= 0)) {
    throw new RangeError(
      `minMaskRegionArea must be >= 0, got ${o.minMaskRegionArea}.`,
    );
  }
  return o;
}

/** Copies mask k's box region out of a batch of full-size masks. */
function cropMask(
  masks: Uint8Array,
  k: number,
  width: number,
  height: number,
  box: ArrayLike<number>,
): Uint8Array {
  const [x0, y0, x1, y1] = [box[0], box[1], box[2], box[3]];
  const w = x1 - x0;
  const out = new Uint8Array(w * (y1 - y0));
  const base = k * width * height;
  for (let y = y0; y < y1; y++) {
    const src = base + y * width + x0;
    out.set(masks.subarray(src, src + w), (y - y0) * w);
  }
  return out;
}

function toProposal(c: Candidate, width: number, height: number): Proposal {
  const [x0, y0, x1, y1] = c.box;
  const w = x1 - x0;
  const mask = new Uint8Array(width * height);
  for (let y = y0; y < y1; y++) {
    mask.set(c.crop.subarray((y - y0) * w, (y - y0 + 1) * w), y * width + x0);
  }
  return {
    mask,
    box: [x0, y0, w, y1 - y0],
    area: c.area,
    predictedIou: c.predictedIou,
    stability: c.stability,
    point: c.point,
  };
}

/** Mask statistics: area and [x, y, w, h] box (zeros when empty). */
export function maskStats(
  mask: Uint8Array,
  width: number,
): { area: number; box: [number, number, number, number] } {
  let area = 0, x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    area++;
    const x = i % width, y = (i - x) / width;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    y1 = y;
  }
  return area === 0
    ? { area, box: [0, 0, 0, 0] }
    : { area, box: [x0, y0, x1 - x0 + 1, y1 - y0 + 1] };
}

function cleanRegions(
  p: Proposal,
  width: number,
  height: number,
  minArea: number,
): { proposal: Proposal; changed: boolean } {
  const holes = removeSmallRegions(p.mask, width, height, minArea, "holes");
  const islands = removeSmallRegions(
    holes.mask,
    width,
    height,
    minArea,
    "islands",
  );
  const changed = holes.changed || islands.changed;
  if (!changed) return { proposal: p, changed };
  const stats = maskStats(islands.mask, width);
  return {
    proposal: { ...p, mask: islands.mask, area: stats.area, box: stats.box },
    changed,
  };
}
