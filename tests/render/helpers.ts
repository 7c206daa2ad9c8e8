/**
 * Small builders for the render tests: solid and patterned images, rectangle masks, and the set
 * of pixels that differ between two images.
 *
 * @module
 */

import { createRgbaImage, type RgbaImage } from "../../pipeline/image/rgba.ts";

/** An opaque image of one colour. */
export function solid(
  width: number,
  height: number,
  rgb: readonly [number, number, number],
): RgbaImage {
  const image = createRgbaImage(width, height);
  for (let p = 0; p < width * height; p++) {
    image.data.set([...rgb, 255], 4 * p);
  }
  return image;
}

/** An opaque image whose every pixel differs from its neighbours. */
export function patterned(width: number, height: number): RgbaImage {
  const image = createRgbaImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      image.data.set(
        [
          (x * 37 + y * 11) % 256,
          (x * 7 + y * 53) % 256,
          (x * y * 3 + 17) % 256,
          255,
        ],
        4 * (y * width + x),
      );
    }
  }
  return image;
}

/** A mask at width x height, 1 inside the rectangle [x, y, w, h] (clipped). */
export function rectMask(
  width: number,
  height: number,
  [x, y, w, h]: readonly [number, number, number, number],
): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (let j = Math.max(0, y); j < Math.min(height, y + h); j++) {
    for (let i = Math.max(0, x); i < Math.min(width, x + w); i++) {
      mask[j * width + i] = 1;
    }
  }
  return mask;
}

/** The pixels of `after` that differ from `before`, as sorted "x,y" strings. */
export function changed(before: RgbaImage, after: RgbaImage): string[] {
  const out: string[] = [];
  for (let y = 0; y < before.height; y++) {
    for (let x = 0; x < before.width; x++) {
      const i = 4 * (y * before.width + x);
      for (let c = 0; c < 4; c++) {
        if (before.data[i + c] !== after.data[i + c]) {
          out.push(`${x},${y}`);
          break;
        }
      }
    }
  }
  return out.sort();
}

/** The pixels where `mask` is nonzero, as sorted "x,y" strings. */
export function maskPixels(mask: ArrayLike<number>, width: number): string[] {
  const out: string[] = [];
  for (let p = 0; p < mask.length; p++) {
    if (mask[p]) out.push(`${p % width},${Math.floor(p / width)}`);
  }
  return out.sort();
}

/** The pixels of the rectangle [x0, x1) x [y0, y1), as sorted "x,y" strings. */
export function rectPixels(
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): string[] {
  const out: string[] = [];
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) out.push(`${x},${y}`);
  }
  return out.sort();
}

/** The RGBA value of one pixel. */
export function pixel(image: RgbaImage, x: number, y: number): number[] {
  const i = 4 * (y * image.width + x);
  return [...image.data.subarray(i, i + 4)];
}
