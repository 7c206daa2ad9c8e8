/**
 * The filters of SAM's automatic mask generator after the decoder: the
 * predicted-IoU and stability-score thresholds, box NMS and the clean-up of
 * small regions.
 *
 * @module
 */

import type { GpuContext } from "../../kernels/gpu_device.ts";
import type { Kernels } from "../../kernels/kernels.ts";
import type {
  DecodedMasks,
  MaskLogitsShape,
} from "../../kernels/mask_logits/contract.ts";
import { boxNms } from "./_box_nms.ts";
import type { MaskGeneratorOptions, Proposal } from "./types.ts";
import { removeSmallRegions } from "./_small_regions.ts";
import {
  compactProposal,
  cropOf,
  expandCrop,
  masksPerBatch,
  PACKED_MASK_BUDGET,
} from "./compact_mask.ts";

/** A mask that passed the per-batch filters, kept as its box crop. */
export interface MaskCandidate {
  /** The mask inside `box`, row by row (1 inside). */
  crop: Uint8Array;
  /** Box [x0, y0, x1, y1] in image pixels, x1 and y1 exclusive. */
  box: [number, number, number, number];
  /** Pixels inside the mask. */
  area: number;
  /** The decoder's predicted IoU. */
  predictedIou: number;
  /** Stability score of the mask. */
  stability: number;
  /** The point prompt that produced it, in image pixels. */
  point: [number, number];
}

/**
 * Logits a decoder session left on the kernels' GPU device: `buffer`
 * holds the `pred_masks` output, in the layout of {@linkcode DecoderBatch.logits}.
 */
export interface GpuLogits {
  /** The context of the device holding `buffer`. */
  readonly context: GpuContext;
  /** The decoder's output buffer. */
  readonly buffer: GPUBuffer;
}

/** One decoder call's output and where it belongs. */
export interface DecoderBatch {
  /** Predicted IoU per mask, points x masks per point. */
  readonly iou: Float32Array;
  /**
   * Low-resolution logits, points x masks per point x lowH x lowW: on the
   * host, or left on the GPU (then decoded there by `kernels.onDevice`).
   */
  readonly logits: Float32Array | GpuLogits;
  /** Shape of `logits`: [1, points, masks per point, lowH, lowW]. */
  readonly dims: readonly number[];
  /** The point prompts in image pixels, [x0, y0, x1, y1, ...]. */
  readonly points: Float32Array;
  /** Share of the padded frame's width the resized image covers. */
  readonly validFractionX: number;
  /** Share of the padded frame's height the resized image covers. */
  readonly validFractionY: number;
  /**
   * Side of the padded input frame in pixels (SAM's pad size, 1024): the
   * logits are upsampled to it, cropped to the resized image and resized
   * to the image, as the reference does.
   */
  readonly frameSize: number;
  /** Image width. */
  readonly width: number;
  /** Image height. */
  readonly height: number;
}

/**
 * Keeps the masks of one decoder call whose predicted IoU exceeds the
 * threshold and whose upsampled mask is non-empty and stable enough.
 */
export async function filterDecoderBatch(
  batch: DecoderBatch,
  o: MaskGeneratorOptions,
  kernels: Pick<Kernels, "decodeMaskLogits" | "onDevice">,
): Promise<MaskCandidate[]> {
  const { iou, dims, points, width, height } = batch;
  if (dims.length !== 5 || iou.length !== dims[1] * dims[2]) {
    throw new RangeError(
      `SAM's decoder gave ${iou.length} IoU scores for logits of shape [${dims}]; expected [1, points, masks per point, height, width] with one score per mask.`,
    );
  }
  const masksPerPoint = dims[2], lowH = dims[3], lowW = dims[4];
  const kept: number[] = [];
  for (let i = 0; i < iou.length; i++) {
    if (iou[i] > o.predIouThresh) kept.push(i);
  }
  if (kept.length === 0) return [];
  const shape = {
    lowWidth: lowW,
    lowHeight: lowH,
    validWidth: lowW * batch.validFractionX,
    validHeight: lowH * batch.validFractionY,
    frameWidth: batch.frameSize,
    frameHeight: batch.frameSize,
    width,
    height,
    threshold: o.maskThreshold,
    stabilityOffset: o.stabilityScoreOffset,
  };
  const out: MaskCandidate[] = [];
  // Image-size masks are decoded a few at a time and cropped to their
  // boxes at once, so a call never holds more than the budget of them.
  const per = masksPerBatch(kept.length, width * height, PACKED_MASK_BUDGET);
  for (let start = 0; start < kept.length; start += per) {
    const part = kept.slice(start, start + per);
    const decoded = await decodeKept(batch.logits, iou.length, part, {
      ...shape,
      count: part.length,
    }, kernels);
    part.forEach((i, k) => {
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
  }
  return out;
}

/** Decodes the planes `kept` of a batch's logits, where they are. */
function decodeKept(
  logits: Float32Array | GpuLogits,
  planeCount: number,
  kept: readonly number[],
  shape: MaskLogitsShape,
  kernels: Pick<Kernels, "decodeMaskLogits" | "onDevice">,
): Promise<DecodedMasks> {
  if (!(logits instanceof Float32Array)) {
    if (!kernels.onDevice) {
      throw new TypeError(
        "SAM's logits are on the GPU, but the kernels given run on the CPU: decode them with GPU kernels, or bring the logits to the host.",
      );
    }
    return kernels.onDevice.decodeMaskLogits(logits.context, shape, {
      buffer: logits.buffer,
      planeCount,
      planes: kept,
    });
  }
  const plane = shape.lowWidth * shape.lowHeight;
  const gathered = new Float32Array(kept.length * plane);
  kept.forEach((i, k) =>
    gathered.set(logits.subarray(i * plane, (i + 1) * plane), k * plane)
  );
  return kernels.decodeMaskLogits({ ...shape, logits: gathered });
}

/**
 * Box NMS over every batch's candidates (by predicted IoU), then, when
 * enabled, the small-region clean-up and a second NMS that prefers masks the
 * clean-up left unchanged. Returns full-size proposals, best first.
 */
export function suppressDuplicates(
  candidates: readonly MaskCandidate[],
  width: number,
  height: number,
  o: MaskGeneratorOptions,
): Proposal[] {
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

function toProposal(c: MaskCandidate, width: number, height: number): Proposal {
  const [x0, y0, x1, y1] = c.box;
  return compactProposal(
    {
      crop: c.crop,
      box: [x0, y0, x1 - x0, y1 - y0],
      area: c.area,
      predictedIou: c.predictedIou,
      stability: c.stability,
      point: c.point,
    },
    width,
    height,
  );
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

/**
 * The small-region clean-up of one proposal, on its image-size mask
 * (expanded for the call only: holes and islands are connected over the
 * whole image, as the reference labels them); the result is held as its
 * crop again.
 */
function cleanRegions(
  p: Proposal,
  width: number,
  height: number,
  minArea: number,
): { proposal: Proposal; changed: boolean } {
  const mask = expandCrop(cropOf(p, width), p.box, width, height);
  const holes = removeSmallRegions(mask, width, height, minArea, "holes");
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
  const fields = {
    box: stats.box,
    area: stats.area,
    predictedIou: p.predictedIou,
    stability: p.stability,
    point: p.point,
  };
  const crop = cropOf({ ...fields, mask: islands.mask }, width);
  return {
    proposal: compactProposal({ ...fields, crop }, width, height),
    changed,
  };
}
