/**
 * Constants and types shared by the two kernels that build CLIP's views of
 * proposals (crop & fill, blur outside).
 *
 * @module
 */

/** CLIP's input normalisation on a 0..1 scale. */
export interface ClipNormalisation {
  readonly mean: readonly [number, number, number];
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
