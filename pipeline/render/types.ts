/**
 * The shapes the drawing functions and overlays take: colours, boxes, masks.
 *
 * @module
 */

/** An opaque colour: red, green and blue, 0-255 each. */
export type DrawColour = readonly [number, number, number];

/**
 * A box `[x, y, width, height]` in pixels: it covers columns `round(x)` to `round(x + width) - 1`
 * and rows `round(y)` to `round(y + height) - 1`.
 */
export type DrawBox = readonly [number, number, number, number];

/** A binary mask at an image's size: `width * height` values, row by row, nonzero inside. */
export type DrawMask = ArrayLike<number>;
