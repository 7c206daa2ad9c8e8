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
import {
  concatFloat32,
  deviceTensor,
  type Tensor,
  tensor,
} from "../models/tensor.ts";
import { DEFAULTS } from "../defaults.ts";
import { TOKEN_MASK_INPUT } from "./token_mask_model.ts";
import { patchGridSide } from "./_token_mask_inputs.ts";

/** Inputs and outputs the CLIP vision model must have. */
export const CLIP_VISION_SIGNATURE: SessionSignature = {
  inputs: [{ name: "pixel_values", type: "float32", rank: 4 }],
  outputs: [{ name: "image_embeds", type: "float32", rank: 2 }],
};

/** Options of {@linkcode ClipVisionEncoder}. */
export interface ClipVisionOptions {
  /** Views per call. Default `DEFAULTS.clipBatchSize`. */
  batchSize?: number;
  /** Masks per token-masked call. Default 64. */
  maskBatchSize?: number;
  /**
   * Side of the square input (config.json's vision_config.image_size).
   * Default the model's fixed input width, else 224.
   */
  size?: number;
}

/**
 * Embeds CLIP views (N x 3 x size x size, normalised) in batches. On a
 * token-masked tower (one with a `token_mask` input, see
 * `deriveTokenMaskModel`) it also gives the token-masked global vectors of
 * masks over one whole-image view; plain views then go with a mask of ones,
 * which leaves them as the stock tower computes them.
 *
 * @example
 * ```ts
 * import { createSession } from "../models/session.ts";
 * import { DEMO_CLIP, demoModelFiles } from "../demo/models.ts";
 *
 * const files = demoModelFiles(); // a CLIP export's files, here the demo's
 * const stock = files.get(`${DEMO_CLIP}/onnx/vision_model.onnx`)!;
 * const vision = new ClipVisionEncoder(await createSession(stock));
 * const views = new Float32Array(2 * 3 * 224 * 224); // two normalised views
 * const { embeds, dim } = await vision.embed(views, 2); // 2 x 512
 * ```
 */
export class ClipVisionEncoder {
  #session: InferenceSession;
  /** Views per model call. */
  readonly batchSize: number;
  /** Side of the square input. */
  readonly size: number;
  /** Masks per token-masked call. */
  readonly maskBatchSize: number;
  /**
   * Tokens per image (class token + patches) of a token-masked tower;
   * undefined for a stock one.
   */
  readonly tokenMaskLength?: number;

  /**
   * Checks the session's signature and sets up the encoder; throws a
   * RangeError when a batch size is not a positive integer.
   *
   * @param session Session of `onnx/vision_model.onnx`, or of a token-masked tower derived from it.
   * @param options Batch sizes and the input side.
   */
  constructor(session: InferenceSession, options: ClipVisionOptions = {}) {
    assertSignature(session, CLIP_VISION_SIGNATURE);
    const { batchSize = DEFAULTS.clipBatchSize, maskBatchSize = 64 } = options;
    for (const [name, v] of [["", batchSize], [" mask", maskBatchSize]]) {
      if (!(Number.isInteger(v) && (v as number) > 0)) {
        throw new RangeError(
          `CLIP${name} batch size must be a positive integer, got ${v}.`,
        );
      }
    }
    this.#session = session;
    this.batchSize = batchSize;
    this.maskBatchSize = maskBatchSize;
    const pixels = session.inputs.find((i) => i.name === "pixel_values")!;
    const side = pixels.shape[3];
    if (
      typeof side === "number" && options.size !== undefined &&
      options.size !== side
    ) {
      throw new RangeError(
        `${session.label} takes ${side}-pixel views, not ${options.size}: check config.json's vision_config.image_size.`,
      );
    }
    this.size = options.size ?? (typeof side === "number" ? side : 224);
    const mask = session.inputs.find((i) => i.name === TOKEN_MASK_INPUT);
    if (mask) {
      const length = mask.shape[1];
      if (typeof length !== "number") {
        throw new RangeError(
          `${session.label}: its ${TOKEN_MASK_INPUT} input has no fixed token count (shape [${mask.shape}]); derive the model again.`,
        );
      }
      patchGridSide(length);
      this.tokenMaskLength = length;
    }
  }

  /** Whether the tower takes token masks (see {@linkcode embedTokenMasked}). */
  get tokenMasked(): boolean {
    return this.tokenMaskLength !== undefined;
  }

  /** Side of the patch grid of a token-masked tower (7 for ViT-B/32 at 224). */
  get patchGridSide(): number {
    if (this.tokenMaskLength === undefined) {
      throw new TypeError("This CLIP vision model takes no token masks.");
    }
    return patchGridSide(this.tokenMaskLength);
  }

