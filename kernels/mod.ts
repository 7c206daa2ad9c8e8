/**
 * The kernels: batched mask cropping and blurring, cosine similarity, mask
 * IoU and SAM's mask-logit postprocessing, each as a WGSL compute kernel
 * with a CPU twin that computes the same values. {@linkcode chooseKernels}
 * picks GPU or CPU for a device choice; {@linkcode routedKernels} sends
 * small batches to the CPU.
 *
 * @module
 */

export * from "./kernels.ts";
export * from "./choose.ts";
export * from "./route.ts";
export * from "./gpu_device.ts";
export * from "./clip_views.ts";
export type { DeviceViews } from "./device_views.ts";
export * from "./crop_fill/contract.ts";
export * from "./crop_fill/cpu.ts";
export * from "./blur_outside/contract.ts";
export * from "./blur_outside/cpu.ts";
export * from "./cosine/contract.ts";
export * from "./cosine/cpu.ts";
export * from "./mask_iou/contract.ts";
export * from "./mask_iou/cpu.ts";
export * from "./mask_pairwise_iou/contract.ts";
export * from "./mask_pairwise_iou/cpu.ts";
export * from "./mask_logits/contract.ts";
export * from "./mask_logits/cpu.ts";
