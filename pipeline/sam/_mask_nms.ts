/**
 * Mask NMS: greedy suppression by the IoU of the masks themselves, for the
 * proposals that box NMS let through. Box IoU only approximates mask IoU:
 * two masks of one object can have boxes that differ by a thin protrusion
 * and both survive box NMS, then both cost CLIP views. The IoU matrix
 * comes from the pairwise mask-IoU kernel, on the GPU or its CPU twin.
 *
 * @module
 */

import type { Kernels } from "../../kernels/kernels.ts";
import { iouFromCounts } from "../../kernels/mask_pairwise_iou/contract.ts";
import { greedyNms } from "./_box_nms.ts";
import {
  cropOf,
  PACKED_MASK_BUDGET,
  packProposalMasks,
} from "./compact_mask.ts";
import type { Proposal } from "./types.ts";

/**
 * Greedy NMS over an n x n IoU matrix (row-major) whose rows come in order
 * of preference: keeps each index whose IoU with every index kept before
 * it is at most `iouThreshold`. Returns the kept indices in order.
 *
 * @example
 * ```ts
 * nmsByMatrix(Float32Array.of(1, 0.9, 0, 0.9, 1, 0, 0, 0, 1), 3, 0.8); // [0, 2]
 * ```
 */
export function nmsByMatrix(
  iou: ArrayLike<number>,
  n: number,
  iouThreshold: number,
): number[] {
  if (iou.length !== n * n) {
    throw new RangeError(
      `nmsByMatrix() got ${iou.length} IoU values for ${n} masks (needs ${
        n * n
      }).`,
    );
  }
  return greedyNms(
    Array.from({ length: n }, (_, i) => i),
    (i, k) => iou[i * n + k],
    iouThreshold,
  );
}

/**
 * Drops every proposal whose mask IoU with a better one (earlier in
 * `proposals`, which come best first) exceeds `iouThreshold`; 1 keeps all
 * without computing anything. Keeps the order. The IoU matrix comes from
 * the kernel while the proposals' image-size masks fit `budget` bytes
 * packed together, else from their crops on the host (the same values).
 *
 * @example
 * ```ts
 * const kept = await maskNms(proposals, width, height, 0.9, CPU_KERNELS);
 * ```
 */
export async function maskNms(
  proposals: readonly Proposal[],
  width: number,
  height: number,
  iouThreshold: number,
  kernels: Pick<Kernels, "pairwiseMaskIou">,
  budget: number = PACKED_MASK_BUDGET,
): Promise<Proposal[]> {
  if (iouThreshold >= 1 || proposals.length < 2) return [...proposals];
  const n = proposals.length;
  const iou = n * width * height <= budget
    ? await kernels.pairwiseMaskIou({
      masks: { data: packProposalMasks(proposals, width, height), count: n },
      width,
      height,
    })
    : pairwiseCropIou(proposals, width);
  return nmsByMatrix(iou, n, iouThreshold).map((i) => proposals[i]);
}

/** A proposal's mask as bits over its box's rows, 32 pixels a word, aligned to image columns. */
interface RowBits {
  /** First row. */
  readonly y: number;
  /** Rows held. */
  readonly h: number;
  /** First word of each row held (words before it are 0). */
  readonly k0: number;
  /** Words per row held. */
  readonly kw: number;
  /** h x kw words. */
  readonly bits: Int32Array;
  /** Pixels inside. */
  readonly area: number;
}

function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/** Packs a proposal's crop into {@linkcode RowBits}. */
function rowBits(p: Proposal, width: number): RowBits {
  const crop = cropOf(p, width);
  const [x, y, w, h] = p.box;
  const k0 = Math.floor(x / 32);
  const kw = w > 0 ? Math.floor((x + w - 1) / 32) - k0 + 1 : 0;
  const bits = new Int32Array(h * kw);
  let area = 0;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      if (crop[r * w + c] === 0) continue;
      const px = x + c;
      bits[r * kw + (px >> 5) - k0] |= 1 << (px & 31);
      area++;
    }
  }
  return { y, h, k0, kw, bits, area };
}

/**
 * The N x N IoU matrix of proposals' masks computed from their crops, as
 * the pairwise mask-IoU kernel's CPU twin computes it from image-size
 * masks (bit counts over the overlap of each pair's bounds), holding one
 * box of bits per proposal rather than N image-size masks.
 *
 * @example
 * ```ts
 * const iou = pairwiseCropIou(proposals, width); // N x N, row-major
 * ```
 */
export function pairwiseCropIou(
  proposals: readonly Proposal[],
  width: number,
): Float32Array {
  const n = proposals.length;
  const packed = proposals.map((p) => rowBits(p, width));
  const areas = packed.map((b) => b.area);
  const inter = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const a = packed[i];
    inter[i * n + i] = a.area;
    for (let j = i + 1; j < n; j++) {
      const b = packed[j];
      const y0 = Math.max(a.y, b.y), y1 = Math.min(a.y + a.h, b.y + b.h);
      const k0 = Math.max(a.k0, b.k0);
      const k1 = Math.min(a.k0 + a.kw, b.k0 + b.kw);
      let count = 0;
      for (let y = y0; y < y1; y++) {
        const ra = (y - a.y) * a.kw - a.k0, rb = (y - b.y) * b.kw - b.k0;
        for (let k = k0; k < k1; k++) {
          const v = a.bits[ra + k] & b.bits[rb + k];
          if (v !== 0) count += popcount(v);
        }
      }
      inter[i * n + j] = count;
    }
  }
  return iouFromCounts(n, areas, inter);
}
