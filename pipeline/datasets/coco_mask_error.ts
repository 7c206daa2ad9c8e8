/**
 * The error raised for malformed COCO masks: polygons, run-length encodings
 * and their compressed strings.
 *
 * @module
 */

/**
 * A COCO segmentation that cannot be read: an odd polygon coordinate count,
 * run lengths that do not add up to height x width, a bad character in a
 * compressed counts string, a size that does not match the image. The
 * message says what was wrong and what to do.
 *
 * @example
 * ```ts
 * import { CocoMaskError } from "./coco_mask_error.ts";
 * import { decompressCounts } from "./coco_rle.ts";
 *
 * try {
 *   decompressCounts("a b");
 * } catch (error) {
 *   if (error instanceof CocoMaskError) console.log(error.reason);
 * }
 * ```
 */
export class CocoMaskError extends Error {
  /** What was wrong, without the advice. */
  readonly reason: string;

  /**
   * Creates the error; its message is "Invalid COCO mask: {reason}; {hint}".
   *
   * @param reason what was wrong
   * @param hint what to do about it
   */
  constructor(reason: string, hint: string) {
    super(`Invalid COCO mask: ${reason}; ${hint}`);
    this.name = "CocoMaskError";
    this.reason = reason;
  }
}
