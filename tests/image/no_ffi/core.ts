/**
 * Runs the core image code on pixels in memory. tests/image/no_ffi_test.ts runs it with no
 * permission at all, to show the core needs neither FFI, the file system nor the environment.
 * Prints one JSON line with the results.
 *
 * @module
 */

import { ImageTooLargeError } from "../../../pipeline/image/errors.ts";
import {
  orientImage,
  readExifOrientation,
} from "../../../pipeline/image/orientation.ts";
import {
  encodeMaskPng,
  encodePng,
} from "../../../pipeline/image/png_encode.ts";
import { checkImageLimits, probeImage } from "../../../pipeline/image/probe.ts";
import {
  createRgbaImage,
  rgbaFromGray,
  rgbaFromRgb,
} from "../../../pipeline/image/rgba.ts";

const header = new Uint8Array([
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a, // signature
  0,
  0,
  0,
  13,
  0x49,
  0x48,
  0x44,
  0x52, // IHDR, 13 bytes
  0,
  0,
  0x27,
  0x10,
  0,
  0,
  0x17,
  0x70,
  8,
  6,
  0,
  0,
  0, // 10000 x 6000, 8-bit RGBA
  0,
  0,
  0,
  0, // CRC (not read by the probe)
]);
const info = probeImage(header, "header.png");
let limit = "accepted";
try {
  checkImageLimits(header, info, "header.png");
} catch (error) {
  if (error instanceof ImageTooLargeError) limit = "rejected";
}
const upright = orientImage(rgbaFromGray([1, 2, 3], 3, 1), 6);
const rgb = rgbaFromRgb([9, 8, 7], 1, 1);
const blank = createRgbaImage(2, 2);
const maskPng = await encodeMaskPng([0, 1, 1, 0], 2, 2);
const overlayPng = await encodePng(blank);

console.log(JSON.stringify({
  probe: [info.format, info.width, info.height],
  limit,
  upright: [
    upright.width,
    upright.height,
    ...upright.data.filter((_, i) => i % 4 === 0),
  ],
  rgb: [...rgb.data],
  blank: blank.data.length,
  exif: readExifOrientation(new Uint8Array(4)),
  maskPng: [probeImage(maskPng).width, maskPng[25]],
  overlayPng: [probeImage(overlayPng).height, overlayPng[25]],
}));
