/**
 * The set of kernels the pipeline runs its per-image hot work on. The CPU
 * twins are always available; a WebGPU implementation of the same contract
 * can replace any of them.
 *
 * @module
 */

import { blurOutside } from "./blur_outside/cpu.ts";
import type { BlurOutsideInput } from "./blur_outside/contract.ts";
import { cosineSimilarity } from "./cosine/cpu.ts";
import type { CosineInput } from "./cosine/contract.ts";
import { cropAndFill } from "./crop_fill/cpu.ts";
import type { CropFillInput } from "./crop_fill/contract.ts";
import { decodeMaskLogits } from "./mask_logits/cpu.ts";
import type { DecodedMasks, MaskLogitsInput } from "./mask_logits/contract.ts";

/** Kernels by contract; each may run on the CPU or the GPU. */
export interface Kernels {
  /** Where these kernels run, for reports. */
  readonly device: "cpu" | "gpu";
  /** Local views: box crops with the outside filled (see crop_fill/contract.ts). */
  cropAndFill(input: CropFillInput): Promise<Float32Array>;
  /** Global views: the image with the outside blurred (see blur_outside/contract.ts). */
  blurOutside(input: BlurOutsideInput): Promise<Float32Array>;
  /** E x N cosine similarities (see cosine/contract.ts). */
  cosineSimilarity(input: CosineInput): Promise<Float32Array>;
  /** SAM logits to masks with statistics (see mask_logits/contract.ts). */
  decodeMaskLogits(input: MaskLogitsInput): Promise<DecodedMasks>;
}

/** The CPU twins, as a {@linkcode Kernels} set. */
export const CPU_KERNELS: Kernels = {
  device: "cpu",
  cropAndFill: (input) => Promise.resolve(cropAndFill(input)),
  blurOutside: (input) => Promise.resolve(blurOutside(input)),
  cosineSimilarity: (input) => Promise.resolve(cosineSimilarity(input)),
  decodeMaskLogits: (input) => Promise.resolve(decodeMaskLogits(input)),
};
