/**
 * Decoding PNG and JPEG files to {@link RgbaImage} (edge module), and the PNG encoders of
 * `png_encode.ts` re-exported beside them.
 *
 * Decoding uses imagescript's WebAssembly decoders (`imagescript/wasm/node/png.js` and
 * `jpeg.js`), imported on first use; they read their `.wasm` files from the npm package and
 * the IMAGESCRIPT_WASM_SIMD environment variable, so decoding needs `--allow-read` and
 * `--allow-env=IMAGESCRIPT_WASM_SIMD` but no FFI. (imagescript's main entry loads a native
 * codec and needs `--allow-ffi`; this module never imports it.)
 *
 * What this module adds to imagescript:
 * - the header is read and the size limits checked before any pixel is decoded;
 * - errors name the file and say what to do;
 * - PNG colour-key transparency (tRNS on gray or RGB) keeps the pixel's colour (imagescript
 *   zeroes it);
 * - CMYK JPEGs are converted with (255 - C) * (255 - K) / 255 per channel;
 * - EXIF orientation is applied on request.
 *
 * 16-bit PNG samples become 8-bit by keeping the high byte, as Pillow and libpng's
 * `png_set_strip_16` do. Colour profiles (iCCP, gAMA, JPEG ICC) are ignored, as in Pillow.
 *
 * @module
 */

import { ImageDecodeError } from "../pipeline/image/errors.ts";
import { orientImage } from "../pipeline/image/orientation.ts";
import {
  checkImageLimits,
  type ImageInfo,
  type ImageLimits,
  probeImage,
} from "../pipeline/image/probe.ts";
import {
  createRgbaImage,
  rgbaFromGray,
  rgbaFromRgb,
  type RgbaImage,
} from "../pipeline/image/rgba.ts";

export {
  encodeMaskPng,
  encodePng,
  type PngEncodeOptions,
  type PngFilter,
} from "../pipeline/image/png_encode.ts";

/** Options of {@link decodeImage}. */
export interface DecodeOptions {
  /** Size limits checked before decoding (defaults: 50 megapixels, 100 MB). */
  readonly limits?: ImageLimits;
  /**
   * "stored" (the default) keeps the pixels as stored in the file, as Pillow, OpenCV's raw
   * reads and the COCO tools do, so dataset annotations line up. "exif" turns a JPEG upright
   * with its EXIF orientation, as browsers and photo viewers show it.
   */
  readonly orientation?: "stored" | "exif";
}

interface PngDecoder {
  decode(
    bytes: Uint8Array,
  ): { width: number; height: number; framebuffer: Uint8Array };
}
interface JpegDecoder {
  decode(
    bytes: Uint8Array,
  ): { width: number; height: number; format: number; buffer: Uint8Array };
}
interface WasmCodec<T> {
  init(): Promise<T>;
}

function moduleExports<T>(module: { default?: unknown }): T {
  return (module.default ?? module) as T;
}

/**
 * Loads a WebAssembly decoder, explaining the permissions it needs when one is missing (the
 * loader reads its .wasm file and the IMAGESCRIPT_WASM_SIMD environment variable).
 */
async function loadDecoder<T>(
  load: () => Promise<{ default?: unknown }>,
): Promise<T> {
  try {
    return await moduleExports<WasmCodec<T>>(await load()).init();
  } catch (error) {
    if (
      error instanceof Deno.errors.NotCapable ||
      error instanceof Deno.errors.PermissionDenied
    ) {
      throw new Deno.errors.NotCapable(
        "Decoding PNG and JPEG loads imagescript's WebAssembly decoder, which needs read access to " +
          "its npm package and env access to IMAGESCRIPT_WASM_SIMD: run with --allow-read " +
          `--allow-env=IMAGESCRIPT_WASM_SIMD (or -A); ${
            (error as Error).message
          }`,
        { cause: error },
      );
    }
    throw error;
  }
}

function pngDecoder(): Promise<PngDecoder> {
  return loadDecoder(() => import("imagescript/wasm/node/png.js"));
}

function jpegDecoder(): Promise<JpegDecoder> {
  return loadDecoder(() => import("imagescript/wasm/node/jpeg.js"));
}

/**
 * Decodes a PNG or JPEG file to RGBA pixels. The header is read and the limits checked first,
 * so an oversized image is rejected before any pixel memory is allocated.
 *
 * Handles PNG gray, gray + alpha, RGB, RGBA and palette images at every bit depth (1 to 16),
 * tRNS transparency and Adam7 interlacing; baseline and progressive JPEG in gray, YCbCr and
 * CMYK.
 *
 * @param bytes the whole file
 * @param name the file name used in error messages
 * @param options limits and orientation
 * @returns the image (opaque unless the PNG has alpha or tRNS)
 * @throws {ImageTooLargeError} when the file or image is over a limit
 * @throws {ImageDecodeError} for other formats and for corrupt or truncated files
 *
 * @example
 * ```ts
 * import { decodeImage } from "./image_codec.ts";
 *
 * const image = await decodeImage(await Deno.readFile("tests/fixtures/images/rgb8.png"), "rgb8.png");
 * console.log(image.width, image.height); // 11 6
 * ```
 */
export async function decodeImage(
  bytes: Uint8Array,
  name = "image",
  options: DecodeOptions = {},
): Promise<RgbaImage> {
  const info = probeImage(bytes, name);
  checkImageLimits(bytes, info, name, options.limits);
  const image = info.format === "png"
    ? await decodePng(bytes, info, name)
    : await decodeJpeg(bytes, info, name);
  return options.orientation === "exif"
    ? orientImage(image, info.orientation)
    : image;
}

