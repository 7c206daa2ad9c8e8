import { deepStrictEqual, equal } from "node:assert/strict";
import {
  ImageDecodeError,
  ImageTooLargeError,
} from "../../pipeline/image/errors.ts";
import {
  checkImageLimits,
  MAX_IMAGE_BYTES,
  MAX_IMAGE_PIXELS,
  probeImage,
} from "../../pipeline/image/probe.ts";
import {
  assertThrowsWith,
  concat,
  H,
  jpegHeader,
  jpegSegment,
  PNG_PIXELS,
  pngHeader,
  readFixture,
  W,
} from "./fixtures.ts";

Deno.test("probeImage() reads format and size of every PNG fixture", async () => {
  for (const name of Object.keys(PNG_PIXELS)) {
    deepStrictEqual(probeImage(await readFixture(name), name), {
      format: "png",
      width: W,
      height: H,
      orientation: 1,
    });
  }
});

Deno.test("probeImage() reads baseline, progressive, gray and CMYK JPEG frame headers", async () => {
  for (const name of ["rgb.jpg", "progressive.jpg", "gray.jpg", "cmyk.jpg"]) {
    deepStrictEqual(probeImage(await readFixture(name), name), {
      format: "jpeg",
      width: 32,
      height: 32,
      orientation: 1,
    });
  }
});

Deno.test("probeImage() skips JFIF, EXIF, ICC and comment segments and reads the EXIF orientation", async () => {
  const bytes = await readFixture("exif6.jpg");
  deepStrictEqual(probeImage(bytes, "exif6.jpg"), {
    format: "jpeg",
    width: 32,
    height: 16,
    orientation: 6,
  });
});

Deno.test("probeImage() reads width and height in the right order from a non-square JPEG", () => {
  const app0 = jpegSegment(
    0xe0,
    new TextEncoder().encode("JFIF\0\x01\x02\0\0\x01\0\x01\0\0"),
  );
  const app13 = jpegSegment(0xed, new Uint8Array(300).fill(0xff)); // payload full of 0xFF bytes
  const com = jpegSegment(0xfe, new TextEncoder().encode("hello"));
  deepStrictEqual(
    probeImage(jpegHeader(1234, 567, [app0, app13, com]), "a.jpg"),
    {
      format: "jpeg",
      width: 1234,
      height: 567,
      orientation: 1,
    },
  );
});

Deno.test("probeImage() skips tables and fill bytes and accepts SOF2 and SOF1", () => {
  const dqt = jpegSegment(0xdb, new Uint8Array(65));
  const dht = jpegSegment(0xc4, new Uint8Array(30)); // 0xC4 is a table, not a frame header
  const fill = new Uint8Array([0xff, 0xff]);
  const progressive = jpegHeader(40, 30, [dqt, fill, dht], 0xc2);
  deepStrictEqual(probeImage(progressive).width, 40);
  deepStrictEqual(probeImage(jpegHeader(41, 31, [dqt], 0xc1)).height, 31);
});

Deno.test("probeImage() rejects truncated PNG headers with the byte counts", () => {
  const header = pngHeader(10, 10);
  for (const cut of [1, 7, 8, 20, 28]) {
    assertThrowsWith(
      () => probeImage(header.subarray(0, cut), "cut.png"),
      ImageDecodeError,
      "cut.png",
      `the PNG header is truncated (got ${cut} of 33 bytes)`,
      "copy or download it again",
    );
  }
});

Deno.test("probeImage() rejects truncated JPEG headers", () => {
  const app1 = jpegSegment(0xe1, new Uint8Array(100));
  const full = jpegHeader(100, 80, [app1]);
  assertThrowsWith(
    () => probeImage(full.subarray(0, 1), "a.jpg"),
    ImageDecodeError,
    "a.jpg",
    "the JPEG has no frame header",
  );
  assertThrowsWith(
    () => probeImage(full.subarray(0, 2), "a.jpg"),
    ImageDecodeError,
    "the file ends at byte 2",
  );
  assertThrowsWith(
    () => probeImage(full.subarray(0, 50), "a.jpg"),
    ImageDecodeError,
    "the JPEG header is truncated (got 50 of 106 bytes)",
  );
  assertThrowsWith(
    () => probeImage(full.subarray(0, full.length - 15), "a.jpg"),
    ImageDecodeError,
    "the JPEG frame header is truncated",
  );
});

Deno.test("probeImage() rejects a JPEG whose image data comes before any frame header", () => {
  const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2, 0xff, 0xd9]);
  assertThrowsWith(
    () => probeImage(bytes, "x.jpg"),
    ImageDecodeError,
    "no frame header (SOF) before its image data (SOS)",
  );
});

