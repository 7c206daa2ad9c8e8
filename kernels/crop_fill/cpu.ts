/**
 * CPU twin of the crop & fill kernel (see contract.ts). Separable
 * resampling: each source row the vertical taps reach is filled (pixel
 * inside the mask, fill colour outside) and filtered horizontally once,
 * then each output row blends the filtered rows and is normalised into
 * the planar view.
 *
 * @module
 */

import type { ResampleTaps } from "../../pipeline/image/resample.ts";
import { uniformTaps } from "../_uniform_taps.ts";
import { type CropFillInput, cropFillSetup } from "./contract.ts";
import { cropTaps } from "./_taps.ts";

/**
 * Builds the local (box crop, outside filled) views of N proposals.
 *
 * @example
 * ```ts
 * import { createRgbaImage } from "../../pipeline/image/rgba.ts";
 *
 * // A 4 x 4 image and two masks: its left half and its top-right pixel.
 * const image = createRgbaImage(4, 4);
 * const data = new Uint8Array(2 * 16);
 * for (let y = 0; y < 4; y++) data[y * 4] = data[y * 4 + 1] = 1;
 * data[16 + 3] = 1;
 * const boxes = [[0, 0, 2, 4], [3, 0, 1, 1]] as const;
 * const views = cropAndFill({ image, masks: { data, count: 2 }, boxes });
 * views.length; // 2 * 3 * 224 * 224
 * ```
 */
export function cropAndFill(input: CropFillInput): Float32Array {
  const { image, masks, boxes } = input;
  const { width, height, size, fill, scale, offset, output } = cropFillSetup(
    input,
  );
  const plane = size * size;
  const out = output ?? new Float32Array(masks.count * 3 * plane);
  const tmp = new Float32Array(3 * height * size);
  const line = new Float32Array(3 * width);
  const pixels = width * height;
  for (let n = 0; n < masks.count; n++) {
    const [bx, by, bw, bh] = boxes[n];
    const view = out.subarray(n * 3 * plane, (n + 1) * 3 * plane);
    if (!(bw > 0 && bh > 0)) {
      for (let c = 0; c < 3; c++) {
        view.fill(fill[c] * scale[c] - offset[c], c * plane, (c + 1) * plane);
      }
      continue;
    }
    const xt = cropTaps(width, bx, bw, size, input.antialias);
    const yt = cropTaps(height, by, bh, size, input.antialias);
    const rowLo = yt.lo, rows = yt.hi - yt.lo;
    const x0 = xt.lo, x1 = xt.hi;
    const mask = masks.data.subarray(n * pixels, (n + 1) * pixels);
    const ut = rowTaps(xt, width);
    for (let r = 0; r < rows; r++) {
      fillRow(image.data, mask, width, rowLo + r, x0, x1, fill, line);
      filterRow(line, ut.start, ut.weights, ut.taps, tmp, r);
    }
    filterColumns(
      tmp,
      rowLo,
      yt.start,
      yt.count,
      yt.weights,
      yt.maxTaps,
      size,
      scale,
      offset,
      view,
    );
  }
  return out;
}

/**
 * Writes row y's pixels in [x0, x1) of the RGBA image as interleaved RGB
 * floats, the fill colour for the pixels outside the mask (read row by
 * row: no float copy of the whole image is made).
 */
function fillRow(
  rgba: Uint8ClampedArray,
  mask: Uint8Array,
  width: number,
  y: number,
  x0: number,
  x1: number,
  fill: readonly number[],
  line: Float32Array,
): void {
  const f0 = fill[0], f1 = fill[1], f2 = fill[2];
  const row = y * width;
  for (
    let x = x0, q = x0 * 3, p = (row + x0) * 4;
    x < x1;
    x++, q += 3, p += 4
  ) {
    if (mask[row + x] === 0) {
      line[q] = f0;
      line[q + 1] = f1;
      line[q + 2] = f2;
    } else {
      line[q] = rgba[p];
      line[q + 1] = rgba[p + 1];
      line[q + 2] = rgba[p + 2];
    }
  }
}

/**
 * The x taps with one tap count for every output pixel (the largest; see
 * uniform_taps.ts), so that the horizontal pass runs without a branch per
 * pixel; starts are in floats of an interleaved RGB row.
 */
function rowTaps(
  xt: ResampleTaps,
  width: number,
): { start: Int32Array; weights: Float32Array; taps: number } {
  let taps = 1;
  for (let o = 0; o < xt.count.length; o++) taps = Math.max(taps, xt.count[o]);
  const { start, weights } = uniformTaps(xt, taps, width);
  return { start: start.map((s) => s * 3), weights, taps };
}

