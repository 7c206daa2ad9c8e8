/**
 * Parity checks shared by the tests of the two view kernels (crop & fill,
 * blur outside): a GPU result against its CPU twin's, view by view.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ViewsInput } from "../../kernels/clip_views.ts";
import { type GpuContext, withBindingLimit } from "../../kernels/gpu_device.ts";
import { maxAbsDiff } from "./gpu_context.ts";
import { ellipseMasks, type MaskSet, texturedImage } from "./inputs.ts";

/**
 * Asserts that two batches of size x size views differ by at most
 * `tolerance` anywhere; the message starts with `label` and names the
 * view of the largest difference.
 */
export function assertViewsClose(
  got: Float32Array,
  want: Float32Array,
  size: number,
  tolerance: number,
  label: string,
): void {
  const { diff, at } = maxAbsDiff(got, want);
  assert.ok(
    diff <= tolerance,
    `${label}: ${diff} at view ${Math.floor(at / (3 * size * size))}`,
  );
}

/**
 * Asserts that a view kernel on the GPU matches its CPU twin for one
 * proposal of a 45x33 image, and for 256 proposals at size 40 on a context
 * whose 1 MiB binding limit splits them into several dispatches. Returns
 * the 256 proposals' input and the CPU twin's views of them.
 */
export async function assertOneAndMany(
  ctx: GpuContext,
  cpu: (input: ViewsInput) => Float32Array,
  gpu: (ctx: GpuContext, input: ViewsInput) => Promise<Float32Array>,
  tolerance: number,
): Promise<{ many: ViewsInput & MaskSet; want: Float32Array }> {
  const image = texturedImage(45, 33, 4);
  const one = { image, ...ellipseMasks(1, 45, 33, 8) };
  assertViewsClose(await gpu(ctx, one), cpu(one), 224, tolerance, "N = 1");
  const many = { image, ...ellipseMasks(256, 45, 33, 9), size: 40 };
  const small = withBindingLimit(ctx, 1 << 20);
  const want = cpu(many);
  assertViewsClose(await gpu(small, many), want, 40, tolerance, "N = 256");
  return { many, want };
}
