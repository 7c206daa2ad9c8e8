/**
 * CPU twin of the blur-outside kernel (see contract.ts).
 *
 * @module
 */

import {
  resampleRgbToPlanar,
  type ResampleTaps,
} from "../../pipeline/image/resample.ts";
import type { Box } from "../clip_views.ts";
import { uniformTaps } from "../_uniform_taps.ts";
import {
  type BlurOutsideInput,
  blurOutsideSetup,
  type CoverageRegion,
  coverageRegion,
  coverageTaps,
} from "./contract.ts";

/** Blurs each plane of a planar image with a separable kernel (edges clamped). */
export function blurPlanes(
  planes: Float32Array,
  channels: number,
  width: number,
  height: number,
  kernel: Float32Array,
): Float32Array {
  const tmp = new Float32Array(planes.length);
  const out = new Float32Array(planes.length);
  const line = new Float32Array(Math.max(width, height));
  for (let c = 0; c < channels; c++) {
    const base = c * width * height;
    for (let y = 0; y < height; y++) {
      const row = base + y * width;
      line.set(planes.subarray(row, row + width));
      blurLine(line, width, kernel, tmp, row, 1);
    }
    for (let x = 0; x < width; x++) {
      for (let y = 0; y < height; y++) line[y] = tmp[base + y * width + x];
      blurLine(line, height, kernel, out, base + x, width);
    }
  }
  return out;
}

/**
 * Convolves `line[0..n)` with `kernel` (edges clamped) into
 * `out[at + i * step]`; the interior runs without clamping.
 */
function blurLine(
  line: Float32Array,
  n: number,
  kernel: Float32Array,
  out: Float32Array,
  at: number,
  step: number,
): void {
  const r = (kernel.length - 1) / 2, taps = kernel.length;
  const lo = Math.min(r, n), hi = Math.max(n - r, lo);
  for (let i = 0; i < lo; i++) {
    out[at + i * step] = clampedTap(line, n, kernel, i);
  }
  for (let i = lo; i < hi; i++) {
    let v = 0;
    for (let k = 0, j = i - r; k < taps; k++, j++) v += line[j] * kernel[k];
    out[at + i * step] = v;
  }
  for (let i = hi; i < n; i++) {
    out[at + i * step] = clampedTap(line, n, kernel, i);
  }
}

function clampedTap(
  line: Float32Array,
  n: number,
  kernel: Float32Array,
  i: number,
): number {
  const r = (kernel.length - 1) / 2;
  let v = 0;
  for (let k = -r; k <= r; k++) {
    v += line[Math.min(Math.max(i + k, 0), n - 1)] * kernel[k + r];
  }
  return v;
}

/**
 * Builds the global (whole image, outside blurred) views of N proposals.
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
 * const views = blurOutside({ image, masks: { data, count: 2 }, boxes });
 * views.length; // 2 * 3 * 224 * 224
 * ```
 */
export function blurOutside(input: BlurOutsideInput): Float32Array {
  const { image, masks, boxes } = input;
  const { width, height, size, gauss, mean255, scale, output } =
    blurOutsideSetup(input);
  const plane = size * size;
  const sharp = resampleRgbToPlanar(
    image,
    { x: 0, y: 0, width, height },
    size,
    size,
  );
  const blurred = blurPlanes(sharp, 3, size, size, gauss);
  // Normalise once: view = B + A * (S - B).
  const base = new Float32Array(3 * plane);
  const diff = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const s = scale[c], mean = mean255[c];
    for (let i = c * plane; i < (c + 1) * plane; i++) {
      base[i] = (blurred[i] - mean) * s;
      diff[i] = (sharp[i] - blurred[i]) * s;
    }
  }
  const xs = coverageTaps(size, width);
  const ys = coverageTaps(size, height);
  const paddedXs = uniformTaps(xs, Math.min(xs.maxTaps, width), width);
  const out = output ?? new Float32Array(masks.count * 3 * plane);
  const coverage = new Float32Array(plane);
  const rowCover = new Float32Array(height * size);
  for (let n = 0; n < masks.count; n++) {
    const view = out.subarray(n * 3 * plane, (n + 1) * 3 * plane);
    view.set(base);
    const [bx, by, bw, bh] = boxes[n];
    if (!(bw > 0 && bh > 0)) continue;
    const mask = masks.data.subarray(
      n * width * height,
      (n + 1) * width * height,
    );
    const region = maskCoverage(
      mask,
      width,
      height,
      [bx, by, bw, bh],
      paddedXs,
      ys,
      size,
      rowCover,
      coverage,
    );
    const { x0, x1, y0, y1 } = region;
    for (let c = 0; c < 3; c++) {
      const off = c * plane;
      for (let oy = y0; oy < y1; oy++) {
        const row = oy * size;
        for (let i = row + x0, end = row + x1; i < end; i++) {
          view[off + i] += coverage[i] * diff[off + i];
        }
      }
    }
  }
  return out;
}

/**
 * Computes the coverage of one mask at the output size, only over the
 * output pixels that its box touches; returns that output region.
 */
function maskCoverage(
  mask: Uint8Array,
  width: number,
  height: number,
  box: Box,
  paddedXs: ResampleTaps,
  ys: ResampleTaps,
  size: number,
  rowCover: Float32Array,
  coverage: Float32Array,
): CoverageRegion {
  const { x0, x1, y0, y1 } = coverageRegion(width, height, size, box);
  const rLo = ys.start[y0], rHi = ys.start[y1 - 1] + ys.count[y1 - 1];
  const xStart = paddedXs.start, xw = paddedXs.weights;
  const taps = paddedXs.maxTaps;
  for (let y = rLo; y < rHi; y++) {
    const row = y * width, dst = y * size;
    if (taps === 4) {
      for (let ox = x0, w = x0 * 4; ox < x1; ox++, w += 4) {
        const s = row + xStart[ox];
        rowCover[dst + ox] = (mask[s] !== 0 ? xw[w] : 0) +
          (mask[s + 1] !== 0 ? xw[w + 1] : 0) +
          (mask[s + 2] !== 0 ? xw[w + 2] : 0) +
          (mask[s + 3] !== 0 ? xw[w + 3] : 0);
      }
      continue;
    }
    for (let ox = x0; ox < x1; ox++) {
      const s = row + xStart[ox], w = ox * taps;
      let v = 0;
      for (let k = 0; k < taps; k++) v += mask[s + k] !== 0 ? xw[w + k] : 0;
      rowCover[dst + ox] = v;
    }
  }
  const yStart = ys.start, yCount = ys.count, yw = ys.weights;
  const yTaps = ys.maxTaps;
  for (let oy = y0; oy < y1; oy++) {
    const s = yStart[oy], n = yCount[oy], w = oy * yTaps;
    const dst = oy * size;
    for (let ox = x0; ox < x1; ox++) coverage[dst + ox] = 0;
    for (let k = 0; k < n; k++) {
      const wk = yw[w + k], src = (s + k) * size;
      for (let ox = x0; ox < x1; ox++) {
        coverage[dst + ox] += rowCover[src + ox] * wk;
      }
    }
  }
  return { x0, x1, y0, y1 };
}
