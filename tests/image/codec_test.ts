import { deepStrictEqual, equal, notEqual } from "node:assert/strict";
import { decodeImage, encodeMaskPng, encodePng } from "../../io/image_codec.ts";
import {
  ImageDecodeError,
  ImageTooLargeError,
} from "../../pipeline/image/errors.ts";
import { createRgbaImage } from "../../pipeline/image/rgba.ts";
import {
  assertRejectsWith,
  CMYK_QUADRANTS_RGB,
  concat,
  expectedPng,
  GRAY_QUADRANTS,
  H,
  JPEG_TOLERANCE,
  jpegHeader,
  maxJpegError,
  PNG_PIXELS,
  pngChunk,
  pngHeader,
  quadrantAt,
  QUADRANTS,
  readFixture,
  W,
} from "./fixtures.ts";

/** Lists the pixels that differ, for a readable failure. */
function differences(
  got: Uint8ClampedArray,
  expected: Uint8ClampedArray,
  width: number,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < expected.length; i += 4) {
    const a = [...got.subarray(i, i + 4)];
    const b = [...expected.subarray(i, i + 4)];
    if (a.some((v, c) => v !== b[c])) {
      out.push(
        `(${(i / 4) % width}, ${
          Math.floor(i / 4 / width)
        }): got ${a}, expected ${b}`,
      );
    }
  }
  return out;
}

for (const name of Object.keys(PNG_PIXELS)) {
  Deno.test(`decodeImage() decodes ${name} to the exact pixels`, async () => {
    const image = await decodeImage(await readFixture(name), name);
    deepStrictEqual([image.width, image.height, image.data.length], [
      W,
      H,
      4 * W * H,
    ]);
    deepStrictEqual(
      differences(image.data, expectedPng(name), W).slice(0, 5),
      [],
    );
  });
}

Deno.test("decodeImage() keeps the colour of pixels made transparent by a tRNS colour key", async () => {
  const image = await decodeImage(
    await readFixture("rgb8_trns.png"),
    "rgb8_trns.png",
  );
  // Pixel (1, 0) matches the key: its colour stays, only alpha drops to 0.
  deepStrictEqual([...image.data.subarray(4, 8)], [23, 8, 50, 0]);
});

const EDGES_32 = { x: [16], y: [16] };

for (const name of ["rgb.jpg", "progressive.jpg"]) {
  Deno.test(`decodeImage() decodes ${name} within JPEG tolerance`, async () => {
    const image = await decodeImage(await readFixture(name), name);
    deepStrictEqual([image.width, image.height], [32, 32]);
    const error = maxJpegError(image, quadrantAt(QUADRANTS), EDGES_32);
    equal(error <= JPEG_TOLERANCE, true, `max error ${error}`);
  });
}

Deno.test("decodeImage() decodes a grayscale JPEG to equal R, G and B", async () => {
  const image = await decodeImage(await readFixture("gray.jpg"), "gray.jpg");
  const error = maxJpegError(
    image,
    quadrantAt(GRAY_QUADRANTS.map((v) => [v, v, v])),
    EDGES_32,
  );
  equal(error <= JPEG_TOLERANCE, true, `max error ${error}`);
  for (let i = 0; i < image.data.length; i += 4) {
    equal(
      image.data[i] === image.data[i + 1] &&
        image.data[i + 1] === image.data[i + 2],
      true,
    );
  }
});

Deno.test("decodeImage() converts a CMYK JPEG to RGB", async () => {
  const image = await decodeImage(await readFixture("cmyk.jpg"), "cmyk.jpg");
  const error = maxJpegError(image, quadrantAt(CMYK_QUADRANTS_RGB), EDGES_32);
  equal(error <= JPEG_TOLERANCE, true, `max error ${error}`);
});

