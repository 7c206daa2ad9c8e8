/**
 * SAM's image preprocessing: resize so the longest side is 1024, normalise
 * with SAM's mean and standard deviation, pad bottom and right to a square;
 * and the mapping of point prompts into that frame. It computes what
 * transformers' SamImageProcessor does (the PIL backend): PIL's bilinear
 * resize of the 8-bit image, then rescale, normalise and pad in float32.
 *
 * @module
 */

import { pilResizeBilinear } from "../image/_pil_bilinear.ts";
import type { RgbaImage } from "../image/rgba.ts";

/** SAM's preprocessing constants (as in the models' preprocessor_config.json). */
export interface SamPreprocessConfig {
  /** Longest side after resizing. Default 1024. */
  readonly longestEdge: number;
  /** Side of the padded square. Default 1024. */
  readonly padSize: number;
  /** Per-channel mean on a 0..1 scale. Default ImageNet's. */
  readonly mean: readonly [number, number, number];
  /** Per-channel standard deviation on a 0..1 scale. */
  readonly std: readonly [number, number, number];
  /** Factor taking 8-bit values to 0..1. Default 1/255. */
  readonly rescaleFactor?: number;
}

/** The defaults of SAM and SlimSAM. */
export const SAM_PREPROCESS: SamPreprocessConfig = {
  longestEdge: 1024,
  padSize: 1024,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  rescaleFactor: 1 / 255,
};

/**
 * Reads the preprocessing constants from a SAM `preprocessor_config.json`,
 * falling back to the defaults for absent fields.
 */
export function samPreprocessConfig(json: unknown): SamPreprocessConfig {
  const j = (json ?? {}) as Record<string, unknown>;
  const size = j.size as Record<string, unknown> | undefined;
  const pad = j.pad_size as Record<string, unknown> | undefined;
  const triple = (v: unknown, d: readonly [number, number, number]) =>
    Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === "number")
      ? v as unknown as [number, number, number]
      : d;
  return {
    longestEdge: typeof size?.longest_edge === "number"
      ? size.longest_edge
      : SAM_PREPROCESS.longestEdge,
    padSize: typeof pad?.height === "number"
      ? pad.height
      : SAM_PREPROCESS.padSize,
    mean: triple(j.image_mean, SAM_PREPROCESS.mean),
    std: triple(j.image_std, SAM_PREPROCESS.std),
    rescaleFactor: typeof j.rescale_factor === "number"
      ? j.rescale_factor
      : SAM_PREPROCESS.rescaleFactor,
  };
}

/** Size of an image once its longest side is scaled to `longestEdge`. */
export function samResizedSize(
  width: number,
  height: number,
  longestEdge: number,
): { width: number; height: number; scale: number } {
  const scale = longestEdge / Math.max(width, height);
  // A side the rounding would make 0 (aspect ratios past 2048:1) keeps one
  // pixel: an image has at least one row and one column.
  return {
    width: Math.max(1, Math.floor(width * scale + 0.5)),
    height: Math.max(1, Math.floor(height * scale + 0.5)),
    scale,
  };
}

/** The encoder input for one image, and how to map coordinates into it. */
export interface SamInput {
  /** pixel_values, 1 x 3 x pad x pad. */
  readonly pixels: Float32Array;
  /** Side of the padded square. */
  readonly padSize: number;
  /** Resized image width inside the padded square. */
  readonly resizedWidth: number;
  /** Resized image height inside the padded square. */
  readonly resizedHeight: number;
  /** Original image width, in pixels. */
  readonly width: number;
  /** Original image height, in pixels. */
  readonly height: number;
}

/**
 * Builds SAM's encoder input from an RGBA image, as SamImageProcessor does:
 * PIL's bilinear resize of the 8-bit image (see pil_bilinear.ts), then per
 * value, in float32, `(v * rescaleFactor - mean) / std`, and zeros in the
 * padding.
 *
 * @example
 * ```ts
 * import { createRgbaImage } from "../image/rgba.ts";
 *
 * const input = samPreprocess(createRgbaImage(640, 480));
 * input.padSize; // 1024: input.pixels -> tensor("float32", input.pixels, [1, 3, 1024, 1024])
 * ```
 */
export function samPreprocess(
  image: RgbaImage,
  config: SamPreprocessConfig = SAM_PREPROCESS,
): SamInput {
  const { width, height } = image;
  const resized = samResizedSize(width, height, config.longestEdge);
  const small = pilResizeBilinear(image, resized.width, resized.height);
  const pad = config.padSize;
  const pixels = new Float32Array(3 * pad * pad);
  for (let c = 0; c < 3; c++) {
    const lut = normalisedLevels(config, c);
    for (let y = 0; y < resized.height; y++) {
      const src = y * resized.width * 4 + c;
      const dst = c * pad * pad + y * pad;
      for (let x = 0; x < resized.width; x++) {
        pixels[dst + x] = lut[small.data[src + x * 4]];
      }
    }
  }
  return {
    pixels,
    padSize: pad,
    resizedWidth: resized.width,
    resizedHeight: resized.height,
    width,
    height,
  };
}

/**
 * The normalised value of each 8-bit level of channel `c`, rounded to
 * float32 after each step as numpy computes it in transformers: rescale
 * (in float64, then float32), subtract the float32 mean, divide by the
 * float32 standard deviation.
 */
function normalisedLevels(
  config: SamPreprocessConfig,
  c: number,
): Float32Array {
  const f = Math.fround;
  const scale = config.rescaleFactor ?? 1 / 255;
  const mean = f(config.mean[c]), std = f(config.std[c]);
  return Float32Array.from(
    { length: 256 },
    (_, v) => f(f(f(v * scale) - mean) / std),
  );
}

/**
 * Maps points given in image pixels ([x0, y0, x1, y1, ...]) into the
 * resized frame the decoder expects.
 */
export function toSamFrame(
  points: Float32Array,
  input: Pick<SamInput, "width" | "height" | "resizedWidth" | "resizedHeight">,
): Float32Array {
  const sx = input.resizedWidth / input.width;
  const sy = input.resizedHeight / input.height;
  const out = new Float32Array(points.length);
  for (let i = 0; i < points.length; i += 2) {
    out[i] = points[i] * sx;
    out[i + 1] = points[i + 1] * sy;
  }
  return out;
}
