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
  readonly image: RgbaImage;
  readonly masks: MaskBatch;
  /** One box per mask; a box of zero width or height yields a view of the fill colour. */
  readonly boxes: readonly Box[];
  /** Output side. Default 224. */
  readonly size?: number;
  /** Normalisation. Default CLIP's. */
  readonly normalisation?: ClipNormalisation;
  /** Fill colour, 0..255 per channel. Default the normalisation's mean (0 after normalising). */
  readonly fill?: readonly [number, number, number];
}
