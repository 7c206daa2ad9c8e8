/**
 * The fast SAM encoder: a stock `onnx/vision_encoder.onnx` whose
 * attention with decomposed relative positions runs one row of query
 * tokens at a time (`_chunked_attention.ts`), so the score matrix of a
 * global-attention layer (805 MB on SlimSAM) never exists whole and its
 * passes run in the processor's cache.
 *
 * On SlimSAM-77 (random weights, 2 threads, this 2-core machine) an
 * image's encoding takes 1.3 s instead of 2.3 s on its first call and
 * peaks at 0.5 GB instead of over 2 GB, with outputs equal to the last
 * bit on onnxruntime's CPU kernels. Like the fast decoder
 * (`fast_decoder.ts`) it is derived from the stock file, checked on a
 * probe against the stock encoder on each backend it runs on, and kept in
 * the model cache; an encoder without that attention, or whose outputs
 * differ, runs as exported.
 *
 * @example
 * ```ts
 * const stock = await Deno.readFile(
 *   "tests/fixtures/reference/models/oris-reference/tiny-random-sam/onnx/vision_encoder.onnx",
 * );
 * const { info } = deriveFastEncoder(stock);
 * info.chunkedAttention.length; // 2: the windowed layer's and the global one's
 * ```
 *
 * @module
 */

import type { OnnxModel } from "../models/onnx/model.ts";
import type { InferenceSession, ValueInfo } from "../models/inference.ts";
import type { ModelSource } from "../models/source.ts";
import { type Tensor, tensor } from "../models/tensor.ts";
import {
  deriveRewrite,
  type GraphRewrite,
  probeValues,
  RewriteMappingError,
  type RewriteRecord,
  rewriteRecord,
  type Rewritten,
  type RewrittenModel,
  rewrittenModel,
  verifiedRewrite,
} from "../models/verified_rewrite.ts";
import { chunkAttentionByRows } from "./_chunked_attention.ts";

/** The derived file's kind in the model cache (see `DerivedFiles`). */
export const FAST_ENCODER_DERIVATION = "fast-encoder-v1";

/** Metadata key the derived model carries (JSON of {@linkcode FastEncoderInfo}). */
export const FAST_ENCODER_METADATA = "oris.fast_encoder";

/** What a derivation did, as the derived file records it. */
export interface FastEncoderInfo extends RewriteRecord {
  /** Names of the `Softmax` nodes whose attention runs a row at a time. */
  readonly chunkedAttention: readonly string[];
}

/** Inputs that fill every float input of a model: sizes as declared, a symbolic one as 1. */
function probeFloatInputs(
  inputs: readonly ValueInfo[],
): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const [k, input] of inputs.entries()) {
    if (input.type !== "float32") {
      throw new RewriteMappingError(
        `the encoder has an input "${input.name}" (${input.type}) the probe cannot fill`,
      );
    }
    const dims = input.shape.map((d) => (typeof d === "number" ? d : 1));
    const n = dims.reduce((a, b) => a * b, 1);
    feeds[input.name] = tensor("float32", probeValues(n, 29 + k), dims);
  }
  return feeds;
}

/** The chunked attention on an encoder's graph, in place; throws where none is found. */
function rewriteEncoder(
  model: OnnxModel,
  label: string,
): Pick<FastEncoderInfo, "chunkedAttention"> {
  const chunkedAttention = chunkAttentionByRows(
    model.graph,
    model.opsets.get("") ?? 0,
  );
  if (chunkedAttention.length === 0) {
    throw new RewriteMappingError(
      `${label} has no attention with SAM's decomposed relative positions (a Softmax over scores plus two unsqueezed position terms, times the values)`,
    );
  }
  return { chunkedAttention };
}

