/**
 * Reading an image's format and size from its header, and the size limits checked before any
 * pixel is decoded.
 *
 * @module
 */

import { ImageDecodeError, ImageTooLargeError } from "./errors.ts";
import { type Orientation, readExifOrientation } from "./orientation.ts";

/** The image formats oris reads. */
export type ImageFormat = "png" | "jpeg";

/** What an image's header says. */
export interface ImageInfo {
  /** The file format. */
  readonly format: ImageFormat;
  /** Width of the stored pixels. */
  readonly width: number;
  /** Height of the stored pixels. */
  readonly height: number;
  /** The EXIF orientation of a JPEG (1 when it has none, and always 1 for PNG). */
  readonly orientation: Orientation;
}

/** Images over this many pixels (50 megapixels) are rejected before decoding. */
export const MAX_IMAGE_PIXELS = 50_000_000;

/** Image files over this many bytes (100 MB) are rejected before reading or decoding. */
export const MAX_IMAGE_BYTES = 100_000_000;

/** Size limits for an image; the defaults are {@link MAX_IMAGE_PIXELS} and {@link MAX_IMAGE_BYTES}. */
export interface ImageLimits {
  /** The most pixels (width x height) an image may have. */
  readonly maxPixels?: number;
  /** The most bytes an image file may have. */
  readonly maxBytes?: number;
}

/** The eight bytes every PNG file starts with. */
export const PNG_SIGNATURE: readonly number[] = [
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
];

const SUPPORTED = "oris reads PNG and JPEG images";
const TRUNCATED_HINT = "the file is incomplete: copy or download it again";
const PNG_HEADER_BYTES = 33; // signature 8 + IHDR length 4, type 4, data 13, CRC 4
const MAX_PNG_SIZE = 0x7fffffff;
const PNG_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/**
 * Reads the format, size and orientation of a PNG or JPEG from its header, without decoding
 * pixels: the PNG IHDR chunk, or the JPEG frame header (SOF0 to SOF15) after any APPn, COM and
 * table segments. The first EXIF segment of a JPEG gives its orientation.
 *
 * @param bytes the file's bytes (the header alone is enough)
 * @param name the file name used in error messages
 * @returns format, width, height and orientation
 * @throws {ImageDecodeError} for other formats, and for truncated or corrupt headers
 *
 * @example
 * ```ts
 * import { probeImage } from "./probe.ts";
 *
 * const png = new Uint8Array([
 *   0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, // signature
 *   0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, // IHDR, 13 bytes
 *   0, 0, 2, 128, 0, 0, 1, 224, 8, 6, 0, 0, 0, // 640 x 480, 8-bit RGBA
 *   0, 0, 0, 0, // CRC (not checked here)
 * ]);
 * console.log(probeImage(png, "cat.png")); // { format: "png", width: 640, height: 480, orientation: 1 }
 * ```
 */
export function probeImage(bytes: Uint8Array, name = "image"): ImageInfo {
  if (bytes.length === 0) {
    throw new ImageDecodeError(
      name,
      "the file is empty",
      "check the path and that it was fully written",
    );
  }
  if (startsWith(bytes, PNG_SIGNATURE.slice(0, Math.min(bytes.length, 8)))) {
    return probePng(bytes, name);
  }
  if (bytes[0] === 0xff && (bytes.length === 1 || bytes[1] === 0xd8)) {
    return probeJpeg(bytes, name);
  }
  const other = otherFormat(bytes);
  throw new ImageDecodeError(
    name,
    other
      ? `it is a ${other} image`
      : "it is not a PNG or JPEG image (unknown file signature)",
    `${SUPPORTED}: convert it to PNG or JPEG (for example \`magick input output.png\`)`,
  );
}

