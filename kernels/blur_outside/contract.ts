/**
 * Contract of the blur-outside kernel: for N proposals, the whole image at
 * size x size with the pixels outside each mask taken from a
 * Gaussian-blurred copy, normalised for CLIP, into N x 3 x size x size.
 *
 * Definition: S is the image resampled to size x size (antialiased
 * bilinear) and B is S blurred with a separable Gaussian of `sigma` output
 * pixels — both computed once per image. Each mask is reduced to its
 * coverage A at the output size (the share of each output pixel's
 * footprint inside the mask), and the view is A * S + (1 - A) * B.
 *
 * @module
 */

import type { ResampleTaps } from "../../pipeline/image/resample.ts";
import { DEFAULTS } from "../../pipeline/defaults.ts";
import {
  type Box,
  type ViewsInput,
  type ViewsSetup,
  viewsSetup,
} from "../clip_views.ts";

/** Input of the blur-outside kernel. */
export interface BlurOutsideInput extends ViewsInput {
  /** Each mask's box [x, y, w, h]: coverage is computed only inside it. */
  readonly boxes: readonly Box[];
  /** Gaussian standard deviation in output pixels. Default {@linkcode DEFAULT_BLUR_SIGMA}. */
  readonly sigma?: number;
}

/** A checked {@linkcode BlurOutsideInput} with its defaults applied. */
export interface BlurOutsideSetup extends ViewsSetup {
  /** The Gaussian of `sigma` (see {@linkcode gaussianKernel}). */
  readonly gauss: Float32Array;
}

/** Default blur strength, in output pixels (`DEFAULTS.blurSigma`; about 2% of a 224-pixel view). */
export const DEFAULT_BLUR_SIGMA: number = DEFAULTS.blurSigma;

/**
 * Checks a blur-outside input and applies its defaults; both the CPU twin
 * and the WebGPU kernel start with it. A value v in 0..255 normalises to
 * (v - mean255) * scale.
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
 * const { size, gauss, mean255, scale } = blurOutsideSetup({
 *   image,
 *   masks: { data, count: 2 },
 *   boxes,
 * });
 * ```
 */
export function blurOutsideSetup(input: BlurOutsideInput): BlurOutsideSetup {
  return {
    ...viewsSetup(input, "blurOutside()"),
    gauss: gaussianKernel(input.sigma ?? DEFAULT_BLUR_SIGMA),
  };
}

/** Normalised 1-D Gaussian kernel of radius ceil(3 sigma). */
export function gaussianKernel(sigma: number): Float32Array {
  if (!(sigma > 0)) return Float32Array.of(1);
  const radius = Math.ceil(3 * sigma);
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/**
 * Area coverage taps for one axis: output pixel o covers the source span
 * [o * scale, (o + 1) * scale) (offset by `offset`); returns, per output
 * pixel, the first source index and the overlap of each source pixel.
 */
export function coverageTaps(
  outSize: number,
  inSize: number,
): ResampleTaps {
  const scale = inSize / outSize;
  const maxTaps = Math.ceil(scale) + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * maxTaps);
  for (let o = 0; o < outSize; o++) {
    const a = o * scale, b = (o + 1) * scale;
    const first = Math.floor(a);
    const last = Math.min(Math.ceil(b), inSize);
    start[o] = first;
    count[o] = last - first;
    for (let i = first; i < last; i++) {
      weights[o * maxTaps + i - first] = (Math.min(b, i + 1) - Math.max(a, i)) /
        scale;
    }
  }
  return { start, count, weights, maxTaps };
}

/** The output pixels [x0, x1) x [y0, y1) whose footprints a box touches. */
export interface CoverageRegion {
  /** First output column. */
  readonly x0: number;
  /** One past the last output column. */
  readonly x1: number;
  /** First output row. */
  readonly y0: number;
  /** One past the last output row. */
  readonly y1: number;
}

/**
 * The output region of a box [x, y, w, h] (w, h > 0): every output pixel
 * whose footprint overlaps the box, on each axis. Output pixel o covers
 * the source span [o * scale, (o + 1) * scale) with scale = source size /
 * output size, so it overlaps [bx, bx + bw) from floor(bx / scale) up to
 * ceil((bx + bw) / scale) (exclusive). Coverage is computed only there.
 *
 * @example
 * ```ts
 * coverageRegion(100, 100, 224, [10, 0, 1, 100]); // x0 22, x1 25: three output columns overlap pixel 10
 * ```
 */
export function coverageRegion(
  width: number,
  height: number,
  size: number,
  box: Box,
): CoverageRegion {
  const [bx, by, bw, bh] = box;
  const span = (start: number, length: number, inSize: number) => {
    const scale = inSize / size;
    return [
      Math.max(0, Math.floor(start / scale)),
      Math.min(size, Math.ceil((start + length) / scale)),
    ];
  };
  const [x0, x1] = span(bx, bw, width);
  const [y0, y1] = span(by, bh, height);
  return { x0, x1, y0, y1 };
}
