/**
 * Compact proposal masks: a proposal keeps only its mask inside its box
 * (`crop`), and the image-size mask is expanded from it when a caller
 * reads `mask`. A flat 50 MP image gives dozens of proposals; at 50 MB a
 * full-size mask, holding them all would take gigabytes.
 *
 * @module
 */

import type { Proposal } from "./types.ts";

/** A box [x, y, width, height] in image pixels. */
export type XywhBox = readonly [number, number, number, number];

/**
 * The image-size mask (width x height bytes) of a crop: `crop` holds the
 * mask inside `box`, row by row; every pixel outside the box is 0.
 *
 * @example
 * ```ts
 * expandCrop(Uint8Array.of(1, 0), [1, 0, 2, 1], 3, 2); // [0, 1, 0, 0, 0, 0]
 * ```
 */
export function expandCrop(
  crop: Uint8Array,
  box: XywhBox,
  width: number,
  height: number,
): Uint8Array {
  const out = new Uint8Array(width * height);
  writeCrop(out, 0, crop, box, width);
  return out;
}

/**
 * Writes a crop into an image-size mask held in `target` from byte
 * `offset` (the rest of that mask is left as it is, zero in a new array).
 */
export function writeCrop(
  target: Uint8Array,
  offset: number,
  crop: Uint8Array,
  box: XywhBox,
  width: number,
): void {
  const [x, y, w, h] = box;
  if (crop.length !== w * h) {
    throw new RangeError(
      `A mask crop of ${crop.length} bytes does not fill its ${w}x${h} box.`,
    );
  }
  for (let r = 0; r < h; r++) {
    target.set(crop.subarray(r * w, (r + 1) * w), offset + (y + r) * width + x);
  }
}

/**
 * The mask of `p` inside its box, row by row: its `crop` when it has one,
 * else copied out of its image-size `mask`.
 *
 * @example
 * ```ts
 * const mask = Uint8Array.of(0, 1, 0, 0, 0, 0); // 3 x 2, one pixel
 * const p = { mask, box: [1, 0, 1, 1] as const, area: 1, predictedIou: 1, stability: 1, point: [1, 0] as const };
 * cropOf(p, 3); // [1]
 * ```
 */
export function cropOf(p: Proposal, width: number): Uint8Array {
  if (p.crop) return p.crop;
  const [x, y, w, h] = p.box;
  const out = new Uint8Array(w * h);
  for (let r = 0; r < h; r++) {
    const from = (y + r) * width + x;
    out.set(p.mask.subarray(from, from + w), r * w);
  }
  return out;
}

/**
 * Packs the image-size masks of some proposals one after another, each
 * written from its crop (no image-size mask is made per proposal).
 *
 * @example
 * ```ts
 * const proposal = {
 *   mask: new Uint8Array([0, 1, 0, 0, 1, 0]),
 *   crop: new Uint8Array([1, 1]),
 *   box: [1, 0, 1, 2] as const,
 *   area: 2,
 *   predictedIou: 0.9,
 *   stability: 1,
 *   point: [1, 0] as [number, number],
 * };
 * // Two proposals' 3x2 masks, one after the other.
 * packProposalMasks([proposal, proposal], 3, 2);
 * // Uint8Array [0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0]
 * ```
 */
export function packProposalMasks(
  proposals: readonly Proposal[],
  width: number,
  height: number,
): Uint8Array {
  const pixels = width * height;
  const out = new Uint8Array(proposals.length * pixels);
  proposals.forEach((p, i) =>
    writeCrop(out, i * pixels, cropOf(p, width), p.box, width)
  );
  return out;
}

/** The fields of a compact proposal: a {@linkcode Proposal} without `mask`. */
export type CompactFields = Omit<Proposal, "mask" | "crop"> & {
  readonly crop: Uint8Array;
};

/**
 * A proposal held as its box crop. Its `mask` is an accessor that expands
 * a new image-size array at each read (nothing is cached, so reading it
 * costs width x height bytes until the caller lets go of it).
 *
 * @example
 * ```ts
 * const p = compactProposal({
 *   crop: Uint8Array.of(1), box: [2, 1, 1, 1], area: 1,
 *   predictedIou: 0.9, stability: 1, point: [2, 1],
 * }, 4, 3);
 * p.mask.length; // 12
 * ```
 */
export function compactProposal(
  fields: CompactFields,
  width: number,
  height: number,
): Proposal {
  const { crop, box } = fields;
  if (crop.length !== box[2] * box[3]) {
    throw new RangeError(
      `A mask crop of ${crop.length} bytes does not fill its ${box[2]}x${
        box[3]
      } box.`,
    );
  }
  return {
    ...fields,
    get mask(): Uint8Array {
      return expandCrop(crop, box, width, height);
    },
  };
}

/**
 * How many image-size masks of `pixels` bytes fit in `budget` bytes, at
 * least 1 and at most `most`: the size of a batch of packed masks.
 *
 * @example
 * ```ts
 * masksPerBatch(32, 49_000_000, 128 * 2 ** 20); // 2
 * masksPerBatch(32, 640 * 480, 128 * 2 ** 20); // 32
 * ```
 */
export function masksPerBatch(
  most: number,
  pixels: number,
  budget: number,
): number {
  return Math.max(1, Math.min(most, Math.floor(budget / Math.max(1, pixels))));
}

/**
 * Bytes of image-size masks a stage packs into one batch at most (128
 * MiB): below it (images up to 4 MP at 32 masks) batches are as before;
 * above it they shrink, down to one mask.
 */
export const PACKED_MASK_BUDGET = 128 * 2 ** 20;