Deno.test("probeImage() rejects garbage between JPEG segments", () => {
  const bytes = concat(
    new Uint8Array([0xff, 0xd8]),
    jpegSegment(0xe0, new Uint8Array(4)),
    new Uint8Array([0x12, 0x34]),
  );
  assertThrowsWith(
    () => probeImage(bytes, "x.jpg"),
    ImageDecodeError,
    "expected a segment marker at byte 10, found 0x12",
  );
});

Deno.test("probeImage() rejects a PNG whose IHDR is corrupt", () => {
  const zero = pngHeader(0, 10);
  assertThrowsWith(
    () => probeImage(zero, "z.png"),
    ImageDecodeError,
    "z.png",
    "size of 0 x 10",
  );
  const badDepth = pngHeader(4, 4, 16, 3); // palette images go up to 8 bits
  assertThrowsWith(
    () => probeImage(badDepth, "d.png"),
    ImageDecodeError,
    "invalid bit depth 16 for colour type 3",
  );
  const notIhdr = pngHeader(4, 4);
  notIhdr.set(new TextEncoder().encode("IDAT"), 12);
  assertThrowsWith(
    () => probeImage(notIhdr, "n.png"),
    ImageDecodeError,
    "its first chunk is not a 13-byte IHDR header",
  );
});

Deno.test("probeImage() names unsupported formats and lists the supported ones", () => {
  const cases: [string, string][] = [
    ["GIF89a\x01\0\x01\0", "it is a GIF image"],
    ["RIFF\0\0\0\0WEBPVP8 ", "it is a WebP image"],
    ["BM\0\0\0\0\0\0", "it is a BMP image"],
    ["II*\0\x08\0\0\0", "it is a TIFF image"],
    ["\0\0\0\x1cftypavif", "it is a AVIF image"],
    ["hello, world", "it is not a PNG or JPEG image"],
  ];
  for (const [text, reason] of cases) {
    const bytes = new Uint8Array([...text].map((c) => c.charCodeAt(0)));
    assertThrowsWith(
      () => probeImage(bytes, "pic"),
      ImageDecodeError,
      "Cannot decode pic",
      reason,
      "oris reads PNG and JPEG images",
    );
  }
});

Deno.test("probeImage() rejects an empty file", () => {
  assertThrowsWith(
    () => probeImage(new Uint8Array(), "empty.png"),
    ImageDecodeError,
    "empty.png",
    "the file is empty",
  );
});

Deno.test("probeImage() reads a header inside a larger buffer", () => {
  const header = pngHeader(7, 9);
  const backing = new Uint8Array(header.length + 5);
  backing.set(header, 5);
  deepStrictEqual(probeImage(backing.subarray(5)).width, 7);
});

Deno.test("checkImageLimits() rejects a 10000 x 6000 image, naming the file, its size and the limit", () => {
  const header = pngHeader(10_000, 6_000);
  const info = probeImage(header, "big.png");
  const error = assertThrowsWith(
    () => checkImageLimits(header, info, "big.png"),
    ImageTooLargeError,
    "big.png is too large",
    "10000 x 6000 pixels (60 megapixels)",
    "over the limit of 50 megapixels",
    "downscale it",
  );
  equal((error as ImageTooLargeError).file, "big.png");
});

Deno.test("checkImageLimits() accepts exactly the limits and rejects one past them", () => {
  checkImageLimits({ byteLength: MAX_IMAGE_BYTES }, {
    width: 10_000,
    height: 5_000,
  }, "ok");
  equal(MAX_IMAGE_PIXELS, 50_000_000);
  equal(MAX_IMAGE_BYTES, 100_000_000);
  assertThrowsWith(
    () =>
      checkImageLimits(
        { byteLength: MAX_IMAGE_BYTES + 1 },
        undefined,
        "huge.jpg",
      ),
    ImageTooLargeError,
    "huge.jpg is too large",
    "100000001 bytes (100 MB), over the limit of 100000000 bytes (100 MB)",
  );
  assertThrowsWith(
    () =>
      checkImageLimits(
        { byteLength: 10 },
        { width: 50_000_001, height: 1 },
        "wide.png",
      ),
    ImageTooLargeError,
    "50000001 x 1 pixels",
  );
});

Deno.test("checkImageLimits() applies custom limits", () => {
  checkImageLimits({ byteLength: 100 }, { width: 10, height: 10 }, "a", {
    maxPixels: 100,
    maxBytes: 100,
  });
  assertThrowsWith(
    () =>
      checkImageLimits({ byteLength: 100 }, { width: 11, height: 10 }, "a", {
        maxPixels: 100,
      }),
    ImageTooLargeError,
    "over the limit of 0 megapixels",
  );
  assertThrowsWith(
    () =>
      checkImageLimits({ byteLength: 101 }, undefined, "a", { maxBytes: 100 }),
    ImageTooLargeError,
    "101 bytes",
  );
});
