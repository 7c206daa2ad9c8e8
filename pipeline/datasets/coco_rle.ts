/**
 * COCO run-length encoding (RLE) of binary masks, bit for bit as pycocotools
 * (cocoapi's maskApi.c) writes and reads it.
 *
 * COCO stores a mask of height h and width w in column-major (Fortran)
 * order: pixel (x, y) is at index x * h + y. `counts` are the lengths of
 * alternating runs, starting with a run of 0s (which is empty when the first
 * pixel is set). The compressed form packs the counts into a string: each
 * count (from the fourth on, as the difference to the count two places
 * before) is written as signed 5-bit groups, least significant first, each
 * group as the character `48 + group` with bit 0x20 set while more groups
 * follow; the last group's bit 0x10 is the sign.
 *
 * Masks outside this file are row-major (index y * w + x), nonzero inside.
 *
 * @module
 */

import { CocoMaskError } from "./coco_mask_error.ts";

/** An uncompressed COCO RLE: column-major run lengths, starting with 0s. */
export interface Rle {
  /** [height, width], as COCO writes it. */
  size: [number, number];
  /** Lengths of alternating runs of 0s and 1s in column-major order, 0s first. */
  counts: number[];
}

/** A compressed COCO RLE, as in COCO result files: `{"size": [h, w], "counts": "..."}`. */
export interface CompressedRle {
  /** [height, width], as COCO writes it. */
  size: [number, number];
  /** The counts packed as COCO's string (characters "0" to "o"). */
  counts: string;
}

/** A box as pycocotools writes it: [x, y, width, height] in pixels. */
export type CocoBbox = [number, number, number, number];

const FIX_SIZE = "pass the size as [height, width] in whole pixels";

/** Checks width and height; returns their product. */
export function checkDimensions(
  width: number,
  height: number,
  what: string,
): number {
  if (
    !Number.isSafeInteger(width) || !Number.isSafeInteger(height) ||
    width < 0 || height < 0
  ) {
    throw new CocoMaskError(
      `${what}: width ${width} and height ${height} must be whole numbers >= 0`,
      "pass the image's size in pixels",
    );
  }
  return width * height;
}

function checkSize(size: unknown, what: string): [number, number] {
  if (
    !Array.isArray(size) || size.length !== 2 ||
    !Number.isSafeInteger(size[0]) || !Number.isSafeInteger(size[1]) ||
    size[0] < 0 || size[1] < 0
  ) {
    throw new CocoMaskError(
      `${what}: size ${JSON.stringify(size)} is not [height, width]`,
      FIX_SIZE,
    );
  }
  return size as [number, number];
}

/**
 * Checks that an RLE's size is [height, width] and that its counts are
 * whole numbers >= 0 adding up to height x width. Returns the RLE.
 *
 * @throws {CocoMaskError} when it is not so
 */
export function checkRle(rle: Rle, what = "RLE"): Rle {
  const [h, w] = checkSize(rle?.size, what);
  const counts = rle.counts;
  if (!Array.isArray(counts)) {
    throw new CocoMaskError(
      `${what}: counts is ${typeof counts}, not an array of run lengths`,
      "pass a compressed RLE (counts string) to decompressRle() first",
    );
  }
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (!Number.isSafeInteger(c) || c < 0) {
      throw new CocoMaskError(
        `${what}: count ${i} is ${c}, not a whole number >= 0`,
        "check that the counts come from a COCO RLE",
      );
    }
    sum += c;
  }
  if (sum !== h * w) {
    throw new CocoMaskError(
      `${what}: counts add up to ${sum} pixels, but size ${h}x${w} (height x width) holds ${
        h * w
      }`,
      "check that size is [height, width] of this mask's image",
    );
  }
  return rle;
}

