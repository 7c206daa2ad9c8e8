/**
 * Small pure drawing helpers on {@link RgbaImage}: copy, filled rectangles, mask tints, mask
 * outlines and box frames. Everything is clipped to the image: shapes partly or wholly outside
 * draw their visible part (or nothing) and never throw.
 *
 * Colours are opaque RGB triples. A colour drawn with an opacity below 1 is composited "source
 * over" the pixel (straight alpha), so on an opaque pixel each channel becomes
 * `round(colour * opacity + pixel * (1 - opacity))` and the pixel stays opaque.
 *
 * @example
 * ```ts
 * import { copyImage, drawBox, outlineMask, tintMask } from "./_draw.ts";
 * import { createRgbaImage } from "../image/rgba.ts";
 *
 * const image = createRgbaImage(8, 8);
 * const mask = new Uint8Array(64).fill(1, 18, 22); // part of row 2
 * const out = copyImage(image);
 * tintMask(out, mask, [0, 200, 80], 0.45);
 * outlineMask(out, mask, [0, 200, 80], 1);
 * drawBox(out, [1, 1, 6, 3], [255, 255, 255], 1);
 * ```
 *
 * @module
 */

import type { RgbaImage } from "../image/rgba.ts";
import type { DrawBox, DrawColour, DrawMask } from "./types.ts";

export type { DrawBox, DrawColour, DrawMask } from "./types.ts";

/**
 * Copies an image into new memory.
 *
 * @param image the image to copy
 * @returns a new image with the same size and pixels
 *
 * @example
 * ```ts
 * import { copyImage } from "./_draw.ts";
 * import { createRgbaImage } from "../image/rgba.ts";
 *
 * const image = createRgbaImage(2, 2);
 * const copy = copyImage(image);
 * console.log(copy.data !== image.data, copy.width); // true 2
 * ```
 */
export function copyImage(image: RgbaImage): RgbaImage {
  return {
    width: image.width,
    height: image.height,
    data: new Uint8ClampedArray(image.data),
  };
}

function checkOpacity(opacity: number, caller: string): void {
  if (!(opacity >= 0 && opacity <= 1)) {
    throw new RangeError(
      `${caller}: opacity must be a number from 0 to 1, got ${opacity}; ` +
        "pass e.g. 0.45 for a see-through tint",
    );
  }
}

function checkThickness(thickness: number, caller: string): number {
  if (!Number.isFinite(thickness) || Math.round(thickness) < 1) {
    throw new RangeError(
      `${caller}: thickness must be a whole number of pixels, 1 or more, got ${thickness}`,
    );
  }
  return Math.round(thickness);
}

function checkMask(
  mask: DrawMask,
  width: number,
  height: number,
  caller: string,
): void {
  const expected = width * height;
  if (mask.length !== expected) {
    throw new RangeError(
      `${caller}: the mask has ${mask.length} values but the ${width} x ${height} ` +
        `image needs ${expected}; pass a mask at the image's size (width * height values, ` +
        "row by row), resizing it first if it came from a smaller model output",
    );
  }
}

/**
 * Composites `colour` at `opacity` over pixel `p` (its index in pixels). Opacity 1 writes the
 * colour as an opaque pixel.
 */
function blendPixel(
  data: Uint8ClampedArray,
  p: number,
  colour: DrawColour,
  opacity: number,
): void {
  const i = 4 * p;
  if (opacity >= 1) {
    data[i] = colour[0];
    data[i + 1] = colour[1];
    data[i + 2] = colour[2];
    data[i + 3] = 255;
    return;
  }
  const below = data[i + 3] / 255;
  const keep = below * (1 - opacity);
  const alpha = opacity + keep;
  if (alpha <= 0) return;
  for (let c = 0; c < 3; c++) {
    data[i + c] = Math.round(
      (colour[c] * opacity + data[i + c] * keep) / alpha,
    );
  }
  data[i + 3] = Math.round(alpha * 255);
}

/** The box's pixel range clipped to the image, as [x0, y0, x1, y1) (empty when x0 >= x1). */
function clipBox(
  image: RgbaImage,
  box: DrawBox,
): [number, number, number, number] {
  const [x, y, w, h] = box;
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(image.width, Math.round(x + w));
  const y1 = Math.min(image.height, Math.round(y + h));
  // NaN anywhere makes a comparison false: treat it as empty.
  if (!(x0 < x1 && y0 < y1)) return [0, 0, 0, 0];
  return [x0, y0, x1, y1];
}

/**
 * Fills a rectangle, clipped to the image, in place.
 *
 * @param image the image to draw on (changed in place)
 * @param box `[x, y, width, height]`; parts outside the image are skipped, empty or invalid boxes
 *   draw nothing
 * @param colour the fill colour
 * @param opacity 0 (no change) to 1 (opaque fill); default 1
 * @throws {RangeError} when the opacity is outside 0..1
 *
 * @example
 * ```ts
 * import { fillRect } from "./_draw.ts";
 * import { createRgbaImage } from "../image/rgba.ts";
 *
 * const image = createRgbaImage(4, 4);
 * fillRect(image, [-1, -1, 2, 2], [255, 0, 0]); // only pixel (0, 0) is inside
 * console.log([...image.data.subarray(0, 4)]); // [255, 0, 0, 255]
 * ```
 */
