/**
 * PIL's bilinear resize of 8-bit images (`Image.resize(size,
 * Image.BILINEAR)`), reproduced exactly, so that model inputs match those
 * of processors built on PIL (transformers' SamImageProcessor).
 *
 * The algorithm, per axis: output pixel `o` has centre `(o + 0.5) * scale`
 * in the source (`scale = in / out`); the triangle filter widens to
 * `support = max(scale, 1)` source pixels when shrinking; its taps cover
 * source pixels `[trunc(centre - support + 0.5), trunc(centre + support +
 * 0.5))` clipped to the image, weighted `1 - |(i + 0.5 - centre) /
 * support|`, normalised to sum to one, then turned into 22-bit fixed point
 * (rounded half away from zero). Each pass sums `value * weight` plus half
 * a unit in integers, shifts right by 22 and clips to 0..255: the
 * horizontal pass (on the source rows the vertical pass reads) first,
 * rounded to 8 bits, then the vertical pass. An axis whose size does not
 * change is not resampled.
 *
 * @module
 */

import { createRgbaImage, type RgbaImage } from "./rgba.ts";

/** Bits of the fixed-point weights (PIL: 32 - 8 - 2). */
const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

/** The fixed-point taps of one axis: per output pixel, its first source pixel and weights. */
export interface PilTaps {
  /** First source pixel of each output pixel. */
  readonly start: Int32Array;
  /** Number of taps of each output pixel. */
  readonly count: Int32Array;
  /** Weights in units of 2^-22, `stride` per output pixel. */
  readonly weights: Int32Array;
  /** Stride of `weights`. */
  readonly stride: number;
}

/**
 * PIL's bilinear taps mapping an axis of `inSize` pixels onto `outSize`,
 * as 22-bit fixed-point weights.
 *
 * @example
 * ```ts
 * const taps = pilBilinearTaps(4, 2); // each output pixel blends 4 sources
 * taps.count[0]; // 3 (the fourth weight would be 0)
 * ```
 */
export function pilBilinearTaps(inSize: number, outSize: number): PilTaps {
  checkSize(inSize, "source");
  checkSize(outSize, "output");
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle's support is 1, widened
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * stride);
  const k = new Float64Array(stride);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const lo = Math.max(Math.trunc(centre - support + 0.5), 0);
    const hi = Math.min(Math.trunc(centre + support + 0.5), inSize);
    const n = hi - lo;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const x = Math.abs((i + lo - centre + 0.5) / filterScale);
      k[i] = x < 1 ? 1 - x : 0;
      sum += k[i];
    }
    for (let i = 0; i < n; i++) {
      const w = sum !== 0 ? k[i] / sum : k[i];
      weights[o * stride + i] = w < 0
        ? Math.trunc(-0.5 + w * ONE)
        : Math.trunc(0.5 + w * ONE);
    }
    start[o] = lo;
    count[o] = n;
  }
  return { start, count, weights, stride };
}

/**
 * Resizes an RGBA image to `outWidth` x `outHeight` as PIL's
 * `Image.resize(size, Image.BILINEAR)` does for RGB images: each of the
 * four channels is resampled on its own (no alpha premultiplication; an
 * opaque image stays opaque). The same size gives a copy.
 *
 * @example
 * ```ts
 * const resized = pilResizeBilinear(image, 1024, 683);
 * resized.data.length; // 4 * 1024 * 683
 * ```
 */
export function pilResizeBilinear(
  image: RgbaImage,
  outWidth: number,
  outHeight: number,
): RgbaImage {
  const { width, height } = image;
  let rows = image;
  let firstRow = 0;
  const vertical = outHeight !== height
    ? pilBilinearTaps(height, outHeight)
    : undefined;
  if (outWidth !== width) {
    // Only the source rows the vertical pass reads.
    firstRow = vertical ? vertical.start[0] : 0;
    const lastRow = vertical
      ? vertical.start[outHeight - 1] + vertical.count[outHeight - 1]
      : height;
    rows = resampleHorizontal(
      image,
      firstRow,
      lastRow,
      pilBilinearTaps(width, outWidth),
      outWidth,
    );
  }
  if (!vertical) return rows === image ? copyOf(image) : rows;
  return resampleVertical(rows, firstRow, vertical, outHeight);
}

function resampleHorizontal(
  image: RgbaImage,
  firstRow: number,
  lastRow: number,
  taps: PilTaps,
  outWidth: number,
): RgbaImage {
  const src = image.data;
  const out = createRgbaImage(outWidth, lastRow - firstRow);
  const dst = out.data;
  for (let y = firstRow; y < lastRow; y++) {
    const row = y * image.width * 4;
    const outRow = (y - firstRow) * outWidth * 4;
    for (let o = 0; o < outWidth; o++) {
      const s = taps.start[o], n = taps.count[o], base = o * taps.stride;
      let r = HALF, g = HALF, b = HALF, a = HALF;
      for (let i = 0; i < n; i++) {
        const w = taps.weights[base + i];
        const p = row + (s + i) * 4;
        r += src[p] * w;
        g += src[p + 1] * w;
        b += src[p + 2] * w;
        a += src[p + 3] * w;
      }
      const q = outRow + o * 4;
      dst[q] = clip8(r);
      dst[q + 1] = clip8(g);
      dst[q + 2] = clip8(b);
      dst[q + 3] = clip8(a);
    }
  }
  return out;
}

function resampleVertical(
  rows: RgbaImage,
  firstRow: number,
  taps: PilTaps,
  outHeight: number,
): RgbaImage {
  const { width } = rows;
  const src = rows.data;
  const out = createRgbaImage(width, outHeight);
  const dst = out.data;
  const line = width * 4;
  const acc = new Float64Array(line);
  for (let o = 0; o < outHeight; o++) {
    const s = taps.start[o] - firstRow, n = taps.count[o];
    const base = o * taps.stride;
    acc.fill(HALF);
    for (let i = 0; i < n; i++) {
      const w = taps.weights[base + i];
      const row = (s + i) * line;
      for (let x = 0; x < line; x++) acc[x] += src[row + x] * w;
    }
    const outRow = o * line;
    for (let x = 0; x < line; x++) dst[outRow + x] = clip8(acc[x]);
  }
  return out;
}

/** The fixed-point sum shifted down to 8 bits and clipped (PIL's clip8). */
function clip8(sum: number): number {
  const v = Math.floor(sum / ONE); // an arithmetic shift right
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function copyOf(image: RgbaImage): RgbaImage {
  const out = createRgbaImage(image.width, image.height);
  out.data.set(image.data);
  return out;
}

function checkSize(size: number, what: string): void {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new RangeError(
      `pilBilinearTaps(): the ${what} size must be a positive whole number of pixels, got ${size}.`,
    );
  }
}