/**
 * Encodes a row-major mask (nonzero inside) as a COCO RLE, as pycocotools'
 * `encode` does for the same mask.
 *
 * @example
 * ```ts
 * import { encodeRle } from "./coco_rle.ts";
 *
 * // 2 rows x 3 columns; column-major the pixels read 0,1, 0,0, 1,1.
 * const mask = new Uint8Array([0, 0, 1, 1, 0, 1]);
 * encodeRle(mask, 3, 2); // { size: [2, 3], counts: [1, 1, 2, 2] }
 * ```
 *
 * @throws {CocoMaskError} when the mask does not hold width x height pixels
 */
export function encodeRle(
  mask: Uint8Array,
  width: number,
  height: number,
): Rle {
  const n = checkDimensions(width, height, "encodeRle()");
  if (mask.length !== n) {
    throw new CocoMaskError(
      `encodeRle(): the mask holds ${mask.length} pixels, not ${width}x${height} = ${n}`,
      "pass a row-major mask of the image's width x height",
    );
  }
  const counts: number[] = [];
  let prev = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let i = x; i < n; i += width) {
      const v = mask[i] === 0 ? 0 : 1;
      if (v !== prev) {
        counts.push(run);
        run = 0;
        prev = v;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [height, width], counts };
}

/**
 * Decodes a COCO RLE to a row-major mask of 0s and 1s (height x width).
 *
 * @example
 * ```ts
 * import { decodeRle } from "./coco_rle.ts";
 *
 * decodeRle({ size: [2, 3], counts: [1, 1, 2, 2] }); // Uint8Array [0, 0, 1, 1, 0, 1]
 * ```
 *
 * @throws {CocoMaskError} when the counts do not add up to height x width
 */
export function decodeRle(rle: Rle): Uint8Array {
  checkRle(rle, "decodeRle()");
  const [h, w] = rle.size;
  const out = new Uint8Array(h * w);
  const counts = rle.counts;
  let pos = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if ((i & 1) === 1 && c > 0) {
      let x = Math.floor(pos / h);
      let y = pos - x * h;
      let left = c;
      while (left > 0) {
        const take = Math.min(h - y, left);
        for (let k = y * w + x, end = (y + take) * w + x; k < end; k += w) {
          out[k] = 1;
        }
        left -= take;
        y = 0;
        x++;
      }
    }
    pos += c;
  }
  return out;
}

/**
 * Packs run lengths into COCO's counts string, as cocoapi's `rleToString`.
 *
 * @example
 * ```ts
 * import { compressCounts } from "./coco_rle.ts";
 *
 * compressCounts([1, 1, 2, 2]); // "1121"
 * ```
 *
 * @throws {CocoMaskError} when a count is not a whole number >= 0
 */
export function compressCounts(counts: readonly number[]): string {
  // A safe integer takes at most 11 groups of 5 bits (with the sign).
  const bytes = new Uint8Array(counts.length * 11);
  let p = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i];
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new CocoMaskError(
        `compressCounts(): count ${i} is ${count}, not a whole number >= 0`,
        "check that the counts come from a COCO RLE",
      );
    }
    let x = i > 2 ? count - counts[i - 2] : count;
    let more = true;
    while (more) {
      // Arithmetic shift by 5 without 32-bit truncation.
      const q = Math.floor(x / 32);
      let c = x - q * 32;
      x = q;
      more = (c & 0x10) !== 0 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      bytes[p++] = c + 48;
    }
  }
  return new TextDecoder().decode(bytes.subarray(0, p));
}

/**
 * Unpacks COCO's counts string into run lengths, as cocoapi's `rleFrString`,
 * rejecting what it would misread: characters outside "0".."o", a string
 * cut inside a count, negative counts.
 *
 * @example
 * ```ts
 * import { decompressCounts } from "./coco_rle.ts";
 *
 * decompressCounts("1121"); // [1, 1, 2, 2]
 * ```
 *
 * @throws {CocoMaskError} when the string is not a COCO counts string
 */
