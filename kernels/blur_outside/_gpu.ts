/**
 * WebGPU host code of the blur-outside kernel (see contract.ts): uploads
 * the image with its resampling taps, the Gaussian, the coverage taps and
 * each mask's source span, and runs blur_outside.wgsl.ts's four passes in
 * one submit, with one readback of every view.
 *
 * @module
 */

import { cropTaps } from "../crop_fill/_taps.ts";
import type { GpuContext } from "../gpu_device.ts";
import { packSpans, type Span } from "../_mask_spans.ts";
import { type DeviceViews, packTaps, runViewChunks } from "../_views_gpu.ts";
import { BLUR_OUTSIDE_WGSL } from "./_blur_outside.wgsl.ts";
import {
  type BlurOutsideInput,
  blurOutsideSetup,
  type CoverageRegion,
  coverageRegion,
  coverageTaps,
} from "./contract.ts";

/**
 * Builds the global (whole image, outside blurred) views of N proposals on
 * the GPU; same contract and results as the CPU twin `blurOutside`.
 *
 * @example
 * ```ts
 * const views = await blurOutsideGpu(await gpuContext(), { image, masks, boxes });
 * ```
 */
export function blurOutsideGpu(
  ctx: GpuContext,
  input: BlurOutsideInput,
): Promise<Float32Array>;
/**
 * The same views left on the GPU, written into `into` (see
 * {@linkcode DeviceViews}) with no readback; `input.output` must be
 * absent. Resolves once the work is submitted: later work on the same
 * device's queue (a WebGPU inference session) sees the views.
 */
export function blurOutsideGpu(
  ctx: GpuContext,
  input: BlurOutsideInput,
  into: DeviceViews,
): Promise<void>;
export async function blurOutsideGpu(
  ctx: GpuContext,
  input: BlurOutsideInput,
  into?: DeviceViews,
): Promise<Float32Array | void> {
  if (into && input.output) {
    throw new RangeError(
      "blurOutsideGpu(): give either a host output array or a device buffer, not both.",
    );
  }
  const { image, masks, boxes } = input;
  const { width, height, size, gauss, mean255, scale, output } =
    blurOutsideSetup(input);
  if (masks.count === 0) {
    return into ? undefined : output ?? new Float32Array(0);
  }
  const plane = size * size;
  const imgX = cropTaps(width, 0, width, size);
  const imgY = cropTaps(height, 0, height, size);
  const xs = coverageTaps(size, width);
  const ys = coverageTaps(size, height);

  const regions: CoverageRegion[] = [];
  const spans: Span[] = [];
  for (const box of boxes) {
    if (!(box[2] > 0 && box[3] > 0)) {
      regions.push({ x0: 0, x1: 0, y0: 0, y1: 0 });
      spans.push({ x: 0, y: 0, w: 0, h: 0 });
      continue;
    }
    const r = coverageRegion(width, height, size, box);
    regions.push(r);
    const cx = xs.start[r.x0], cy = ys.start[r.y0];
    spans.push({
      x: cx,
      y: cy,
      w: xs.start[r.x1 - 1] + xs.count[r.x1 - 1] - cx,
      h: ys.start[r.y1 - 1] + ys.count[r.y1 - 1] - cy,
    });
  }

  const [sharp, blurRows, blurCols, compose] = await Promise.all(
    ["sharp", "blur_rows", "blur_cols", "compose"].map((entry) =>
      ctx.pipeline(BLUR_OUTSIDE_WGSL, entry)
    ),
  );
  const to = into ?? output;
  return runViewChunks(ctx, "blur_outside", spans, size, to, (batch) => {
    const globals = new Uint32Array(16);
    const globalsF = new Float32Array(globals.buffer);
    globals.set([
      width,
      size,
      0,
      (gauss.length - 1) / 2,
      imgX.maxTaps,
      imgY.maxTaps,
      xs.maxTaps,
      ys.maxTaps,
    ]);
    globalsF.set([...mean255, 0], 8);
    globalsF.set([...scale, 0], 12);

    // Once per image: S, B, and the normalised base and diff planes.
    const sharpPlanes = batch.storage(3 * plane * 4);
    const rowBlurred = batch.storage(3 * plane * 4);
    const baseDiff = batch.storage(6 * plane * 4);
    const gaussBuffer = batch.upload(gauss);
    const imageGlobals = batch.upload(globals, "uniform");
    const groups = Math.ceil(size / 16);
    batch.dispatch(sharp, {
      0: batch.upload(image.data),
      1: batch.upload(packTaps([[imgX, imgY]]).words),
      2: sharpPlanes,
      6: imageGlobals,
    }, [groups, groups, 1]);
    batch.dispatch(blurRows, {
      2: sharpPlanes,
      3: rowBlurred,
      5: gaussBuffer,
      6: imageGlobals,
    }, [groups, groups, 3]);
    batch.dispatch(blurCols, {
      2: sharpPlanes,
      3: rowBlurred,
      4: baseDiff,
      5: gaussBuffer,
      6: imageGlobals,
    }, [groups, groups, 3]);

    // Per proposal: the views.
    const coverTaps = batch.upload(packTaps([[xs, ys]]).words);
    return (chunk, views) => {
      const params = new Uint32Array(8 * chunk.count);
      for (let k = 0; k < chunk.count; k++) {
        const i = chunk.start + k, s = spans[i], r = regions[i];
        params.set(
          [chunk.offsets[k], s.x, s.y, s.w, r.x0, r.x1, r.y0, r.y1],
          8 * k,
        );
      }
      globals[2] = chunk.count;
      batch.dispatch(compose, {
        4: baseDiff,
        6: batch.upload(globals, "uniform"),
        7: batch.upload(packSpans(masks, width, height, spans, chunk)),
        8: batch.upload(params),
        9: coverTaps,
        10: views,
      }, [groups, groups, chunk.count]);
    };
  });
}
