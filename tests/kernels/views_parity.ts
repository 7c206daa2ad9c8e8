/**
 * Parity checks shared by the tests of the two view kernels (crop & fill,
 * blur outside): a GPU result against its CPU twin's, view by view.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ViewsInput } from "../../kernels/clip_views.ts";
import type { DeviceViews } from "../../kernels/_views_gpu.ts";
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
  const many = manyViews();
  const small = withBindingLimit(ctx, 1 << 20);
  const want = cpu(many);
  assertViewsClose(await gpu(small, many), want, 40, tolerance, "N = 256");
  return { many, want };
}

/** 256 proposals of a 45x33 image, viewed at 40 px: split into several dispatches under a 1 MiB binding limit. */
function manyViews(): ViewsInput & MaskSet {
  return {
    image: texturedImage(45, 33, 4),
    ...ellipseMasks(256, 45, 33, 9),
    size: 40,
  };
}

/** Reads a whole storage buffer back to the host (test helper: its own submit). */
export async function readBuffer(
  ctx: GpuContext,
  buffer: GPUBuffer,
): Promise<Float32Array> {
  const staging = ctx.device.createBuffer({
    size: buffer.size,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = ctx.device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size);
  ctx.device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}

/**
 * Asserts that a view kernel writing the views of {@linkcode manyViews}
 * into a device buffer (at an offset that is not a multiple of 256, split
 * into several dispatches by a 1 MiB binding limit) leaves there what its
 * CPU twin computes, and leaves the values around the views alone; also
 * that it refuses a buffer too small and a host output given at the same
 * time.
 */
export async function assertDeviceViews(
  ctx: GpuContext,
  cpu: (input: ViewsInput) => Float32Array,
  gpuInto: (
    ctx: GpuContext,
    input: ViewsInput,
    into: DeviceViews,
  ) => Promise<void>,
  tolerance: number,
): Promise<void> {
  const input = manyViews();
  const want = cpu(input);
  const before = 132, after = 68; // guard values around the views
  const initial = new Float32Array(before + want.length + after).fill(-7);
  const buffer = ctx.device.createBuffer({
    size: initial.byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST |
      GPUBufferUsage.COPY_SRC,
  });
  try {
    ctx.device.queue.writeBuffer(buffer, 0, initial);
    const small = withBindingLimit(ctx, 1 << 20);
    await gpuInto(small, input, { buffer, offset: before * 4 });
    const all = await readBuffer(ctx, buffer);
    const size = input.size ?? 224;
    assertViewsClose(
      all.subarray(before, before + want.length),
      want,
      size,
      tolerance,
      "on the device",
    );
    assert.ok(all.subarray(0, before).every((v) => v === -7), "before");
    assert.ok(
      all.subarray(before + want.length).every((v) => v === -7),
      "after",
    );
    await assert.rejects(
      () => gpuInto(ctx, input, { buffer, offset: (before + after + 4) * 4 }),
      (e: unknown) =>
        e instanceof RangeError && /bytes from offset/.test(`${e}`),
    );
    await assert.rejects(
      () =>
        gpuInto(ctx, { ...input, output: new Float32Array(want.length) }, {
          buffer,
        }),
      (e: unknown) => e instanceof RangeError && /not both/.test(`${e}`),
    );
  } finally {
    buffer.destroy();
  }
}
