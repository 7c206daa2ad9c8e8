/**
 * Per-call choice between the GPU kernels and their CPU twins, for
 * device "auto" on a real GPU: a call goes to the GPU only when its CPU
 * twin would take longer than a GPU round trip. Every WebGPU call ends in
 * a readback that costs about 12 ms on an H100 whatever its size (under
 * Deno 2.9, `mapAsync` polls then sleeps 10 ms), while the cosine
 * similarities of one image (64 proposals x 12 rows for 4 sentences,
 * D = 512) take about 0.4 ms on one CPU core: on the GPU they would only
 * wait.
 *
 * CPU costs are estimated from the work's size with rates measured on
 * this project's 2-core VM (bench/kernels_bench.ts, and the view kernels
 * at 224 and 336 px views of 320x240 to 1600x1200 images). A host whose
 * CPU is slower sends work near the threshold to the CPU that the GPU
 * would have done faster, and the other way round.
 *
 * @module
 */

import type { BlurOutsideInput } from "./blur_outside/contract.ts";
import { CLIP_INPUT_SIZE } from "./clip_views.ts";
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
  /** Nanoseconds per view pixel (size x size) of each view, for both view kernels. */
  readonly viewNsPerViewPixel: { cropAndFill: number; blurOutside: number };
  /** Nanoseconds per image pixel of each view, for both view kernels. */
  readonly viewNsPerImagePixel: { cropAndFill: number; blurOutside: number };
  /** The other CPU twins' nanoseconds per unit of work (see {@linkcode workUnits}). */
  readonly cpuNsPerUnit: Readonly<Record<OtherKernel, number>>;
}

/** The routed kernels other than the two view kernels (costed by {@linkcode workUnits}). */
export type OtherKernel = Exclude<RoutedKernel, "cropAndFill" | "blurOutside">;

/**
 * The default policy: a 12 ms round trip (measured on an H100 host) and
 * the CPU twins' rates on a 2-core VM. At 64 proposals of 640x480 these
 * give crop & fill 60 ms, blur outside 50 ms, mask logits 37 ms, pairwise
 * IoU 25 ms, overlaps 29 ms, cosine (64 x 4, D 512) 0.14 ms, as
 * bench/kernels_bench.ts measures.
 */
export const DEFAULT_ROUTE_POLICY: RoutePolicy = {
  gpuRoundTripMs: 12,
  viewNsPerViewPixel: { cropAndFill: 10, blurOutside: 12 },
  viewNsPerImagePixel: { cropAndFill: 1.4, blurOutside: 0.55 },
  cpuNsPerUnit: {
    cosineSimilarity: 1.07, // per multiply-add
    decodeMaskLogits: 1.9, // per output mask pixel
    pairwiseMaskIou: 0.43, // per mask pixel, plus per pair and 32 pixels
    maskOverlaps: 1.5, // per pair pixel
  },
};

/**
 * Units of work of one call of a kernel other than the view kernels, in
 * the terms of {@linkcode RoutePolicy.cpuNsPerUnit}.
 */
export function workUnits(kernel: OtherKernel, input: unknown): number {
  switch (kernel) {
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

/** Estimated milliseconds of the CPU twin of `kernel` on `input` under `policy`. */
export function cpuMilliseconds(
  kernel: RoutedKernel,
  input: unknown,
  policy: RoutePolicy = DEFAULT_ROUTE_POLICY,
): number {
  if (kernel === "cropAndFill" || kernel === "blurOutside") {
    const { image, masks, size } = input as CropFillInput | BlurOutsideInput;
    const side = size ?? CLIP_INPUT_SIZE;
    const perView = side * side * policy.viewNsPerViewPixel[kernel] +
      image.width * image.height * policy.viewNsPerImagePixel[kernel];
    return masks.count * perView / 1e6;
  }
  return workUnits(kernel, input) * policy.cpuNsPerUnit[kernel] / 1e6;
}

/**
 * Whether a call of `kernel` on `input` is worth a GPU round trip under
 * `policy`: its CPU twin would take longer.
 *
 * @example
 * ```ts
 * const proposals = new Float32Array(64 * 512);
 * const sentences = new Float32Array(12 * 512);
 * worthGpu("cosineSimilarity", { proposals, sentences, dim: 512 }); // false for 64 x 12
 * ```
 */
export function worthGpu(
  kernel: RoutedKernel,
  input: unknown,
  policy: RoutePolicy = DEFAULT_ROUTE_POLICY,
): boolean {
  return cpuMilliseconds(kernel, input, policy) > policy.gpuRoundTripMs;
}

/**
 * A kernel set that sends each call to `gpu` when it is worth a round
 * trip (see {@linkcode worthGpu}), else to `cpu`. It reports itself as
 * "gpu" and keeps `gpu`'s device-resident view kernels, which exist to
 * feed a model on the GPU.
 *
 * @example
 * ```ts
 * import { CPU_KERNELS, gpuKernels } from "./kernels.ts";
 * import { gpuContext } from "./gpu_device.ts";
 *
 * // The GPU's context is opened on its first call (none here).
 * const kernels = routedKernels(gpuKernels(gpuContext), CPU_KERNELS);
 * const proposals = new Float32Array(64 * 512);
 * const sentences = new Float32Array(12 * 512);
 * await kernels.cosineSimilarity({ proposals, sentences, dim: 512 }); // small: on the CPU
 * ```
 */
export function routedKernels(
  gpu: Kernels,
  cpu: Kernels,
  policy: RoutePolicy = DEFAULT_ROUTE_POLICY,
): Kernels {
  const pick = (kernel: RoutedKernel, input: unknown) =>
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
