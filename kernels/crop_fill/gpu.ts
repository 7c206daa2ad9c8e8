/**
 * WebGPU host code of the crop & fill kernel (see contract.ts). The taps
 * are computed here, as the CPU twin computes them (taps.ts), and
 * uploaded with each mask's source span; crop_fill.wgsl.ts does the rest.
 * One submit and one readback per call, whatever the number of chunks.
 *
 * @module
 */

import { checkMasks, CLIP_NORMALISATION, viewsOutput } from "../clip_views.ts";
import { runBatch } from "../gpu_batch.ts";
import type { GpuContext } from "../gpu_device.ts";
import { packSpans, planSpanChunks, type Span } from "../mask_spans.ts";
import type { CropFillInput } from "./contract.ts";
import { CROP_FILL_WGSL } from "./crop_fill.wgsl.ts";
import { type CropTaps, cropTaps } from "./taps.ts";

/**
 * Builds the local (box crop, outside filled) views of N proposals on the
 * GPU; same contract and results as the CPU twin `cropAndFill`.
 *
 * @example
 * ```ts
 * const views = await cropAndFillGpu(await gpuContext(), { image, masks, boxes });
 * ```
 */
export async function cropAndFillGpu(
  ctx: GpuContext,
  input: CropFillInput,
): Promise<Float32Array> {
  const { image, masks, boxes } = input;
  const { width, height } = image;
  const size = input.size ?? 224;
  const norm = input.normalisation ?? CLIP_NORMALISATION;
  const fill = input.fill ?? [
    norm.mean[0] * 255,
    norm.mean[1] * 255,
    norm.mean[2] * 255,
  ];
  checkMasks(masks, width, height);
  if (boxes.length !== masks.count) {
    throw new RangeError(
      `cropAndFill() got ${boxes.length} boxes for ${masks.count} masks.`,
    );
  }
  const given = input.output &&
    viewsOutput(input.output, masks.count, size, "cropAndFill()");
  if (masks.count === 0) return given ?? new Float32Array(0);
  const plane = size * size;
  const scale = norm.std.map((s) => 1 / (s * 255));
  const offset = norm.mean.map((m, c) => m * 255 * scale[c]);

  const taps: ([CropTaps, CropTaps] | null)[] = [];
  const spans: Span[] = [];
  for (const [bx, by, bw, bh] of boxes) {
    if (!(bw > 0 && bh > 0)) {
      taps.push(null);
      spans.push({ x: 0, y: 0, w: 0, h: 0 });
      continue;
    }
    const xt = cropTaps(width, bx, bw, size);
    const yt = cropTaps(height, by, bh, size);
    taps.push([xt, yt]);
    spans.push({ x: xt.lo, y: yt.lo, w: xt.hi - xt.lo, h: yt.hi - yt.lo });
  }

  const pipeline = await ctx.pipeline(CROP_FILL_WGSL, "crop_fill");
  const viewBytes = 3 * plane * 4;
  const plan = planSpanChunks(spans, viewBytes, ctx.maxBindingBytes);
  let out: Float32Array | undefined = given;
  await runBatch(ctx, "crop_fill", (batch) => {
    const pixels = batch.upload(image.data);
    const globals = new Float32Array(16);
    const globalsU = new Uint32Array(globals.buffer);
    globalsU[0] = width;
    globalsU[1] = size;
    globals.set([...fill, 0], 4);
    globals.set([...scale, 0], 8);
    globals.set([...offset, 0], 12);
    for (const chunk of plan) {
      let tapWords = 0;
      for (let k = 0; k < chunk.count; k++) {
        const t = taps[chunk.start + k];
        if (t) tapWords += 4 * size + size * (t[0].maxTaps + t[1].maxTaps);
      }
      const params = new Uint32Array(8 * chunk.count);
      const tapData = new Uint32Array(Math.max(tapWords, 1));
      const tapFloats = new Float32Array(tapData.buffer);
      let at = 0;
      for (let k = 0; k < chunk.count; k++) {
        const i = chunk.start + k, t = taps[i], s = spans[i];
        if (!t) {
          params.set([0, 0, 0, 0, 0, 0, 0, 1], 8 * k);
          continue;
        }
        const [xt, yt] = t;
        params.set(
          [chunk.offsets[k], s.x, s.y, s.w, at, xt.maxTaps, yt.maxTaps, 0],
          8 * k,
        );
        for (const axis of t) {
          tapData.set(axis.start, at);
          tapData.set(axis.count, at + size);
          tapFloats.set(axis.weights, at + 2 * size);
          at += 2 * size + size * axis.maxTaps;
        }
      }
      globalsU[2] = chunk.count;
      const views = batch.storage(chunk.count * viewBytes);
      batch.dispatch(pipeline, {
        0: pixels,
        1: batch.upload(packSpans(masks, width, height, spans, chunk)),
        2: batch.upload(params),
        3: batch.upload(tapData),
        4: views,
        5: batch.upload(globals, "uniform"),
      }, [Math.ceil(size / 16), Math.ceil(size / 16), chunk.count]);
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
