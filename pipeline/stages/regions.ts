/**
 * Stage 2: CLIP features of every proposal, from a local view (box crop,
 * outside filled with the mean colour) and a global view (whole image,
 * outside blurred), once per image. The two embeddings are kept apart so
 * that the mixing weight can vary without recomputing them.
 *
 * @module
 */

import type { Box, ClipNormalisation } from "../../kernels/clip_views.ts";
import type { Kernels } from "../../kernels/kernels.ts";
import type { ClipVisionEncoder } from "../clip/vision.ts";
import type { Proposal } from "../sam/mask_generator.ts";
import { type ImageJob, mapStage, type Stage } from "./job.ts";
import type { Proposed } from "./propose.ts";

/** Raw CLIP embeddings of the proposals' two views. */
export interface RegionFeatures {
  /** N x D embeddings of the global (blurred-outside) views. */
  readonly global: Float32Array;
  /** N x D embeddings of the local (crop & fill) views. */
  readonly local: Float32Array;
  /** Embedding dimension D (0 when there are no proposals). */
  readonly dim: number;
}

/** What the region stage adds to a job. */
export interface WithRegions {
  /** CLIP features of every proposal's global and local views. */
  readonly regions: RegionFeatures;
}

/** Options of {@linkcode regionsStage}. */
export interface RegionOptions {
  /** CLIP's normalisation (from the model's preprocessor_config.json). */
  normalisation: ClipNormalisation;
  /** Gaussian blur of the global view, in output pixels. */
  blurSigma?: number;
  /** Proposals per kernel call, bounding memory. Default 32. */
  chunk?: number;
}

/** Packs the masks of some proposals into one batch. */
function packMasks(
  proposals: readonly Proposal[],
  pixels: number,
): Uint8Array {
  const out = new Uint8Array(proposals.length * pixels);
  proposals.forEach((p, i) => out.set(p.mask, i * pixels));
  return out;
}

/**
 * Embeds each proposal's local and global views with CLIP.
 *
 * @example
 * ```ts
 * const stage = regionsStage(vision, CPU_KERNELS, { normalisation: CLIP_NORMALISATION });
 * ```
 */
export function regionsStage<J extends ImageJob & Proposed>(
  vision: ClipVisionEncoder,
  kernels: Kernels,
  options: RegionOptions,
): Stage<J, J & WithRegions> {
  const chunk = options.chunk ?? 32;
  return mapStage("regions", async (job: J) => {
    const { image, proposals } = job;
    const pixels = image.width * image.height;
    const globals: Float32Array[] = [];
    const locals: Float32Array[] = [];
    let dim = 0;
    for (let start = 0; start < proposals.length; start += chunk) {
      const part = proposals.slice(start, start + chunk);
      const masks = { data: packMasks(part, pixels), count: part.length };
      const boxes = part.map((p) => p.box as Box);
      const size = vision.size;
      // Both views of the chunk go into one tensor: global views first.
      const views = part.length * 3 * size * size;
      const both = new Float32Array(2 * views);
      await Promise.all([
        kernels.cropAndFill({
          image,
          masks,
          boxes,
          size,
          normalisation: options.normalisation,
          output: both.subarray(views),
        }),
        kernels.blurOutside({
          image,
          masks,
          boxes,
          size,
          sigma: options.blurSigma,
          normalisation: options.normalisation,
          output: both.subarray(0, views),
        }),
      ]);
      const { embeds, dim: d } = await vision.embed(both, part.length * 2);
      dim = d;
      globals.push(embeds.subarray(0, part.length * d));
      locals.push(embeds.subarray(part.length * d));
    }
    return {
      ...job,
      regions: { global: concat(globals), local: concat(locals), dim },
    };
  });
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
