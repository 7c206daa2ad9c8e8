/**
 * Host code shared by the two WebGPU kernels that build CLIP's views of
 * proposals (crop & fill, blur outside): the packing of filter taps that
 * views.wgsl.ts's `tap_words` locates, and the run of a batch split into
 * chunks by mask spans, with one views buffer per chunk and every chunk
 * read back into one N x 3 x size x size array.
 *
 * @module
 */

import type { DeviceViews } from "./device_views.ts";
import type { ResampleTaps } from "../pipeline/image/resample.ts";
import { type GpuBatch, runBatch } from "./_gpu_batch.ts";
import type { GpuContext } from "./gpu_device.ts";
import { planSpanChunks, type Span, type SpanChunk } from "./_mask_spans.ts";

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

export type { DeviceViews } from "./device_views.ts";

/** Where a view kernel's results go: a host array (new when undefined) or the GPU. */
export type ViewsDestination = Float32Array | DeviceViews | undefined;

/**
 * Checks that `count` views of 3 x size x size fit `into` from its offset;
 * returns the offset.
 */
export function checkDeviceViews(
  into: DeviceViews,
  count: number,
  size: number,
  caller: string,
): number {
  const offset = into.offset ?? 0;
  const bytes = count * 3 * size * size * 4;
  if (!(Number.isInteger(offset) && offset >= 0 && offset % 4 === 0)) {
    throw new RangeError(
      `${caller}: the device offset must be a non-negative multiple of 4 bytes, got ${offset}.`,
    );
  }
  if (offset + bytes > into.buffer.size) {
    throw new RangeError(
      `${caller}: ${count} views of 3x${size}x${size} need ${bytes} bytes from offset ${offset}, but the device buffer holds ${into.buffer.size}.`,
    );
  }
  if ((into.buffer.usage & GPUBufferUsage.COPY_DST) === 0) {
    throw new RangeError(
      `${caller}: the device buffer needs COPY_DST usage to receive views.`,
    );
  }
  return offset;
}

/**
 * Runs a view kernel's GPU work as one batch: splits the proposals into
 * chunks whose mask spans and views fit a storage binding, gives each
 * chunk a views buffer (chunk.count x 3 x size x size f32) for the
 * recorder that `record` returns (after recording the work done once per
 * batch), and sends every chunk to `destination`: read back into a host
 * array (the one given, or a new one), or copied on the device into a
 * {@linkcode DeviceViews} buffer, in which case nothing is read back and
 * the result is undefined.
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
  destination: ViewsDestination,
  record: (batch: GpuBatch) => ViewsChunkRecorder,
): Promise<Float32Array | undefined> {
  const plane = size * size;
  const viewBytes = 3 * plane * 4;
  const device = destination instanceof Float32Array ? undefined : destination;
  const deviceOffset = device &&
    checkDeviceViews(device, spans.length, size, label);
  const plan = planSpanChunks(spans, viewBytes, ctx.maxBindingBytes);
  let out = destination instanceof Float32Array ? destination : undefined;
  await runBatch(ctx, label, (batch) => {
    const recordChunk = record(batch);
    for (const chunk of plan) {
      const views = batch.storage(chunk.count * viewBytes);
      recordChunk(chunk, views);
      if (device) {
        const at = deviceOffset! + chunk.start * viewBytes;
        batch.copy(views, 0, device.buffer, at, chunk.count * viewBytes);
        continue;
      }
      const first = chunk.start * 3 * plane, length = chunk.count * 3 * plane;
      batch.read(views, length * 4, (bytes) => {
        out ??= new Float32Array(spans.length * 3 * plane);
        out.set(new Float32Array(bytes, 0, length), first);
      });
    }
  });
  if (device) return undefined;
  return out ?? new Float32Array(0);
}
