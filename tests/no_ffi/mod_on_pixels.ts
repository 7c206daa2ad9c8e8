/**
 * Imports mod.ts and runs it on pixels in memory: resampling, a model on
 * the wasm backend, PNG encoding. tests/mod_no_ffi_test.ts runs this with
 * read access to onnxruntime-web's package only (its .wasm runtime): no
 * FFI, no writes, no environment. Prints one JSON line.
 *
 * @module
 */

import {
  createRgbaImage,
  encodeMaskPng,
  probeImage,
  resampleRgbToPlanar,
} from "../../pipeline/image/mod.ts";
import { createSession, tensor } from "../../pipeline/models/mod.ts";
import { tinyModel } from "../helpers/tiny_model.ts";

const image = createRgbaImage(40, 30);
for (let i = 0; i < image.data.length; i += 4) {
  image.data[i] = (i / 4) % 40 * 6; // red ramps left to right
  image.data[i + 3] = 255;
}
const planes = resampleRgbToPlanar(
  image,
  { x: 0, y: 0, width: 40, height: 30 },
  16,
  16,
);
const session = await createSession(tinyModel(), {
  backend: "wasm",
  label: "tiny",
});
const out = await session.run({
  pixels: tensor("float32", planes.map((v) => v / 255), [1, 3, 16, 16]),
});
await session.release();
const embeds = out.embeds.data as Float32Array;
const png = await encodeMaskPng(new Uint8Array(40 * 30).fill(1), 40, 30);
console.log(JSON.stringify({
  redLeft: planes[0] < planes[15],
  softmaxSum: Math.round(embeds.reduce((s, v) => s + v, 0) * 1000) / 1000,
  png: [probeImage(png).width, probeImage(png).height],
}));
