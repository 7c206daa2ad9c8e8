import { deepStrictEqual, equal } from "node:assert/strict";
import { decodeImage } from "../../io/image_codec.ts";
import {
  encodeMaskPng,
  encodePng,
  type PngFilter,
} from "../../pipeline/image/png_encode.ts";
import { createRgbaImage, type RgbaImage } from "../../pipeline/image/rgba.ts";
import { assertRejectsWith } from "./fixtures.ts";

/** A 24 x 16 image: gradients on the left, noise on the right, alpha varying unless opaque. */
function sample(opaque: boolean): RgbaImage {
  const width = 24, height = 16;
  const image = createRgbaImage(width, height);
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const pixel = x < 8
        ? [x * 15, y * 13, (x * y * 5) % 256]
        : [random(), random(), random()];
      const alpha = opaque ? 255 : (x * 15 + y * 7) % 256;
      image.data.set([...pixel, alpha], 4 * (y * width + x));
    }
  }
  // Red samples where the Paeth predictor meets its ties (c above-left, b above, a left):
  // |p - b| = |p - c| at (3, 3) picks b, |p - a| = |p - c| at (6, 3) picks a.
  const setRed = (x: number, y: number, v: number) =>
    image.data[4 * (y * width + x)] = v;
  for (const [x, c, b, a] of [[3, 100, 80, 110], [6, 100, 110, 80]]) {
    setRed(x - 1, 2, c);
    setRed(x, 2, b);
    setRed(x - 1, 3, a);
  }
  return image;
}

const FILTERS: PngFilter[] = [
  "adaptive",
  "none",
  "sub",
  "up",
  "average",
  "paeth",
];

for (const filter of FILTERS) {
  Deno.test(`encodePng() with the ${filter} filter round-trips RGBA pixels exactly`, async () => {
    const image = sample(false);
    const png = await encodePng(image, { filter });
    deepStrictEqual([png[24], png[25]], [8, 6]); // 8-bit RGBA
    const back = await decodeImage(png, `${filter}.png`);
    deepStrictEqual([back.width, back.height], [image.width, image.height]);
    deepStrictEqual(back.data, image.data);
  });
}

Deno.test("encodePng() writes an opaque image as RGB and decodes back to the same pixels", async () => {
  const image = sample(true);
  const png = await encodePng(image);
  deepStrictEqual([png[24], png[25]], [8, 2]); // 8-bit RGB
  deepStrictEqual((await decodeImage(png, "opaque.png")).data, image.data);
});

Deno.test("encodePng() adaptive filtering writes a smaller file than no filtering on a gradient", async () => {
  const image = createRgbaImage(64, 64);
  for (let i = 0; i < 64 * 64; i++) {
    image.data.set([(i % 64) * 3, (i >> 6) * 2, 100, 255], 4 * i);
  }
  const adaptive = await encodePng(image);
  const none = await encodePng(image, { filter: "none" });
  equal(
    adaptive.length < none.length,
    true,
    `adaptive ${adaptive.length} bytes, none ${none.length}`,
  );
});

Deno.test("encodePng() rejects an unknown filter", async () => {
  await assertRejectsWith(
    () => encodePng(sample(true), { filter: "best" as PngFilter }),
    RangeError,
    "PNG filter must be one of adaptive, none, sub, up, average, paeth; got best",
  );
});

Deno.test("encodePng() reads pixel data that starts inside a larger buffer", async () => {
  const image = sample(false);
  const backing = new Uint8ClampedArray(image.data.length + 3);
  backing.set(image.data, 3);
  const shifted = createRgbaImage(
    image.width,
    image.height,
    backing.subarray(3),
  );
  deepStrictEqual(
    (await decodeImage(await encodePng(shifted), "shifted.png")).data,
    image.data,
  );
});

Deno.test("encodeMaskPng() round-trips a mask with every filter", async () => {
  const width = 9, height = 4;
  const mask = Array.from(
    { length: width * height },
    (_, i) => ((i * 7) % 5 < 2 ? 1 : 0),
  );
  for (const filter of FILTERS) {
    const png = await encodeMaskPng(mask, width, height, { filter });
    deepStrictEqual([png[24], png[25]], [8, 0]);
    const back = await decodeImage(png, "mask.png");
    deepStrictEqual(
      [...back.data.filter((_, i) => i % 4 === 0)],
      mask.map((v) => v * 255),
    );
  }
});
