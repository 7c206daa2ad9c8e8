/**
 * Constants and types shared by the two kernels that build CLIP's views of
 * proposals (crop & fill, blur outside).
 *
 * @module
 */

import type { RgbaImage } from "../pipeline/image/rgba.ts";

/** CLIP's input normalisation on a 0..1 scale. */
export interface ClipNormalisation {
  /** Per-channel means, R, G, B. */
  readonly mean: readonly [number, number, number];
  /** Per-channel standard deviations, R, G, B. */
  readonly std: readonly [number, number, number];
}

/** OpenAI CLIP's normalisation (as in the models' preprocessor_config.json). */
export const CLIP_NORMALISATION: ClipNormalisation = {
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
};

/**
 * Side of CLIP's square input (ViT-B/32), in pixels: the views' size where
 * a caller gives none.
 */
export const CLIP_INPUT_SIZE = 224;

/** N binary masks at the image's size, packed one after another. */
export interface MaskBatch {
  /** N x height x width bytes, non-zero inside. */
  readonly data: Uint8Array;
  /** Number of masks. */
  readonly count: number;
}

/** Boxes [x, y, width, height] in pixels, one per mask. */
export type Box = readonly [number, number, number, number];

/** Checks a mask batch against an image size. */
export function checkMasks(
  masks: MaskBatch,
  width: number,
  height: number,
): void {
  if (masks.data.length !== masks.count * width * height) {
    throw new RangeError(
      `The mask batch holds ${masks.data.length} bytes; ${masks.count} masks of ${width}x${height} need ${
        masks.count * width * height
      }.`,
    );
  }
}

/**
 * The array the N x 3 x size x size views go to: the caller's `output`
 * when given (checked for length), else a new one.
 */
export function viewsOutput(
  output: Float32Array | undefined,
  count: number,
  size: number,
  caller: string,
): Float32Array {
  const length = count * 3 * size * size;
  if (output === undefined) return new Float32Array(length);
  if (output.length !== length) {
    throw new RangeError(
      `${caller}: the output array holds ${output.length} values; ${count} views of 3x${size}x${size} need ${length}.`,
    );
  }
  return output;
}

/** The input both view kernels take (each adds its own options). */
export interface ViewsInput {
  /** The image, RGBA. */
  readonly image: RgbaImage;
  /** N masks at the image size, non-zero inside. */
  readonly masks: MaskBatch;
  /** One box per mask. */
  readonly boxes: readonly Box[];
  /** Output side. Default {@linkcode CLIP_INPUT_SIZE}. */
  readonly size?: number;
  /** Normalisation. Default CLIP's. */
  readonly normalisation?: ClipNormalisation;
  /**
   * Where to write the N x 3 x size x size views; its length must be
   * exactly that. Default a new array. Lets a caller write several batches
   * of views into one tensor without copying.
   */
  readonly output?: Float32Array;
}

/** A checked {@linkcode ViewsInput} with its defaults applied. */
export interface ViewsSetup {
  /** Image width. */
  readonly width: number;
  /** Image height. */
  readonly height: number;
  /** Output side. */
  readonly size: number;
  /** The normalisation's means on the 0..255 scale (255 * mean). */
  readonly mean255: readonly [number, number, number];
  /** Factors from 0..255 to unit standard deviation (1 / (255 * std)). */
  readonly scale: readonly [number, number, number];
  /** The caller's output array, checked for length; undefined when not given. */
  readonly output: Float32Array | undefined;
}

/**
 * Checks the input of a view kernel (masks against the image, one box per
 * mask, the output array's length) and applies its defaults; `caller`
 * names the kernel in errors.
 *
 * @example
 * ```ts
 * import { createRgbaImage } from "../pipeline/image/rgba.ts";
 *
 * // A 4 x 4 image and two masks: its left half and its top-right pixel.
 * const image = createRgbaImage(4, 4);
 * const data = new Uint8Array(2 * 16);
 * for (let y = 0; y < 4; y++) data[y * 4] = data[y * 4 + 1] = 1;
 * data[16 + 3] = 1;
 * const boxes = [[0, 0, 2, 4], [3, 0, 1, 1]] as const;
 * const input = { image, masks: { data, count: 2 }, boxes, size: 32 };
 * const { size, scale, output } = viewsSetup(input, "cropAndFill()");
 * size; // 32; output is undefined: none was given
 * ```
 */
export function viewsSetup(input: ViewsInput, caller: string): ViewsSetup {
  const { image, masks, boxes } = input;
  const { width, height } = image;
  const size = input.size ?? CLIP_INPUT_SIZE;
  const norm = input.normalisation ?? CLIP_NORMALISATION;
  checkMasks(masks, width, height);
  if (boxes.length !== masks.count) {
    throw new RangeError(
      `${caller} got ${boxes.length} boxes for ${masks.count} masks.`,
    );
  }
  const output = input.output &&
    viewsOutput(input.output, masks.count, size, caller);
  const [m0, m1, m2] = norm.mean, [s0, s1, s2] = norm.std;
  return {
    width,
    height,
    size,
    mean255: [m0 * 255, m1 * 255, m2 * 255],
    scale: [1 / (s0 * 255), 1 / (s1 * 255), 1 / (s2 * 255)],
    output,
  };
}
