/**
 * Deterministic inputs for the kernel tests and benchmarks: a textured
 * RGBA image and N elliptical masks with their tight boxes, shaped like
 * the proposals of real work (boxes of 10% to 90% of each side, half the
 * side on average).
 *
 * @module
 */

import type { RgbaImage } from "../../pipeline/image/rgba.ts";
import type { Box, MaskBatch } from "../../kernels/clip_views.ts";

/** A seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = (seed >>> 0) || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A textured image: gradients, stripes and noise, every channel different. */
export function texturedImage(
  width: number,
  height: number,
  seed = 1,
): RgbaImage {
  const rand = seededRandom(seed);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      data[p] = (x * 255) / Math.max(width - 1, 1) * 0.6 + rand() * 100;
      data[p + 1] = (y * 255) / Math.max(height - 1, 1) * 0.6 + rand() * 100;
      data[p + 2] = ((x >> 3) + (y >> 3)) % 2 ? 230 : 20 + rand() * 20;
      data[p + 3] = 255;
    }
  }
  return { width, height, data };
}

/** Masks and their tight boxes ([x, y, w, h]; zeros for an empty mask). */
export interface MaskSet {
  readonly masks: MaskBatch;
  readonly boxes: Box[];
}

/** Tight box of one mask, [x, y, w, h]; zeros when empty. */
export function tightBox(
  mask: Uint8Array,
  width: number,
  height: number,
): Box {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

/**
 * N random ellipses (with a few holes cut by a second ellipse), each
 * clipped to the image, with their tight boxes.
 */
export function ellipseMasks(
  count: number,
  width: number,
  height: number,
  seed = 2,
): MaskSet {
  const rand = seededRandom(seed);
  const pixels = width * height;
  const data = new Uint8Array(count * pixels);
  const boxes: Box[] = [];
  for (let n = 0; n < count; n++) {
    const rx = (0.05 + 0.4 * rand()) * width;
    const ry = (0.05 + 0.4 * rand()) * height;
    const cx = rand() * width, cy = rand() * height;
    const hx = cx + (rand() - 0.5) * rx, hy = cy + (rand() - 0.5) * ry;
    const hr = rand() < 0.3 ? 0.3 * Math.min(rx, ry) : 0;
    const mask = data.subarray(n * pixels, (n + 1) * pixels);
    const ya = Math.max(0, Math.floor(cy - ry)),
      yb = Math.min(height, Math.ceil(cy + ry));
    const xa = Math.max(0, Math.floor(cx - rx)),
      xb = Math.min(width, Math.ceil(cx + rx));
    for (let y = ya; y < yb; y++) {
      for (let x = xa; x < xb; x++) {
        const u = (x + 0.5 - cx) / rx, v = (y + 0.5 - cy) / ry;
        if (u * u + v * v > 1) continue;
        if (hr > 0 && Math.hypot(x + 0.5 - hx, y + 0.5 - hy) < hr) continue;
        mask[y * width + x] = 1;
      }
    }
    boxes.push(tightBox(mask, width, height));
  }
  return { masks: { data, count }, boxes };
}

/**
 * The edge cases of the kernels' masks, in this order: empty, full,
 * one pixel in the middle, one pixel in the bottom-right corner, a strip
 * touching the left and top borders, a checkerboard with its box, and a
 * random ellipse.
 */
export function edgeMasks(width: number, height: number): MaskSet {
  const pixels = width * height;
  const list: Uint8Array[] = [];
  list.push(new Uint8Array(pixels));
  list.push(new Uint8Array(pixels).fill(1));
  const one = new Uint8Array(pixels);
  one[(height >> 1) * width + (width >> 1)] = 1;
  list.push(one);
  const corner = new Uint8Array(pixels);
  corner[pixels - 1] = 1;
  list.push(corner);
  const strip = new Uint8Array(pixels);
  for (let y = 0; y < Math.max(1, height >> 2); y++) {
    for (let x = 0; x < width; x++) strip[y * width + x] = 1;
  }
  for (let y = 0; y < height; y++) strip[y * width] = 1;
  list.push(strip);
  const checker = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    checker[i] = ((i % width) + Math.floor(i / width)) % 2;
  }
  list.push(checker);
  list.push(ellipseMasks(1, width, height, 9).masks.data);
  const data = new Uint8Array(list.length * pixels);
  list.forEach((m, i) => data.set(m, i * pixels));
  return {
    masks: { data, count: list.length },
    boxes: list.map((m) => tightBox(m, width, height)),
  };
}
