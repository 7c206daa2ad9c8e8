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
import { type ImageJob, mapStage, type Stage } from "./job.ts";

/** What the proposal stage adds to a job. */
export interface Proposed {
  /** Proposals, best predicted IoU first; may be empty. */
  readonly proposals: readonly Proposal[];
}

/**
 * Proposes masks for each image with SAM's automatic mask generator.
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
): Stage<J, J & Proposed> {
  return mapStage("propose", async (job: J) => ({
    ...job,
    proposals: await generator.generate(
      job.image,
      onProgress && ((p) => onProgress(job, p)),
    ),
  }));
}
