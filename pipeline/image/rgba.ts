/**
 * The one image type of oris: 8-bit RGBA pixels, row-major, the same shape as the web's
 * `ImageData`, so a browser canvas image can be passed in as it is.
 *
 * @module
 */

/**
 * An image as 8-bit RGBA pixels: `data[4 * (y * width + x) + c]` is channel c (R, G, B, A) of the
 * pixel at column x, row y. Alpha is straight (not premultiplied).
 */
export interface RgbaImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** `4 * width * height` bytes: R, G, B, A for each pixel, row by row. */
  readonly data: Uint8ClampedArray;
}

function checkSize(width: number, height: number, caller: string): void {
  for (
    const [label, value] of [["width", width], ["height", height]] as const
  ) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(
        `${caller}: ${label} must be a positive whole number of pixels, got ${value}`,
      );
    }
  }
}

function checkLength(
  length: number,
  expected: number,
  what: string,
  caller: string,
  width: number,
  height: number,
): void {
  if (length !== expected) {
    throw new RangeError(
      `${caller}: ${what} has ${length} bytes but a ${width} x ${height} image needs ${expected}; ` +
        "check the width, height and channel count",
    );
  }
}

/**
 * Creates an RGBA image, checking the sizes. Without data, the pixels are transparent black; with
 * data, the image views the same memory (no copy).
 *
 * @param width width in pixels (a positive integer)
 * @param height height in pixels (a positive integer)
 * @param data `4 * width * height` bytes of RGBA pixels
 * @returns the image
 * @throws {RangeError} when a size is not a positive integer or data has the wrong length
 *
 * @example
 * ```ts
 * import { createRgbaImage } from "./rgba.ts";
 *
 * const image = createRgbaImage(2, 1, new Uint8ClampedArray([255, 0, 0, 255, 0, 0, 255, 255]));
 * console.log(image.width, image.height, image.data[4 + 2]); // 2 1 255
 * ```
 */
export function createRgbaImage(
  width: number,
  height: number,
  data?: Uint8ClampedArray | Uint8Array,
): RgbaImage {
  checkSize(width, height, "createRgbaImage()");
  const expected = 4 * width * height;
  if (data === undefined) {
    return { width, height, data: new Uint8ClampedArray(expected) };
  }
  checkLength(
    data.length,
    expected,
    "data",
    "createRgbaImage()",
    width,
    height,
  );
  const view = data instanceof Uint8ClampedArray
    ? data
    : new Uint8ClampedArray(data.buffer, data.byteOffset, data.length);
  return { width, height, data: view };
}

/**
 * Expands packed 8-bit RGB pixels (3 bytes per pixel) to an opaque RGBA image.
 *
 * @param rgb `3 * width * height` bytes: R, G, B for each pixel, row by row
 * @param width width in pixels
 * @param height height in pixels
 * @returns a new opaque image
 * @throws {RangeError} when the sizes do not match
 *
 * @example
 * ```ts
 * import { rgbaFromRgb } from "./rgba.ts";
 *
 * const image = rgbaFromRgb(new Uint8Array([10, 20, 30]), 1, 1);
 * console.log([...image.data]); // [10, 20, 30, 255]
 * ```
 */
export function rgbaFromRgb(
  rgb: ArrayLike<number>,
  width: number,
  height: number,
): RgbaImage {
  checkSize(width, height, "rgbaFromRgb()");
  checkLength(
    rgb.length,
    3 * width * height,
    "rgb",
    "rgbaFromRgb()",
    width,
    height,
  );
  const data = new Uint8ClampedArray(4 * width * height);
  for (let i = 0, j = 0; j < data.length; i += 3, j += 4) {
    data[j] = rgb[i];
    data[j + 1] = rgb[i + 1];
    data[j + 2] = rgb[i + 2];
    data[j + 3] = 255;
  }
  return { width, height, data };
}

/**
 * Expands 8-bit gray pixels (1 byte per pixel) to an opaque RGBA image with R = G = B = gray.
 *
 * @param gray `width * height` bytes, row by row
 * @param width width in pixels
 * @param height height in pixels
 * @returns a new opaque image
 * @throws {RangeError} when the sizes do not match
 *
 * @example
 * ```ts
 * import { rgbaFromGray } from "./rgba.ts";
 *
 * const image = rgbaFromGray(new Uint8Array([7, 200]), 2, 1);
 * console.log([...image.data]); // [7, 7, 7, 255, 200, 200, 200, 255]
 * ```
 */
export function rgbaFromGray(
  gray: ArrayLike<number>,
  width: number,
  height: number,
): RgbaImage {
  checkSize(width, height, "rgbaFromGray()");
  checkLength(
    gray.length,
    width * height,
    "gray",
    "rgbaFromGray()",
    width,
    height,
  );
  const data = new Uint8ClampedArray(4 * width * height);
  for (let i = 0, j = 0; i < gray.length; i++, j += 4) {
    const v = gray[i];
    data[j] = v;
    data[j + 1] = v;
    data[j + 2] = v;
    data[j + 3] = 255;
  }
  return { width, height, data };
}
