/**
 * Contract of the crop & fill kernel: for N proposals at once, crop each
 * mask's box from the image, set the pixels outside the mask to the fill
 * colour, resize to size x size (bilinear, antialiased when shrinking) and
 * apply CLIP's normalisation, into one N x 3 x size x size tensor.
 *
 * @module
 */

import type { RgbaImage } from "../../pipeline/image/rgba.ts";
import type { Box, ClipNormalisation, MaskBatch } from "../clip_views.ts";

/** Input of the crop & fill kernel. */
export interface CropFillInput {
  /** The image, RGBA. */
  readonly image: RgbaImage;
  /** N masks at the image size, non-zero inside. */
  readonly masks: MaskBatch;
  /** One box per mask; a box of zero width or height yields a view of the fill colour. */
  readonly boxes: readonly Box[];
  /** Output side. Default 224. */
  readonly size?: number;
  /** Normalisation. Default CLIP's. */
  readonly normalisation?: ClipNormalisation;
  /**
   * Where to write the N x 3 x size x size views; its length must be
   * exactly that. Default a new array. Lets a caller write several batches
   * of views into one tensor without copying.
   */
  readonly output?: Float32Array;
  /** Fill colour, 0..255 per channel. Default the normalisation's mean (0 after normalising). */
  readonly fill?: readonly [number, number, number];
}
