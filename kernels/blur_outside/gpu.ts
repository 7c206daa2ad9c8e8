/**
 * WebGPU host code of the blur-outside kernel (see contract.ts): uploads
 * the image with its resampling taps, the Gaussian, the coverage taps and
 * each mask's source span, and runs blur_outside.wgsl.ts's four passes in
 * one submit, with one readback of every view.
 *
 * @module
 */

import { checkMasks, CLIP_NORMALISATION, viewsOutput } from "../clip_views.ts";
import { cropTaps } from "../crop_fill/taps.ts";
import { runBatch } from "../gpu_batch.ts";
import type { GpuContext } from "../gpu_device.ts";
import { packSpans, planSpanChunks, type Span } from "../mask_spans.ts";
import { BLUR_OUTSIDE_WGSL } from "./blur_outside.wgsl.ts";
import {
  type BlurOutsideInput,
  type CoverageRegion,
  coverageRegion,
  coverageTaps,
  DEFAULT_BLUR_SIGMA,
  gaussianKernel,
} from "./contract.ts";

interface AxisTaps {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  maxTaps: number;
}

/** Packs two axes' taps: x starts, x counts, x weights, then the same for y. */
function packTaps(size: number, x: AxisTaps, y: AxisTaps): Uint32Array {
  const words = new Uint32Array(4 * size + size * (x.maxTaps + y.maxTaps));
  const floats = new Float32Array(words.buffer);
  let at = 0;
  for (const axis of [x, y]) {
    words.set(axis.start, at);
    words.set(axis.count, at + size);
    floats.set(axis.weights, at + 2 * size);
    at += 2 * size + size * axis.maxTaps;
  }
  return words;
}

/**
 * Builds the global (whole image, outside blurred) views of N proposals on
 * the GPU; same contract and results as the CPU twin `blurOutside`.
 *
 * @example
 * ```ts
 * const views = await blurOutsideGpu(await gpuContext(), { image, masks, boxes });
 * ```
 */
export async function blurOutsideGpu(
  ctx: GpuContext,
  input: BlurOutsideInput,
): Promise<Float32Array> {
  const { image, masks, boxes } = input;
  const { width, height } = image;
  const size = input.size ?? 224;
  const norm = input.normalisation ?? CLIP_NORMALISATION;
  checkMasks(masks, width, height);
  if (boxes.length !== masks.count) {
    throw new RangeError(
      `blurOutside() got ${boxes.length} boxes for ${masks.count} masks.`,
    );
  }
  const given = input.output &&
    viewsOutput(input.output, masks.count, size, "blurOutside()");
  if (masks.count === 0) return given ?? new Float32Array(0);
  const plane = size * size;
  const gauss = gaussianKernel(input.sigma ?? DEFAULT_BLUR_SIGMA);
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
  const viewBytes = 3 * plane * 4;
  const plan = planSpanChunks(spans, viewBytes, ctx.maxBindingBytes);
  let out: Float32Array | undefined = given;
  await runBatch(ctx, "blur_outside", (batch) => {
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
    globalsF.set([...norm.mean.map((m) => m * 255), 0], 8);
    globalsF.set([...norm.std.map((s) => 1 / (s * 255)), 0], 12);

    // Once per image: S, B, and the normalised base and diff planes.
    const sharpPlanes = batch.storage(3 * plane * 4);
    const rowBlurred = batch.storage(3 * plane * 4);
    const baseDiff = batch.storage(6 * plane * 4);
    const gaussBuffer = batch.upload(gauss);
    const imageGlobals = batch.upload(globals, "uniform");
    const groups = Math.ceil(size / 16);
    batch.dispatch(sharp, {
      0: batch.upload(image.data),
      1: batch.upload(packTaps(size, imgX, imgY)),
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
    const coverTaps = batch.upload(packTaps(size, xs, ys));
    for (const chunk of plan) {
      const params = new Uint32Array(8 * chunk.count);
      for (let k = 0; k < chunk.count; k++) {
        const i = chunk.start + k, s = spans[i], r = regions[i];
        params.set(
          [chunk.offsets[k], s.x, s.y, s.w, r.x0, r.x1, r.y0, r.y1],
          8 * k,
        );
      }
      globals[2] = chunk.count;
      const views = batch.storage(chunk.count * viewBytes);
      batch.dispatch(compose, {
        4: baseDiff,
        6: batch.upload(globals, "uniform"),
        7: batch.upload(packSpans(masks, width, height, spans, chunk)),
        8: batch.upload(params),
        9: coverTaps,
        10: views,
      }, [groups, groups, chunk.count]);
      const first = chunk.start * 3 * plane, length = chunk.count * 3 * plane;
      batch.read(
        views,
        length * 4,
        (bytes) => {
          out ??= new Float32Array(masks.count * 3 * plane);
          out.set(new Float32Array(bytes, 0, length), first);
        },
      );
    }
  });
  return out!;
}
