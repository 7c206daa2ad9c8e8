/**
 * The dataset item shared by every dataset reader (REFER, JSONL): one
 * image with the objects its sentences refer to, each with its ground-truth
 * segmentation as COCO writes it. Items are grouped by image so that the
 * per-image work (SAM proposals, region features) runs once for all the
 * sentences of an image.
 *
 * @example
 * ```ts
 * import type { DatasetImage } from "./types.ts";
 *
 * const image: DatasetImage = {
 *   id: 581857,
 *   file: "COCO_train2014_000000581857.jpg",
 *   width: 427,
 *   height: 640,
 *   refs: [{
 *     refId: 0,
 *     annId: 1719310,
 *     sentences: [{ sentId: 0, sent: "the lady with the blue shirt" }],
 *     segmentation: [[103.9, 299.9, 238.1, 299.9, 238.1, 477.4, 103.9, 477.4]],
 *   }],
 * };
 * const sentences = image.refs.flatMap((ref) => ref.sentences).length; // 1
 * ```
 *
 * @module
 */

import type { CocoSegmentation } from "./coco_mask.ts";

export type { CocoSegmentation } from "./coco_mask.ts";

/** An id as datasets write them: COCO's integers, or strings in JSONL. */
export type DatasetId = number | string;

/** One referring sentence. */
export interface DatasetSentence {
  /** The sentence's id (REFER's sent_id). */
  sentId: DatasetId;
  /** The sentence (REFER's `sent`: lower case, tokens joined by spaces). */
  sent: string;
  /** The sentence as written by the annotator (REFER's `raw`), when known. */
  raw?: string;
}

/** An object of an image, the sentences that refer to it, and its mask. */
export interface DatasetRef {
  /** The ref's id (REFER's ref_id). */
  refId: DatasetId;
  /** The COCO annotation id of the object, when the dataset has one. */
  annId?: DatasetId;
  /** The COCO category id, when the dataset has one. */
  categoryId?: number;
  /** The sentences that refer to the object (one or more). */
  sentences: DatasetSentence[];
  /**
   * The ground-truth segmentation at the image's full size, as COCO writes
   * it: polygons, or an uncompressed or compressed RLE (decode it with
   * `annotationToMask` of coco_mask.ts).
   */
  segmentation: CocoSegmentation;
  /** The object's box [x, y, width, height] in pixels, when known. */
  bbox?: [number, number, number, number];
}

/** An image of a dataset split with the objects its sentences refer to. */
export interface DatasetImage {
  /** The image's id (COCO image_id, or the JSONL id / file name). */
  id: DatasetId;
  /** The file name, relative to the images folder. */
  file: string;
  /** Full-size width in pixels, as the annotations give it. */
  width: number;
  /** Full-size height in pixels, as the annotations give it. */
  height: number;
  /** The referred objects, in dataset order. */
  refs: DatasetRef[];
}
