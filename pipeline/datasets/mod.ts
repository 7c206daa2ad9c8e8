/**
 * Referring-segmentation datasets without the file system: REFER (refs(umd).p
 * + instances.json) and JSONL records, COCO masks from RLE and polygons.
 *
 * @module
 */

export * from "./types.ts";
export * from "./errors.ts";
export * from "./segmentation.ts";
export * from "./refer.ts";
export * from "./jsonl.ts";
export * from "./coco_mask.ts";
export * from "./coco_mask_error.ts";
export * from "./coco_rle.ts";
export * from "./coco_polygon.ts";
