/**
 * The GPU context of the kernel parity tests: the shared WebGPU device
 * when an adapter exists (lavapipe in CI), else null, and the tests that
 * need it are skipped with a notice. With the CI environment variable set,
 * a missing adapter is an error, so CI cannot skip the parity tests
 * silently.
 *
 * @module
 */

import { type GpuContext, gpuContext } from "../../kernels/gpu_device.ts";

async function open(): Promise<GpuContext | null> {
  try {
    return await gpuContext();
  } catch (e) {
    if (Deno.env.get("CI")) {
      throw new Error(
        `CI is set but WebGPU is unusable, so the GPU kernel tests cannot run: ${
          (e as Error).message
        }`,
      );
    }
    console.warn(
      `%cSkipping the GPU kernel tests: ${(e as Error).message}`,
      "color: yellow",
    );
    return null;
  }
}

/** The shared GPU context, or null where there is none (tests skip). */
export const gpu: GpuContext | null = await open();

/** Largest absolute difference of two arrays, with where it is. */
export function maxAbsDiff(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): { diff: number; at: number } {
  if (a.length !== b.length) {
    throw new RangeError(`Lengths differ: ${a.length} vs ${b.length}.`);
  }
  let diff = 0, at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) {
      diff = d;
      at = i;
    }
  }
  return { diff, at };
}