export function fillRect(
  image: RgbaImage,
  box: DrawBox,
  colour: DrawColour,
  opacity = 1,
): void {
  checkOpacity(opacity, "fillRect()");
  if (opacity === 0) return;
  const [x0, y0, x1, y1] = clipBox(image, box);
  for (let y = y0; y < y1; y++) {
    const row = y * image.width;
    for (let x = x0; x < x1; x++) {
      blendPixel(image.data, row + x, colour, opacity);
    }
  }
}

/**
 * Tints the pixels inside a mask with a see-through colour, in place.
 *
 * @param image the image to draw on (changed in place)
 * @param mask `width * height` values at the image's size, nonzero inside
 * @param colour the tint colour
 * @param opacity the tint's weight, 0 (no change) to 1 (opaque); on an opaque pixel each channel
 *   becomes `round(colour * opacity + pixel * (1 - opacity))`
 * @throws {RangeError} when the mask's size differs from the image's or the opacity is outside
 *   0..1
 *
 * @example
 * ```ts
 * import { tintMask } from "./_draw.ts";
 * import { createRgbaImage } from "../image/rgba.ts";
 *
 * const image = createRgbaImage(2, 1, new Uint8ClampedArray([100, 100, 100, 255, 9, 9, 9, 255]));
 * tintMask(image, new Uint8Array([1, 0]), [0, 200, 0], 0.5);
 * console.log([...image.data]); // [50, 150, 50, 255, 9, 9, 9, 255]
 * ```
 */
export function tintMask(
  image: RgbaImage,
  mask: DrawMask,
  colour: DrawColour,
  opacity: number,
): void {
  checkMask(mask, image.width, image.height, "tintMask()");
  checkOpacity(opacity, "tintMask()");
  if (opacity === 0) return;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p]) blendPixel(image.data, p, colour, opacity);
  }
}

/** Marks `out` where a marked `src` value lies within `radius` steps along one row or column. */
function dilateLine(
  src: Uint8Array,
  out: Uint8Array,
  start: number,
  step: number,
  length: number,
  radius: number,
): void {
  // Sliding count of marked values in the window [i - radius, i + radius].
  let count = 0;
  for (let i = 0; i < Math.min(radius, length); i++) {
    count += src[start + i * step];
  }
  for (let i = 0; i < length; i++) {
    const enter = i + radius;
    if (enter < length) count += src[start + enter * step];
    const leave = i - radius - 1;
    if (leave >= 0) count -= src[start + leave * step];
    out[start + i * step] = count > 0 ? 1 : 0;
  }
}

/**
 * Which side of a mask's edge an outline lies on: "inside" (on the mask's own boundary pixels) or
 * "outside" (on the background pixels that touch the mask).
 */
export type OutlineSide = "inside" | "outside";

/**
 * The outline of a mask. Inside (the default): the inside pixels with an outside 4-neighbour (a
 * pixel beyond the image's edge counts as outside), thickened inwards to every inside pixel
 * within `thickness - 1` pixels (Chebyshev distance) of such a pixel, so the outline never
 * leaves the mask. Outside: the same on the other side of the edge, the outside pixels with an
 * inside 4-neighbour thickened outwards (the image's edge is not an edge of the mask there).
 *
 * @param mask `width * height` values, nonzero inside
 * @param width the mask's width
 * @param height the mask's height
 * @param thickness the outline's width in pixels (default 1: the boundary pixels only)
 * @param side which side of the edge to draw on (default "inside")
 * @returns `width * height` values, 1 on the outline and 0 elsewhere
 * @throws {RangeError} when the mask's size differs from width * height or the thickness is
 *   below 1
 *
 * @example
 * ```ts
 * import { maskOutline } from "./_draw.ts";
 *
 * const mask = new Uint8Array(25);
 * for (const y of [1, 2, 3]) mask.fill(1, 5 * y + 1, 5 * y + 4); // a 3 x 3 square
 * const inside = maskOutline(mask, 5, 5);
 * const outside = maskOutline(mask, 5, 5, 1, "outside");
 * console.log(inside[12], inside[6], outside[6], outside[1], outside[0]); // 0 1 0 1 0
 * ```
 */
