/**
 * One kernel call's GPU work: uploads, dispatches recorded into one
 * command encoder, then one submit and one readback of every output
 * (copied into one staging buffer). Buffers come from and go back to the
 * context's pool.
 *
 * @module
 */

import {
  type BufferRole,
  type GpuContext,
  GpuKernelError,
} from "./gpu_device.ts";

/** A binding of a dispatch: a whole buffer or a range of one. */
export type Binding = GPUBuffer | {
  buffer: GPUBuffer;
  offset?: number;
  size?: number;
};

/**
 * Where a readback part goes: called with the part's bytes (a multiple of
 * 4 bytes long), a mapped range that `unmap()` detaches right after the
 * call, so the sink must copy what it needs.
 */
export type ReadbackSink = (bytes: ArrayBuffer) => void;

interface ReadbackPart {
  buffer: GPUBuffer;
  offset: number;
  size: number;
  sink: ReadbackSink;
}

/** Largest workgroup count of one dispatch dimension (WebGPU's default limit). */
export const MAX_GROUPS_PER_DIMENSION = 65535;

/**
 * Records one call's uploads and dispatches (see {@linkcode runBatch}),
 * then submits them once and reads every output back with one mapping.
 */
export class GpuBatch {
  readonly #ctx: GpuContext;
  readonly #label: string;
  readonly #encoder: GPUCommandEncoder;
  readonly #held: [BufferRole, GPUBuffer][] = [];
  readonly #reads: ReadbackPart[] = [];
  #done = false;

  /** Starts a batch on `ctx`; `label` names the kernel in errors. */
  constructor(ctx: GpuContext, label: string) {
    this.#ctx = ctx;
    this.#label = label;
    ctx.device.pushErrorScope("out-of-memory");
    ctx.device.pushErrorScope("validation");
    this.#encoder = ctx.device.createCommandEncoder({ label });
  }

  /** A pooled storage buffer of at least `bytes` bytes (contents undefined). */
  storage(bytes: number): GPUBuffer {
    return this.#hold("storage", bytes);
  }

  /** A pooled storage (or uniform) buffer holding `data`, padded to a multiple of 4 bytes. */
  upload(
    data: ArrayBufferView,
    role: "storage" | "uniform" = "storage",
  ): GPUBuffer {
    const buffer = this.#hold(role, Math.max(data.byteLength, 4));
    writePadded(this.#ctx.device.queue, buffer, 0, data);
    return buffer;
  }

  /** Records a dispatch of `pipeline` with bindings of group 0 by index. */
  dispatch(
    pipeline: GPUComputePipeline,
    bindings: Record<number, Binding>,
    groups: readonly [number, number, number],
  ): void {
    if (groups.some((g) => g > MAX_GROUPS_PER_DIMENSION)) {
      throw new GpuKernelError(
        `${this.#label}: a dispatch of ${
          groups.join(" x ")
        } workgroups exceeds WebGPU's ${MAX_GROUPS_PER_DIMENSION} per dimension; pass a smaller batch.`,
      );
    }
    if (groups.some((g) => g === 0)) return;
    const entries = Object.entries(bindings).map(([binding, b]) => ({
      binding: Number(binding),
      resource: b instanceof GPUBuffer ? { buffer: b } : b,
    }));
    const group = this.#ctx.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: entries as GPUBindGroupEntry[],
    });
    const pass = this.#encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    pass.end();
  }

  /**
   * Copies `size` bytes (a multiple of 4) of `source` from `sourceOffset`
   * into `target` at `targetOffset`, after the dispatches recorded so far;
   * the target stays on the device (nothing is read back).
   */
  copy(
    source: GPUBuffer,
    sourceOffset: number,
    target: GPUBuffer,
    targetOffset: number,
    size: number,
  ): void {
    this.#encoder.copyBufferToBuffer(
      source,
      sourceOffset,
      target,
      targetOffset,
      size,
    );
  }

  /** Clears `size` bytes of `buffer` at `offset` to zero before later dispatches. */
  clear(buffer: GPUBuffer, offset = 0, size?: number): void {
    this.#encoder.clearBuffer(buffer, offset, size);
  }

  /**
   * Reads `size` bytes of `buffer` (from `offset`) back after the
   * dispatches; `sink` gets the bytes once they are mapped.
   */
  read(
    buffer: GPUBuffer,
    size: number,
    sink: ReadbackSink,
    offset = 0,
  ): void {
    this.#reads.push({ buffer, offset, size, sink });
  }

  /** Drops a batch that will not run: pops its error scopes, releases its buffers. */
  abandon(): void {
    if (this.#done) return;
    this.#done = true;
    this.#encoder.finish();
    this.#ctx.device.popErrorScope().catch(() => {});
    this.#ctx.device.popErrorScope().catch(() => {});
    this.#releaseAll();
  }

  /** Submits everything once, maps the outputs once, and releases the buffers. */
  async run(): Promise<void> {
    if (this.#done) throw new Error(`${this.#label}: the batch already ran.`);
    this.#done = true;
    const { device, buffers } = this.#ctx;
    let stagingBytes = 0;
    const at: number[] = [];
    for (const part of this.#reads) {
      at.push(stagingBytes);
      stagingBytes += Math.ceil(part.size / 8) * 8;
    }
    if (stagingBytes > this.#ctx.maxBufferBytes) {
      this.#done = false;
      this.abandon();
      throw new GpuKernelError(
        `${this.#label}: the outputs of one call (${stagingBytes} bytes) exceed the device's largest buffer (${this.#ctx.maxBufferBytes} bytes); pass fewer items per call.`,
      );
    }
    const staging = stagingBytes > 0
      ? buffers.acquire("readback", stagingBytes)
      : undefined;
    this.#reads.forEach((part, i) => {
      const size = Math.ceil(part.size / 4) * 4;
      this.#encoder.copyBufferToBuffer(
        part.buffer,
        part.offset,
        staging!,
        at[i],
        size,
      );
    });
    device.queue.submit([this.#encoder.finish()]);
    const validation = device.popErrorScope();
    const memory = device.popErrorScope();
    const mapped = staging?.mapAsync(GPUMapMode.READ, 0, stagingBytes);
    mapped?.catch(() => {});
    const error = (await validation) ?? (await memory);
    try {
      if (error) {
        throw new GpuKernelError(
          `The WebGPU kernel "${this.#label}" failed: ${error.message}`,
        );
      }
      if (staging) {
        await mapped;
        const ranges = this.#reads.map((part, i) =>
          staging.getMappedRange(at[i], Math.ceil(part.size / 4) * 4)
        );
        this.#reads.forEach((part, i) => part.sink(ranges[i]));
        staging.unmap();
      }
    } finally {
      if (staging) {
        if (staging.mapState !== "unmapped") {
          try {
            await mapped;
          } catch { /* already failed */ }
          if (staging.mapState === "mapped") staging.unmap();
        }
        buffers.release("readback", staging);
      }
      this.#releaseAll();
    }
  }

  #hold(role: BufferRole, bytes: number): GPUBuffer {
    if (bytes > this.#ctx.maxBindingBytes && role !== "readback") {
      throw new GpuKernelError(
        `${this.#label}: a buffer of ${bytes} bytes exceeds the device's storage binding limit (${this.#ctx.maxBindingBytes} bytes); pass fewer items per call.`,
      );
    }
    const buffer = this.#ctx.buffers.acquire(role, bytes);
    this.#held.push([role, buffer]);
    return buffer;
  }

  #releaseAll(): void {
    for (const [role, buffer] of this.#held) {
      this.#ctx.buffers.release(role, buffer);
    }
    this.#held.length = 0;
  }
}

