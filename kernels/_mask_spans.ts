/**
 * Host helpers of the GPU kernels that read masks: each mask is uploaded
 * only over the source rectangle (span) its kernel reads, packed one after
 * another, and a batch is split into chunks whose masks and outputs each
 * fit one storage binding.
 *
 * @module
 */

import type { MaskBatch } from "./clip_views.ts";

/** A source rectangle of a mask, in pixels; zero width or height reads nothing. */
export interface Span {
  /** First column. */
  readonly x: number;
  /** First row. */
  readonly y: number;
  /** Width in pixels. */
  readonly w: number;
  /** Height in pixels. */
  readonly h: number;
}

/** A run of items dispatched together, with where each item's span starts. */
export interface SpanChunk {
  /** First item. */
  readonly start: number;
  /** Items in the chunk. */
  readonly count: number;
  /** Packed mask bytes of the chunk (a multiple of 4, at least 4). */
  readonly maskBytes: number;
  /** Byte offset of each item's span in the packed masks. */
  readonly offsets: readonly number[];
}

/**
 * Splits items into chunks whose packed spans and outputs (`outBytes` per
 * item) stay within `limit` bytes each, and of at most `maxItems` items
 * (one dispatch dimension).
 */
export function planSpanChunks(
  spans: readonly Span[],
  outBytes: number,
  limit: number,
  maxItems = 65535,
): SpanChunk[] {
  const chunks: SpanChunk[] = [];
  let start = 0, bytes = 0, offsets: number[] = [];
  const flush = (end: number) => {
    if (end === start) return;
    chunks.push({
      start,
      count: end - start,
      maskBytes: Math.max(4, Math.ceil(bytes / 4) * 4),
      offsets,
    });
    start = end;
    bytes = 0;
    offsets = [];
  };
  for (let i = 0; i < spans.length; i++) {
    const b = spans[i].w * spans[i].h;
    const items = i - start + 1;
    if (
      items > maxItems ||
      (items > 1 &&
        (Math.ceil((bytes + b) / 4) * 4 > limit || items * outBytes > limit))
    ) {
      flush(i);
    }
    offsets.push(bytes);
    bytes += b;
  }
  flush(spans.length);
  return chunks;
}

/** Copies the spans of a chunk's masks into one packed byte array. */
export function packSpans(
  masks: MaskBatch,
  width: number,
  height: number,
  spans: readonly Span[],
  chunk: SpanChunk,
): Uint8Array {
  const out = new Uint8Array(chunk.maskBytes);
  const pixels = width * height;
  for (let k = 0; k < chunk.count; k++) {
    const i = chunk.start + k;
    const { x, y, w, h } = spans[i];
    let dst = chunk.offsets[k];
    for (let r = 0; r < h; r++) {
      const src = i * pixels + (y + r) * width + x;
      out.set(masks.data.subarray(src, src + w), dst);
      dst += w;
    }
  }
  return out;
}
