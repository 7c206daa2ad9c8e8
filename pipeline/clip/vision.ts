/**
 * CLIP's image tower over the Xenova export (`onnx/vision_model.onnx`):
 * views in, raw (unnormalised) image embeddings out, in batches.
 *
 * @module
 */

import {
  assertSignature,
  type InferenceSession,
  type SessionSignature,
} from "../models/session.ts";
import { deviceTensor, tensor } from "../models/tensor.ts";

/** Inputs and outputs the CLIP vision model must have. */
export const CLIP_VISION_SIGNATURE: SessionSignature = {
  inputs: [{ name: "pixel_values", type: "float32", rank: 4 }],
  outputs: [{ name: "image_embeds", type: "float32", rank: 2 }],
};

/**
 * Embeds CLIP views (N x 3 x size x size, normalised) in batches.
 *
 * @example
 * ```ts
 * const vision = new ClipVisionEncoder(session);
 * const embeds = await vision.embed(views, 2 * proposals.length); // N x 512
 * ```
 */
export class ClipVisionEncoder {
  #session: InferenceSession;
  /** Views per model call. */
  readonly batchSize: number;
  /** Side of the square input. */
  readonly size: number;

  /**
   * Checks the session's signature and sets up the encoder; throws a
   * RangeError when `batchSize` is not a positive integer.
   *
   * @param session Session of `onnx/vision_model.onnx`.
   * @param batchSize Views per call. Default 16.
   */
  constructor(session: InferenceSession, batchSize = 16) {
    assertSignature(session, CLIP_VISION_SIGNATURE);
    if (!(Number.isInteger(batchSize) && batchSize > 0)) {
      throw new RangeError(
        `CLIP batch size must be a positive integer, got ${batchSize}.`,
      );
    }
    this.#session = session;
    this.batchSize = batchSize;
    const side = session.inputs[0].shape[3];
    this.size = typeof side === "number" ? side : 224;
  }

  /** The WebGPU device whose buffers the session takes, if any. */
  get gpuDevice(): GPUDevice | undefined {
    return this.#session.gpuDevice;
  }

  /**
   * Embeds `count` views held on the GPU (count x 3 x size x size f32
   * from byte 0 of `views`, on the session's device) in one model call;
   * only the embeddings are read back. Throws when the session does not
   * run on that buffer's device (its `gpuDevice`).
   */
  async embedOnDevice(
    views: GPUBuffer,
    count: number,
  ): Promise<{ embeds: Float32Array; dim: number }> {
    const out = await this.#session.run({
      pixel_values: deviceTensor(views, [count, 3, this.size, this.size]),
    }, ["image_embeds"]);
    const e = out.image_embeds;
    return { embeds: e.data as Float32Array, dim: e.dims[1] };
  }

  /** Embeds `count` views; returns count x D embeddings and D. */
  async embed(
    views: Float32Array,
    count: number,
  ): Promise<{ embeds: Float32Array; dim: number }> {
    const per = 3 * this.size * this.size;
    if (views.length !== count * per) {
      throw new RangeError(
        `Expected ${count} views of 3x${this.size}x${this.size} (${
          count * per
        } values), got ${views.length}.`,
      );
    }
    const parts: Float32Array[] = [];
    let dim = 0;
    for (let start = 0; start < count; start += this.batchSize) {
      const n = Math.min(this.batchSize, count - start);
      const out = await this.#session.run({
        pixel_values: tensor(
          "float32",
          views.subarray(start * per, (start + n) * per),
          [n, 3, this.size, this.size],
        ),
      }, ["image_embeds"]);
      const e = out.image_embeds;
      dim = e.dims[1];
      parts.push(e.data as Float32Array);
    }
    const embeds = new Float32Array(count * dim);
    let offset = 0;
    for (const p of parts) {
      embeds.set(p, offset);
      offset += p.length;
    }
    return { embeds, dim };
  }
}

/**
 * Mixes the two views of each proposal: v = alpha * global + (1 - alpha) * local,
 * on raw embeddings, as the method specifies.
 */
export function mixViews(
  global: Float32Array,
  local: Float32Array,
  alpha: number,
): Float32Array {
  if (global.length !== local.length) {
    throw new RangeError(
      `Global and local embeddings differ in size (${global.length} vs ${local.length}).`,
    );
  }
  const out = new Float32Array(global.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = alpha * global[i] + (1 - alpha) * local[i];
  }
  return out;
}