/** The fast encoder as a {@linkcode GraphRewrite}. */
export const FAST_ENCODER: GraphRewrite<FastEncoderInfo> = {
  derivation: FAST_ENCODER_DERIVATION,
  metadataKey: FAST_ENCODER_METADATA,
  title: "the fast encoder",
  stockTitle: "the stock encoder",
  apply: rewriteEncoder,
  untouched: { chunkedAttention: [] },
  probe: probeFloatInputs,
};

/**
 * The derivation record of a derived encoder; undefined for a stock one
 * (or bytes that are no model).
 *
 * @example
 * ```ts
 * const stock = await Deno.readFile(
 *   "tests/fixtures/reference/models/oris-reference/tiny-random-sam/onnx/vision_encoder.onnx",
 * );
 * fastEncoderInfo(deriveFastEncoder(stock).bytes)?.rewrite; // "fast"
 * fastEncoderInfo(stock); // undefined
 * ```
 */
export function fastEncoderInfo(
  bytes: Uint8Array,
): FastEncoderInfo | undefined {
  return rewriteRecord(FAST_ENCODER, bytes);
}

/**
 * Derives the fast encoder from a stock encoder's bytes (no file system
 * needed). An encoder already derived is returned as it is.
 *
 * @example
 * ```ts
 * const stock = await Deno.readFile(
 *   "tests/fixtures/reference/models/oris-reference/tiny-random-sam/onnx/vision_encoder.onnx",
 * );
 * deriveFastEncoder(stock, { label: "tiny-random-sam" }).info.chunkedAttention[1];
 * // "/vision_encoder/layers.1/attn/Softmax"
 * ```
 *
 * @throws {RewriteMappingError} when the bytes are no ONNX model, or no
 *   attention with decomposed relative positions is found (the encoder is
 *   then used as exported).
 */
export function deriveFastEncoder(
  bytes: Uint8Array,
  options: { label?: string; checkedOn?: readonly string[] } = {},
): Rewritten<FastEncoderInfo> {
  return deriveRewrite(FAST_ENCODER, bytes, options);
}

/**
 * The encoder to run, as bytes: the fast encoder derived from `stock` when
 * it computes what `stock` computes on a probe image (see
 * `verifiedRewrite`), else `stock` with a record of why.
 *
 * @example
 * ```ts
 * import { createSession } from "../models/session.ts";
 *
 * const stock = await Deno.readFile(
 *   "tests/fixtures/reference/models/oris-reference/tiny-random-sam/onnx/vision_encoder.onnx",
 * );
 * const { info } = await verifiedFastEncoder(stock, (b) => createSession(b));
 * info.rewrite; // "fast"
 * ```
 */
export function verifiedFastEncoder(
  stock: Uint8Array,
  open: (bytes: Uint8Array) => Promise<InferenceSession>,
  label = "the SAM encoder",
  options: { backend?: string; checkedOn?: readonly string[] } = {},
): Promise<Rewritten<FastEncoderInfo>> {
  return verifiedRewrite(FAST_ENCODER, stock, open, label, options);
}

/**
 * The encoder to run for the stock encoder `path` of `repo` on `backend`
 * (see `rewrittenModel`): the fast encoder the source keeps or one derived
 * and checked now, else the stock encoder with its record.
 *
 * @example
 * ```ts
 * import { createSession } from "../models/session.ts";
 * import { DEMO_SAM, demoModelFiles } from "../demo/models.ts";
 * import { memorySource } from "../models/source.ts";
 *
 * const source = memorySource(demoModelFiles());
 * const encoder = await fastEncoderBytes(source, DEMO_SAM,
 *   "onnx/vision_encoder.onnx", (b) => createSession(b));
 * encoder.info.rewrite; // "none": the demo encoder has no attention
 * ```
 */
export function fastEncoderBytes(
  source: ModelSource,
  repo: string,
  path: string,
  open: (bytes: Uint8Array) => Promise<InferenceSession>,
  backend?: string,
): Promise<RewrittenModel<FastEncoderInfo>> {
  return rewrittenModel(FAST_ENCODER, source, repo, path, open, backend);
}
