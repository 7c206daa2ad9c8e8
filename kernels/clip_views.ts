/**
 * Constants and types shared by the two kernels that build CLIP's views of
 * proposals (crop & fill, blur outside).
 *
 * @module
 */

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
