/**
 * Rasterisation of COCO polygons, pixel for pixel as pycocotools
 * (`frPyObjects`, cocoapi's `rleFrPoly`) does it.
 *
 * The method: scale the vertices by 5 and round them to a sub-pixel grid,
 * walk every edge one grid step at a time along its longer axis, and keep
 * the points where the walk crosses a pixel column's centre line
 * (x = 5i + 2.5 on the grid); each crossing toggles the column at the first
 * pixel centre below it. Sorting the toggles in column-major order gives
 * the run lengths directly. A pixel is inside when its centre is, up to the
 * rounding of the vertices to a fifth of a pixel.
 *
 * @module
 */

import { CocoMaskError } from "./coco_mask_error.ts";
import { checkDimensions, decodeRle, mergeRles, type Rle } from "./coco_rle.ts";

const SCALE = 5;
const INT_LIMIT = 2 ** 31;

function toGrid(
  polygon: readonly number[],
  index: number,
  what: string,
): number {
  const value = polygon[index];
  const g = typeof value === "number" ? Math.trunc(SCALE * value + 0.5) : NaN;
  if (!Number.isFinite(g) || Math.abs(g) >= INT_LIMIT) {
    throw new CocoMaskError(
      `${what}: coordinate ${index} is ${value}, not a number within +-${
        INT_LIMIT / SCALE
      }`,
      "pass the polygon as [x0, y0, x1, y1, ...] in pixels",
    );
  }
  return g;
}

/**
 * Rasterises one polygon [x0, y0, x1, y1, ...] (pixel coordinates, the
 * last vertex joined to the first) into a COCO RLE, as pycocotools'
 * `frPyObjects([polygon], height, width)[0]`. Parts outside the image are
 * clipped; polygons of fewer than 3 vertices come out empty.
 *
 * @example
 * ```ts
 * import { polygonToRle } from "./coco_polygon.ts";
 * import { rleArea } from "./coco_rle.ts";
 *
 * const rle = polygonToRle([1, 1, 4, 1, 4, 3, 1, 3], 6, 5);
 * rleArea(rle); // 6: pixel centres x in {1.5, 2.5, 3.5}, y in {1.5, 2.5}
 * ```
 *
 * @throws {CocoMaskError} for an odd number of coordinates or one that is not a finite number
 */
export function polygonToRle(
  polygon: readonly number[],
  width: number,
  height: number,
): Rle {
  return rasterise(polygon, width, height, "polygonToRle()");
}

function rasterise(
  polygon: readonly number[],
  width: number,
  height: number,
  what: string,
): Rle {
  const total = checkDimensions(width, height, what);
  if (!Array.isArray(polygon) && !ArrayBuffer.isView(polygon)) {
    throw new CocoMaskError(
      `${what}: the polygon is ${typeof polygon}, not a list of coordinates`,
      "pass the polygon as [x0, y0, x1, y1, ...] in pixels",
    );
  }
  if (polygon.length % 2 !== 0) {
    throw new CocoMaskError(
      `${what}: the polygon has ${polygon.length} coordinates, an odd number`,
      "pass pairs of coordinates [x0, y0, x1, y1, ...]; the list is cut or holds a stray value",
    );
  }
  const k = polygon.length / 2;
  const gx = new Float64Array(k + 1);
  const gy = new Float64Array(k + 1);
  for (let j = 0; j < k; j++) {
    gx[j] = toGrid(polygon, 2 * j, what);
    gy[j] = toGrid(polygon, 2 * j + 1, what);
  }
  gx[k] = gx[0];
  gy[k] = gy[0];

  // Column-major toggle positions x * h + y at the pixel column crossings.
  const h = height, w = width;
  const toggles: number[] = [];
  let pu = 0, pv = 0, started = false;
  const point = (u: number, v: number) => {
    if (started && u !== pu) {
      const xd = ((u < pu ? u : u - 1) + 0.5) / SCALE - 0.5;
      if (Math.floor(xd) === xd && xd >= 0 && xd <= w - 1) {
        let yd = ((v < pv ? v : pv) + 0.5) / SCALE - 0.5;
        if (yd < 0) yd = 0;
        else if (yd > h) yd = h;
        toggles.push(xd * h + Math.ceil(yd));
      }
    }
    pu = u;
    pv = v;
    started = true;
  };
  // Only points with u in [2, 5w - 2] can make a crossing inside the image.
  const uLo = 2, uHi = SCALE * w - 2;

  for (let j = 0; j < k && k > 0; j++) {
    let xs = gx[j], xe = gx[j + 1], ys = gy[j], ye = gy[j + 1];
    const dx = Math.abs(xe - xs), dy = Math.abs(ys - ye);
    const alongX = dx >= dy;
    const flip = alongX ? xs > xe : ys > ye;
    if (flip) {
      [xs, xe] = [xe, xs];
      [ys, ye] = [ye, ys];
    }
    const steps = alongX ? dx : dy;
    // Along the longer axis one grid step at a time, from the lower end (t)
    // but in the edge's own direction (d); the other axis is rounded.
    const s = alongX ? (ye - ys) / dx : (xe - xs) / dy;
    let tFrom: number, tTo: number;
    if (alongX) {
      tFrom = uLo - xs;
      tTo = uHi - xs;
    } else if (s === 0) {
      tFrom = 1;
      tTo = 0; // u is constant along the edge: no crossing inside it
    } else {
      // |s| < 1, so u moves by at most 1 a step; bound xs + s * t to [1, 5w - 1].
      const a = (1 - xs) / s, b = (SCALE * w - 1 - xs) / s;
      tFrom = Math.floor(Math.min(a, b)) - 2;
      tTo = Math.ceil(Math.max(a, b)) + 2;
    }
    let dFrom = flip ? steps - tTo : tFrom;
    let dTo = flip ? steps - tFrom : tTo;
    if (dFrom < 1) dFrom = 1;
    if (dTo > steps) dTo = steps;
    // The first point always (it joins the previous edge), the points that
    // may cross a column inside the image, the last point always; pairs
    // skipped between them lie outside the image.
    const skipAll = dFrom > dTo;
    for (let d = 0;;) {
      const t = flip ? steps - d : d;
      if (alongX) point(t + xs, Math.trunc(ys + s * t + 0.5));
      else point(Math.trunc(xs + s * t + 0.5), t + ys);
      if (d >= steps) break;
      if (skipAll || d >= dTo) {
        started = false;
        d = steps;
      } else if (d === 0 && dFrom > 1) {
        started = false;
        d = dFrom - 1;
      } else d++;
    }
  }
  return { size: [h, w], counts: togglesToCounts(toggles, total) };
}