Deno.test("decodeImage() keeps stored pixels by default and applies EXIF orientation on request", async () => {
  const bytes = await readFixture("exif6.jpg");
  const red = QUADRANTS[0], blue = QUADRANTS[2];
  const stored = await decodeImage(bytes, "exif6.jpg");
  deepStrictEqual([stored.width, stored.height], [32, 16]);
  // Stored: red on the left, blue on the right.
  const storedError = maxJpegError(stored, (x) => x < 16 ? red : blue, {
    x: [16],
    y: [],
  });
  equal(storedError <= JPEG_TOLERANCE, true, `stored max error ${storedError}`);
  const upright = await decodeImage(bytes, "exif6.jpg", {
    orientation: "exif",
  });
  deepStrictEqual([upright.width, upright.height], [16, 32]);
  // Turned 90 degrees clockwise: the left column becomes the top row.
  const uprightError = maxJpegError(upright, (_, y) => y < 16 ? red : blue, {
    x: [],
    y: [16],
  });
  equal(
    uprightError <= JPEG_TOLERANCE,
    true,
    `upright max error ${uprightError}`,
  );
});

Deno.test("decodeImage() rejects a PNG header claiming 10000 x 6000 before decoding pixels", async () => {
  // Only a header: decoding it would fail with ImageDecodeError, so the limit must come first.
  await assertRejectsWith(
    () => decodeImage(pngHeader(10_000, 6_000), "huge.png"),
    ImageTooLargeError,
    "huge.png is too large",
    "10000 x 6000 pixels",
    "over the limit of 50 megapixels",
  );
});

Deno.test("decodeImage() rejects a JPEG header claiming 10000 x 6000 before decoding pixels", async () => {
  await assertRejectsWith(
    () => decodeImage(jpegHeader(10_000, 6_000), "huge.jpg"),
    ImageTooLargeError,
    "huge.jpg",
    "10000 x 6000 pixels",
  );
});

Deno.test("decodeImage() applies custom limits", async () => {
  const bytes = await readFixture("rgb8.png");
  await assertRejectsWith(
    () => decodeImage(bytes, "rgb8.png", { limits: { maxPixels: 65 } }),
    ImageTooLargeError,
    "11 x 6 pixels",
  );
  await assertRejectsWith(
    () => decodeImage(bytes, "rgb8.png", { limits: { maxBytes: 100 } }),
    ImageTooLargeError,
    "118 bytes",
  );
  equal(
    (await decodeImage(bytes, "rgb8.png", {
      limits: { maxPixels: 66, maxBytes: 118 },
    })).width,
    W,
  );
});

Deno.test("decodeImage() rejects a PNG with corrupt image data, naming the file", async () => {
  const bytes = (await readFixture("rgba8.png")).slice();
  bytes[Math.floor(bytes.length * 0.6)] ^= 0xff; // inside IDAT
  await assertRejectsWith(
    () => decodeImage(bytes, "photos/cat.png"),
    ImageDecodeError,
    "Cannot decode photos/cat.png",
    "the PNG data is corrupt",
  );
});

Deno.test("decodeImage() rejects a PNG cut in the middle of its image data", async () => {
  const bytes = await readFixture("rgba8_interlaced.png");
  const error = await assertRejectsWith(
    () =>
      decodeImage(bytes.subarray(0, Math.floor(bytes.length / 2)), "half.png"),
    ImageDecodeError,
    "half.png",
    "corrupt or truncated",
  );
  equal((error as ImageDecodeError).file, "half.png");
});

Deno.test("decodeImage() rejects a PNG whose IDAT chunk fails its CRC", async () => {
  const header = pngHeader(1, 1, 8, 0);
  const idat = pngChunk(
    "IDAT",
    new Uint8Array([
      0x78,
      0x9c,
      0x63,
      0x60,
      0x00,
      0x00,
      0x00,
      0x02,
      0x00,
      0x01,
    ]),
  );
  const good = concat(header, idat, pngChunk("IEND", new Uint8Array()));
  deepStrictEqual([...(await decodeImage(good, "one.png")).data], [
    0,
    0,
    0,
    255,
  ]);
  const bad = good.slice();
  bad[header.length + idat.length - 1] ^= 1; // last CRC byte of IDAT
  await assertRejectsWith(
    () => decodeImage(bad, "crc.png"),
    ImageDecodeError,
    "crc.png",
  );
});

