/**
 * Contract of the crop & fill kernel: for N proposals at once, crop each
 * mask's box from the image, set the pixels outside the mask to the fill
 * colour, resize to size x size (bilinear, antialiased when shrinking) and
 * apply CLIP's normalisation, into one N x 3 x size x size tensor.
 *
 * @module
 */

import {
  type Box,
  type ViewsInput,
  type ViewsSetup,
  viewsSetup,
} from "../clip_views.ts";

/** Input of the crop & fill kernel. */
export interface CropFillInput extends ViewsInput {
  /** One box per mask; a box of zero width or height yields a view of the fill colour. */
  readonly boxes: readonly Box[];
  /** Fill colour, 0..255 per channel. Default the normalisation's mean (0 after normalising). */
  readonly fill?: readonly [number, number, number];
  /**
   * Antialias when shrinking (default true, as PIL and torchvision's tensor
   * resize since 0.17); false: plain bilinear, as torchvision's resized_crop
   * before 0.17 (the reference code's).
   */
  readonly antialias?: boolean;
}

/** A checked {@linkcode CropFillInput} with its defaults applied. */
export interface CropFillSetup extends ViewsSetup {
  /** Fill colour, 0..255 per channel. */
  readonly fill: readonly [number, number, number];
  /** What normalising subtracts after scaling: 255 * mean * scale. */
  readonly offset: readonly [number, number, number];
}

/**
 * Checks a crop & fill input and applies its defaults; both the CPU twin
 * and the WebGPU kernel start with it. A value v in 0..255 normalises to
 * v * scale - offset.
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
 * const { size, fill, scale, offset } = cropFillSetup({
 *   image,
 *   masks: { data, count: 2 },
 *   boxes,
 * });
 * ```
 */
export function cropFillSetup(input: CropFillInput): CropFillSetup {
  const setup = viewsSetup(input, "cropAndFill()");
  const { mean255: m, scale: s } = setup;
  return {
    ...setup,
    fill: input.fill ?? m,
    offset: [m[0] * s[0], m[1] * s[1], m[2] * s[2]],
  };
}
