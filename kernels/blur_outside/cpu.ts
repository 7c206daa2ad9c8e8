/**
 * CPU twin of the blur-outside kernel (see contract.ts).
 *
 * @module
 */

import { resampleRgbToPlanar } from "../../pipeline/image/resample.ts";
import { checkMasks, CLIP_NORMALISATION } from "../clip_views.ts";
import {
  type BlurOutsideInput,
  coverageTaps,
  DEFAULT_BLUR_SIGMA,
  gaussianKernel,
} from "./contract.ts";

/** Blurs each plane of a planar image with a separable kernel (edges clamped). */
export function blurPlanes(
  planes: Float32Array,
  channels: number,
  width: number,
  height: number,
  kernel: Float32Array,
): Float32Array {
  const r = (kernel.length - 1) / 2;
  const tmp = new Float32Array(planes.length);
  const out = new Float32Array(planes.length);
  for (let c = 0; c < channels; c++) {
    const base = c * width * height;
    for (let y = 0; y < height; y++) {
      const row = base + y * width;
      for (let x = 0; x < width; x++) {
        let v = 0;
        for (let k = -r; k <= r; k++) {
          const xx = Math.min(Math.max(x + k, 0), width - 1);
          v += planes[row + xx] * kernel[k + r];
        }
        tmp[row + x] = v;
      }
    }
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let v = 0;
        for (let k = -r; k <= r; k++) {
          const yy = Math.min(Math.max(y + k, 0), height - 1);
          v += tmp[base + yy * width + x] * kernel[k + r];
        }
        out[base + y * width + x] = v;
      }
    }
  }
  return out;
}

/**
 * Builds the global (whole image, outside blurred) views of N proposals.
 *
 * @example
 * ```ts
 * const views = blurOutside({ image, masks: { data, count: 2 }, boxes });
 * ```
 */
export function blurOutside(input: BlurOutsideInput): Float32Array {
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
  const plane = size * size;
  const sharp = resampleRgbToPlanar(
    image,
    { x: 0, y: 0, width, height },
    size,
    size,
  );
  const blurred = blurPlanes(
    sharp,
    3,
    size,
    size,
    gaussianKernel(input.sigma ?? DEFAULT_BLUR_SIGMA),
  );
  // Normalise once: view = B + A * (S - B).
  const base = new Float32Array(3 * plane);
  const diff = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const scale = 1 / (norm.std[c] * 255), mean = norm.mean[c] * 255;
    for (let i = c * plane; i < (c + 1) * plane; i++) {
      base[i] = (blurred[i] - mean) * scale;
      diff[i] = (sharp[i] - blurred[i]) * scale;
    }
  }
  const xs = coverageTaps(size, width);
  const ys = coverageTaps(size, height);
  const out = new Float32Array(masks.count * 3 * plane);
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
      [bx, by, bw, bh],
      xs,
      ys,
      size,
      rowCover,
      coverage,
    );
    for (let c = 0; c < 3; c++) {
      const off = c * plane;
      for (let oy = region.y0; oy < region.y1; oy++) {
        for (let ox = region.x0; ox < region.x1; ox++) {
          const i = oy * size + ox;
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
  box: readonly [number, number, number, number],
  xs: ReturnType<typeof coverageTaps>,
  ys: ReturnType<typeof coverageTaps>,
  size: number,
  rowCover: Float32Array,
  coverage: Float32Array,
): { x0: number; x1: number; y0: number; y1: number } {
  const [bx, by, bw, bh] = box;
  const x0 = outputIndex(xs, bx), x1 = outputIndex(xs, bx + bw - 1) + 1;
  const y0 = outputIndex(ys, by), y1 = outputIndex(ys, by + bh - 1) + 1;
  const rLo = ys.start[y0], rHi = ys.start[y1 - 1] + ys.count[y1 - 1];
  for (let y = rLo; y < rHi; y++) {
    const row = y * width, dst = y * size;
    for (let ox = x0; ox < x1; ox++) {
      const s = xs.start[ox], n = xs.count[ox], w = ox * xs.maxTaps;
      let v = 0;
      for (let k = 0; k < n; k++) if (mask[row + s + k]) v += xs.weights[w + k];
      rowCover[dst + ox] = v;
    }
  }
  for (let oy = y0; oy < y1; oy++) {
    const s = ys.start[oy], n = ys.count[oy], w = oy * ys.maxTaps;
    const dst = oy * size;
    for (let ox = x0; ox < x1; ox++) coverage[dst + ox] = 0;
    for (let k = 0; k < n; k++) {
      const wk = ys.weights[w + k], src = (s + k) * size;
      for (let ox = x0; ox < x1; ox++) {
        coverage[dst + ox] += rowCover[src + ox] * wk;
      }
    }
  }
  return { x0, x1, y0, y1 };
}

/** The output pixel whose footprint holds source pixel `i`. */
function outputIndex(
  taps: { start: Int32Array; count: Int32Array },
  i: number,
): number {
  let lo = 0, hi = taps.start.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (taps.start[mid] <= i) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