/**
 * Runs one kernel call on the GPU: `record` uploads and dispatches through
 * the batch it gets (and registers readbacks); then everything is
 * submitted once and read back with one mapping. A throw from `record`
 * drops the batch cleanly.
 *
 * @example
 * ```ts
 * const result = new Float32Array(n);
 * await runBatch(await gpuContext(), "cosine", (batch) => {
 *   const out = batch.storage(n * 4);
 *   batch.dispatch(pipeline, { 0: batch.upload(data), 1: out }, [groups, 1, 1]);
 *   batch.read(out, n * 4, (bytes) => result.set(new Float32Array(bytes, 0, n)));
 * });
 * ```
 */
export async function runBatch(
  ctx: GpuContext,
  label: string,
  record: (batch: GpuBatch) => void,
): Promise<void> {
  const batch = new GpuBatch(ctx, label);
  try {
    record(batch);
  } catch (e) {
    batch.abandon();
    throw e;
  }
  await batch.run();
}

/** Writes `data` at `offset`, padding a tail that is not a whole number of 4-byte words. */
function writePadded(
  queue: GPUQueue,
  buffer: GPUBuffer,
  offset: number,
  data: ArrayBufferView,
): void {
  const bytes = new Uint8Array(
    data.buffer as ArrayBuffer,
    data.byteOffset,
    data.byteLength,
  );
  const whole = bytes.length & ~3;
  if (whole > 0) queue.writeBuffer(buffer, offset, bytes.subarray(0, whole));
  if (whole < bytes.length) {
    const tail = new Uint8Array(4);
    tail.set(bytes.subarray(whole));
    queue.writeBuffer(buffer, offset + whole, tail);
  }
}

/**
 * Splits `count` items into runs whose bytes (`bytesPerItem` each) fit
 * `limit` bytes, of at most `maxItems` items (one dispatch dimension).
 */
export function chunks(
  count: number,
  bytesPerItem: number,
  limit: number,
  maxItems = MAX_GROUPS_PER_DIMENSION,
): { start: number; count: number }[] {
  const per = Math.min(
    maxItems,
    Math.max(1, Math.floor(limit / Math.max(bytesPerItem, 1))),
  );
  const out: { start: number; count: number }[] = [];
  for (let s = 0; s < count; s += per) {
    out.push({ start: s, count: Math.min(per, count - s) });
  }
  return out;
}
