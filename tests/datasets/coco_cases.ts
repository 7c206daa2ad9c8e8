/**
 * The expected values of tests/fixtures/coco_cases.json (made by pycocotools,
 * see tests/fixtures/coco_cases.py) and small helpers for the COCO mask tests.
 *
 * @module
 */

import { mulberry32 } from "../../pipeline/demo/_random.ts";

/** A segmentation rasterised by pycocotools' `merge(frPyObjects(...))`. */
export interface PolygonCase {
  name: string;
  width: number;
  height: number;
  segmentation: number[][];
  counts: string;
  area: number;
  bbox: [number, number, number, number];
}

/** A box [x, y, w, h] rasterised by pycocotools' `frBbox`. */
export interface BoxCase {
  name: string;
  width: number;
  height: number;
  bbox_in: [number, number, number, number];
  counts: string;
  area: number;
}

/** A mask encoded by pycocotools' `encode`: random bits, or all `fill`. */
export interface MaskCase {
  name: string;
  width: number;
  height: number;
  mask?: string;
  fill?: number;
  counts: string;
  area: number;
  bbox: [number, number, number, number];
}

/** Masks merged by pycocotools' `merge`, as union and as intersection. */
export interface MergeCase {
  name: string;
  width: number;
  height: number;
  masks: string[];
  union: string;
  intersection: string;
}

/** The whole fixture file. */
export interface CocoCases {
  pycocotools: string;
  polygons: PolygonCase[];
  boxes: BoxCase[];
  masks: MaskCase[];
  merges: MergeCase[];
}

/** Reads tests/fixtures/coco_cases.json. */
export async function readCocoCases(): Promise<CocoCases> {
  const url = new URL("../fixtures/coco_cases.json", import.meta.url);
  return JSON.parse(await Deno.readTextFile(url)) as CocoCases;
}

/** A row-major mask from a string of "0" and "1". */
export function bits(s: string): Uint8Array {
  return Uint8Array.from(s, (ch) => (ch === "1" ? 1 : 0));
}

/** A seeded pseudo-random generator (mulberry32) giving floats in [0, 1). */
export const random: (seed: number) => () => number = mulberry32;

/** The box [x, y, w, h] of the pixels set, by scanning the mask ([0, 0, 0, 0] when empty). */
export function scanBbox(
  mask: Uint8Array,
  width: number,
  height: number,
): [number, number, number, number] {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x] === 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}
