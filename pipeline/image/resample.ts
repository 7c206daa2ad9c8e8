/**
 * Separable resampling with a triangle (bilinear) filter that widens when
 * shrinking, so downscaled images are antialiased the way PIL's bilinear
 * resize is. Pure TypeScript; used to build model inputs.
 *
 * @module
 */

/** Filter taps for one axis: for each output pixel, its first source index and weights. */
export interface ResampleTaps {
  /** First source index of each output pixel. */
  readonly start: Int32Array;
  /** Number of taps of each output pixel. */
  readonly count: Int32Array;
  /** Weights, `maxTaps` per output pixel, normalised to sum to one. */
  readonly weights: Float32Array;
  /** Stride of `weights`. */
  readonly maxTaps: number;
}

/** Options of {@linkcode resampleTaps}. */
export interface ResampleOptions {
  /**
   * Clamp the source indices to the pixels [lo, hi) instead of the whole
   * axis: a crop resized on its own, as cropping then resizing does (its
   * edge pixels never blend with what lies outside it).
   */
  readonly within?: { readonly lo: number; readonly hi: number };
  /**
   * Widen the filter when shrinking (default true): PIL's bilinear and
   * torchvision's tensor resize since 0.17. False: plain bilinear
   * interpolation between the two nearest pixels (align_corners false),
   * torchvision's tensor resize before 0.17.
   */
  readonly antialias?: boolean;
}

/**
 * Computes the taps that map the source span [offset, offset + length) of
 * an axis of `inSize` pixels onto `outSize` output pixels. Source indices
 * are clamped to [0, inSize), or as `options.within` says.
 *
 * @example
 * ```ts
 * const xt = resampleTaps(640, 0, 640, 224); // antialiased: about 7 taps per output pixel
 * const plain = resampleTaps(640, 0, 640, 224, { antialias: false }); // 2 taps
 * ```
 */
export function resampleTaps(
  inSize: number,
  offset: number,
  length: number,
  outSize: number,
  options: ResampleOptions = {},
): ResampleTaps {
  const { within, antialias = true } = options;
  const first = Math.max(within?.lo ?? 0, 0);
  const end = Math.min(within?.hi ?? inSize, inSize);
  const scale = length / outSize;
  const support = antialias ? Math.max(scale, 1) : 1;
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * maxTaps);
  for (let o = 0; o < outSize; o++) {
    const centre = offset + (o + 0.5) * scale;
    const lo = Math.max(Math.floor(centre - support), first);
    const hi = Math.min(Math.ceil(centre + support), end);
    let n = 0, sum = 0;
    for (let i = lo; i < hi && n < maxTaps; i++) {
      const w = Math.max(0, 1 - Math.abs((i + 0.5 - centre) / support));
      weights[o * maxTaps + n] = w;
      sum += w;
      n++;
    }
    if (sum === 0) {
      // The span lies outside the image: take the nearest edge pixel.
      const edge = Math.min(Math.max(Math.floor(centre), first), end - 1);
      start[o] = edge;
      count[o] = 1;
      weights[o * maxTaps] = 1;
      continue;
    }
    for (let k = 0; k < n; k++) weights[o * maxTaps + k] /= sum;
    start[o] = lo;
    count[o] = n;
  }
  return { start, count, weights, maxTaps };
}

/** A rectangle of a source image, in pixels (may be fractional). */
export interface SourceRect {
  /** Left edge. */
  readonly x: number;
  /** Top edge. */
  readonly y: number;
  /** Width. */
  readonly width: number;
  /** Height. */
  readonly height: number;
}

/**
 * Resamples a rectangle of an RGBA image to `outWidth` x `outHeight`,
 * returning planar RGB floats (3 x outHeight x outWidth) in 0..255.
 *
 * @example
 * ```ts
 * import { createRgbaImage } from "./rgba.ts";
 *
 * const image = createRgbaImage(640, 480);
 * const planes = resampleRgbToPlanar(image, { x: 0, y: 0, width: image.width, height: image.height }, 224, 224);
 * planes.length; // 3 * 224 * 224
 * ```
 */
export function resampleRgbToPlanar(
  image: { width: number; height: number; data: Uint8ClampedArray },
  rect: SourceRect,
  outWidth: number,
  outHeight: number,
  options: { antialias?: boolean } = {},
): Float32Array {
  const { width, height, data } = image;
  const xt = resampleTaps(width, rect.x, rect.width, outWidth, options);
  const yt = resampleTaps(height, rect.y, rect.height, outHeight, options);
  // Horizontal pass over the source rows the vertical taps touch.
  const rowLo = yt.start[0];
  const rowHi = yt.start[outHeight - 1] + yt.count[outHeight - 1];
  const rows = rowHi - rowLo;
  const tmp = new Float32Array(3 * rows * outWidth);
  for (let r = 0; r < rows; r++) {
    const src = (rowLo + r) * width * 4;
    for (let o = 0; o < outWidth; o++) {
      let cr = 0, cg = 0, cb = 0;
      const s0 = xt.start[o], wBase = o * xt.maxTaps;
      for (let k = 0; k < xt.count[o]; k++) {
        const w = xt.weights[wBase + k];
        const p = src + (s0 + k) * 4;
        cr += data[p] * w;
        cg += data[p + 1] * w;
        cb += data[p + 2] * w;
      }
      const t = r * outWidth + o;
      tmp[t] = cr;
      tmp[rows * outWidth + t] = cg;
      tmp[2 * rows * outWidth + t] = cb;
    }
  }
  const plane = outWidth * outHeight;
  const out = new Float32Array(3 * plane);
  for (let o = 0; o < outHeight; o++) {
    const s0 = yt.start[o] - rowLo, wBase = o * yt.maxTaps;
    for (let c = 0; c < 3; c++) {
      const src = c * rows * outWidth;
      const dst = c * plane + o * outWidth;
      for (let k = 0; k < yt.count[o]; k++) {
        const w = yt.weights[wBase + k];
        const row = src + (s0 + k) * outWidth;
        for (let x = 0; x < outWidth; x++) out[dst + x] += tmp[row + x] * w;
      }
    }
  }
  return out;
}
