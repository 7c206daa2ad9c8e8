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
 * import { AutomaticMaskGenerator } from "../sam/mask_generator.ts";
 * import { createSession } from "../models/session.ts";
 * import { DEMO_SAM, demoModelFiles } from "../demo/models.ts";
 * import { generateScene } from "../demo/scenes.ts";
 * import { fromItems } from "./job.ts";
 *
 * const files = demoModelFiles(); // a SAM export's files, here the demo's
 * const generator = new AutomaticMaskGenerator(
 *   await createSession(files.get(`${DEMO_SAM}/onnx/vision_encoder.onnx`)!),
 *   await createSession(files.get(`${DEMO_SAM}/onnx/prompt_encoder_mask_decoder.onnx`)!),
 *   { pointsPerSide: 4 },
 * );
 * const job = { id: 1, image: generateScene(1).image, sentences: [], timings: {} };
 * const stage = proposeStage(generator);
 * for await (const done of stage(fromItems([job]))) console.log(done.proposals.length);
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