Deno.test("decodeImage() rejects a truncated JPEG and says it lacks its end marker", async () => {
  const bytes = await readFixture("progressive.jpg");
  for (const cut of [bytes.length - 2, Math.floor(bytes.length * 0.7)]) {
    await assertRejectsWith(
      () => decodeImage(bytes.subarray(0, cut), "cut.jpg"),
      ImageDecodeError,
      "Cannot decode cut.jpg",
      "does not end with the end marker FFD9",
    );
  }
});

Deno.test("decodeImage() rejects a JPEG with corrupt image data and still decodes the next one", async () => {
  const bytes = (await readFixture("rgb.jpg")).slice();
  bytes[Math.floor(bytes.length * 0.6)] ^= 0xff;
  await assertRejectsWith(
    () => decodeImage(bytes, "bad.jpg"),
    ImageDecodeError,
    "bad.jpg",
    "the JPEG data is corrupt",
  );
  equal((await decodeImage(await readFixture("rgb.jpg"), "rgb.jpg")).width, 32);
});

Deno.test("decodeImage() rejects other formats, naming the file", async () => {
  const gif = new TextEncoder().encode("GIF89a\x01\0\x01\0\0\0\0;");
  await assertRejectsWith(
    () => decodeImage(gif, "anim.gif"),
    ImageDecodeError,
    "anim.gif",
    "it is a GIF image",
    "PNG and JPEG",
  );
});

Deno.test("decodeImage() ignores bytes after the end of a PNG or JPEG", async () => {
  for (const name of ["rgb8.png", "rgb.jpg"]) {
    const bytes = concat(
      await readFixture(name),
      new Uint8Array(50).fill(0x41),
    );
    notEqual((await decodeImage(bytes, name)).width, 0);
  }
});

Deno.test("encodeMaskPng() writes an 8-bit grayscale PNG that decodes to 255 inside and 0 outside", async () => {
  const width = 7, height = 5;
  const mask = new Uint8Array(width * height).map((
    _,
    i,
  ) => (i % 3 === 0 ? 1 : 0));
  const png = await encodeMaskPng(mask, width, height);
  deepStrictEqual([png[24], png[25]], [8, 0]); // IHDR bit depth 8, colour type 0 (gray)
  const image = await decodeImage(png, "mask.png");
  deepStrictEqual([image.width, image.height], [width, height]);
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i] ? 255 : 0;
    deepStrictEqual([...image.data.subarray(4 * i, 4 * i + 4)], [v, v, v, 255]);
  }
});

Deno.test("encodeMaskPng() treats 255 and 1 alike", async () => {
  const ones = await encodeMaskPng(new Uint8Array([0, 1, 1, 0]), 2, 2);
  const full = await encodeMaskPng(new Uint8Array([0, 255, 255, 0]), 2, 2);
  deepStrictEqual(ones, full);
});

Deno.test("encodeMaskPng() rejects a mask of the wrong length", async () => {
  await assertRejectsWith(
    () => encodeMaskPng(new Uint8Array(5), 2, 2),
    RangeError,
    "the mask has 5 values but a 2 x 2 image needs 4",
  );
  await assertRejectsWith(
    () => encodeMaskPng(new Uint8Array(0), 0, 2),
    RangeError,
    "positive integers",
  );
});

Deno.test("encodePng() round-trips RGBA pixels exactly, including transparent ones", async () => {
  const width = 13, height = 9;
  const image = createRgbaImage(width, height);
  for (let i = 0; i < image.data.length; i++) {
    image.data[i] = (i * 37 + (i >> 2) * 11) % 256;
  }
  image.data.set([10, 20, 30, 0], 0); // a transparent pixel keeps its colour
  const png = await encodePng(image);
  deepStrictEqual([png[24], png[25]], [8, 6]); // 8-bit RGBA
  const back = await decodeImage(png, "overlay.png");
  deepStrictEqual([back.width, back.height], [width, height]);
  deepStrictEqual(differences(back.data, image.data, width), []);
});

Deno.test("encodePng() rejects an image whose data does not match its size", async () => {
  const broken = { width: 3, height: 3, data: new Uint8ClampedArray(12) };
  await assertRejectsWith(
    () => encodePng(broken),
    RangeError,
    "data has 12 bytes but a 3 x 3 image needs 36",
  );
});
