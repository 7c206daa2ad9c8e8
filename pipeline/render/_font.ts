/**
 * A tiny built-in bitmap font for labels on images: glyphs 7 pixels tall and 5 wide (narrow
 * ones such as ".", ":" and "I" are narrower), one blank column between glyphs and one blank row
 * between lines. It covers the digits, the uppercase letters A-Z (lowercase letters draw as
 * uppercase), space and `. # - : , / ( ) % + = ' _ ? !`; any other character draws as "?".
 *
 * @example
 * ```ts
 * import { drawText, measureText } from "./_font.ts";
 * import { createRgbaImage } from "../image/rgba.ts";
 *
 * const image = createRgbaImage(64, 16);
 * const size = measureText("#2 0.271", 1);
 * drawText(image, 2, 2, "#2 0.271", [255, 255, 255], { background: [0, 0, 0] });
 * console.log(size); // { width: 42, height: 7 }
 * ```
 *
 * @module
 */

import type { RgbaImage } from "../image/rgba.ts";
import { type DrawBox, type DrawColour, fillRect } from "./_draw.ts";

/** Height of a glyph in font pixels. */
export const GLYPH_HEIGHT = 7;
/** Blank font pixels between two glyphs on a line. */
export const GLYPH_SPACING = 1;
/** Blank font pixels between two lines. */
export const LINE_SPACING = 1;

/** One glyph: its width in font pixels and its bits, row by row (1 = ink). */
export interface Glyph {
  /** Width in font pixels (5 for digits and most letters). */
  readonly width: number;
  /** `width * GLYPH_HEIGHT` values, row by row, 1 where the glyph has ink. */
  readonly bits: Uint8Array;
}

