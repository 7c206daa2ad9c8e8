/**
 * The pixel formulas of tests/fixtures/images/ (repeating tests/fixtures/images/generate.py),
 * and small builders for image headers.
 *
 * @module
 */

/** Folder of the image fixtures. */
export const FIXTURES = new URL("../fixtures/images/", import.meta.url);

/** Reads one fixture file. */
export function readFixture(name: string): Promise<Uint8Array> {
  return Deno.readFile(new URL(name, FIXTURES));
}

/** Size of the PNG fixtures. */
export const W = 11;
/** Size of the PNG fixtures. */
export const H = 6;

const red = (x: number, y: number) => (x * 23 + y * 7) % 256;
const green = (x: number, y: number) => (x * 5 + y * 41 + 3) % 256;
const blue = (x: number, y: number) => (x * y * 13 + 50) % 256;
const alpha = (x: number, y: number) => (x * 30 + y * 20 + 5) % 256;
const gray = (x: number, y: number) => (x * 23 + y * 17 + 9) % 256;
const bit1 = (x: number, y: number) => ((x + y) % 2) ^ (Math.floor(x / 3) % 2);
const index4 = (x: number, y: number) => (x + 3 * y) % 16;
const index2 = (x: number, y: number) => (x * 2 + y) % 4;
const gray2 = (x: number, y: number) => (x + 2 * y) % 4;
const gray16Keyed = (x: number, y: number) => 0x4800 + (x + y) % 3;

const PALETTE16 = Array.from(
  { length: 16 },
  (_, i) => [i * 16, 255 - i * 16, (i * 53) % 256],
);
const TRNS16 = Array.from({ length: 8 }, (_, i) => (i * 31) % 256);
const PALETTE4 = [[200, 10, 10], [10, 200, 10], [10, 10, 200], [250, 250, 250]];
const TRNS4 = [255, 128];
const GRAY_KEY = gray(0, 0);
const RGB_KEY = [red(1, 0), green(1, 0), blue(1, 0)];

type Pixel = (x: number, y: number) => [number, number, number, number];

const rgb: Pixel = (x, y) => [red(x, y), green(x, y), blue(x, y), 255];
const rgba: Pixel = (x, y) => [red(x, y), green(x, y), blue(x, y), alpha(x, y)];
const grayOpaque: Pixel = (x, y) => [gray(x, y), gray(x, y), gray(x, y), 255];
const grayAlpha: Pixel = (
  x,
  y,
) => [gray(x, y), gray(x, y), gray(x, y), alpha(x, y)];
const palette = (
  colors: number[][],
  trns: number[],
  index: (x: number, y: number) => number,
): Pixel =>
(x, y) => {
  const i = index(x, y);
  return [colors[i][0], colors[i][1], colors[i][2], trns[i] ?? 255];
};

/**
 * Expected RGBA of each PNG fixture after 8-bit conversion (16-bit samples keep their high
 * byte, which the formulas give; the generator fills the low byte with other values).
 */
export const PNG_PIXELS: Record<string, Pixel> = {
  "rgb8.png": rgb,
  "rgba8.png": rgba,
  "gray8.png": grayOpaque,
  "gray_alpha8.png": grayAlpha,
  "gray1.png": (x, y) => {
    const v = bit1(x, y) * 255;
    return [v, v, v, 255];
  },
  "gray16.png": grayOpaque,
  "palette4_trns.png": palette(PALETTE16, TRNS16, index4),
  "gray8_trns.png": (x, y) => {
    const v = gray(x, y);
    return [v, v, v, v === GRAY_KEY ? 0 : 255];
  },
  "rgb8_trns.png": (x, y) => {
    const [r, g, b] = rgb(x, y);
    return [
      r,
      g,
      b,
      r === RGB_KEY[0] && g === RGB_KEY[1] && b === RGB_KEY[2] ? 0 : 255,
    ];
  },
  "rgb16.png": rgb,
  "rgba16.png": rgba,
  "gray_alpha16.png": grayAlpha,
  "gray16_trns.png": (
    x,
    y,
  ) => [0x48, 0x48, 0x48, gray16Keyed(x, y) === 0x4801 ? 0 : 255],
  "gray2_trns.png": (x, y) => {
    const v = gray2(x, y) * 85;
    return [v, v, v, gray2(x, y) === 2 ? 0 : 255];
  },
  "rgba8_interlaced.png": rgba,
  "gray16_interlaced.png": grayOpaque,
  "palette2_interlaced.png": palette(PALETTE4, TRNS4, index2),
};