  /** The token_mask feed of plain views: ones, for `count` views. */
  #onesMask(count: number): Record<string, Tensor> {
    const length = this.tokenMaskLength;
    if (length === undefined) return {};
    return {
      [TOKEN_MASK_INPUT]: tensor(
        "float32",
        new Float32Array(count * length).fill(1),
        [count, length, 1],
      ),
    };
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
      ...this.#onesMask(count),
    }, ["image_embeds"]);
    const e = out.image_embeds;
    return { embeds: e.data as Float32Array, dim: e.dims[1] };
  }

  /**
   * Embeds `count` views; returns count x D embeddings and D. An abort of
   * `options.signal` stops it between model calls.
   */
  async embed(
    views: Float32Array,
    count: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ embeds: Float32Array; dim: number }> {
    const per = 3 * this.size * this.size;
    if (views.length !== count * per) {
      throw new RangeError(
        `Expected ${count} views of 3x${this.size}x${this.size} (${
          count * per
        } values), got ${views.length}.`,
      );
    }
    return await this.#embedInCalls(
      count,
      this.batchSize,
      "views",
      options.signal,
      (start, n) => ({
        pixel_values: tensor(
          "float32",
          views.subarray(start * per, (start + n) * per),
          [n, 3, this.size, this.size],
        ),
        ...this.#onesMask(n),
      }),
    );
  }

  /**
   * Runs the tower on `count` items in calls of at most `batch`, each with
   * the feeds `feeds(start, n)` gives and one vector per item expected
   * (`what` names the items in the error otherwise); the vectors in order.
   * Throws the reason of `signal` once it is aborted, before the next call.
   */
  async #embedInCalls(
    count: number,
    batch: number,
    what: string,
    signal: AbortSignal | undefined,
    feeds: (start: number, n: number) => Record<string, Tensor>,
  ): Promise<{ embeds: Float32Array; dim: number }> {
    const parts: Float32Array[] = [];
    let dim = 0;
    for (let start = 0; start < count; start += batch) {
      signal?.throwIfAborted();
      const n = Math.min(batch, count - start);
      const out = await this.#session.run(feeds(start, n), ["image_embeds"]);
      const e = out.image_embeds;
      if (e.dims[0] !== n) {
        throw new RangeError(
          `${this.#session.label} gave ${e.dims[0]} vectors for ${n} ${what}.`,
        );
      }
      dim = e.dims[1];
      parts.push(e.data as Float32Array);
    }
    return { embeds: concatFloat32(parts), dim };
  }

  /**
   * The token-masked global vectors of `count` masks over one whole-image
   * view (3 x size x size, normalised): `rows` holds count x
   * tokenMaskLength values (see `tokenMaskRows`). The tower's trunk runs
   * once per call of up to `maskBatchSize` masks; an abort of
   * `options.signal` stops it between calls.
   *
   * @example
   * ```ts
   * import { createSession } from "../models/session.ts";
   * import { deriveTokenMaskModel } from "./token_mask_model.ts";
   * import { DEMO_CLIP, demoModelFiles } from "../demo/models.ts";
   *
   * const files = demoModelFiles(); // a CLIP export's files, here the demo's
   * const stock = files.get(`${DEMO_CLIP}/onnx/vision_model.onnx`)!;
   * const derived = deriveTokenMaskModel(stock, { sequenceLength: 50 }).bytes;
   * const vision = new ClipVisionEncoder(await createSession(derived));
   * const view = new Float32Array(3 * 224 * 224); // the whole image, normalised
   * // Two masks over the class token and the 7 x 7 patches: all, and the top row.
   * const rows = new Float32Array(2 * 50).fill(1);
   * rows.fill(0, 50 + 1 + 7, 100);
   * const { embeds } = await vision.embedTokenMasked(view, rows, 2); // 2 x 512
   * ```
   */
  async embedTokenMasked(
    view: Float32Array,
    rows: Float32Array,
    count: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ embeds: Float32Array; dim: number }> {
    const length = this.tokenMaskLength;
    if (length === undefined) {
      throw new TypeError(
        `${this.#session.label} takes no ${TOKEN_MASK_INPUT} input: derive it with deriveTokenMaskModel(), or use the blurred global view.`,
      );
    }
    const per = 3 * this.size * this.size;
    if (view.length !== per || rows.length !== count * length) {
      throw new RangeError(
        `Expected one view of 3x${this.size}x${this.size} (${per} values) and ${count} token masks of ${length} (${
          count * length
        } values), got ${view.length} and ${rows.length}.`,
      );
    }
    const pixels = tensor("float32", view, [1, 3, this.size, this.size]);
    return await this.#embedInCalls(
      count,
      this.maskBatchSize,
      "token masks: it does not broadcast the masks over the image",
      options.signal,
      (start, n) => ({
        pixel_values: pixels,
        [TOKEN_MASK_INPUT]: tensor(
          "float32",
          rows.subarray(start * length, (start + n) * length),
          [n, length, 1],
        ),
      }),
    );
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