export function maskOutline(
  mask: DrawMask,
  width: number,
  height: number,
  thickness = 1,
  side: OutlineSide = "inside",
): Uint8Array {
  const t = checkThickness(thickness, "maskOutline()");
  checkMask(mask, width, height, "maskOutline()");
  if (side !== "inside" && side !== "outside") {
    throw new RangeError(
      `maskOutline(): side must be "inside" or "outside", got ${
        JSON.stringify(side)
      }`,
    );
  }
  // Pixels on this side of the edge, and whether the image's border counts as an edge.
  const inside = side === "inside";
  const on = (p: number) => (mask[p] ? inside : !inside);
  const edge = new Uint8Array(width * height);
  // Work only around the mask: its bounding box, grown by the thickness when outside.
  let bx0 = width, by0 = height, bx1 = -1, by1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (mask[row + x]) {
        if (x < bx0) bx0 = x;
        if (x > bx1) bx1 = x;
        if (y < by0) by0 = y;
        by1 = y;
      }
    }
  }
  if (bx1 < 0) return edge; // an empty mask has no outline
  const grow = inside ? 0 : t;
  const x0 = Math.max(0, bx0 - grow), x1 = Math.min(width - 1, bx1 + grow);
  const y0 = Math.max(0, by0 - grow), y1 = Math.min(height - 1, by1 + grow);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const p = y * width + x;
      if (!on(p)) continue;
      const border = x === 0 || x === width - 1 || y === 0 || y === height - 1;
      if (inside && border) {
        edge[p] = 1;
      } else if (
        (x > 0 && !on(p - 1)) || (x < width - 1 && !on(p + 1)) ||
        (y > 0 && !on(p - width)) || (y < height - 1 && !on(p + width))
      ) {
        edge[p] = 1;
      }
    }
  }
  if (t === 1) return edge;
  const radius = t - 1;
  const across = new Uint8Array(width * height);
  for (let y = y0; y <= y1; y++) {
    dilateLine(edge, across, y * width + x0, 1, x1 - x0 + 1, radius);
  }
  const out = new Uint8Array(width * height);
  for (let x = x0; x <= x1; x++) {
    dilateLine(across, out, y0 * width + x, width, y1 - y0 + 1, radius);
  }
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const p = y * width + x;
      if (!on(p)) out[p] = 0;
    }
  }
  return out;
}

/**
 * Draws the outline of a mask (see {@link maskOutline}) in an opaque colour, in place.
 *
 * @param image the image to draw on (changed in place)
 * @param mask `width * height` values at the image's size, nonzero inside
 * @param colour the outline colour
 * @param thickness the outline's width in pixels (default 1)
 * @param side "inside" (default) draws on the mask's boundary pixels, "outside" on the
 *   background pixels around it
 * @throws {RangeError} when the mask's size differs from the image's or the thickness is below 1
 *
 * @example
 * ```ts
 * import { outlineMask } from "./_draw.ts";
 * import { createRgbaImage } from "../image/rgba.ts";
 *
 * const image = createRgbaImage(3, 3);
 * outlineMask(image, new Uint8Array(9).fill(1), [255, 255, 0], 1);
 * console.log(image.data[4 * 4 + 3], image.data[3]); // 0 255 (centre untouched, corner drawn)
 * ```
 */
export function outlineMask(
  image: RgbaImage,
  mask: DrawMask,
  colour: DrawColour,
  thickness = 1,
  side: OutlineSide = "inside",
): void {
  checkMask(mask, image.width, image.height, "outlineMask()");
  const outline = maskOutline(mask, image.width, image.height, thickness, side);
  for (let p = 0; p < outline.length; p++) {
    if (outline[p]) blendPixel(image.data, p, colour, 1);
  }
}

/**
 * Draws a box's frame in an opaque colour, in place: the box's own pixels that lie within
 * `thickness` pixels of its edge (a box thinner than twice the thickness is filled). Clipped to
 * the image: a box partly outside draws its visible part, one wholly outside draws nothing.
 *
 * @param image the image to draw on (changed in place)
 * @param box `[x, y, width, height]`; the frame lies inside it
 * @param colour the frame colour
 * @param thickness the frame's width in pixels (default 1)
 * @throws {RangeError} when the thickness is below 1
 *
 * @example
 * ```ts
 * import { drawBox } from "./_draw.ts";
 * import { createRgbaImage } from "../image/rgba.ts";
 *
 * const image = createRgbaImage(5, 5);
 * drawBox(image, [1, 1, 3, 3], [255, 0, 0]);
 * console.log(image.data[4 * 6 + 3], image.data[4 * 12 + 3]); // 255 0 (frame drawn, centre not)
 * ```
 */
export function drawBox(
  image: RgbaImage,
  box: DrawBox,
  colour: DrawColour,
  thickness = 1,
): void {
  const t = checkThickness(thickness, "drawBox()");
  const [x, y, w, h] = box;
  const x0 = Math.round(x), y0 = Math.round(y);
  const x1 = Math.round(x + w), y1 = Math.round(y + h);
  if (!(x0 < x1 && y0 < y1)) return;
  const bw = x1 - x0, bh = y1 - y0;
  const side = Math.min(t, bh);
  fillRect(image, [x0, y0, bw, side], colour); // top
  fillRect(image, [x0, y1 - side, bw, side], colour); // bottom
  const across = Math.min(t, bw);
  fillRect(image, [x0, y0, across, bh], colour); // left
  fillRect(image, [x1 - across, y0, across, bh], colour); // right
}
