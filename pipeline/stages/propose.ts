/**
 * Stage 1: class-agnostic mask proposals from SAM, once per image.
 *
 * @module
 */

import type {
  AutomaticMaskGenerator,
  MaskGeneratorProgress,
  Proposal,
} from "../sam/mask_generator.ts";
import {
  type ImageJob,
  mapStage,
  type Stage,
  type StageOptions,
} from "./job.ts";

/** What the proposal stage adds to a job. */
export interface Proposed {
  /** Proposals, best predicted IoU first; may be empty. */
  readonly proposals: readonly Proposal[];
}

/**
 * Proposes masks for each image with SAM's automatic mask generator; an
 * abort of `options.signal` stops it between decoder calls.
 *
 * @example
 * ```ts
 * const stage = proposeStage(generator);
 * for await (const job of stage(fromItems([job]))) console.log(job.proposals.length);
 * ```
 */
export function proposeStage<J extends ImageJob>(
  generator: AutomaticMaskGenerator,
  onProgress?: (job: J, progress: MaskGeneratorProgress) => void,
  options: StageOptions = {},
): Stage<J, J & Proposed> {
  return mapStage("propose", async (job: J, signal) => ({
    ...job,
    proposals: await generator.generate(
      job.image,
      onProgress && ((p) => onProgress(job, p)),
      { signal },
    ),
  }), options);
}
