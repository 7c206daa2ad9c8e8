/**
 * COCO segmentation masks: ground truth from an annotation's polygons or
 * RLE, predictions written as compressed RLE. Everything here is pure
 * computation (no file system), and matches pycocotools 2.0 pixel for pixel
 * and character for character.
 *
 * Masks are row-major Uint8Arrays (index y * width + x), 1 inside.
 *
 * @example
 * ```ts
 * import {
 *   annotationToMask,
 *   maskToCompressedRle,
 *   rleArea,
 * } from "./coco_mask.ts";
 *
 * const mask = annotationToMask([[10, 10, 30, 10, 30, 20, 10, 20]], 64, 48);
 * const rle = maskToCompressedRle(mask, 64, 48); // { size: [48, 64], counts: "..." }
 * rleArea(rle); // 200
 * ```
 *
 * @module
 */

import { CocoMaskError } from "./coco_mask_error.ts";
import { polygonsToRle } from "./coco_polygon.ts";
import {
  checkRle,
  type CompressedRle,
  decodeRle,
  decompressRle,
  type Rle,
} from "./coco_rle.ts";

export { CocoMaskError } from "./coco_mask_error.ts";
export {
  bboxToRle,
  polygonsToMask,
  polygonsToRle,
  polygonToRle,
} from "./coco_polygon.ts";
export {
  type CocoBbox,
  compressCounts,
  type CompressedRle,
  compressRle,
  decodeRle,
  decompressCounts,
  decompressRle,
  encodeRle,
  maskToCompressedRle,
  mergeRles,
  type Rle,
  rleArea,
  rleToBbox,
} from "./coco_rle.ts";

/**
 * An annotation's `segmentation`: polygons [[x0, y0, x1, y1, ...], ...],
 * an uncompressed RLE (`iscrowd` annotations) or a compressed RLE.
 */
export type CocoSegmentation = number[][] | Rle | CompressedRle;

const HINT_POLY = "pass the polygons as [[x0, y0, x1, y1, ...], ...] in pixels";

/**
 * The mask of an annotation's `segmentation` as a COCO RLE, as pycocotools'
 * `COCO.annToRLE`: polygons are rasterised and merged by union, an
 * uncompressed RLE is taken as it is, a compressed one is unpacked.
 *
 * Every entry of a polygon list is rasterised as a polygon. pycocotools
 * 2.0.11 raises instead when the first entry holds fewer than 6 numbers
 * (it takes exactly 4 for a box and then fails on the list); entries of 1
 * or 2 vertices enclose nothing, as pycocotools gives for them further on
 * in the list.
 *
 * @example
 * ```ts
 * import { annotationToRle } from "./coco_mask.ts";
 *
 * annotationToRle({ size: [2, 3], counts: "1121" }, 3, 2); // { size: [2, 3], counts: [1, 1, 2, 2] }
 * ```
 *
 * @throws {CocoMaskError} when the segmentation is malformed or its size is not height x width
 */
export function annotationToRle(
  segmentation: CocoSegmentation,
  width: number,
  height: number,
): Rle {
  if (Array.isArray(segmentation)) {
    return polygonAnnotationToRle(segmentation, width, height);
  }
  if (
    segmentation === null || typeof segmentation !== "object" ||
    !("counts" in segmentation)
  ) {
    throw new CocoMaskError(
      `the segmentation is ${
        segmentation === null ? "null" : typeof segmentation
      }, neither polygons nor an RLE {size, counts}`,
      "pass an annotation's `segmentation` field",
    );
  }
  const size = segmentation.size;
  if (
    !Array.isArray(size) || size[0] !== height || size[1] !== width
  ) {
    throw new CocoMaskError(
      `the RLE's size is ${
        JSON.stringify(size)
      }, but the image is ${height}x${width} (height x width)`,
      "pair the annotation with its own image (COCO's size is [height, width])",
    );
  }
  if (typeof segmentation.counts === "string") {
    return decompressRle(segmentation as CompressedRle);
  }
  const rle = checkRle(segmentation as Rle, "uncompressed RLE");
  return { size: [height, width], counts: rle.counts.slice() };
}

function polygonAnnotationToRle(
  polygons: number[][],
  width: number,
  height: number,
): Rle {
  if (polygons.length === 0) {
    throw new CocoMaskError(
      "the segmentation is an empty list of polygons",
      HINT_POLY,
    );
  }
  return polygonsToRle(polygons, width, height);
}

/**
 * The mask of an annotation's `segmentation` as a row-major array of 0s and
 * 1s (height x width), pixel for pixel as pycocotools'
 * `COCO.annToMask`.
 *
 * @example
 * ```ts
 * import { annotationToMask } from "./coco_mask.ts";
 *
 * annotationToMask([[0, 0, 2, 0, 2, 1, 0, 1]], 3, 2); // Uint8Array [1, 1, 0, 0, 0, 0]
 * annotationToMask({ size: [2, 3], counts: [1, 1, 2, 2] }, 3, 2); // Uint8Array [0, 0, 1, 1, 0, 1]
 * ```
 *
 * @throws {CocoMaskError} when the segmentation is malformed or its size is not height x width
 */
export function annotationToMask(
  segmentation: CocoSegmentation,
  width: number,
  height: number,
): Uint8Array {
  return decodeRle(annotationToRle(segmentation, width, height));
}