/** Builds the full expected RGBA data of a PNG fixture. */
export function expectedPng(name: string): Uint8ClampedArray {
  const pixel = PNG_PIXELS[name];
  const out = new Uint8ClampedArray(4 * W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) out.set(pixel(x, y), 4 * (y * W + x));
  }
  return out;
}

/** Source colours of the JPEG quadrants (top-left, top-right, bottom-left, bottom-right). */
export const QUADRANTS = [[220, 40, 40], [40, 200, 60], [50, 60, 210], [
  128,
  128,
  128,
]];
/** Gray levels of gray.jpg's quadrants. */
export const GRAY_QUADRANTS = [30, 90, 160, 230];
/** RGB of cmyk.jpg's quadrants: (255 - C) * (255 - K) / 255 of the inks written. */
export const CMYK_QUADRANTS_RGB = [[255, 55, 55], [55, 255, 55], [
  155,
  155,
  155,
], [255, 255, 255]];
/** JPEG pixels further than this from the block edges stay within JPEG_TOLERANCE. */
export const JPEG_MARGIN = 4;
/** Largest difference allowed between a JPEG pixel and its source colour. */
export const JPEG_TOLERANCE = 6;

/**
 * Largest channel difference between a decoded JPEG and flat colour blocks, skipping pixels
 * within JPEG_MARGIN of the block edges. colorAt gives the source RGB of a pixel.
 */
export function maxJpegError(
  image: { width: number; height: number; data: Uint8ClampedArray },
  colorAt: (x: number, y: number) => number[],
  edges: { x: number[]; y: number[] },
): number {
  let max = 0;
  for (let y = 0; y < image.height; y++) {
    if (edges.y.some((e) => Math.abs(y + 0.5 - e) < JPEG_MARGIN)) continue;
    for (let x = 0; x < image.width; x++) {
      if (edges.x.some((e) => Math.abs(x + 0.5 - e) < JPEG_MARGIN)) continue;
      const expected = colorAt(x, y);
      const i = 4 * (y * image.width + x);
      for (let c = 0; c < 3; c++) {
        max = Math.max(max, Math.abs(image.data[i + c] - expected[c]));
      }
      max = Math.max(max, Math.abs(image.data[i + 3] - 255));
    }
  }
  return max;
}

/** Quadrant lookup for a 32 x 32 JPEG fixture. */
export function quadrantAt(
  colors: number[][],
): (x: number, y: number) => number[] {
  return (x, y) => colors[(y < 16 ? 0 : 2) + (x < 16 ? 0 : 1)];
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG chunk with a valid CRC. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** The PNG signature and an IHDR chunk only: a header with no pixel data. */
export function pngHeader(
  width: number,
  height: number,
  depth = 8,
  colorType = 6,
): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  return concat(
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
  );
}

/** A JPEG segment: marker 0xFF nn, then the length and the payload. */
export function jpegSegment(marker: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  out[0] = 0xff;
  out[1] = marker;
  new DataView(out.buffer).setUint16(2, payload.length + 2);
  out.set(payload, 4);
  return out;
}

/** SOI, the given segments, then a frame header (SOF, 3 components) of the given size. */
export function jpegHeader(
  width: number,
  height: number,
  segments: Uint8Array[] = [],
  sof = 0xc0,
): Uint8Array {
  const frame = new Uint8Array([
    8,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    3,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
  ]);
  return concat(
    new Uint8Array([0xff, 0xd8]),
    ...segments,
    jpegSegment(sof, frame),
  );
}

/** Joins byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// deno-lint-ignore no-explicit-any
type ErrorClass = new (...args: any[]) => Error;

function checkError(
  error: unknown,
  type: ErrorClass,
  includes: string[],
): Error {
  if (!(error instanceof type)) {
    throw new Error(
      `expected a ${type.name}, got ${
        error instanceof Error ? error.name : typeof error
      }: ${error}`,
    );
  }
  for (const text of includes) {
    if (!error.message.includes(text)) {
      throw new Error(
        `expected the ${type.name} message to include "${text}", got: ${error.message}`,
      );
    }
  }
  return error;
}

/** Asserts that fn throws an instance of type whose message includes every given text. */
export function assertThrowsWith(
  fn: () => unknown,
  type: ErrorClass,
  ...includes: string[]
): Error {
  try {
    fn();
  } catch (error) {
    return checkError(error, type, includes);
  }
  throw new Error(`expected a ${type.name}, but nothing was thrown`);
}

/** Asserts that fn rejects with an instance of type whose message includes every given text. */
export async function assertRejectsWith(
  fn: () => Promise<unknown>,
  type: ErrorClass,
  ...includes: string[]
): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return checkError(error, type, includes);
  }
  throw new Error(`expected a ${type.name}, but the promise resolved`);
}
