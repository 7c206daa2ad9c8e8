/**
 * WebGPU host code of the crop & fill kernel (see contract.ts). The taps
 * are computed here, as the CPU twin computes them (taps.ts), and
 * uploaded with each mask's source span; crop_fill.wgsl.ts does the rest.
 * One submit and one readback per call, whatever the number of chunks.
 *
 * @module
 */

import type { GpuContext } from "../gpu_device.ts";
import { packSpans, type Span } from "../_mask_spans.ts";
import { type DeviceViews, packTaps, runViewChunks } from "../_views_gpu.ts";
import { type CropFillInput, cropFillSetup } from "./contract.ts";
import { CROP_FILL_WGSL } from "./_crop_fill.wgsl.ts";
import { type CropTaps, cropTaps } from "./_taps.ts";

/**
 * Builds the local (box crop, outside filled) views of N proposals on the
 * GPU; same contract and results as the CPU twin `cropAndFill`.
 *
 * @example
 * ```ts
 * const views = await cropAndFillGpu(await gpuContext(), { image, masks, boxes });
 * ```
 */
export function cropAndFillGpu(
  ctx: GpuContext,
  input: CropFillInput,
): Promise<Float32Array>;
/**
 * The same views left on the GPU, written into `into` (see
 * {@linkcode DeviceViews}) with no readback; `input.output` must be
 * absent. Resolves once the work is submitted: later work on the same
 * device's queue (a WebGPU inference session) sees the views.
 */
export function cropAndFillGpu(
  ctx: GpuContext,
  input: CropFillInput,
  into: DeviceViews,
): Promise<void>;
export async function cropAndFillGpu(
  ctx: GpuContext,
  input: CropFillInput,
  into?: DeviceViews,
): Promise<Float32Array | void> {
  if (into && input.output) {
    throw new RangeError(
      "cropAndFillGpu(): give either a host output array or a device buffer, not both.",
    );
  }
  const { image, masks, boxes } = input;
  const { width, height, size, fill, scale, offset, output } = cropFillSetup(
    input,
  );
  if (masks.count === 0) {
    return into ? undefined : output ?? new Float32Array(0);
  }

  const taps: ([CropTaps, CropTaps] | null)[] = [];
  const spans: Span[] = [];
  for (const [bx, by, bw, bh] of boxes) {
    if (!(bw > 0 && bh > 0)) {
      taps.push(null);
      spans.push({ x: 0, y: 0, w: 0, h: 0 });
      continue;
    }
    const xt = cropTaps(width, bx, bw, size, input.antialias);
    const yt = cropTaps(height, by, bh, size, input.antialias);
    taps.push([xt, yt]);
    spans.push({ x: xt.lo, y: yt.lo, w: xt.hi - xt.lo, h: yt.hi - yt.lo });
  }

  const pipeline = await ctx.pipeline(CROP_FILL_WGSL, "crop_fill");
  const to = into ?? output;
  return runViewChunks(ctx, "crop_fill", spans, size, to, (batch) => {
    const pixels = batch.upload(image.data);
    const globals = new Float32Array(16);
    const globalsU = new Uint32Array(globals.buffer);
    globalsU[0] = width;
    globalsU[1] = size;
    globals.set([...fill, 0], 4);
    globals.set([...scale, 0], 8);
    globals.set([...offset, 0], 12);
    return (chunk, views) => {
      const chunkTaps = taps.slice(chunk.start, chunk.start + chunk.count);
      const packed = packTaps(chunkTaps);
      const params = new Uint32Array(8 * chunk.count);
      for (let k = 0; k < chunk.count; k++) {
        const t = chunkTaps[k], s = spans[chunk.start + k];
        if (!t) {
          params.set([0, 0, 0, 0, 0, 0, 0, 1], 8 * k);
          continue;
        }
        const [xt, yt] = t, at = packed.starts[k];
        params.set(
          [chunk.offsets[k], s.x, s.y, s.w, at, xt.maxTaps, yt.maxTaps, 0],
          8 * k,
        );
      }
      globalsU[2] = chunk.count;
      batch.dispatch(pipeline, {
        0: pixels,
        1: batch.upload(packSpans(masks, width, height, spans, chunk)),
        2: batch.upload(params),
        3: batch.upload(packed.words),
        4: views,
        5: batch.upload(globals, "uniform"),
      }, [Math.ceil(size / 16), Math.ceil(size / 16), chunk.count]);
    };
  });
}
