/**
 * Per-call choice between the GPU kernels and their CPU twins, for
 * `--device auto` on a real GPU: a call goes to the GPU only when its CPU
 * twin would take longer than a GPU round trip. Every WebGPU call ends in
 * a readback that costs about 12 ms on an H100 whatever its size (under
 * Deno 2.9, `mapAsync` polls then sleeps 10 ms), while the pipeline's
 * cosine similarities (64 x 12 x 512) take 0.2 ms on one CPU core: on the
 * GPU they would only wait.
 *
 * CPU costs are estimated from the work's size with the rates the CPU
 * twins reach in bench/kernels_bench.ts on a 2-core VM (a faster host's
 * CPU only makes the estimates cautious, sending more to the GPU).
 *
 * @module
 */

import type { BlurOutsideInput } from "./blur_outside/contract.ts";
import { type CosineInput, cosineShape } from "./cosine/contract.ts";
import type { CropFillInput } from "./crop_fill/contract.ts";
import type { Kernels } from "./kernels.ts";
import type { MaskOverlapsInput } from "./mask_iou/contract.ts";
import type { MaskLogitsInput } from "./mask_logits/contract.ts";
import type { PairwiseIouInput } from "./mask_pairwise_iou/contract.ts";

/** The kernels whose calls are routed, by their name in {@linkcode Kernels}. */
export type RoutedKernel =
  | "cropAndFill"
  | "blurOutside"
  | "cosineSimilarity"
  | "decodeMaskLogits"
  | "pairwiseMaskIou"
  | "maskOverlaps";

/** How calls are routed. */
export interface RoutePolicy {
  /** Milliseconds one GPU call costs at least, readback included. */
  readonly gpuRoundTripMs: number;
  /** The CPU twins' nanoseconds per unit of work (see {@linkcode workUnits}). */
  readonly cpuNsPerUnit: Readonly<Record<RoutedKernel, number>>;
}

/**
 * The default policy: a 12 ms round trip (measured on an H100 host), and
 * the CPU twins' rates at 64 proposals of 640x480 in
 * bench/kernels_bench.ts (crop & fill 63 ms, blur outside 46 ms, mask
 * logits 38 ms, pairwise IoU 25 ms, overlaps 30 ms, cosine 0.14 ms).
 */
export const DEFAULT_ROUTE_POLICY: RoutePolicy = {
  gpuRoundTripMs: 12,
  cpuNsPerUnit: {
    cropAndFill: 3.2, // per mask pixel
    blurOutside: 2.3, // per mask pixel
    cosineSimilarity: 1.07, // per multiply-add
    decodeMaskLogits: 1.9, // per output mask pixel
    pairwiseMaskIou: 0.43, // per mask pixel plus per pair and 32 pixels
    maskOverlaps: 1.5, // per pair pixel
  },
};

/** Units of work of one call, in the terms of {@linkcode RoutePolicy.cpuNsPerUnit}. */
export function workUnits(kernel: RoutedKernel, input: unknown): number {
  switch (kernel) {
    case "cropAndFill":
    case "blurOutside": {
      const { image, masks } = input as CropFillInput | BlurOutsideInput;
      return masks.count * image.width * image.height;
    }
    case "cosineSimilarity": {
      const i = input as CosineInput;
      const { n, e } = cosineShape(i);
      return n * e * i.dim;
    }
    case "decodeMaskLogits": {
      const { count, width, height } = input as MaskLogitsInput;
      return count * width * height;
    }
    case "pairwiseMaskIou": {
      const { masks, width, height } = input as PairwiseIouInput;
      const pixels = width * height;
      return masks.count * pixels + masks.count * masks.count * pixels / 32;
    }
    case "maskOverlaps": {
      const { predicted, width, height } = input as MaskOverlapsInput;
      return predicted.count * width * height;
    }
  }
}

/** Whether a call of `kernel` on `input` is worth a GPU round trip under `policy`. */
export function worthGpu(
  kernel: RoutedKernel,
  input: unknown,
  policy: RoutePolicy = DEFAULT_ROUTE_POLICY,
): boolean {
  const cpuMs = workUnits(kernel, input) * policy.cpuNsPerUnit[kernel] / 1e6;
  return cpuMs > policy.gpuRoundTripMs;
}

/**
 * A kernel set that sends each call to `gpu` when it is worth a round
 * trip (see {@linkcode worthGpu}), else to `cpu`. It reports itself as
 * "gpu" and keeps `gpu`'s device-resident view kernels, which exist to
 * feed a model on the GPU.
 *
 * @example
 * ```ts
 * const kernels = routedKernels(gpuKernels(gpuContext), CPU_KERNELS);
 * await kernels.cosineSimilarity({ proposals, sentences, dim: 512 }); // small: on the CPU
 * ```
 */
export function routedKernels(
  gpu: Kernels,
  cpu: Kernels,
  policy: RoutePolicy = DEFAULT_ROUTE_POLICY,
): Kernels {
  const pick = <K extends RoutedKernel>(kernel: K, input: unknown) =>
    worthGpu(kernel, input, policy) ? gpu : cpu;
  return {
    device: "gpu",
    cropAndFill: (i) => pick("cropAndFill", i).cropAndFill(i),
    blurOutside: (i) => pick("blurOutside", i).blurOutside(i),
    cosineSimilarity: (i) => pick("cosineSimilarity", i).cosineSimilarity(i),
    decodeMaskLogits: (i) => pick("decodeMaskLogits", i).decodeMaskLogits(i),
    pairwiseMaskIou: (i) => pick("pairwiseMaskIou", i).pairwiseMaskIou(i),
    maskOverlaps: (i) => pick("maskOverlaps", i).maskOverlaps(i),
    ...(gpu.onDevice ? { onDevice: gpu.onDevice } : {}),
  };
}