function checkDecodedSize(
  info: ImageInfo,
  width: number,
  height: number,
  name: string,
): void {
  if (width !== info.width || height !== info.height) {
    throw new ImageDecodeError(
      name,
      `the ${info.format.toUpperCase()} header says ${info.width} x ${info.height} but the data decodes to ${width} x ${height}`,
      "re-export it from an image editor",
    );
  }
}

async function decodePng(
  bytes: Uint8Array,
  info: ImageInfo,
  name: string,
): Promise<RgbaImage> {
  const decoder = await pngDecoder();
  let decoded;
  try {
    decoded = decoder.decode(bytes);
  } catch (error) {
    throw new ImageDecodeError(
      name,
      `the PNG data is corrupt or truncated (${(error as Error).message})`,
      "re-export it from an image editor, or copy it again",
      { cause: error },
    );
  }
  checkDecodedSize(info, decoded.width, decoded.height, name);
  const image = createRgbaImage(
    decoded.width,
    decoded.height,
    decoded.framebuffer,
  );
  const key = pngColorKey(bytes);
  if (key) restoreKeyColor(image, key);
  return image;
}

/**
 * The 8-bit colour of a gray or RGB PNG's tRNS colour key, or undefined when it has none.
 * (Palette tRNS holds alpha values, which the decoder applies correctly.)
 */
function pngColorKey(bytes: Uint8Array): [number, number, number] | undefined {
  const colorType = bytes[25];
  const depth = bytes[24];
  if (colorType !== 0 && colorType !== 2) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let pos = 8; pos + 8 <= bytes.length;) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (type === "IDAT" || type === "IEND") return undefined; // tRNS precedes the image data
    if (type === "tRNS") {
      const samples = colorType === 0 ? 1 : 3;
      if (length < 2 * samples || pos + 8 + 2 * samples > bytes.length) {
        return undefined;
      }
      const key = Array.from({ length: samples }, (_, i) => {
        const sample = view.getUint16(pos + 8 + 2 * i);
        // 16-bit keeps the high byte; 1-, 2- and 4-bit scale to 0..255 (exact: 255 = 3 * 5 * 17).
        return depth === 16
          ? sample >> 8
          : depth === 8
          ? sample & 0xff
          : sample * (255 / ((1 << depth) - 1));
      });
      return samples === 1
        ? [key[0], key[0], key[0]]
        : [key[0], key[1], key[2]];
    }
    pos += 12 + length;
  }
  return undefined;
}

/** Gives the key colour back to the pixels the colour key made transparent. */
function restoreKeyColor(
  image: RgbaImage,
  key: [number, number, number],
): void {
  const data = image.data;
  for (let i = 0; i < data.length; i += 4) {
    // With a colour key, alpha is 0 exactly on the pixels that match the key.
    if (data[i + 3] === 0) {
      data[i] = key[0];
      data[i + 1] = key[1];
      data[i + 2] = key[2];
    }
  }
}

const JPEG_GRAY = 0;
const JPEG_RGB = 1;
const JPEG_CMYK = 2;

async function decodeJpeg(
  bytes: Uint8Array,
  info: ImageInfo,
  name: string,
): Promise<RgbaImage> {
  const decoder = await jpegDecoder();
  let decoded;
  try {
    decoded = decoder.decode(bytes);
  } catch (error) {
    const ended = bytes.length >= 2 && bytes[bytes.length - 2] === 0xff &&
      bytes[bytes.length - 1] === 0xd9;
    const reason = ended
      ? `the JPEG data is corrupt (${(error as Error).message})`
      : `the JPEG data is corrupt or truncated: it does not end with the end marker FFD9 (${
        (error as Error).message
      })`;
    throw new ImageDecodeError(
      name,
      reason,
      "re-export it from an image editor, or copy it again",
      {
        cause: error,
      },
    );
  }
  const { width, height, format, buffer } = decoded;
  checkDecodedSize(info, width, height, name);
  const channels = format === JPEG_GRAY
    ? 1
    : format === JPEG_RGB
    ? 3
    : format === JPEG_CMYK
    ? 4
    : 0;
  if (channels === 0 || buffer.length < channels * width * height) {
    throw new ImageDecodeError(
      name,
      `the JPEG decoder returned an unexpected pixel layout (format ${format}, ${buffer.length} bytes)`,
      "re-save it as a baseline RGB JPEG or as a PNG",
    );
  }
  const pixels = buffer.subarray(0, channels * width * height);
  if (format === JPEG_GRAY) return rgbaFromGray(pixels, width, height);
  if (format === JPEG_RGB) return rgbaFromRgb(pixels, width, height);
  return rgbaFromCmyk(pixels, width, height);
}

/** CMYK ink amounts (0 = no ink) to opaque RGB, without a colour profile. */
function rgbaFromCmyk(
  cmyk: Uint8Array,
  width: number,
  height: number,
): RgbaImage {
  const image = createRgbaImage(width, height);
  const data = image.data;
  for (let i = 0; i < cmyk.length; i += 4) {
    const white = (255 - cmyk[i + 3]) / 255;
    data[i] = Math.round((255 - cmyk[i]) * white);
    data[i + 1] = Math.round((255 - cmyk[i + 1]) * white);
    data[i + 2] = Math.round((255 - cmyk[i + 2]) * white);
    data[i + 3] = 255;
  }
  return image;
}