export function decompressCounts(s: string): number[] {
  if (typeof s !== "string") {
    throw new CocoMaskError(
      `decompressCounts(): counts is ${typeof s}, not a string`,
      "pass the `counts` string of a compressed RLE",
    );
  }
  const counts: number[] = [];
  const n = s.length;
  let p = 0;
  while (p < n) {
    const start = p;
    let x = 0;
    let scale = 1;
    let more = true;
    while (more) {
      if (p >= n) {
        throw new CocoMaskError(
          `the counts string ends inside a count (the count from offset ${start} has no last character)`,
          "the string is truncated: take the whole `counts` string of the RLE",
        );
      }
      if (scale > 2 ** 50) {
        throw new CocoMaskError(
          `the count at offset ${start} of the counts string is over 10 characters long`,
          "the string is corrupt: take it from the original COCO file",
        );
      }
      const code = s.charCodeAt(p);
      const c = code - 48;
      if (c < 0 || c > 63) {
        throw new CocoMaskError(
          `character ${
            JSON.stringify(s[p])
          } (code ${code}) at offset ${p} of the counts string is outside "0".."o"`,
          "the string is corrupt or not a COCO counts string: take it from the original COCO file",
        );
      }
      x += (c & 0x1f) * scale;
      scale *= 32;
      more = (c & 0x20) !== 0;
      p++;
      if (!more && (c & 0x10) !== 0) x -= scale;
    }
    const m = counts.length;
    if (m > 2) x += counts[m - 2];
    if (x < 0) {
      throw new CocoMaskError(
        `count ${m} (offset ${start} of the counts string) decodes to ${x}, a negative run length`,
        "the string is corrupt: take it from the original COCO file",
      );
    }
    counts.push(x);
  }
  return counts;
}

/**
 * Compresses an RLE into COCO's string form.
 *
 * @example
 * ```ts
 * import { compressRle } from "./coco_rle.ts";
 *
 * compressRle({ size: [2, 3], counts: [1, 1, 2, 2] }); // { size: [2, 3], counts: "1121" }
 * ```
 *
 * @throws {CocoMaskError} when the counts do not add up to height x width
 */
export function compressRle(rle: Rle): CompressedRle {
  checkRle(rle, "compressRle()");
  return {
    size: [rle.size[0], rle.size[1]],
    counts: compressCounts(rle.counts),
  };
}

/**
 * Decompresses COCO's string form into run lengths, checking them against
 * the size.
 *
 * @example
 * ```ts
 * import { decompressRle } from "./coco_rle.ts";
 *
 * decompressRle({ size: [2, 3], counts: "1121" }); // { size: [2, 3], counts: [1, 1, 2, 2] }
 * ```
 *
 * @throws {CocoMaskError} when the string is corrupt or does not fit the size
 */
export function decompressRle(rle: CompressedRle): Rle {
  const size = checkSize(rle?.size, "decompressRle()");
  const out: Rle = {
    size: [size[0], size[1]],
    counts: decompressCounts(rle.counts),
  };
  return checkRle(out, "decompressRle()");
}

function toRle(rle: Rle | CompressedRle, what: string): Rle {
  return typeof rle?.counts === "string"
    ? decompressRle(rle as CompressedRle)
    : checkRle(rle as Rle, what);
}

/**
 * Encodes a row-major mask (nonzero inside) as a compressed COCO RLE, the
 * form of a segmentation in COCO result files.
 *
 * @example
 * ```ts
 * import { maskToCompressedRle } from "./coco_rle.ts";
 *
 * maskToCompressedRle(new Uint8Array([0, 0, 1, 1, 0, 1]), 3, 2); // { size: [2, 3], counts: "1121" }
 * ```
 *
 * @throws {CocoMaskError} when the mask does not hold width x height pixels
 */
export function maskToCompressedRle(
  mask: Uint8Array,
  width: number,
  height: number,
): CompressedRle {
  const rle = encodeRle(mask, width, height);
  return { size: rle.size, counts: compressCounts(rle.counts) };
}

/**
 * The number of pixels set, as pycocotools' `area`.
 *
 * @example
 * ```ts
 * import { rleArea } from "./coco_rle.ts";
 *
 * rleArea({ size: [2, 3], counts: [1, 1, 2, 2] }); // 3
 * rleArea({ size: [2, 3], counts: "1121" }); // 3
 * ```
 */