/** Filters one interleaved row horizontally into row r of `tmp` (rows x size x 3). */
function filterRow(
  line: Float32Array,
  start: Int32Array,
  weights: Float32Array,
  taps: number,
  tmp: Float32Array,
  r: number,
): void {
  const size = start.length;
  let dst = r * size * 3;
  if (taps === 2) {
    for (let o = 0, k = 0; o < size; o++, k += 2, dst += 3) {
      const s = start[o], w0 = weights[k], w1 = weights[k + 1];
      tmp[dst] = line[s] * w0 + line[s + 3] * w1;
      tmp[dst + 1] = line[s + 1] * w0 + line[s + 4] * w1;
      tmp[dst + 2] = line[s + 2] * w0 + line[s + 5] * w1;
    }
  } else if (taps === 3) {
    for (let o = 0, k = 0; o < size; o++, k += 3, dst += 3) {
      const s = start[o], w0 = weights[k], w1 = weights[k + 1];
      const w2 = weights[k + 2];
      tmp[dst] = line[s] * w0 + line[s + 3] * w1 + line[s + 6] * w2;
      tmp[dst + 1] = line[s + 1] * w0 + line[s + 4] * w1 + line[s + 7] * w2;
      tmp[dst + 2] = line[s + 2] * w0 + line[s + 5] * w1 + line[s + 8] * w2;
    }
  } else if (taps === 4) {
    for (let o = 0, k = 0; o < size; o++, k += 4, dst += 3) {
      const s = start[o], w0 = weights[k], w1 = weights[k + 1];
      const w2 = weights[k + 2], w3 = weights[k + 3];
      tmp[dst] = line[s] * w0 + line[s + 3] * w1 + line[s + 6] * w2 +
        line[s + 9] * w3;
      tmp[dst + 1] = line[s + 1] * w0 + line[s + 4] * w1 +
        line[s + 7] * w2 + line[s + 10] * w3;
      tmp[dst + 2] = line[s + 2] * w0 + line[s + 5] * w1 +
        line[s + 8] * w2 + line[s + 11] * w3;
    }
  } else {
    for (let o = 0, k = 0; o < size; o++, k += taps, dst += 3) {
      let vr = 0, vg = 0, vb = 0;
      for (let t = 0, q = start[o]; t < taps; t++, q += 3) {
        const w = weights[k + t];
        vr += line[q] * w;
        vg += line[q + 1] * w;
        vb += line[q + 2] * w;
      }
      tmp[dst] = vr;
      tmp[dst + 1] = vg;
      tmp[dst + 2] = vb;
    }
  }
}

/**
 * Filters `tmp` vertically into the normalised, planar output view
 * (3 x size x size). Each output value sums its taps in a register; the
 * common tap counts are unrolled.
 */
function filterColumns(
  tmp: Float32Array,
  rowLo: number,
  start: Int32Array,
  count: Int32Array,
  weights: Float32Array,
  maxTaps: number,
  size: number,
  scale: readonly number[],
  offset: readonly number[],
  view: Float32Array,
): void {
  const stride = size * 3, plane = size * size;
  const s0 = scale[0], s1 = scale[1], s2 = scale[2];
  const o0 = offset[0], o1 = offset[1], o2 = offset[2];
  for (let o = 0; o < size; o++) {
    const first = (start[o] - rowLo) * stride;
    const wBase = o * maxTaps, n = count[o];
    const g = o * size, b = plane + g, c = 2 * plane + g;
    if (n === 2) {
      const w0 = weights[wBase], w1 = weights[wBase + 1];
      const r1 = first + stride;
      for (let x = 0, i = 0; x < size; x++, i += 3) {
        view[g + x] = (tmp[first + i] * w0 + tmp[r1 + i] * w1) * s0 - o0;
        view[b + x] = (tmp[first + i + 1] * w0 + tmp[r1 + i + 1] * w1) * s1 -
          o1;
        view[c + x] = (tmp[first + i + 2] * w0 + tmp[r1 + i + 2] * w1) * s2 -
          o2;
      }
    } else if (n === 3) {
      const w0 = weights[wBase], w1 = weights[wBase + 1];
      const w2 = weights[wBase + 2];
      const r1 = first + stride, r2 = r1 + stride;
      for (let x = 0, i = 0; x < size; x++, i += 3) {
        view[g + x] =
          (tmp[first + i] * w0 + tmp[r1 + i] * w1 + tmp[r2 + i] * w2) * s0 -
          o0;
        view[b + x] = (tmp[first + i + 1] * w0 + tmp[r1 + i + 1] * w1 +
              tmp[r2 + i + 1] * w2) * s1 - o1;
        view[c + x] = (tmp[first + i + 2] * w0 + tmp[r1 + i + 2] * w1 +
              tmp[r2 + i + 2] * w2) * s2 - o2;
      }
    } else {
      for (let x = 0, i = 0; x < size; x++, i += 3) {
        let vr = 0, vg = 0, vb = 0;
        for (let k = 0, row = first + i; k < n; k++, row += stride) {
          const w = weights[wBase + k];
          vr += tmp[row] * w;
          vg += tmp[row + 1] * w;
          vb += tmp[row + 2] * w;
        }
        view[g + x] = vr * s0 - o0;
        view[b + x] = vg * s1 - o1;
        view[c + x] = vb * s2 - o2;
      }
    }
  }
}
