/**
 * Pictures of results: a mask overlaid on the image with its box, label and
 * score.
 *
 * @module
 */

export * from "./overlay.ts";
export * from "./types.ts";
