/**
 * Host code shared by the two WebGPU kernels that build CLIP's views of
 * proposals (crop & fill, blur outside): the packing of filter taps that
 * views.wgsl.ts's `tap_words` locates, and the run of a batch split into
 * chunks by mask spans, with one views buffer per chunk and every chunk
 * read back into one N x 3 x size x size array.
 *
 * @module
 */

import type { ResampleTaps } from "../pipeline/image/resample.ts";
import { type GpuBatch, runBatch } from "./gpu_batch.ts";
import type { GpuContext } from "./gpu_device.ts";
import { planSpanChunks, type Span, type SpanChunk } from "./mask_spans.ts";

/**
 * Packs groups of taps (null: an empty group) one after another as u32
 * words: per axis of a group, the starts, the counts, then the weights
 * (f32 bits, `maxTaps` per output pixel). Returns the words (at least
 * one) and the word each group starts at (0 for an empty group).
 *
 * @example
 * ```ts
 * const { words, starts } = packTaps([[xt, yt], null, [xt2, yt2]]);
 * starts[2]; // where the third group's x taps begin
 * ```
 */
export function packTaps(
  groups: readonly (readonly ResampleTaps[] | null)[],
): { words: Uint32Array; starts: number[] } {
  let total = 0;
  for (const group of groups) {
    for (const axis of group ?? []) total += tapWords(axis);
  }
  const words = new Uint32Array(Math.max(total, 1));
  const floats = new Float32Array(words.buffer);
  const starts: number[] = [];
  let at = 0;
  for (const group of groups) {
    starts.push(group ? at : 0);
    for (const axis of group ?? []) {
      const size = axis.start.length;
      words.set(axis.start, at);
      words.set(axis.count, at + size);
      floats.set(axis.weights, at + 2 * size);
      at += tapWords(axis);
    }
  }
  return { words, starts };
}

/** Words one axis's taps take when packed. */
function tapWords(axis: ResampleTaps): number {
  const size = axis.start.length;
  return 2 * size + size * axis.maxTaps;
}

/** Records one chunk's dispatches, which write its views into `views`. */
export type ViewsChunkRecorder = (chunk: SpanChunk, views: GPUBuffer) => void;

/**
 * Runs a view kernel's GPU work as one batch: splits the proposals into
 * chunks whose mask spans and views fit a storage binding, gives each
 * chunk a views buffer (chunk.count x 3 x size x size f32) for the
 * recorder that `record` returns (after recording the work done once per
 * batch), and reads every chunk back into `output`, or into a new array
 * allocated on the first readback.
 *
 * @example
 * ```ts
 * const views = await runViewChunks(ctx, "crop_fill", spans, 224, undefined, (batch) => {
 *   const image = batch.upload(data);
 *   return (chunk, views) => batch.dispatch(pipeline, { 0: image, 1: views }, [14, 14, chunk.count]);
 * });
 * ```
 */
export async function runViewChunks(
  ctx: GpuContext,
  label: string,
  spans: readonly Span[],
  size: number,
  output: Float32Array | undefined,
  record: (batch: GpuBatch) => ViewsChunkRecorder,
): Promise<Float32Array> {
  const plane = size * size;
  const viewBytes = 3 * plane * 4;
  const plan = planSpanChunks(spans, viewBytes, ctx.maxBindingBytes);
  let out = output;
  await runBatch(ctx, label, (batch) => {
    const recordChunk = record(batch);
    for (const chunk of plan) {
      const views = batch.storage(chunk.count * viewBytes);
      recordChunk(chunk, views);
      const first = chunk.start * 3 * plane, length = chunk.count * 3 * plane;
      batch.read(views, length * 4, (bytes) => {
        out ??= new Float32Array(spans.length * 3 * plane);
        out.set(new Float32Array(bytes, 0, length), first);
      });
    }
  });
  return out ?? new Float32Array(0);
}
