/**
 * The set of kernels the pipeline runs its per-image hot work on. The CPU
 * twins are always available; {@linkcode GPU_KERNELS} runs the same
 * contracts as WebGPU compute kernels, and `chooseKernels` (choose.ts)
 * picks one set for a device choice.
 *
 * @module
 */

import { blurOutside } from "./blur_outside/cpu.ts";
import { blurOutsideGpu } from "./blur_outside/_gpu.ts";
import type { BlurOutsideInput } from "./blur_outside/contract.ts";
import { cosineSimilarity } from "./cosine/cpu.ts";
import { cosineSimilarityGpu } from "./cosine/_gpu.ts";
import type { CosineInput } from "./cosine/contract.ts";
import { cropAndFill } from "./crop_fill/cpu.ts";
import { cropAndFillGpu } from "./crop_fill/_gpu.ts";
import type { CropFillInput } from "./crop_fill/contract.ts";
import { type GpuContext, gpuContext } from "./gpu_device.ts";
import { maskOverlaps } from "./mask_iou/cpu.ts";
import { maskOverlapsGpu } from "./mask_iou/_gpu.ts";
import type { MaskOverlaps, MaskOverlapsInput } from "./mask_iou/contract.ts";
import { decodeMaskLogits } from "./mask_logits/cpu.ts";
import {
  decodeDeviceLogitsGpu,
  decodeMaskLogitsGpu,
} from "./mask_logits/_gpu.ts";
import type {
  DecodedMasks,
  DeviceLogits,
  MaskLogitsInput,
  MaskLogitsShape,
} from "./mask_logits/contract.ts";
import type { DeviceViews } from "./_views_gpu.ts";
import { pairwiseMaskIou } from "./mask_pairwise_iou/cpu.ts";
import { pairwiseMaskIouGpu } from "./mask_pairwise_iou/_gpu.ts";
import type { PairwiseIouInput } from "./mask_pairwise_iou/contract.ts";

/**
 * The kernels of a GPU set that work with buffers of model sessions on
 * the same device: the view kernels leave their views there (see
 * {@linkcode DeviceViews}) for CLIP, and mask decoding reads SAM's logits
 * from there, so neither goes through the host.
 */
export interface DeviceKernels {
  /** The GPU context the kernels run on (opened on first use). */
  context(): Promise<GpuContext>;
  /** Local views into a buffer of `ctx`'s device (from {@linkcode DeviceKernels.context}). */
  cropAndFill(
    ctx: GpuContext,
    input: CropFillInput,
    into: DeviceViews,
  ): Promise<void>;
  /** Global views into a buffer of `ctx`'s device. */
  blurOutside(
    ctx: GpuContext,
    input: BlurOutsideInput,
    into: DeviceViews,
  ): Promise<void>;
  /** SAM logits already in a buffer of `ctx`'s device to masks with statistics. */
  decodeMaskLogits(
    ctx: GpuContext,
    shape: MaskLogitsShape,
    from: DeviceLogits,
  ): Promise<DecodedMasks>;
}

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
  /** N x N IoU of N masks (see mask_pairwise_iou/contract.ts). */
  pairwiseMaskIou(input: PairwiseIouInput): Promise<Float32Array>;
  /** Intersection and union of prediction/ground-truth pairs (see mask_iou/contract.ts). */
  maskOverlaps(input: MaskOverlapsInput): Promise<MaskOverlaps>;
  /** The kernels that take or leave buffers on the GPU; GPU sets only. */
  readonly onDevice?: DeviceKernels;
}

/** The CPU twins, as a {@linkcode Kernels} set. */
export const CPU_KERNELS: Kernels = {
  device: "cpu",
  cropAndFill: (input) => Promise.resolve(cropAndFill(input)),
  blurOutside: (input) => Promise.resolve(blurOutside(input)),
  cosineSimilarity: (input) => Promise.resolve(cosineSimilarity(input)),
  decodeMaskLogits: (input) => Promise.resolve(decodeMaskLogits(input)),
  pairwiseMaskIou: (input) => Promise.resolve(pairwiseMaskIou(input)),
  maskOverlaps: (input) => Promise.resolve(maskOverlaps(input)),
};

/**
 * The WebGPU kernels on a given context (see gpu_device.ts). Each call is
 * one submit and one readback.
 *
 * @example
 * ```ts
 * import { gpuContext, probeGpu } from "./gpu_device.ts";
 *
 * if (await probeGpu()) { // a WebGPU adapter
 *   const kernels = gpuKernels(await gpuContext());
 *   const proposals = new Float32Array([1, 0, 0, 1]);
 *   const sentences = new Float32Array([1, 1]);
 *   const scores = await kernels.cosineSimilarity({ proposals, sentences, dim: 2 });
 *   console.log(scores); // [0.7071, 0.7071]
 * }
 * ```
 */
export function gpuKernels(
  context: GpuContext | (() => Promise<GpuContext>),
): Kernels {
  const ctx = typeof context === "function"
    ? context
    : () => Promise.resolve(context);
  return {
    device: "gpu",
    cropAndFill: async (input) => cropAndFillGpu(await ctx(), input),
    blurOutside: async (input) => blurOutsideGpu(await ctx(), input),
    cosineSimilarity: async (input) => cosineSimilarityGpu(await ctx(), input),
    decodeMaskLogits: async (input) => decodeMaskLogitsGpu(await ctx(), input),
    pairwiseMaskIou: async (input) => pairwiseMaskIouGpu(await ctx(), input),
    maskOverlaps: async (input) => maskOverlapsGpu(await ctx(), input),
    onDevice: {
      context: ctx,
      cropAndFill: cropAndFillGpu,
      blurOutside: blurOutsideGpu,
      decodeMaskLogits: decodeDeviceLogitsGpu,
    },
  };
}

/**
 * The WebGPU kernels on the process's shared device, opened on first use;
 * a call fails with `WebGpuUnavailableError` where there is no adapter.
 */
export const GPU_KERNELS: Kernels = gpuKernels(gpuContext);
