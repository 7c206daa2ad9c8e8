/**
 * The WebGPU context of the GPU benchmarks: the shared device, with its
 * adapter printed first (a fallback adapter such as lavapipe says nothing
 * about a real GPU's speed), or null with the reason where there is none
 * or ORIS_BENCH_GPU=0, on standard error (so that `deno bench --json`
 * stays JSON).
 *
 * @module
 */

import { type GpuContext, gpuContext } from "../kernels/gpu_device.ts";

/** Opens the device for `what` benchmarks, or says why they are skipped. */
export async function benchGpuContext(
  what: string,
): Promise<GpuContext | null> {
  if (Deno.env.get("ORIS_BENCH_GPU") === "0") return null;
  try {
    const ctx = await gpuContext();
    console.error(
      `WebGPU adapter: ${ctx.adapter.name}${
        ctx.adapter.isFallbackAdapter ? " (fallback adapter)" : ""
      }`,
    );
    return ctx;
  } catch (e) {
    console.error(`No ${what} benchmarks: ${(e as Error).message}`);
    return null;
  }
}