function startsWith(
  bytes: Uint8Array,
  prefix: readonly number[],
  at = 0,
): boolean {
  return prefix.every((b, i) => bytes[at + i] === b);
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

/** Names common formats oris does not read, for a more helpful error. */
function otherFormat(bytes: Uint8Array): string | undefined {
  const head = ascii(bytes, 0, 12);
  if (head.startsWith("GIF87a") || head.startsWith("GIF89a")) return "GIF";
  if (head.startsWith("RIFF") && head.slice(8, 12) === "WEBP") return "WebP";
  if (head.startsWith("BM")) return "BMP";
  if (head.startsWith("II*\0") || head.startsWith("MM\0*")) return "TIFF";
  if (head.slice(4, 8) === "ftyp") {
    const brand = head.slice(8, 12);
    if (brand.startsWith("avi")) return "AVIF";
    if (
      brand.startsWith("hei") || brand.startsWith("mif") ||
      brand.startsWith("hev")
    ) return "HEIF";
  }
  return undefined;
}

function truncated(
  name: string,
  what: string,
  got: number,
  need: number,
): ImageDecodeError {
  return new ImageDecodeError(
    name,
    `the ${what} is truncated (got ${got} of ${need} bytes)`,
    TRUNCATED_HINT,
  );
}

function probePng(bytes: Uint8Array, name: string): ImageInfo {
  if (bytes.length < PNG_HEADER_BYTES - 4) {
    throw truncated(name, "PNG header", bytes.length, PNG_HEADER_BYTES);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8) !== 13 || ascii(bytes, 12, 4) !== "IHDR") {
    throw new ImageDecodeError(
      name,
      "the PNG is corrupt (its first chunk is not a 13-byte IHDR header)",
      "re-export it from an image editor, or copy it again",
    );
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24];
  const colorType = bytes[25];
  const problem = width === 0 || height === 0
    ? `its header gives a size of ${width} x ${height}`
    : width > MAX_PNG_SIZE || height > MAX_PNG_SIZE
    ? `its header gives a size of ${width} x ${height}, over the PNG maximum of 2^31 - 1`
    : !(PNG_DEPTHS[colorType] ?? []).includes(depth)
    ? `its header gives an invalid bit depth ${depth} for colour type ${colorType}`
    : bytes[28] > 1
    ? `its header gives an unknown interlace method ${bytes[28]}`
    : undefined;
  if (problem) {
    throw new ImageDecodeError(
      name,
      `the PNG is corrupt (${problem})`,
      "re-export it from an image editor",
    );
  }
  return { format: "png", width, height, orientation: 1 };
}

/** SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
function isFrameHeader(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 &&
    marker !== 0xc8 && marker !== 0xcc;
}

function probeJpeg(bytes: Uint8Array, name: string): ImageInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const noFrame = (why: string) =>
    new ImageDecodeError(
      name,
      `the JPEG has no frame header (SOF) before ${why}`,
      TRUNCATED_HINT,
    );
  let orientation: Orientation = 1;
  let exifSeen = false;
  let pos = 2;
  while (true) {
    if (pos >= bytes.length) {
      throw noFrame(`the file ends at byte ${bytes.length}`);
    }
    if (bytes[pos] !== 0xff) {
      throw new ImageDecodeError(
        name,
        `the JPEG is corrupt (expected a segment marker at byte ${pos}, found 0x${
          bytes[pos].toString(16)
        })`,
        "re-export it from an image editor, or copy it again",
      );
    }
    while (pos < bytes.length && bytes[pos] === 0xff) pos++; // fill bytes
    if (pos >= bytes.length) {
      throw noFrame(`the file ends at byte ${bytes.length}`);
    }
    const marker = bytes[pos++];
    // Markers without a length: TEM, RST0-7, a repeated SOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue;
    if (marker === 0xd9) {
      throw noFrame(`its end marker (EOI) at byte ${pos - 2}`);
    }
    if (marker === 0xda) {
      throw noFrame(`its image data (SOS) at byte ${pos - 2}`);
    }
    if (pos + 2 > bytes.length) {
      throw truncated(name, "JPEG header", bytes.length, pos + 2);
    }
    const length = view.getUint16(pos);
    if (length < 2) {
      throw new ImageDecodeError(
        name,
        `the JPEG is corrupt (segment 0xFF${
          marker.toString(16).toUpperCase()
        } at byte ${pos - 2} has length ${length})`,
        "re-export it from an image editor, or copy it again",
      );
    }
    if (isFrameHeader(marker)) {
      // precision (1), height (2), width (2), component count (1)
      if (pos + 8 > bytes.length) {
        throw truncated(name, "JPEG frame header", bytes.length, pos + 8);
      }
      const height = view.getUint16(pos + 3);
      const width = view.getUint16(pos + 5);
      if (height === 0) {
        throw new ImageDecodeError(
          name,
          "the JPEG gives its height later in the file (a DNL marker), which oris does not read",
          "re-save it with an image editor",
        );
      }
      if (width === 0) {
        throw new ImageDecodeError(
          name,
          "the JPEG frame header gives a width of 0",
          "re-export it from an image editor",
        );
      }
      return { format: "jpeg", width, height, orientation };
    }
    const end = pos + length;
    if (end > bytes.length) {
      throw truncated(name, "JPEG header", bytes.length, end);
    }
    if (
      marker === 0xe1 && !exifSeen && ascii(bytes, pos + 2, 6) === "Exif\0\0"
    ) {
      exifSeen = true;
      orientation = readExifOrientation(bytes.subarray(pos + 2, end));
    }
    pos = end;
  }
}

/**
 * Checks an image against the size limits before its pixels are decoded: the byte count of the
 * file, and (when known) its width x height from {@link probeImage}.
 *
 * @param file the file's bytes, or anything with its byte count (such as `{ byteLength: stat.size }`)
 * @param size the stored width and height, or undefined when only the byte count is known
 * @param name the file name used in the error message
 * @param limits the limits (defaults: {@link MAX_IMAGE_PIXELS}, {@link MAX_IMAGE_BYTES})
 * @throws {ImageTooLargeError} when the file or image is over a limit
 *
 * @example
 * ```ts
 * import { checkImageLimits } from "./probe.ts";
 *
 * try {
 *   checkImageLimits({ byteLength: 2_000 }, { width: 10_000, height: 6_000 }, "big.png");
 * } catch (error) {
 *   console.log((error as Error).message); // "big.png is too large: it is 10000 x 6000 pixels (60 megapixels) ..."
 * }
 * ```
 */
export function checkImageLimits(
  file: { readonly byteLength: number },
  size: { readonly width: number; readonly height: number } | undefined,
  name: string,
  limits: ImageLimits = {},
): void {
  const maxBytes = limits.maxBytes ?? MAX_IMAGE_BYTES;
  const maxPixels = limits.maxPixels ?? MAX_IMAGE_PIXELS;
  if (file.byteLength > maxBytes) {
    throw new ImageTooLargeError(
      name,
      `it is ${file.byteLength} bytes (${
        megabytes(file.byteLength)
      } MB), over the limit of ${maxBytes} bytes (${megabytes(maxBytes)} MB)`,
      "downscale or recompress it (for example as a JPEG at quality 90) and try again, or raise limits.maxBytes",
    );
  }
  if (size && size.width * size.height > maxPixels) {
    throw new ImageTooLargeError(
      name,
      `it is ${size.width} x ${size.height} pixels (${
        megapixels(size.width * size.height)
      } megapixels), ` +
        `over the limit of ${megapixels(maxPixels)} megapixels`,
      "downscale it (for example to 4096 pixels on the long side) and try again, or raise limits.maxPixels",
    );
  }
}

function megabytes(bytes: number): string {
  return String(Math.round(bytes / 1e6 * 10) / 10);
}

function megapixels(pixels: number): string {
  return String(Math.round(pixels / 1e6 * 10) / 10);
}
