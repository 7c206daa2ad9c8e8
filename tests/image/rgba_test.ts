import { deepStrictEqual } from "node:assert/strict";
import { assertThrowsWith } from "./fixtures.ts";
import {
  createRgbaImage,
  rgbaFromGray,
  rgbaFromRgb,
} from "../../pipeline/image/rgba.ts";

Deno.test("createRgbaImage() allocates transparent black pixels", () => {
  const image = createRgbaImage(3, 2);
  deepStrictEqual([image.width, image.height, image.data.length], [3, 2, 24]);
  deepStrictEqual(image.data.every((v) => v === 0), true);
});

Deno.test("createRgbaImage() views the given bytes without copying", () => {
  const bytes = new Uint8Array(8);
  const image = createRgbaImage(2, 1, bytes);
  bytes[5] = 77;
  deepStrictEqual(image.data instanceof Uint8ClampedArray, true);
  deepStrictEqual(image.data[5], 77);
});

Deno.test("createRgbaImage() rejects a data length that does not match the size", () => {
  assertThrowsWith(
    () => createRgbaImage(2, 2, new Uint8ClampedArray(12)),
    RangeError,
    "data has 12 bytes but a 2 x 2 image needs 16",
  );
});

Deno.test("createRgbaImage() rejects zero, negative and fractional sizes", () => {
  assertThrowsWith(
    () => createRgbaImage(0, 2),
    RangeError,
    "width must be a positive whole number",
  );
  assertThrowsWith(
    () => createRgbaImage(2, -1),
    RangeError,
    "height must be a positive whole number",
  );
  assertThrowsWith(() => createRgbaImage(1.5, 2), RangeError, "got 1.5");
  assertThrowsWith(() => createRgbaImage(NaN, 2), RangeError, "got NaN");
});

Deno.test("rgbaFromRgb() adds opaque alpha to each pixel", () => {
  const image = rgbaFromRgb(new Uint8Array([1, 2, 3, 4, 5, 6]), 1, 2);
  deepStrictEqual([image.width, image.height], [1, 2]);
  deepStrictEqual([...image.data], [1, 2, 3, 255, 4, 5, 6, 255]);
});

Deno.test("rgbaFromRgb() rejects a buffer of the wrong length", () => {
  assertThrowsWith(
    () => rgbaFromRgb(new Uint8Array(5), 1, 2),
    RangeError,
    "rgb has 5 bytes but a 1 x 2 image needs 6",
  );
});

Deno.test("rgbaFromGray() copies gray into R, G and B with opaque alpha", () => {
  const image = rgbaFromGray([0, 128, 255], 3, 1);
  deepStrictEqual([...image.data], [
    0,
    0,
    0,
    255,
    128,
    128,
    128,
    255,
    255,
    255,
    255,
    255,
  ]);
});

Deno.test("rgbaFromGray() rejects a buffer of the wrong length", () => {
  assertThrowsWith(
    () => rgbaFromGray(new Uint8Array(4), 2, 3),
    RangeError,
    "gray has 4 bytes but a 2 x 3 image needs 6",
  );
});
