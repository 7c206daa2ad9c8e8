/**
 * EXIF orientation: reading the tag from an EXIF block and turning stored pixels upright.
 *
 * Cameras often store a portrait photo as a landscape bitmap plus an Orientation tag (1 to 8)
 * that says how to display it. Browsers apply it; Pillow, OpenCV's raw readers and the COCO
 * tools do not, so dataset annotations usually refer to the stored pixels.
 *
 * @module
 */

import { createRgbaImage, type RgbaImage } from "./rgba.ts";

/** An EXIF orientation value: 1 is upright, 2 to 8 are the flips and quarter turns. */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

const ORIENTATION_TAG = 0x0112;

/**
 * Reads the Orientation tag from the payload of a JPEG APP1 "Exif" segment (starting with
 * `Exif\0\0`) or from a bare TIFF block. A missing, malformed or out-of-range tag gives 1: a
 * broken EXIF block never stops an image from loading.
 *
 * @param exif the APP1 payload after the segment length, or a TIFF block ("II*\0" / "MM\0*")
 * @returns the orientation, 1 when absent
 *
 * @example
 * ```ts
 * import { readExifOrientation } from "./orientation.ts";
 *
 * // "Exif\0\0", little-endian TIFF header, one IFD entry: Orientation (SHORT) = 6.
 * const exif = new Uint8Array([
 *   0x45, 0x78, 0x69, 0x66, 0, 0, 0x49, 0x49, 42, 0, 8, 0, 0, 0,
 *   1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0,
 * ]);
 * console.log(readExifOrientation(exif)); // 6
 * ```
 */
export function readExifOrientation(exif: Uint8Array): Orientation {
  let tiff = exif;
  if (
    exif.length >= 6 && exif[0] === 0x45 && exif[1] === 0x78 &&
    exif[2] === 0x69 &&
    exif[3] === 0x66 && exif[4] === 0 && exif[5] === 0
  ) {
    tiff = exif.subarray(6);
  }
  if (tiff.length < 8) return 1;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  let little: boolean;
  if (tiff[0] === 0x49 && tiff[1] === 0x49) little = true;
  else if (tiff[0] === 0x4d && tiff[1] === 0x4d) little = false;
  else return 1;
  if (view.getUint16(2, little) !== 42) return 1;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return 1;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.length) return 1;
    if (view.getUint16(entry, little) !== ORIENTATION_TAG) continue;
    const type = view.getUint16(entry + 2, little);
    // SHORT is the type the standard gives; some writers use LONG.
    const value = type === 3
      ? view.getUint16(entry + 8, little)
      : type === 4
      ? view.getUint32(entry + 8, little)
      : 0;
    return value >= 1 && value <= 8 ? value as Orientation : 1;
  }
  return 1;
}

/**
 * Turns stored pixels upright for an EXIF orientation: 2 mirrors left-right, 3 turns 180
 * degrees, 4 mirrors top-bottom, 5 transposes, 6 turns 90 degrees clockwise, 7 transverses,
 * 8 turns 90 degrees anticlockwise. Orientations 5 to 8 swap width and height. Orientation 1
 * returns the same image.
 *
 * @param image the stored pixels
 * @param orientation the EXIF orientation of the file
 * @returns the image as it should be displayed
 * @throws {RangeError} when orientation is not 1 to 8
 *
 * @example
 * ```ts
 * import { orientImage } from "./orientation.ts";
 * import { rgbaFromGray } from "./rgba.ts";
 *
 * const stored = rgbaFromGray([1, 2, 3], 3, 1); // one row: 1 2 3
 * const upright = orientImage(stored, 6); // one column, top to bottom: 1 2 3
 * console.log(upright.width, upright.height, upright.data[4]); // 1 3 2
 * ```
 */
export function orientImage(
  image: RgbaImage,
  orientation: Orientation,
): RgbaImage {
  if (!Number.isInteger(orientation) || orientation < 1 || orientation > 8) {
    throw new RangeError(
      `orientImage(): orientation must be 1 to 8, got ${orientation}`,
    );
  }
  if (orientation === 1) return image;
  const { width: w, height: h } = image;
  const swap = orientation >= 5;
  const outWidth = swap ? h : w;
  const outHeight = swap ? w : h;
  // One 32-bit word per pixel; copy first when the bytes do not start on a 4-byte boundary.
  const src = image.data.byteOffset % 4 === 0
    ? new Uint32Array(image.data.buffer, image.data.byteOffset, w * h)
    : new Uint32Array(image.data.slice().buffer);
  const out = new Uint32Array(outWidth * outHeight);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      let sx: number, sy: number;
      switch (orientation) {
        case 2:
          sx = w - 1 - x, sy = y;
          break;
        case 3:
          sx = w - 1 - x, sy = h - 1 - y;
          break;
        case 4:
          sx = x, sy = h - 1 - y;
          break;
        case 5:
          sx = y, sy = x;
          break;
        case 6:
          sx = y, sy = h - 1 - x;
          break;
        case 7:
          sx = w - 1 - y, sy = h - 1 - x;
          break;
        default: // 8
          sx = w - 1 - y, sy = x;
      }
      out[y * outWidth + x] = src[sy * w + sx];
    }
  }
  return createRgbaImage(
    outWidth,
    outHeight,
    new Uint8ClampedArray(out.buffer),
  );
}
