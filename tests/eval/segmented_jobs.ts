/**
 * Hand-built segmented jobs for the evaluation tests: proposals from given
 * masks, CLIP features chosen by the test, no models.
 *
 * @module
 */

import { createRgbaImage } from "../../pipeline/image/rgba.ts";
import type { Proposal } from "../../pipeline/sam/mask_generator.ts";
import { maskStats } from "../../pipeline/sam/postprocess.ts";
import type { SegmentedJob } from "../../pipeline/segmenter.ts";
import { parseSentence } from "../../pipeline/stages/parse.ts";

/** A width x height mask with the rectangle [x0, x1) x [y0, y1) set. */
export function rectMask(
  width: number,
  height: number,
  [x0, y0, x1, y1]: readonly [number, number, number, number],
): Uint8Array {
  const m = new Uint8Array(width * height);
  for (let y = y0; y < y1; y++) m.fill(1, y * width + x0, y * width + x1);
  return m;
}

/** A proposal for a full-size mask. */
export function proposalOf(mask: Uint8Array, width: number): Proposal {
  const { area, box } = maskStats(mask, width);
  return {
    mask,
    box,
    area,
    predictedIou: 0.9,
    stability: 0.95,
    point: [box[0], box[1]],
  };
}

/** What a hand-built job is made of. */
export interface JobParts<M> {
  readonly id: string | number;
  readonly width: number;
  readonly height: number;
  readonly sentences: readonly string[];
  readonly masks: readonly Uint8Array[];
  /** Feature dimension. */
  readonly dim: number;
  /** N x dim global-view embeddings. */
  readonly global: readonly number[];
  /** N x dim local-view embeddings (default: the global ones). */
  readonly local?: readonly number[];
  /** E x dim sentence features. */
  readonly features: readonly number[];
  readonly meta?: M;
  readonly timings?: Record<string, number>;
}

/**
 * A job as the segmenter streams it, with no noun phrases or anchors; its
 * own score and selection fields are empty (evaluation recomputes them).
 */
export function segmentedJob<M = unknown>(p: JobParts<M>): SegmentedJob<M> {
  const e = p.sentences.length;
  return {
    id: p.id,
    image: createRgbaImage(p.width, p.height),
    sentences: p.sentences,
    meta: p.meta,
    timings: p.timings ?? {},
    proposals: p.masks.map((m) => proposalOf(m, p.width)),
    regions: {
      global: Float32Array.from(p.global),
      local: Float32Array.from(p.local ?? p.global),
      globals: { "token-mask": Float32Array.from(p.global) },
      dim: p.dim,
    },
    parsed: p.sentences.map(parseSentence),
    text: {
      features: Float32Array.from(p.features),
      phrases: new Float32Array(e * p.dim),
      hasPhrase: p.sentences.map(() => false),
      anchors: new Float32Array(e * p.dim),
      hasAnchor: p.sentences.map(() => false),
      dim: p.dim,
      truncated: p.sentences.map(() => false),
      tokenCounts: p.sentences.map(() => 5),
    },
    scores: new Float32Array(0),
    phraseScores: new Float32Array(0),
    anchorScores: new Float32Array(0),
    selections: [],
  };
}
