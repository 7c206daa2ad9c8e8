/**
 * Decodes a JPEG and a PNG and encodes PNGs with the edge codec. tests/image/no_ffi_test.ts
 * runs it without --allow-ffi, to show the codec never loads imagescript's native addon.
 * Prints one JSON line with the results.
 *
 * @module
 */

import {
  decodeImage,
  encodeMaskPng,
  encodePng,
} from "../../../io/image_codec.ts";

const fixtures = new URL("../../fixtures/images/", import.meta.url);
const jpeg = await decodeImage(
  await Deno.readFile(new URL("rgb.jpg", fixtures)),
  "rgb.jpg",
);
const png = await decodeImage(
  await Deno.readFile(new URL("rgba8_interlaced.png", fixtures)),
  "rgba8_interlaced.png",
);
const overlay = await decodeImage(await encodePng(png), "overlay.png");
const mask = await decodeImage(await encodeMaskPng([0, 1], 2, 1), "mask.png");

console.log(JSON.stringify({
  jpeg: [jpeg.width, jpeg.height],
  png: [png.width, png.height, ...png.data.subarray(0, 4)],
  overlaySame: overlay.data.every((v, i) => v === png.data[i]),
  mask: [...mask.data],
}));