// Each glyph: 7 rows, "#" = ink, "." = blank; all rows of a glyph have the same width.
const PATTERNS: Record<string, readonly string[]> = {
  "0": [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
  "1": ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
  "2": [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
  "3": ["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."],
  "4": ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
  "5": ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
  "6": ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."],
  "7": ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
  "8": [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."],
  "9": [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."],
  "A": [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
  "B": ["####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."],
  "C": [".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."],
  "D": ["###..", "#..#.", "#...#", "#...#", "#...#", "#..#.", "###.."],
  "E": ["#####", "#....", "#....", "####.", "#....", "#....", "#####"],
  "F": ["#####", "#....", "#....", "####.", "#....", "#....", "#...."],
  "G": [".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"],
  "H": ["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
  "I": ["###", ".#.", ".#.", ".#.", ".#.", ".#.", "###"],
  "J": ["..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."],
  "K": ["#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"],
  "L": ["#....", "#....", "#....", "#....", "#....", "#....", "#####"],
  "M": ["#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"],
  "N": ["#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"],
  "O": [".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
  "P": ["####.", "#...#", "#...#", "####.", "#....", "#....", "#...."],
  "Q": [".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"],
  "R": ["####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"],
  "S": [".####", "#....", "#....", ".###.", "....#", "....#", "####."],
  "T": ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."],
  "U": ["#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
  "V": ["#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."],
  "W": ["#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."],
  "X": ["#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"],
  "Y": ["#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."],
  "Z": ["#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"],
  " ": ["...", "...", "...", "...", "...", "...", "..."],
  ".": ["..", "..", "..", "..", "..", "##", "##"],
  ":": ["..", "##", "##", "..", "##", "##", ".."],
  ",": ["..", "..", "..", "..", ".#", ".#", "#."],
  "#": [".#.#.", ".#.#.", "#####", ".#.#.", "#####", ".#.#.", ".#.#."],
  "-": ["....", "....", "....", "####", "....", "....", "...."],
  "+": [".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."],
  "=": [".....", ".....", "#####", ".....", "#####", ".....", "....."],
  "_": [".....", ".....", ".....", ".....", ".....", ".....", "#####"],
  "/": ["....#", "....#", "...#.", "..#..", ".#...", "#....", "#...."],
  "%": ["##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##"],
  "(": ["..#", ".#.", "#..", "#..", "#..", ".#.", "..#"],
  ")": ["#..", ".#.", "..#", "..#", "..#", ".#.", "#.."],
  "'": ["#", "#", ".", ".", ".", ".", "."],
  "!": ["#", "#", "#", "#", "#", ".", "#"],
  "?": [".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."],
};

const GLYPHS: ReadonlyMap<string, Glyph> = new Map(
  Object.entries(PATTERNS).map(([char, rows]) => {
    const width = rows[0].length;
    const bits = new Uint8Array(width * GLYPH_HEIGHT);
    rows.forEach((row, y) => {
      for (let x = 0; x < width; x++) {
        bits[y * width + x] = row[x] === "#" ? 1 : 0;
      }
    });
    return [char, { width, bits }];
  }),
);

const FALLBACK = GLYPHS.get("?")!;

/**
 * The glyph a character draws with: lowercase letters map to uppercase, characters the font
 * lacks map to "?".
 *
 * @param char one character
 * @returns the glyph (shared: do not change its bits)
 *
 * @example
 * ```ts
 * import { glyphFor } from "./_font.ts";
 *
 * console.log(glyphFor("7").width, glyphFor(".").width); // 5 2
 * ```
 */
export function glyphFor(char: string): Glyph {
  return GLYPHS.get(char) ?? GLYPHS.get(char.toUpperCase()) ?? FALLBACK;
}

/**
 * Whether the font has a glyph of its own for a character (after mapping lowercase to
 * uppercase), rather than drawing it as "?".
 *
 * @param char one character
 * @returns true when the font covers the character
 *
 * @example
 * ```ts
 * import { hasGlyph } from "./_font.ts";
 *
 * console.log(hasGlyph("a"), hasGlyph("~")); // true false
 * ```
 */
export function hasGlyph(char: string): boolean {
  return GLYPHS.has(char) || GLYPHS.has(char.toUpperCase());
}

/** The size of a piece of text in image pixels. */
export interface TextSize {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

function checkScale(scale: number, caller: string): void {
  if (!Number.isSafeInteger(scale) || scale < 1) {
    throw new RangeError(
      `${caller}: scale must be a whole number, 1 or more, got ${scale}; ` +
        "each font pixel becomes a scale x scale square",
    );
  }
}

function lineWidth(line: string): number {
  let width = 0, count = 0;
  for (const char of line) {
    width += glyphFor(char).width;
    count++;
  }
  return count === 0 ? 0 : width + (count - 1) * GLYPH_SPACING;
}

/**
 * The size text takes when drawn: glyph widths plus one blank column between glyphs, 7 rows per
 * line plus one blank row between lines ("\n" starts a line), times the scale; with `padding`,
 * that many pixels more on each side (the size of {@link drawText}'s background box).
 *
 * @param text the text
 * @param scale image pixels per font pixel (a whole number, default 1)
 * @param padding pixels added on each side (default 0)
 * @returns the size in image pixels; empty text measures 0 x 0 (plus the padding)
 * @throws {RangeError} when the scale is not a whole number of 1 or more
 *
 * @example
 * ```ts
 * import { measureText } from "./_font.ts";
 *
 * console.log(measureText("12", 2)); // { width: 22, height: 14 }
 * ```
 */
export function measureText(
  text: string,
  scale = 1,
  padding = 0,
): TextSize {
  checkScale(scale, "measureText()");
  const lines = text === "" ? [] : text.split("\n");
  const width = Math.max(0, ...lines.map(lineWidth)) * scale;
  const height = lines.length === 0
    ? 0
    : (lines.length * (GLYPH_HEIGHT + LINE_SPACING) - LINE_SPACING) * scale;
  return { width: width + 2 * padding, height: height + 2 * padding };
}

/** Options of {@link drawText}. */
export interface DrawTextOptions {
  /** Image pixels per font pixel (a whole number; default 1). */
  readonly scale?: number;
  /** A colour to fill the text's box with first, for legibility on busy images. */
  readonly background?: DrawColour;
  /**
   * Pixels between the box's edge and the text (default: the scale when there is a background,
   * else 0).
   */
  readonly padding?: number;
}

/**
 * Draws text onto an image in place, clipped to the image. `(x, y)` is the top-left corner of
 * the text's box: the background box when there is one, with the glyphs `padding` pixels inside
 * it.
 *
 * @param image the image to draw on (changed in place)
 * @param x left edge of the box in pixels (rounded)
 * @param y top edge of the box in pixels (rounded)
 * @param text the text; "\n" starts a new line
 * @param colour the glyphs' colour
 * @param options scale, background and padding
 * @returns the box `[x, y, width, height]` the text covers, before clipping
 * @throws {RangeError} when the scale is not a whole number of 1 or more
 *
 * @example
 * ```ts
 * import { drawText } from "./_font.ts";
 * import { createRgbaImage } from "../image/rgba.ts";
 *
 * const image = createRgbaImage(40, 20);
 * const box = drawText(image, 1, 1, "#1 0.305", [0, 0, 0], {
 *   background: [255, 255, 255],
 *   scale: 1,
 * });
 * console.log(box); // [1, 1, 44, 9]: the last 5 columns fall outside and are clipped
 * ```
 */
export function drawText(
  image: RgbaImage,
  x: number,
  y: number,
  text: string,
  colour: DrawColour,
  options: DrawTextOptions = {},
): DrawBox {
  const scale = options.scale ?? 1;
  checkScale(scale, "drawText()");
  const padding = Math.max(
    0,
    Math.round(options.padding ?? (options.background ? scale : 0)),
  );
  const left = Math.round(x), top = Math.round(y);
  const size = measureText(text, scale, padding);
  if (options.background) {
    fillRect(image, [left, top, size.width, size.height], options.background);
  }
  let lineTop = top + padding;
  for (const line of text.split("\n")) {
    let penX = left + padding;
    for (const char of line) {
      const glyph = glyphFor(char);
      if (penX >= image.width) break;
      if (
        penX + glyph.width * scale > 0 && lineTop < image.height &&
        lineTop + GLYPH_HEIGHT * scale > 0
      ) {
        for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
          for (let gx = 0; gx < glyph.width; gx++) {
            if (glyph.bits[gy * glyph.width + gx]) {
              fillRect(
                image,
                [penX + gx * scale, lineTop + gy * scale, scale, scale],
                colour,
              );
            }
          }
        }
      }
      penX += (glyph.width + GLYPH_SPACING) * scale;
    }
    lineTop += (GLYPH_HEIGHT + LINE_SPACING) * scale;
  }
  return [left, top, size.width, size.height];
}
