/**
 * Shape checks for COCO segmentations (polygons, uncompressed and
 * compressed RLE) as dataset readers find them, before any mask is
 * decoded: the readers use them to reject or report a malformed ground
 * truth at the place it is written, not later in the evaluation.
 *
 * @example
 * ```ts
 * import { segmentationProblem } from "./segmentation.ts";
 *
 * segmentationProblem([[0, 0, 10, 0, 10, 10]], 20, 20); // undefined: fine
 * segmentationProblem({ size: [20, 30], counts: [600] }, 30, 20);
 * // 'RLE size [20, 30] (height, width) differs from the image (20 x 30 ...'
 * ```
 *
 * @module
 */

import { CocoMaskError } from "./coco_mask_error.ts";
import { decompressCounts } from "./coco_rle.ts";

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The first character of a compressed counts string that is out of range. */
function badCountsChar(counts: string): number {
  for (let i = 0; i < counts.length; i++) {
    const c = counts.charCodeAt(i);
    // Each character carries 5 bits plus a continuation bit, offset by 48.
    if (c < 48 || c > 48 + 63) return i;
  }
  return -1;
}

function polygonsProblem(parts: unknown[]): string | undefined {
  if (parts.length === 0) {
    return "has no polygon (an empty list); give at least one part";
  }
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p];
    if (!Array.isArray(part)) {
      return `part ${p} is not a list of coordinates (polygons are ` +
        "[[x0, y0, x1, y1, ...], ...])";
    }
    for (let i = 0; i < part.length; i++) {
      if (typeof part[i] !== "number" || !Number.isFinite(part[i])) {
        return `part ${p} coordinate ${i} is not a finite number ` +
          `(${JSON.stringify(part[i])})`;
      }
    }
    if (part.length % 2 !== 0) {
      return `part ${p} has an odd number of coordinates (${part.length}); ` +
        "polygons list x, y pairs";
    }
    if (part.length < 4) {
      return `part ${p} has ${part.length} coordinates; a polygon needs ` +
        "at least 3 points (pycocotools reads 4 numbers as a box)";
    }
  }
  return undefined;
}

function rleProblem(
  rle: Record<string, unknown>,
  width: number,
  height: number,
): string | undefined {
  const { size, counts } = rle;
  if (
    !Array.isArray(size) || size.length !== 2 ||
    !size.every((v) => Number.isInteger(v) && v > 0)
  ) {
    return `RLE "size" must be [height, width] in pixels (got ${
      JSON.stringify(size)
    })`;
  }
  if (size[0] !== height || size[1] !== width) {
    return `RLE size [${size[0]}, ${size[1]}] (height, width) differs ` +
      `from the image (${width} x ${height}, i.e. [${height}, ${width}])`;
  }
  if (typeof counts === "string") {
    if (counts.length === 0) return 'RLE "counts" is an empty string';
    const bad = badCountsChar(counts);
    if (bad >= 0) {
      return `RLE "counts" string has an invalid character ` +
        `${JSON.stringify(counts[bad])} at index ${bad} (compressed ` +
        "counts use the characters '0' to 'o')";
    }
    return compressedCountsProblem(counts, width * height);
  }
  if (Array.isArray(counts)) {
    let sum = 0;
    for (let i = 0; i < counts.length; i++) {
      const v = counts[i];
      if (!Number.isInteger(v) || v < 0) {
        return `RLE "counts" entry ${i} is not a non-negative integer ` +
          `(${JSON.stringify(v)})`;
      }
      sum += v;
    }
    if (sum !== width * height) {
      return `RLE run lengths add up to ${sum}, not height x width = ` +
        `${width * height}`;
    }
    return undefined;
  }
  return 'RLE "counts" must be a list of run lengths or a compressed ' +
    `string (got ${counts === undefined ? "nothing" : typeof counts})`;
}

/** Why a compressed counts string does not decode to `pixels` pixels. */
function compressedCountsProblem(
  counts: string,
  pixels: number,
): string | undefined {
  let runs: number[];
  try {
    runs = decompressCounts(counts);
  } catch (error) {
    if (error instanceof CocoMaskError) {
      return `RLE "counts" string is corrupt: ${error.reason}`;
    }
    throw error;
  }
  const sum = runs.reduce((a, b) => a + b, 0);
  return sum === pixels ? undefined : `RLE "counts" string decodes to run ` +
    `lengths adding up to ${sum}, not height x width = ${pixels}`;
}

/**
 * Checks that a value is a well-formed COCO segmentation for an image of
 * the given size: polygons (a non-empty list of parts, each an even list
 * of at least 4 finite numbers: 6 or more for a polygon, 4 for the box
 * form [x, y, w, h] that pycocotools accepts when the first part has 4), or an RLE `{size: [height, width],
 * counts}` whose size matches the image and whose counts are run lengths
 * adding up to height x width or a compressed string of characters '0' to
 * 'o' that decodes to run lengths adding up to height x width.
 *
 * @param value the segmentation as read
 * @param width image width in pixels
 * @param height image height in pixels
 * @returns a description of the first problem, or undefined when it is fine
 */
export function segmentationProblem(
  value: unknown,
  width: number,
  height: number,
): string | undefined {
  if (Array.isArray(value)) return polygonsProblem(value);
  if (isPlainObject(value)) return rleProblem(value, width, height);
  return "must be a list of polygons [[x0, y0, x1, y1, ...], ...] or an " +
    `RLE object {"size": [height, width], "counts": ...} (got ${
      value === null ? "null" : typeof value
    })`;
}
