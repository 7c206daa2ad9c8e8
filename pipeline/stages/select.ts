/**
 * Stage 6: the chosen proposal of each sentence: the extended spatial
 * selector (directions, ordinals, relations to an anchor), the seed
 * paper's rule over the top-k, or the best score.
 *
 * @module
 */

import type { WithText } from "./embed_text.ts";
import { DEFAULTS } from "../defaults.ts";
import { selectCandidate } from "../spatial/extended.ts";
import type { ExtendedCandidate, ImageSize } from "../spatial/extended.ts";
import { selectSeed } from "../spatial/seed.ts";
import { topK } from "../spatial/types.ts";
import {
  type ImageJob,
  mapStage,
  type Stage,
  type StageOptions,
} from "./job.ts";
import type { Parsed, ParsedSentence } from "./parse.ts";
import type { Proposed } from "./propose.ts";
import type { Scored, ScoreMatrices } from "./score.ts";

/** Spatial selection modes. */
export type SpatialMode = "extended" | "seed" | "off";

/** All spatial modes, for help texts and validation. */
export const SPATIAL_MODES: readonly SpatialMode[] = [
  "extended",
  "seed",
  "off",
];

/**
 * The candidates each mode compares by default (`DEFAULTS.topK`): the
 * paper's 3, the extended selector's cap.
 *
 * @example
 * ```ts
 * defaultTopK("seed"); // 3
 * ```
 */
export function defaultTopK(mode: SpatialMode): number {
  return DEFAULTS.topK[mode];
}

/** The choice for one sentence. */
export interface SentenceSelection {
  /** Index of the chosen proposal, -1 when there are none. */
  readonly index: number;
  /** The rule that decided. */
  readonly rule: string;
  /** The top-k proposals by score, best first. */
  readonly ranked: readonly number[];
}

/** What the select stage adds to a job. */
export interface Selected {
  /** One selection per sentence, in the job's sentence order. */
  readonly selections: readonly SentenceSelection[];
}

/** Options of {@linkcode selectStage}. */
export interface SelectOptions {
  /** Spatial rule: "extended", "seed" or "off". */
  spatial: SpatialMode;
  /** Candidates the spatial rule compares. */
  topK: number;
}

/** Chooses a proposal for one sentence from its candidates. */
export function selectFor(
  parsed: Pick<ParsedSentence, "sentence" | "spatial">,
  candidates: readonly ExtendedCandidate[],
  imageSize: ImageSize,
  options: SelectOptions,
): SentenceSelection {
  const ranked = topK(candidates, options.topK);
  if (candidates.length === 0) {
    return { index: -1, rule: "no-proposals", ranked };
  }
  if (options.spatial === "off") {
    return { index: ranked[0], rule: "best-score", ranked };
  }
  const { index, rule } = options.spatial === "seed"
    ? selectSeed(parsed.sentence, candidates, options.topK)
    : selectCandidate(parsed.spatial, candidates, imageSize, {
      topK: options.topK,
    });
  return { index, rule, ranked };
}

/** The candidates of sentence `e`: boxes, areas and its three scores. */
export function candidatesFor(
  job: ImageJob & Proposed & WithText,
  matrices: ScoreMatrices,
  e: number,
): ExtendedCandidate[] {
  const n = job.proposals.length;
  const { hasPhrase, hasAnchor } = job.text;
  return job.proposals.map((p, i) => ({
    box: p.box,
    area: p.area,
    score: matrices.scores[e * n + i],
    ...(hasPhrase[e] ? { nounScore: matrices.phraseScores[e * n + i] } : {}),
    ...(hasAnchor[e] ? { anchorScore: matrices.anchorScores[e * n + i] } : {}),
  }));
}

/** Selections of every sentence of a job from its score matrices. */
export function selectAll(
  job: ImageJob & Proposed & WithText & Parsed,
  matrices: ScoreMatrices,
  options: SelectOptions,
): SentenceSelection[] {
  const size = { width: job.image.width, height: job.image.height };
  return job.parsed.map((parsed, e) =>
    selectFor(parsed, candidatesFor(job, matrices, e), size, options)
  );
}

/** Selects a proposal for every sentence of each job. */
export function selectStage<
  J extends ImageJob & Proposed & WithText & Parsed & Scored,
>(
  options: SelectOptions,
  stageOptions: StageOptions = {},
): Stage<J, J & Selected> {
  return mapStage(
    "select",
    (job: J) =>
      Promise.resolve({ ...job, selections: selectAll(job, job, options) }),
    stageOptions,
  );
}
