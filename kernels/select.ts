/**
 * Picks the kernel set for a device choice: "cpu" (the TypeScript twins),
 * "gpu" (WebGPU for every call, any adapter, including fallback adapters
 * such as lavapipe) or "auto" (on a real, non-fallback adapter, WebGPU for
 * the calls big enough to gain from it: see route.ts).
 *
 * @module
 */

import { gpuContext, probeGpu } from "./gpu_device.ts";
import { CPU_KERNELS, gpuKernels, type Kernels } from "./kernels.ts";
import { routedKernels } from "./route.ts";

/** Where the per-image kernels run. */
export type DeviceChoice = "gpu" | "cpu" | "auto";

/** The accepted device choices. */
export const DEVICE_CHOICES: readonly DeviceChoice[] = ["gpu", "cpu", "auto"];

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
  device: DeviceChoice = "auto",
): Promise<Kernels> {
  switch (device) {
    case "cpu":
      return CPU_KERNELS;
    case "gpu":
      await gpuContext(); // fails here, not mid-run, when no device opens
      return gpuKernels(gpuContext); // reopens a lost device on the next call
    case "auto": {
      const adapter = await probeGpu();
      if (!adapter || adapter.isFallbackAdapter) return CPU_KERNELS;
      try {
        await gpuContext(); // fails here, not mid-run, when no device opens
        // gpuContext reopens a lost device on the next call.
        return routedKernels(gpuKernels(gpuContext), CPU_KERNELS);
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
