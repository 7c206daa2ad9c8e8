/**
 * The JSON report of a segmentation, as `segment --json` writes it and the
 * server's `POST /api/segment` answers it.
 *
 * @module
 */

import type {
  Segmenter,
  SegmentResult,
  SentenceResult,
} from "../pipeline/segmenter.ts";
import { settingsRecord } from "../pipeline/settings.ts";

/** Rounds `v` to `digits` decimals. */
export function round(v: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/**
 * The JSON report of one sentence; `extra` adds fields (the mask and overlay
 * files, or the mask itself).
 */
export function sentenceReport<X extends Record<string, unknown>>(
  r: SentenceResult,
  extra: X,
): SentenceReport & X {
  return {
    sentence: r.sentence,
    nounPhrase: r.nounPhrase,
    head: r.head,
    spatialWords: r.spatialWords,
    spatial: r.spatial,
    rule: r.rule,
    truncated: r.truncated,
    tokens: r.tokenCount,
    candidates: r.candidates.map((c) => ({ ...c, score: round(c.score) })),
    selected: r.selected && { ...r.selected, score: round(r.selected.score) },
    ...extra,
  };
}

/** The fields of one sentence's report that every report has. */
export interface SentenceReport {
  sentence: string;
  nounPhrase: SentenceResult["nounPhrase"];
  head: SentenceResult["head"];
  spatialWords: SentenceResult["spatialWords"];
  spatial: SentenceResult["spatial"];
  rule: SentenceResult["rule"];
  truncated: boolean;
  tokens: number;
  candidates: SentenceResult["candidates"];
  selected: SentenceResult["selected"];
}

/** What a report says about the image. */
export interface ImageReport {
  /** The file, or the upload's name. */
  path: string;
  width: number;
  height: number;
}

/**
 * The whole report: the image, the models, the settings in force, the
 * proposals' count, each sentence's report and the timings (ms, rounded).
 * `timings.decode` and `timings.load` come from the caller: the time to
 * decode the image, and the time createSegmenter() took (0 when the
 * segmenter was already loaded).
 */
export function segmentReport<S extends SentenceReport>(
  a: {
    image: ImageReport;
    segmenter: Pick<
      Segmenter,
      "models" | "device" | "viewsOnDevice" | "settings"
    >;
    /** The settings in force when they differ from the segmenter's (per-request overrides). */
    settings?: Segmenter["settings"];
    result: SegmentResult;
    sentences: S[];
    decodeMs: number;
    loadMs: number;
    totalMs: number;
  },
) {
  const { result, segmenter } = a;
  return {
    image: a.image,
    models: {
      ...segmenter.models,
      device: segmenter.device,
      viewsOnDevice: segmenter.viewsOnDevice,
    },
    settings: settingsRecord(a.settings ?? segmenter.settings),
    proposals: result.proposals.length,
    sentences: a.sentences,
    timings: {
      decode: round(a.decodeMs, 1),
      ...Object.fromEntries(
        Object.entries(result.timings).map(([k, v]) => [k, round(v, 1)]),
      ),
      // Models opened by createSegmenter, and those opened at the image.
      load: round(a.loadMs + (result.timings.load ?? 0), 1),
      total: round(a.totalMs, 1),
    },
  };
}
