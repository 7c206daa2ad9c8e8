/**
 * The inputs of the token-masked CLIP tower (see `token_mask_model.ts`):
 * the whole image squashed to the model's square input, once per image, and
 * each proposal's mask resized to the patch grid as a float, with the class
 * token's entry 1, as `token_mask` rows of 1 + side * side values.
 *
 * Both resizes are bilinear, antialiased when shrinking by default (the
 * triangle filter of `resampleTaps`, as torchvision's tensor resize with
 * antialias=True and PIL's bilinear), or plain bilinear with `antialias`
 * false (torchvision's tensor resize before 0.17, which the reference code
 * ran with).
 *
 * @module
 */

import type { ClipNormalisation } from "../../kernels/clip_views.ts";
import { resampleRgbToPlanar, resampleTaps } from "../image/resample.ts";
import type { RgbaImage } from "../image/rgba.ts";

/**
 * The whole image resized (squashed) to size x size and normalised, as
 * planar RGB: 3 x size x size values, the model's pixel_values for one image.
 *
 * @example
 * ```ts
 * const view = wholeImageView(image, 224, CLIP_NORMALISATION); // 150528 values
 * ```
 */
export function wholeImageView(
  image: RgbaImage,
  size: number,
  normalisation: ClipNormalisation,
  antialias = true,
): Float32Array {
  const planes = resampleRgbToPlanar(
    image,
    { x: 0, y: 0, width: image.width, height: image.height },
    size,
    size,
    { antialias },
  );
  const plane = size * size;
  for (let c = 0; c < 3; c++) {
    const mean = normalisation.mean[c] * 255;
    const inv = 1 / (normalisation.std[c] * 255);
    for (let i = c * plane; i < (c + 1) * plane; i++) {
      planes[i] = (planes[i] - mean) * inv;
    }
  }
  return planes;
}

/** A mask at the image's size and the box that holds its pixels. */
export interface BoxedMask {
  /** width x height bytes, non-zero inside; not read when `crop` is given. */
  readonly mask: Uint8Array;
  /** The mask inside `box` only, row by row: read instead of `mask` when given. */
  readonly crop?: Uint8Array;
  /** [x, y, width, height] holding every pixel of the mask. */
  readonly box: readonly [number, number, number, number];
}

/**
 * A mask resized to a side x side grid as a float (bilinear, antialiased):
 * side * side values, row by row, each the mask's weighted coverage of a
 * patch. Only the rows of the mask's box are read (from `crop` when the
 * mask has one).
 *
 * @example
 * ```ts
 * const grid = maskGrid({ mask, box }, 640, 427, 7); // 49 values in [0, 1]
 * ```
 */
export function maskGrid(
  m: BoxedMask,
  width: number,
  height: number,
  side: number,
  antialias = true,
): Float32Array {
  const out = new Float32Array(side * side);
  const [bx, by, bw, bh] = m.box;
  if (bw <= 0 || bh <= 0) return out;
  const xt = resampleTaps(width, 0, width, side, { antialias });
  const yt = resampleTaps(height, 0, height, side, { antialias });
  // Horizontal pass over the box's rows: rows[y - by][ox].
  const rows = new Float32Array(bh * side);
  // Pixel (x, y) is data[row + x], in the crop or in the image-size mask.
  const data = m.crop ?? m.mask;
  for (let y = by; y < by + bh; y++) {
    const row = m.crop ? (y - by) * bw - bx : y * width;
    for (let ox = 0; ox < side; ox++) {
      const s0 = xt.start[ox], base = ox * xt.maxTaps;
      const from = Math.max(s0, bx), to = Math.min(s0 + xt.count[ox], bx + bw);
      let sum = 0;
      for (let x = from; x < to; x++) {
        if (data[row + x]) sum += xt.weights[base + x - s0];
      }
      rows[(y - by) * side + ox] = sum;
    }
  }
  for (let oy = 0; oy < side; oy++) {
    const s0 = yt.start[oy], base = oy * yt.maxTaps;
    const from = Math.max(s0, by), to = Math.min(s0 + yt.count[oy], by + bh);
    for (let y = from; y < to; y++) {
      const w = yt.weights[base + y - s0];
      for (let ox = 0; ox < side; ox++) {
        out[oy * side + ox] += w * rows[(y - by) * side + ox];
      }
    }
  }
  return out;
}

/**
 * The `token_mask` rows of masks: per mask, 1 for the class token, then its
 * {@linkcode maskGrid}; count x (1 + side * side) values.
 *
 * @example
 * ```ts
 * const rows = tokenMaskRows(proposals, image.width, image.height, 7); // N x 50
 * ```
 */
export function tokenMaskRows(
  masks: readonly BoxedMask[],
  width: number,
  height: number,
  side: number,
  antialias = true,
): Float32Array {
  const length = 1 + side * side;
  const out = new Float32Array(masks.length * length);
  masks.forEach((m, i) => {
    out[i * length] = 1;
    out.set(maskGrid(m, width, height, side, antialias), i * length + 1);
  });
  return out;
}

/**
 * The side of the square patch grid of a token sequence of `length`
 * (class token + side * side patches); throws a RangeError when the
 * patches do not form a square.
 */
export function patchGridSide(length: number): number {
  const side = Math.round(Math.sqrt(length - 1));
  if (!(side >= 1 && side * side === length - 1)) {
    throw new RangeError(
      `A token sequence of ${length} (class token + patches) is not a square patch grid.`,
    );
  }
  return side;
}
