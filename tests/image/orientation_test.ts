import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { assertThrowsWith } from "./fixtures.ts";
import {
  type Orientation,
  orientImage,
  readExifOrientation,
} from "../../pipeline/image/orientation.ts";
import { createRgbaImage, type RgbaImage } from "../../pipeline/image/rgba.ts";

/** A 3 x 2 image whose red channel numbers the pixels: 1 2 3 / 4 5 6. */
function numbered(): RgbaImage {
  const image = createRgbaImage(3, 2);
  for (let i = 0; i < 6; i++) image.data.set([i + 1, 0, 0, 255], 4 * i);
  return image;
}

/** The red channel as rows. */
function rows(image: RgbaImage): number[][] {
  return Array.from(
    { length: image.height },
    (_, y) =>
      Array.from(
        { length: image.width },
        (_, x) => image.data[4 * (y * image.width + x)],
      ),
  );
}

// What a viewer shows for each EXIF orientation of the stored image 1 2 3 / 4 5 6.
const UPRIGHT: Record<Orientation, number[][]> = {
  1: [[1, 2, 3], [4, 5, 6]],
  2: [[3, 2, 1], [6, 5, 4]], // mirrored left-right
  3: [[6, 5, 4], [3, 2, 1]], // turned 180 degrees
  4: [[4, 5, 6], [1, 2, 3]], // mirrored top-bottom
  5: [[1, 4], [2, 5], [3, 6]], // transposed
  6: [[4, 1], [5, 2], [6, 3]], // turned 90 degrees clockwise
  7: [[6, 3], [5, 2], [4, 1]], // transversed
  8: [[3, 6], [2, 5], [1, 4]], // turned 90 degrees anticlockwise
};

for (const [value, expected] of Object.entries(UPRIGHT)) {
  Deno.test(`orientImage() turns orientation ${value} upright`, () => {
    const upright = orientImage(numbered(), Number(value) as Orientation);
    deepStrictEqual(rows(upright), expected);
    deepStrictEqual(upright.data.length, 24);
  });
}

Deno.test("orientImage() returns the same image for orientation 1", () => {
  const image = numbered();
  strictEqual(orientImage(image, 1), image);
});

Deno.test("orientImage() keeps all four channels of each pixel", () => {
  const image = createRgbaImage(
    2,
    1,
    new Uint8ClampedArray([1, 2, 3, 4, 5, 6, 7, 8]),
  );
  deepStrictEqual([...orientImage(image, 2).data], [5, 6, 7, 8, 1, 2, 3, 4]);
});

Deno.test("orientImage() reads pixel data that starts at an odd byte offset", () => {
  const backing = new Uint8ClampedArray(1 + 8);
  backing.set([1, 2, 3, 4, 5, 6, 7, 8], 1);
  const image = createRgbaImage(1, 2, backing.subarray(1));
  deepStrictEqual([...orientImage(image, 3).data], [5, 6, 7, 8, 1, 2, 3, 4]);
});

Deno.test("orientImage() rejects values outside 1 to 8", () => {
  assertThrowsWith(
    () => orientImage(numbered(), 9 as Orientation),
    RangeError,
    "orientation must be 1 to 8, got 9",
  );
});

function exif(
  littleEndian: boolean,
  entries: [tag: number, type: number, value: number][],
): Uint8Array {
  const bytes = new Uint8Array(6 + 8 + 2 + 12 * entries.length + 4);
  bytes.set([0x45, 0x78, 0x69, 0x66, 0, 0]);
  const view = new DataView(bytes.buffer, 6);
  bytes.set(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d], 6);
  view.setUint16(2, 42, littleEndian);
  view.setUint32(4, 8, littleEndian);
  view.setUint16(8, entries.length, littleEndian);
  entries.forEach(([tag, type, value], i) => {
    const at = 10 + 12 * i;
    view.setUint16(at, tag, littleEndian);
    view.setUint16(at + 2, type, littleEndian);
    view.setUint32(at + 4, 1, littleEndian);
    if (type === 3) view.setUint16(at + 8, value, littleEndian);
    else view.setUint32(at + 8, value, littleEndian);
  });
  return bytes;
}

Deno.test("readExifOrientation() reads the tag in little- and big-endian EXIF", () => {
  deepStrictEqual(readExifOrientation(exif(true, [[0x0112, 3, 6]])), 6);
  deepStrictEqual(readExifOrientation(exif(false, [[0x0112, 3, 8]])), 8);
});

Deno.test("readExifOrientation() finds the tag after other IFD entries", () => {
  deepStrictEqual(
    readExifOrientation(
      exif(false, [[0x010f, 2, 0], [0x0110, 2, 0], [0x0112, 3, 3]]),
    ),
    3,
  );
});

Deno.test("readExifOrientation() accepts a LONG tag and a bare TIFF block", () => {
  deepStrictEqual(readExifOrientation(exif(true, [[0x0112, 4, 5]])), 5);
  deepStrictEqual(
    readExifOrientation(exif(true, [[0x0112, 3, 7]]).subarray(6)),
    7,
  );
});

Deno.test("readExifOrientation() gives 1 for missing, out-of-range and malformed tags", () => {
  deepStrictEqual(readExifOrientation(exif(true, [[0x010f, 2, 0]])), 1);
  deepStrictEqual(readExifOrientation(exif(true, [[0x0112, 3, 0]])), 1);
  deepStrictEqual(readExifOrientation(exif(true, [[0x0112, 3, 9]])), 1);
  deepStrictEqual(
    readExifOrientation(exif(true, [[0x0112, 3, 6]]).subarray(0, 20)),
    1,
  ); // cut inside the IFD
  deepStrictEqual(
    readExifOrientation(
      new Uint8Array([0x45, 0x78, 0x69, 0x66, 0, 0, 0x58, 0x58]),
    ),
    1,
  );
  deepStrictEqual(readExifOrientation(new Uint8Array()), 1);
});
