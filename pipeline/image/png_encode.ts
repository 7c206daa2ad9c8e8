/**
 * PNG encoding of RGBA images and binary masks, in pure TypeScript: rows are filtered as
 * libpng does by default (the filter with the smallest sum of absolute differences per row)
 * and compressed with the platform's `CompressionStream("deflate")`, so it runs in browsers and
 * needs no permission.
 *
 * @module
 */

import { PNG_SIGNATURE } from "./probe.ts";
import { createRgbaImage, type RgbaImage } from "./rgba.ts";

/** A PNG row filter, or "adaptive" to pick the best per row. */
export type PngFilter =
  | "adaptive"
  | "none"
  | "sub"
  | "up"
  | "average"
  | "paeth";

/** Options of {@link encodePng} and {@link encodeMaskPng}. */
export interface PngEncodeOptions {
  /** Row filter (default "adaptive": smaller files; "none" is fastest). */
  readonly filter?: PngFilter;
}

const FILTERS: Record<Exclude<PngFilter, "adaptive">, number> = {
  none: 0,
  sub: 1,
  up: 2,
  average: 3,
  paeth: 4,
};

const SIGNATURE = new Uint8Array(PNG_SIGNATURE);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

async function deflate(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(
    new CompressionStream("deflate"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Writes row (filtered with type) into out; returns the sum of absolute signed bytes. */
function filterRow(
  type: number,
  row: Uint8Array,
  prev: Uint8Array | undefined,
  bpp: number,
  out: Uint8Array,
): number {
  let sum = 0;
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp] : 0;
    const b = prev ? prev[i] : 0;
    const c = prev && i >= bpp ? prev[i - bpp] : 0;
    const predictor = type === 0
      ? 0
      : type === 1
      ? a
      : type === 2
      ? b
      : type === 3
      ? (a + b) >> 1
      : paeth(a, b, c);
    const v = (row[i] - predictor) & 0xff;
    out[i] = v;
    sum += v < 128 ? v : 256 - v;
  }
  return sum;
}

/** Filters every row of packed samples into the byte stream that IDAT compresses. */
function filterImage(
  pixels: Uint8Array,
  width: number,
  height: number,
  bpp: number,
  filter: PngFilter,
): Uint8Array<ArrayBuffer> {
  const stride = width * bpp;
  const out = new Uint8Array(height * (stride + 1));
  const scratch = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0
      ? pixels.subarray((y - 1) * stride, y * stride)
      : undefined;
    const target = out.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    let best: number;
    if (filter !== "adaptive") {
      best = FILTERS[filter];
      filterRow(best, row, prev, bpp, target);
    } else {
      best = 0;
      let bestSum = filterRow(0, row, prev, bpp, target);
      for (let type = 1; type <= 4; type++) {
        const sum = filterRow(type, row, prev, bpp, scratch);
        if (sum < bestSum) {
          bestSum = sum;
          best = type;
          target.set(scratch);
        }
      }
    }
    out[y * (stride + 1)] = best;
  }
  return out;
}

async function writePngBytes(
  pixels: Uint8Array,
  width: number,
  height: number,
  colorType: 0 | 2 | 6,
  filter: PngFilter,
): Promise<Uint8Array> {
  if (filter !== "adaptive" && !(filter in FILTERS)) {
    throw new RangeError(
      `PNG filter must be one of adaptive, ${
        Object.keys(FILTERS).join(", ")
      }; got ${filter}`,
    );
  }
  const bpp = colorType === 0 ? 1 : colorType === 2 ? 3 : 4;
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colorType; // compression, filter method and interlace stay 0
  const idat = await deflate(filterImage(pixels, width, height, bpp, filter));
  const parts = [
    SIGNATURE,
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Encodes an RGBA image as an 8-bit PNG (for overlays and previews): RGB when every pixel is
 * opaque, RGBA otherwise. Decoding it gives back the exact pixels.
 *
 * @param image the image
 * @param options the row filter (default "adaptive")
 * @returns the PNG file's bytes
 * @throws {RangeError} when the image's data does not match its size
 *
 * @example
 * ```ts
 * import { encodePng } from "./png_encode.ts";
 * import { createRgbaImage } from "./rgba.ts";
 *
 * const png = await encodePng(createRgbaImage(4, 4));
 * console.log(png.subarray(1, 4)); // "PNG" in ASCII: Uint8Array(3) [ 80, 78, 71 ]
 * ```
 */
export async function encodePng(
  image: RgbaImage,
  options: PngEncodeOptions = {},
): Promise<Uint8Array> {
  const { width, height, data } = createRgbaImage(
    image.width,
    image.height,
    image.data,
  );
  let opaque = true;
  for (let i = 3; i < data.length; i += 4) {
    if (data[i] !== 255) {
      opaque = false;
      break;
    }
  }
  const rgba = new Uint8Array(data.buffer, data.byteOffset, data.length);
  if (!opaque) {
    return await writePngBytes(
      rgba,
      width,
      height,
      6,
      options.filter ?? "adaptive",
    );
  }
  const rgb = new Uint8Array(3 * width * height);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return await writePngBytes(
    rgb,
    width,
    height,
    2,
    options.filter ?? "adaptive",
  );
}

/**
 * Encodes a binary mask as an 8-bit grayscale PNG: 255 inside (any non-zero value), 0 outside.
 *
 * @param mask one value per pixel, row by row (0/1, 0/255 or any 0/non-zero)
 * @param width width in pixels
 * @param height height in pixels
 * @param options the row filter (default "adaptive")
 * @returns the PNG file's bytes
 * @throws {RangeError} when the mask does not hold width x height values
 *
 * @example
 * ```ts
 * import { encodeMaskPng } from "./png_encode.ts";
 *
 * const png = await encodeMaskPng(new Uint8Array([0, 1, 1, 0]), 2, 2);
 * console.log(png[25]); // 0: PNG colour type "grayscale"
 * ```
 */
export async function encodeMaskPng(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  options: PngEncodeOptions = {},
): Promise<Uint8Array> {
  if (
    !Number.isSafeInteger(width) || width <= 0 ||
    !Number.isSafeInteger(height) || height <= 0
  ) {
    throw new RangeError(
      `encodeMaskPng(): width and height must be positive integers, got ${width} x ${height}`,
    );
  }
  if (mask.length !== width * height) {
    throw new RangeError(
      `encodeMaskPng(): the mask has ${mask.length} values but a ${width} x ${height} image needs ${
        width * height
      }; pass one value per pixel`,
    );
  }
  const gray = new Uint8Array(mask.length);
  for (let i = 0; i < gray.length; i++) gray[i] = mask[i] ? 255 : 0;
  return await writePngBytes(
    gray,
    width,
    height,
    0,
    options.filter ?? "adaptive",
  );
}