export function rleArea(rle: Rle | CompressedRle): number {
  const counts = toRle(rle, "rleArea()").counts;
  let area = 0;
  for (let i = 1; i < counts.length; i += 2) area += counts[i];
  return area;
}

/**
 * The bounding box [x, y, width, height] of the pixels set, as pycocotools'
 * `toBbox` computes it ([0, 0, 0, 0] for an empty mask).
 *
 * @example
 * ```ts
 * import { rleToBbox } from "./coco_rle.ts";
 *
 * rleToBbox({ size: [2, 3], counts: [1, 1, 2, 2] }); // [0, 0, 3, 2]
 * ```
 */
export function rleToBbox(rle: Rle | CompressedRle): CocoBbox {
  const { size: [h, w], counts } = toRle(rle, "rleToBbox()");
  const m = counts.length - (counts.length % 2);
  if (m === 0 || h === 0 || w === 0) return [0, 0, 0, 0];
  let xs = w, ys = h, xe = 0, ye = 0, xp = 0, cc = 0;
  for (let j = 0; j < m; j++) {
    cc += counts[j];
    // Run starts for even j, last pixel of the run of 1s for odd j.
    const t = cc - (j % 2);
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) {
      // The run wraps from the bottom of one column to the top of the next.
      ys = 0;
      ye = h - 1;
    }
    if (x < xs) xs = x;
    if (x > xe) xe = x;
    if (y < ys) ys = y;
    if (y > ye) ye = y;
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}

function merge2(a: number[], b: number[], intersect: boolean): number[] {
  const out: number[] = [];
  let ia = 0, ib = 0, ca = a[0], cb = b[0], va = 0, vb = 0, v = 0, run = 0;
  for (;;) {
    while (ca === 0 && ia < a.length - 1) {
      ca = a[++ia];
      va ^= 1;
    }
    while (cb === 0 && ib < b.length - 1) {
      cb = b[++ib];
      vb ^= 1;
    }
    if (ca === 0 || cb === 0) break;
    const c = ca < cb ? ca : cb;
    const nv = intersect ? va & vb : va | vb;
    if (nv !== v) {
      out.push(run);
      run = 0;
      v = nv;
    }
    run += c;
    ca -= c;
    cb -= c;
  }
  out.push(run);
  return out;
}

/**
 * The union (or intersection) of masks of one size, computed on the runs,
 * as pycocotools' `merge`. Merging two or more gives canonical runs (no
 * empty run but the first); a single mask comes back as a copy.
 *
 * @example
 * ```ts
 * import { mergeRles } from "./coco_rle.ts";
 *
 * const a = { size: [2, 2] as [number, number], counts: [0, 1, 3] };
 * const b = { size: [2, 2] as [number, number], counts: [3, 1] };
 * mergeRles([a, b]); // { size: [2, 2], counts: [0, 1, 2, 1] }
 * mergeRles([a, b], true); // { size: [2, 2], counts: [4] }
 * ```
 *
 * @throws {CocoMaskError} when the list is empty or the sizes differ
 */
export function mergeRles(rles: readonly Rle[], intersect = false): Rle {
  if (rles.length === 0) {
    throw new CocoMaskError(
      "mergeRles() got no masks",
      "pass at least one RLE",
    );
  }
  const first = checkRle(rles[0], "mergeRles() mask 0");
  const [h, w] = first.size;
  let counts = first.counts;
  for (let i = 1; i < rles.length; i++) {
    const rle = checkRle(rles[i], `mergeRles() mask ${i}`);
    if (rle.size[0] !== h || rle.size[1] !== w) {
      throw new CocoMaskError(
        `mergeRles(): mask ${i} is ${rle.size[0]}x${
          rle.size[1]
        } (height x width), mask 0 is ${h}x${w}`,
        "merge only masks of the same image",
      );
    }
    counts = merge2(counts, rle.counts, intersect);
  }
  return { size: [h, w], counts: rles.length === 1 ? counts.slice() : counts };
}
