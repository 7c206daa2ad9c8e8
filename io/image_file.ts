/**
 * Reading image files and writing PNG files (edge module: uses the file system).
 *
 * @module
 */

import { resolve } from "node:path";
import { writeFileAtomic } from "./atomic_write.ts";
import { decodeImage, type DecodeOptions } from "./image_codec.ts";
import { checkImageLimits, PNG_SIGNATURE } from "../pipeline/image/probe.ts";
import type { RgbaImage } from "../pipeline/image/rgba.ts";

/**
 * Reads and decodes a PNG or JPEG file. The file's size is checked before it is read, and its
 * header before its pixels are decoded.
 *
 * @param path the file's path
 * @param options size limits and orientation (see {@link DecodeOptions})
 * @returns the image
 * @throws {Deno.errors.NotFound} when the file does not exist
 * @throws {ImageTooLargeError} when the file or image is over a limit
 * @throws {ImageDecodeError} for other formats and corrupt or truncated files
 *
 * @example
 * ```ts
 * import { readImageFile } from "./image_file.ts";
 *
 * const image = await readImageFile("tests/fixtures/images/rgb.jpg");
 * console.log(image.width, image.height); // 32 32
 * ```
 */
export async function readImageFile(
  path: string,
  options: DecodeOptions = {},
): Promise<RgbaImage> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(
        `image file not found: ${path} (looked at ${
          resolve(path)
        }); check the path and the working directory`,
        { cause: error },
      );
    }
    throw error;
  }
  if (!info.isFile) {
    throw new TypeError(
      `${path} is not a file (it is a ${
        info.isDirectory ? "directory" : "special file"
      }); pass an image file`,
    );
  }
  checkImageLimits({ byteLength: info.size }, undefined, path, options.limits);
  const bytes = await Deno.readFile(path);
  return await decodeImage(bytes, path, options);
}

/**
 * Writes PNG bytes (from `encodePng` or `encodeMaskPng`) to a file, creating its folder;
 * through a temporary file renamed into place, so a failed write leaves the old file whole.
 *
 * @param path where to write
 * @param png the PNG file's bytes
 * @throws {TypeError} when the bytes are not a PNG (for example raw pixels passed by mistake)
 *
 * @example
 * ```ts
 * import { encodeMaskPng } from "./image_codec.ts";
 * import { writePng } from "./image_file.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await writePng(`${dir}/masks/mask.png`, await encodeMaskPng(new Uint8Array([1, 0]), 2, 1));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writePng(path: string, png: Uint8Array): Promise<void> {
  if (
    png.length < PNG_SIGNATURE.length ||
    !PNG_SIGNATURE.every((b, i) => png[i] === b)
  ) {
    throw new TypeError(
      `writePng(): the bytes for ${path} are not a PNG file; encode pixels with encodePng() or encodeMaskPng() first`,
    );
  }
  await writeFileAtomic(path, png);
}
