/**
 * Stage 5: cosine of every proposal's visual feature
 * v = alpha * global + (1 - alpha) * local with every sentence's feature.
 *
 * @module
 */

import type { Kernels } from "../../kernels/kernels.ts";
import { mixViews } from "../clip/vision.ts";
import type { WithText } from "./embed_text.ts";
import { type ImageJob, mapStage, type Stage } from "./job.ts";
import type { Proposed } from "./propose.ts";
import type { WithRegions } from "./regions.ts";

/** What the score stage adds to a job. */
export interface Scored {
  /** E x N cosine scores (sentence e, proposal i at e * N + i). */
  readonly scores: Float32Array;
}

/** Scores every proposal against every sentence. */
export function scoreStage<
  J extends ImageJob & Proposed & WithRegions & WithText,
>(kernels: Kernels, alpha: number): Stage<J, J & Scored> {
  return mapStage("score", async (job: J) => {
    const n = job.proposals.length;
    if (n === 0) return { ...job, scores: new Float32Array(0) };
    if (job.regions.dim !== job.text.dim) {
      throw new RangeError(
        `CLIP's image embeddings have ${job.regions.dim} dimensions but its text embeddings ${job.text.dim}: the vision and text models do not belong together.`,
      );
    }
    const visual = mixViews(job.regions.global, job.regions.local, alpha);
    const scores = await kernels.cosineSimilarity({
      proposals: visual,
      sentences: job.text.features,
      dim: job.text.dim,
    });
    return { ...job, scores };
  });
}
