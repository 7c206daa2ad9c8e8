/**
 * WebGPU host code of the mask-logits kernel (see contract.ts): uploads
 * the logits (or copies the chosen planes of logits already on the
 * device) and the axis taps (computed here with the contract's
 * `axisTaps`, as the CPU twin does), runs mask_logits.wgsl.ts, and reads
 * the masks and their statistics back in one mapping.
 *
 * @module
 */

import {
  type Binding,
  chunks,
  type GpuBatch,
  runBatch,
} from "../_gpu_batch.ts";
import type { GpuContext } from "../gpu_device.ts";
import {
  type AxisTaps,
  checkDeviceLogits,
  checkMaskLogitsInput,
  type DecodedMasks,
  type DeviceLogits,
  type MaskLogitsInput,
  type MaskLogitsShape,
  shapeTaps,
} from "./contract.ts";
import { MASK_LOGITS_WGSL } from "./_mask_logits.wgsl.ts";

/** Workgroups along a mask's words at most; more words are walked with a stride. */
const MAX_GROUPS_X = 1024;

/**
 * Upsamples, thresholds and measures N masks of SAM logits on the GPU;
 * same contract as the CPU twin `decodeMaskLogits`.
 *
 * @example
 * ```ts
 * const out = await decodeMaskLogitsGpu(await gpuContext(), {
 *   logits, count: 3, lowWidth: 256, lowHeight: 256,
 *   validWidth: 256, validHeight: 192, width: 640, height: 480,
 * });
 * ```
 */
export async function decodeMaskLogitsGpu(
  ctx: GpuContext,
  input: MaskLogitsInput,
): Promise<DecodedMasks> {
  checkMaskLogitsInput(input);
  const plane = input.lowWidth * input.lowHeight;
  return await decode(
    ctx,
    input,
    (batch, start, count) =>
      batch.upload(
        input.logits.subarray(start * plane, (start + count) * plane),
      ),
  );
}

/**
 * The same as {@linkcode decodeMaskLogitsGpu} for logits a session left
 * on `ctx`'s device: the listed planes are copied on the device, and only
 * the masks and their statistics are read back.
 *
 * @example
 * ```ts
 * const out = await decodeDeviceLogitsGpu(ctx, shape, {
 *   buffer: predMasks.gpuBuffer, planes: [0, 4, 5],
 * });
 * ```
 */
export async function decodeDeviceLogitsGpu(
  ctx: GpuContext,
  shape: MaskLogitsShape,
  from: DeviceLogits,
): Promise<DecodedMasks> {
  checkDeviceLogits(shape, from);
  const planeBytes = shape.lowWidth * shape.lowHeight * 4;
  return await decode(ctx, shape, (batch, start, count) => {
    const gathered = batch.storage(count * planeBytes);
    // One copy per run of consecutive planes.
    for (let k = 0; k < count;) {
      const first = from.planes[start + k];
      let run = 1;
      while (k + run < count && from.planes[start + k + run] === first + run) {
        run++;
      }
      batch.copy(
        from.buffer,
        first * planeBytes,
        gathered,
        k * planeBytes,
        run * planeBytes,
      );
      k += run;
    }
    return gathered;
  });
}

/** The logits of masks [start, start + count) as a binding of `batch`. */
type LogitsSource = (
  batch: GpuBatch,
  start: number,
  count: number,
) => Binding;

async function decode(
  ctx: GpuContext,
  input: MaskLogitsShape,
  logitsOf: LogitsSource,
): Promise<DecodedMasks> {
  const { count, lowWidth, lowHeight, width, height } = input;
  const threshold = input.threshold ?? 0;
  const offset = input.stabilityOffset ?? 1;
  const pixels = width * height;
  let masks = new Uint8Array(0);
  const areas = new Uint32Array(count);
  const stability = new Float32Array(count);
  const boxes = new Int32Array(count * 4);
  if (count === 0) return { masks, areas, stability, boxes };
  const parts = chunks(
    count,
    Math.max(lowWidth * lowHeight * 4, Math.ceil(pixels / 4) * 4),
    ctx.maxBindingBytes,
  );

  const axis = packAxisTaps(input);
  const lowPlane = lowWidth * lowHeight;
  const planeWords = Math.ceil(pixels / 4);
  const groupsX = Math.min(Math.ceil(planeWords / 256), MAX_GROUPS_X);
  const globals = new Uint32Array(12);
  const globalsF = new Float32Array(globals.buffer);
  globals.set([width, height, lowWidth, lowPlane, planeWords, groupsX]);
  globalsF.set([threshold, threshold + offset, threshold - offset], 8);

  const pipeline = await ctx.pipeline(MASK_LOGITS_WGSL, "decode");
  const stats = new Uint32Array(count * 8);
  await runBatch(ctx, "mask_logits", (batch) => {
    const axisBuffer = batch.upload(axis);
    const uniforms = batch.upload(globals, "uniform");
    for (const part of parts) {
      const init = new Uint32Array(part.count * 8);
      for (let k = 0; k < part.count; k++) {
        init.set([0, 0, 0, 0xffffffff, 0xffffffff, 0, 0, 0], k * 8);
      }
      const statBuffer = batch.upload(init);
      const maskBuffer = batch.storage(part.count * planeWords * 4);
      batch.dispatch(pipeline, {
        0: logitsOf(batch, part.start, part.count),
        1: axisBuffer,
        2: maskBuffer,
        3: statBuffer,
        4: uniforms,
      }, [groupsX, part.count, 1]);
      batch.read(maskBuffer, part.count * planeWords * 4, (bytes) => {
        if (masks.length === 0) masks = new Uint8Array(count * pixels);
        if (pixels % 4 === 0) {
          masks.set(
            new Uint8Array(bytes, 0, part.count * pixels),
            part.start * pixels,
          );
          return;
        }
        for (let k = 0; k < part.count; k++) {
          masks.set(
            new Uint8Array(bytes, k * planeWords * 4, pixels),
            (part.start + k) * pixels,
          );
        }
      });
      batch.read(
        statBuffer,
        part.count * 32,
        (bytes) =>
          stats.set(new Uint32Array(bytes, 0, part.count * 8), part.start * 8),
      );
    }
  });
  for (let m = 0; m < count; m++) {
    const s = m * 8;
    areas[m] = stats[s];
    stability[m] = stats[s + 2] > 0 ? stats[s + 1] / stats[s + 2] : 0;
    if (stats[s] > 0) {
      boxes.set([
        stats[s + 3],
        stats[s + 4],
        stats[s + 5] + 1,
        stats[s + 6] + 1,
      ], m * 4);
    }
  }
  return { masks, areas, stability, boxes };
}

/**
 * The taps of both axes as the shader reads them: for x, then for y, the
 * three cell indices and then the three weights (as f32 bits), each array
 * as long as its axis.
 */
function packAxisTaps(shape: MaskLogitsShape): Uint32Array {
  const { xs, ys } = shapeTaps(shape);
  const { width, height } = shape;
  const axis = new Uint32Array(6 * (width + height));
  const asFloat = new Float32Array(axis.buffer);
  const put = (taps: AxisTaps, at: number, n: number) => {
    axis.set(taps.i0, at);
    axis.set(taps.i1, at + n);
    axis.set(taps.i2, at + 2 * n);
    asFloat.set(taps.w0, at + 3 * n);
    asFloat.set(taps.w1, at + 4 * n);
    asFloat.set(taps.w2, at + 5 * n);
  };
  put(xs, 0, width);
  put(ys, 6 * width, height);
  return axis;
}
