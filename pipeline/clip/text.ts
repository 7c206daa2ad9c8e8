/**
 * CLIP's text tower over the Xenova export (`onnx/text_model.onnx`) with its
 * `tokenizer.json`: sentences in, raw (unnormalised) text embeddings out.
 *
 * @module
 */

import {
  assertSignature,
  type InferenceSession,
  type SessionSignature,
} from "../models/session.ts";
import { tensor } from "../models/tensor.ts";
import {
  CLIP_CONTEXT_LENGTH,
  type ClipTokenizer,
} from "../text/clip_tokenizer.ts";

/** Inputs and outputs the CLIP text model must have. */
export const CLIP_TEXT_SIGNATURE: SessionSignature = {
  inputs: [{ name: "input_ids", type: "int64", rank: 2 }],
  outputs: [{ name: "text_embeds", type: "float32", rank: 2 }],
};

/** Embeddings of a batch of texts. */
export interface TextEmbeddings {
  /** texts x D, row-major. */
  readonly embeds: Float32Array;
  /** Embedding dimension D. */
  readonly dim: number;
  /** Whether each text was cut to CLIP's 77-token context. */
  readonly truncated: readonly boolean[];
  /** Tokens of each text before truncation (start and end tokens included). */
  readonly tokenCounts: readonly number[];
}

/**
 * Embeds sentences with CLIP's text model.
 *
 * @example
 * ```ts
 * import { createSession } from "../models/session.ts";
 * import { ClipTokenizer } from "../text/clip_tokenizer.ts";
 * import { DEMO_CLIP, demoModelFiles } from "../demo/models.ts";
 *
 * const files = demoModelFiles(); // a CLIP export's files, here the demo's
 * const tokenizer = ClipTokenizer.fromJson(JSON.parse(
 *   new TextDecoder().decode(files.get(`${DEMO_CLIP}/tokenizer.json`)),
 * ));
 * const session = await createSession(files.get(`${DEMO_CLIP}/onnx/text_model.onnx`)!);
 * const text = new ClipTextEncoder(session, tokenizer);
 * const { embeds, truncated } = await text.embed(["the red circle", "a dog"]);
 * ```
 */
export class ClipTextEncoder {
  #session: InferenceSession;
  #tokenizer: ClipTokenizer;
  #feedMask: boolean;
  /** Texts per model call. */
  readonly batchSize: number;

  /**
   * Checks the session's signature and sets up the encoder; throws a
   * RangeError when `batchSize` is not a positive integer.
   *
   * @param session Session of `onnx/text_model.onnx`.
   * @param tokenizer The model's tokenizer (from its tokenizer.json).
   * @param batchSize Texts per call. Default 32.
   */
  constructor(
    session: InferenceSession,
    tokenizer: ClipTokenizer,
    batchSize = 32,
  ) {
    assertSignature(session, CLIP_TEXT_SIGNATURE);
    if (!(Number.isInteger(batchSize) && batchSize > 0)) {
      throw new RangeError(
        `CLIP text batch size must be a positive integer, got ${batchSize}.`,
      );
    }
    this.#session = session;
    this.#tokenizer = tokenizer;
    this.#feedMask = session.inputs.some((i) => i.name === "attention_mask");
    this.batchSize = batchSize;
  }

  /**
   * Embeds `texts`; an empty list gives an empty result. An abort of
   * `options.signal` stops it between model calls.
   */
  async embed(
    texts: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<TextEmbeddings> {
    const parts: Float32Array[] = [];
    const truncated: boolean[] = [];
    const tokenCounts: number[] = [];
    let dim = 0;
    for (let start = 0; start < texts.length; start += this.batchSize) {
      options.signal?.throwIfAborted();
      const batch = texts.slice(start, start + this.batchSize);
      const enc = this.#tokenizer.encodeBatch(batch, CLIP_CONTEXT_LENGTH);
      const feeds = {
        input_ids: tensor("int64", enc.ids, enc.dims),
        ...(this.#feedMask
          ? { attention_mask: tensor("int64", enc.attentionMask, enc.dims) }
          : {}),
      };
      const out = await this.#session.run(feeds, ["text_embeds"]);
      dim = out.text_embeds.dims[1];
      parts.push(out.text_embeds.data as Float32Array);
      truncated.push(...enc.truncated);
      tokenCounts.push(...enc.tokenCounts);
    }
    const embeds = new Float32Array(texts.length * dim);
    let offset = 0;
    for (const p of parts) {
      embeds.set(p, offset);
      offset += p.length;
    }
    return { embeds, dim, truncated, tokenCounts };
  }
}

/**
 * The sentence feature of the method: t = beta * sentence + (1 - beta) *
 * nounPhrase on raw embeddings; the sentence alone where there is no noun
 * phrase (`hasPhrase[i]` false).
 */
export function mixText(
  sentences: Float32Array,
  phrases: Float32Array,
  hasPhrase: readonly boolean[],
  dim: number,
  beta: number,
): Float32Array {
  const out = new Float32Array(sentences.length);
  for (let i = 0; i < hasPhrase.length; i++) {
    const w = hasPhrase[i] ? beta : 1;
    for (let k = i * dim; k < (i + 1) * dim; k++) {
      out[k] = w * sentences[k] + (1 - w) * phrases[k];
    }
  }
  return out;
}
