/**
 * Contract of the batched mask-overlap kernel: for K pairs (prediction k,
 * ground truth k) of masks of one size, the intersection and union pixel
 * counts, for evaluation (IoU = I / U; oIoU sums I and U over a dataset).
 *
 * @module
 */

import type { MaskBatch } from "../clip_views.ts";

/** Input of the batched mask-overlap kernel. */
export interface MaskOverlapsInput {
  /** K predicted masks of width x height bytes, non-zero inside. */
  readonly predicted: MaskBatch;
  /** K ground-truth masks of the same size, paired by index. */
  readonly truths: MaskBatch;
  /** Mask width. */
  readonly width: number;
  /** Mask height. */
  readonly height: number;
}

/** Pixel counts of each pair. */
export interface MaskOverlaps {
  /** Pixels inside both masks of pair k. */
  readonly intersections: Uint32Array;
  /** Pixels inside either mask of pair k. */
  readonly unions: Uint32Array;
}

/** Checks the two batches against each other and the size. */
export function checkOverlapsInput(input: MaskOverlapsInput): void {
  const { predicted, truths, width, height } = input;
  if (predicted.count !== truths.count) {
    throw new RangeError(
      `maskOverlaps() got ${predicted.count} predictions but ${truths.count} ground truths; pass one ground truth per prediction.`,
    );
  }
  for (
    const [what, m] of [["predictions", predicted], [
      "ground truths",
      truths,
    ]] as const
  ) {
    if (m.data.length !== m.count * width * height) {
      throw new RangeError(
        `maskOverlaps(): the ${what} hold ${m.data.length} bytes; ${m.count} masks of ${width}x${height} need ${
          m.count * width * height
        }. Compare masks at the image's full size.`,
      );
    }
  }
}
