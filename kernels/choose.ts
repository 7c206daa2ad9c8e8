/**
 * Picks the kernel set for a device choice: "cpu" (the TypeScript twins),
 * "gpu" (WebGPU for every call, any adapter, including fallback adapters
 * such as lavapipe) or "auto" (on a real, non-fallback adapter, WebGPU for
 * the calls big enough to gain from it: see route.ts).
 *
 * @module
 */

import {
  type GpuAdapterSummary,
  type GpuContext,
  gpuContext,
  probeGpu,
} from "./gpu_device.ts";
import { CPU_KERNELS, gpuKernels, type Kernels } from "./kernels.ts";
import { routedKernels } from "./route.ts";
import { DEFAULTS } from "../pipeline/defaults.ts";

/** Where the per-image kernels run. */
export type DeviceChoice = "gpu" | "cpu" | "auto";

/** The accepted device choices. */
export const DEVICE_CHOICES: readonly DeviceChoice[] = ["gpu", "cpu", "auto"];

/** How {@linkcode chooseKernels} reaches WebGPU; replaceable in tests. */
export interface GpuAccess {
  /** The adapter WebGPU would give, or null; never throws. */
  probe(): Promise<GpuAdapterSummary | null>;
  /** The shared device, opened on first call and reopened after a loss. */
  open(): Promise<GpuContext>;
}

/** The process's real WebGPU: {@linkcode probeGpu} and {@linkcode gpuContext}. */
export const WEBGPU_ACCESS: GpuAccess = { probe: probeGpu, open: gpuContext };

/**
 * The kernels for `device`. "gpu" opens the WebGPU device now, so a
 * missing adapter fails here with a `WebGpuUnavailableError` that says
 * what to install; "auto" falls back to the CPU twins when there is no
 * adapter or only a fallback (software) one, which is slower than the
 * twins, and on a real GPU keeps on the CPU the calls smaller than a GPU
 * round trip ({@linkcode routedKernels}).
 *
 * @example
 * ```ts
 * const kernels = await chooseKernels("auto");
 * console.log(kernels.device); // "gpu" on a machine with a real GPU
 * ```
 */
export async function chooseKernels(
  device: DeviceChoice = DEFAULTS.device,
  webgpu: GpuAccess = WEBGPU_ACCESS,
): Promise<Kernels> {
  switch (device) {
    case "cpu":
      return CPU_KERNELS;
    case "gpu":
      await webgpu.open(); // fails here, not mid-run, when no device opens
      return gpuKernels(() => webgpu.open()); // reopens a lost device on the next call
    case "auto": {
      const adapter = await webgpu.probe();
      if (!adapter || adapter.isFallbackAdapter) return CPU_KERNELS;
      try {
        await webgpu.open(); // fails here, not mid-run, when no device opens
        // open() reopens a lost device on the next call.
        return routedKernels(gpuKernels(() => webgpu.open()), CPU_KERNELS);
      } catch {
        return CPU_KERNELS;
      }
    }
    default:
      throw new RangeError(
        `Unknown device "${device}": use one of ${DEVICE_CHOICES.join(", ")}.`,
      );
  }
}
