/**
 * CPU twin of the crop & fill kernel (see contract.ts). Separable
 * resampling: each box row is filled and filtered horizontally once, then
 * output rows blend the filtered rows.
 *
 * @module
 */

import {
  type ResampleTaps,
  resampleTaps,
} from "../../pipeline/image/resample.ts";
import { checkMasks, CLIP_NORMALISATION } from "../clip_views.ts";
import type { CropFillInput } from "./contract.ts";

/**
 * Builds the local (box crop, outside filled) views of N proposals.
 *
 * @example
 * ```ts
 * const views = cropAndFill({ image, masks: { data, count: 2 }, boxes });
 * // views.length === 2 * 3 * 224 * 224
 * ```
 */
export function cropAndFill(input: CropFillInput): Float32Array {
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
  const plane = size * size;
  const out = new Float32Array(masks.count * 3 * plane);
  const scale = norm.std.map((s) => 1 / (s * 255));
  const offset = norm.mean.map((m, c) => m * 255 * scale[c]);
  const tmp = new Float32Array(3 * height * size);
  const line = new Float32Array(3 * width);
  const acc = new Float32Array(3 * size);
  for (let n = 0; n < masks.count; n++) {
    const [bx, by, bw, bh] = boxes[n];
    const view = out.subarray(n * 3 * plane, (n + 1) * 3 * plane);
    if (!(bw > 0 && bh > 0)) {
      for (let c = 0; c < 3; c++) {
        view.fill(fill[c] * scale[c] - offset[c], c * plane, (c + 1) * plane);
      }
      continue;
    }
    const xt = resampleTaps(width, bx, bw, size);
    const yt = resampleTaps(height, by, bh, size);
    const rowLo = yt.start[0];
    const rows = yt.start[size - 1] + yt.count[size - 1] - rowLo;
    const mask = masks.data.subarray(
      n * width * height,
      (n + 1) * width * height,
    );
    for (let r = 0; r < rows; r++) {
      fillRow(image.data, mask, width, rowLo + r, xt, fill, line);
      filterRow(line, xt, tmp, r, size);
    }
    filterColumns(tmp, rowLo, yt, size, scale, offset, acc, view);
  }
  return out;
}

/** Writes row y's pixels, or the fill colour outside the mask, as interleaved RGB floats. */
function fillRow(
  data: Uint8ClampedArray,
  mask: Uint8Array,
  width: number,
  y: number,
  xt: ResampleTaps,
  fill: readonly number[],
  line: Float32Array,
): void {
  const size = xt.start.length;
  const x0 = xt.start[0];
  const x1 = xt.start[size - 1] + xt.count[size - 1];
  const f0 = fill[0], f1 = fill[1], f2 = fill[2];
  const row = y * width;
  for (let x = x0; x < x1; x++) {
    const q = x * 3;
    if (mask[row + x]) {
      const p = (row + x) * 4;
      line[q] = data[p];
      line[q + 1] = data[p + 1];
      line[q + 2] = data[p + 2];
    } else {
      line[q] = f0;
      line[q + 1] = f1;
      line[q + 2] = f2;
    }
  }
}

/** Filters one interleaved row horizontally into row r of `tmp` (rows x size x 3). */
function filterRow(
  line: Float32Array,
  xt: ResampleTaps,
  tmp: Float32Array,
  r: number,
  size: number,
): void {
  const start = xt.start, count = xt.count, weights = xt.weights;
  const maxTaps = xt.maxTaps;
  let dst = r * size * 3;
  for (let o = 0; o < size; o++) {
    let s = start[o] * 3;
    const wBase = o * maxTaps, n = count[o];
    let vr = 0, vg = 0, vb = 0;
    for (let k = 0; k < n; k++) {
      const w = weights[wBase + k];
      vr += line[s] * w;
      vg += line[s + 1] * w;
      vb += line[s + 2] * w;
      s += 3;
    }
    tmp[dst++] = vr;
    tmp[dst++] = vg;
    tmp[dst++] = vb;
  }
}

/** Filters `tmp` vertically into the normalised, planar output view (3 x size x size). */
function filterColumns(
  tmp: Float32Array,
  rowLo: number,
  yt: ResampleTaps,
  size: number,
  scale: readonly number[],
  offset: readonly number[],
  acc: Float32Array,
  view: Float32Array,
): void {
  const start = yt.start, count = yt.count, weights = yt.weights;
  const maxTaps = yt.maxTaps, stride = size * 3, plane = size * size;
  const s0 = scale[0], s1 = scale[1], s2 = scale[2];
  const o0 = offset[0], o1 = offset[1], o2 = offset[2];
  for (let o = 0; o < size; o++) {
    const first = start[o] - rowLo, wBase = o * maxTaps, n = count[o];
    acc.fill(0);
    for (let k = 0; k < n; k++) {
      const w = weights[wBase + k];
      const row = (first + k) * stride;
      for (let i = 0; i < stride; i++) acc[i] += tmp[row + i] * w;
    }
    const dst = o * size;
    for (let x = 0, i = 0; x < size; x++, i += 3) {
      view[dst + x] = acc[i] * s0 - o0;
      view[plane + dst + x] = acc[i + 1] * s1 - o1;
      view[2 * plane + dst + x] = acc[i + 2] * s2 - o2;
    }
  }
}