/** Turns sorted toggle positions into run lengths; coinciding toggles cancel. */
function togglesToCounts(toggles: number[], total: number): number[] {
  const a = new Float64Array(toggles.length + 1);
  a.set(toggles);
  a[toggles.length] = total;
  a.sort();
  const counts: number[] = [a[0]];
  let prev = a[0];
  for (let j = 1; j < a.length; j++) {
    const run = a[j] - prev;
    prev = a[j];
    if (run > 0) counts.push(run);
    else if (++j < a.length) {
      // Two toggles at one place cancel: the next run extends the last one.
      counts[counts.length - 1] += a[j] - prev;
      prev = a[j];
    }
  }
  return counts;
}

/**
 * Rasterises polygons and merges them by union into one COCO RLE, as
 * pycocotools' `merge(frPyObjects(polygons, height, width))` (what
 * `COCO.annToRLE` does for a polygon annotation). No polygons give an empty
 * mask.
 *
 * @example
 * ```ts
 * import { polygonsToRle } from "./coco_polygon.ts";
 *
 * // Two 1x1 squares around pixels (0, 0) and (1, 1) of a 2x2 image.
 * polygonsToRle([[0, 0, 1, 0, 1, 1, 0, 1], [1, 1, 2, 1, 2, 2, 1, 2]], 2, 2);
 * // { size: [2, 2], counts: [0, 1, 2, 1] }
 * ```
 *
 * @throws {CocoMaskError} for an odd number of coordinates or one that is not a finite number
 */
export function polygonsToRle(
  polygons: readonly (readonly number[])[],
  width: number,
  height: number,
): Rle {
  const total = checkDimensions(width, height, "polygonsToRle()");
  if (!Array.isArray(polygons)) {
    throw new CocoMaskError(
      `polygonsToRle(): got ${typeof polygons}, not a list of polygons`,
      "pass the polygons as [[x0, y0, x1, y1, ...], ...]",
    );
  }
  if (polygons.length === 0) return { size: [height, width], counts: [total] };
  const rles = polygons.map((polygon, i) =>
    rasterise(
      polygon,
      width,
      height,
      `polygonsToRle(): polygon ${i} of ${polygons.length}`,
    )
  );
  return mergeRles(rles);
}

/**
 * Rasterises polygons (merged by union) into a row-major mask of 0s and 1s
 * (height x width), pixel for pixel as pycocotools.
 *
 * @example
 * ```ts
 * import { polygonsToMask } from "./coco_polygon.ts";
 *
 * polygonsToMask([[0, 0, 2, 0, 2, 1, 0, 1]], 3, 2); // Uint8Array [1, 1, 0, 0, 0, 0]
 * ```
 *
 * @throws {CocoMaskError} for an odd number of coordinates or one that is not a finite number
 */
export function polygonsToMask(
  polygons: readonly (readonly number[])[],
  width: number,
  height: number,
): Uint8Array {
  return decodeRle(polygonsToRle(polygons, width, height));
}

/**
 * Rasterises a box [x, y, width, height] as pycocotools' `frBbox`: as the
 * polygon through its four corners.
 *
 * @example
 * ```ts
 * import { bboxToRle } from "./coco_polygon.ts";
 *
 * bboxToRle([0, 0, 1, 2], 2, 2); // { size: [2, 2], counts: [0, 2, 2] }
 * ```
 */
export function bboxToRle(
  bbox: readonly number[],
  width: number,
  height: number,
): Rle {
  if (!Array.isArray(bbox) || bbox.length !== 4) {
    throw new CocoMaskError(
      `bboxToRle(): the box ${
        JSON.stringify(bbox)
      } is not [x, y, width, height]`,
      "pass four numbers in pixels",
    );
  }
  const [x, y, bw, bh] = bbox;
  const xe = x + bw, ye = y + bh;
  return polygonToRle([x, y, x, ye, xe, ye, xe, y], width, height);
}
