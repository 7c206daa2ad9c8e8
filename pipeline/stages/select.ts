/**
 * Stage 6: the chosen proposal of each sentence: the best score, or the
 * seed paper's spatial rule over the top-k when the sentence holds one of
 * its direction words.
 *
 * @module
 */

import { selectSeed } from "../spatial/seed.ts";
import { type SpatialCandidate, topK } from "../spatial/types.ts";
import { type ImageJob, mapStage, type Stage } from "./job.ts";
import type { Proposed } from "./propose.ts";
import type { Scored } from "./score.ts";

/** Spatial selection modes. */
export type SpatialMode = "seed" | "off";

/** All spatial modes, for help texts and validation. */
export const SPATIAL_MODES: readonly SpatialMode[] = ["seed", "off"];

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
  readonly selections: readonly SentenceSelection[];
}

/** Options of {@linkcode selectStage}. */
export interface SelectOptions {
  spatial: SpatialMode;
  /** Candidates the spatial rule compares. */
  topK: number;
}

/** Chooses a proposal for one sentence from its scores. */
export function selectFor(
  sentence: string,
  candidates: readonly SpatialCandidate[],
  options: SelectOptions,
): SentenceSelection {
  const ranked = topK(candidates, options.topK);
  if (candidates.length === 0) {
    return { index: -1, rule: "no-proposals", ranked };
  }
  if (options.spatial === "off") {
    return { index: ranked[0], rule: "best-score", ranked };
  }
  const { index, rule } = selectSeed(sentence, candidates, options.topK);
  return { index, rule, ranked };
}

/** Selects a proposal for every sentence of each job. */
export function selectStage<J extends ImageJob & Proposed & Scored>(
  options: SelectOptions,
): Stage<J, J & Selected> {
  return mapStage("select", (job: J) => {
    const n = job.proposals.length;
    const selections = job.sentences.map((sentence, e) =>
      selectFor(
        sentence,
        job.proposals.map((p, i) => ({
          box: p.box,
          area: p.area,
          score: job.scores[e * n + i],
        })),
        options,
      )
    );
    return Promise.resolve({ ...job, selections });
  });
}
