/**
 * Stage 5: cosine of every proposal's visual feature
 * v = alpha * global + (1 - alpha) * local with every sentence's feature,
 * and with its noun phrase and anchor phrase alone.
 *
 * @module
 */

import type { Kernels } from "../../kernels/kernels.ts";
import { mixViews } from "../clip/vision.ts";
import type { WithText } from "./embed_text.ts";
import {
  type ImageJob,
  mapStage,
  type Stage,
  type StageOptions,
} from "./job.ts";
import type { Proposed } from "./propose.ts";
import type { WithRegions } from "./regions.ts";

/** Score matrices of a job, each E x N (sentence e, proposal i at e * N + i). */
export interface ScoreMatrices {
  /** Against the sentence's feature (the method's score). */
  readonly scores: Float32Array;
  /** Against the noun phrase alone (0 rows where there is none). */
  readonly phraseScores: Float32Array;
  /** Against the relation's anchor phrase (0 rows where there is none). */
  readonly anchorScores: Float32Array;
}

/** What the score stage adds to a job. */
export type Scored = ScoreMatrices;

/**
 * Computes the three score matrices of a job for a global-view weight, in
 * one cosine call.
 */
export async function scoreMatrices(
  job: ImageJob & Proposed & WithRegions & WithText,
  alpha: number,
  cosine: Kernels["cosineSimilarity"],
): Promise<ScoreMatrices> {
  const n = job.proposals.length, e = job.sentences.length;
  if (n === 0) {
    const empty = new Float32Array(0);
    return { scores: empty, phraseScores: empty, anchorScores: empty };
  }
  const { text } = job;
  if (job.regions.dim !== text.dim) {
    throw new RangeError(
      `CLIP's image embeddings have ${job.regions.dim} dimensions but its text embeddings ${text.dim}: the vision and text models do not belong together.`,
    );
  }
  const sentences = new Float32Array(3 * e * text.dim);
  sentences.set(text.features);
  sentences.set(text.phrases, e * text.dim);
  sentences.set(text.anchors, 2 * e * text.dim);
  const all = await cosine({
    proposals: mixViews(job.regions.global, job.regions.local, alpha),
    sentences,
    dim: text.dim,
  });
  return {
    scores: all.subarray(0, e * n),
    phraseScores: all.subarray(e * n, 2 * e * n),
    anchorScores: all.subarray(2 * e * n),
  };
}

/** Scores every proposal against every sentence. */
export function scoreStage<
  J extends ImageJob & Proposed & WithRegions & WithText,
>(
  kernels: Kernels,
  alpha: number,
  options: StageOptions = {},
): Stage<J, J & Scored> {
  return mapStage("score", async (job: J) => ({
    ...job,
    ...(await scoreMatrices(job, alpha, (i) => kernels.cosineSimilarity(i))),
  }), options);
}
