/**
 * CLIP's text tokenizer: byte-level BPE driven by a Hugging Face
 * `tokenizer.json` (as shipped by `Xenova/clip-vit-base-patch32`).
 *
 * The pipeline is the one the file describes: added (special) tokens are
 * split out, the rest is normalized (NFC, whitespace runs to one space,
 * lowercase), pre-tokenized (CLIP's word regex, then the GPT-2 byte-to-unicode
 * mapping), cut into BPE tokens by merge rank, and framed by
 * `<|startoftext|>` … `<|endoftext|>` as the post-processor says. Every
 * Unicode input (accents, CJK, emoji) tokenizes: each UTF-8 byte has a token.
 *
 * Pure TypeScript: no file system, no FFI. Read the file elsewhere and pass
 * its parsed JSON to {@linkcode ClipTokenizer.fromJson}.
 *
 * @module
 */

import { byteCharsToBytes } from "./byte_level.ts";
import { BpeModel } from "./_bpe.ts";
import {
  AddedTokenSplitter,
  type Frame,
  type Normalize,
  parseAddedTokens,
  parseNormalizer,
  parsePostProcessor,
  parsePreTokenizer,
  type PreTokenize,
} from "./_tokenizer_components.ts";
import {
  describe,
  idAt,
  isObject,
  type Json,
  objectAt,
  TokenizerFormatError,
} from "./tokenizer_json.ts";

export { byteToUnicode } from "./byte_level.ts";
export { TokenizerFormatError } from "./tokenizer_json.ts";

/** CLIP's context length: the text encoder's position table has 77 rows. */
export const CLIP_CONTEXT_LENGTH = 77;

/** Options of {@linkcode ClipTokenizer.fromJson}. */
export interface ClipTokenizerOptions {
  /**
   * Token used to pad batches when the file has no `padding` section (the
   * pad token usually lives in `tokenizer_config.json`). Default: the
   * file's `padding.pad_id`, else the end-of-text token, as CLIP pads.
   */
  padToken?: string;
  /** Largest number of words kept in the word -> tokens cache. Default 50,000. */
  cacheSize?: number;
}

/** Options of {@linkcode ClipTokenizer.encode}. */
export interface ClipEncodeOptions {
  /**
   * Most tokens returned, start and end tokens included. Default 77
   * ({@linkcode CLIP_CONTEXT_LENGTH}).
   */
  maxLength?: number;
}

/** One encoded text. */
export interface ClipEncoding {
  /** Token ids: start token, content, end token; at most `maxLength` long. */
  ids: number[];
  /** Whether content was cut to fit `maxLength` (the end token is kept last). */
  truncated: boolean;
  /**
   * Tokens the whole text needs, start and end tokens included, before any
   * truncation: `tokenCount > maxLength` exactly when `truncated`.
   */
  tokenCount: number;
}

/** Options of {@linkcode ClipTokenizer.encodeBatch}. */
export interface ClipBatchOptions {
  /**
   * `"longest"` (default) pads every row to the longest row of the batch;
   * `"max_length"` pads every row to `maxLength`. Both give the same CLIP
   * embeddings (the text encoder is causal and pools at the end token);
   * shorter rows are faster.
   */
  padding?: "longest" | "max_length";
}

/** A padded batch, ready to become the `input_ids` tensor of a text model. */
export interface ClipBatchEncoding {
  /** Token ids, row-major, `dims[0]` rows of `dims[1]` ids, padded with the pad id. */
  ids: BigInt64Array;
  /** 1 for real tokens, 0 for padding; same layout as `ids`. */
  attentionMask: BigInt64Array;
  /** `[texts.length, row length]`. */
  dims: [number, number];
  /** Per text: whether it was cut to fit `maxLength`. */
  truncated: boolean[];
  /** Per text: tokens it needs before truncation (see {@linkcode ClipEncoding}). */
  tokenCounts: number[];
}

/** Options of {@linkcode ClipTokenizer.decode}. */
export interface ClipDecodeOptions {
  /** Drop special tokens (start, end, padding). Default true. */
  skipSpecialTokens?: boolean;
}

/**
 * CLIP's text tokenizer, built from the parsed JSON of a Hugging Face
 * `tokenizer.json`. Start, end and pad ids come from the file.
 *
 * @example
 * ```ts
 * import { ClipTokenizer } from "./clip_tokenizer.ts";
 *
 * import { buildClipTokenizerJson } from "../demo/_clip_tokenizer_json.ts";
 *
 * // The parsed tokenizer.json of a CLIP model (from a ModelSource, or
 * // JSON.parse(await Deno.readTextFile(path))); here the demo's small one.
 * const tokenizer = ClipTokenizer.fromJson(buildClipTokenizerJson());
 * tokenizer.encode("a photo of a cat").ids;
 * // CLIP ViT-B/32's gives [49406, 320, 1125, 539, 320, 2368, 49407]
 * const batch = tokenizer.encodeBatch(["the zebra on the left", "a dog"]);
 * batch.dims; // [2, longest row]
 * ```
 */
export class ClipTokenizer {
  /** Id of the start-of-text token (first of the post-processor's prefix). */
  readonly bosId: number;
  /** Id of the end-of-text token (last of the post-processor's suffix). */
  readonly eosId: number;
  /** Id used to pad batches. */
  readonly padId: number;
  /** Number of ids: one more than the largest id of the vocabulary and added tokens. */
  readonly vocabSize: number;

  readonly #bpe: BpeModel;
  readonly #frame: Frame;
  readonly #normalize: Normalize | null;
  readonly #preTokenize: PreTokenize;
  readonly #byteLevel: boolean;
  readonly #rawSplitter: AddedTokenSplitter;
  readonly #normalizedSplitter: AddedTokenSplitter;
  readonly #idToToken: string[];
  readonly #specialIds: Set<number>;

  private constructor(json: Json, options: ClipTokenizerOptions) {
    const model = objectAt(json, "model", "model");
    this.#bpe = new BpeModel(model, options.cacheSize);
    this.#normalize = parseNormalizer(json.normalizer, "normalizer");
    const pre = parsePreTokenizer(json.pre_tokenizer, "pre_tokenizer");
    this.#preTokenize = pre.run;
    const decoder = json.decoder;
    this.#byteLevel = pre.byteLevel ||
      (isObject(decoder) && decoder.type === "ByteLevel");

    const added = parseAddedTokens(json.added_tokens);
    this.#rawSplitter = new AddedTokenSplitter(
      added.filter((t) => !t.normalized),
    );
    this.#normalizedSplitter = new AddedTokenSplitter(
      added.filter((t) => t.normalized).map((t) => ({
        ...t,
        content: this.#normalize ? this.#normalize(t.content) : t.content,
      })),
    );
    this.#idToToken = [...this.#bpe.tokens];
    for (const t of added) this.#idToToken[t.id] = t.content;
    this.vocabSize = this.#idToToken.length;
    this.#specialIds = new Set(added.filter((t) => t.special).map((t) => t.id));

    let frame = parsePostProcessor(json.post_processor, "post_processor");
    if (frame === null) {
      // No framing in the file: fall back on CLIP's named tokens, if present.
      const find = (name: string) => added.find((t) => t.content === name)?.id;
      const bos = find("<|startoftext|>"), eos = find("<|endoftext|>");
      if (bos === undefined || eos === undefined) {
        throw new TokenizerFormatError(
          "post_processor",
          "adds no start/end tokens and added_tokens has no <|startoftext|> and <|endoftext|>: this is not CLIP's tokenizer",
        );
      }
      frame = { prefix: [bos], suffix: [eos] };
    }
    if (frame.prefix.length === 0 || frame.suffix.length === 0) {
      throw new TokenizerFormatError(
        "post_processor",
        "must add a start token before and an end token after the text, as CLIP's does",
      );
    }
    for (const id of [...frame.prefix, ...frame.suffix]) {
      if (this.#idToToken[id] === undefined) {
        throw new TokenizerFormatError(
          "post_processor",
          `uses token id ${id}, which neither model.vocab nor added_tokens defines`,
        );
      }
      this.#specialIds.add(id);
    }
    this.#frame = frame;
    this.bosId = frame.prefix[0];
    this.eosId = frame.suffix[frame.suffix.length - 1];

    const padding = json.padding;
    if (options.padToken !== undefined) {
      const id = this.tokenToId(options.padToken);
      if (id === undefined) {
        throw new TokenizerFormatError(
          "added_tokens",
          `has no pad token ${
            JSON.stringify(options.padToken)
          } (given as padToken)`,
        );
      }
      this.padId = id;
    } else if (isObject(padding) && padding.pad_id !== undefined) {
      this.padId = idAt(padding.pad_id, "padding.pad_id");
    } else this.padId = this.eosId;
    this.#specialIds.add(this.padId);
  }

  /**
   * Builds the tokenizer from the parsed JSON of a `tokenizer.json`.
   * Throws {@linkcode TokenizerFormatError} naming the field that is
   * missing or wrong (a file of another kind of model, a truncated download).
   *
   * @example
   * ```ts
   * import { buildClipTokenizerJson } from "../demo/_clip_tokenizer_json.ts";
   *
   * const text = JSON.stringify(buildClipTokenizerJson()); // a tokenizer.json
   * const tokenizer = ClipTokenizer.fromJson(JSON.parse(text));
   * ```
   */
  static fromJson(
    json: unknown,
    options: ClipTokenizerOptions = {},
  ): ClipTokenizer {
    if (!isObject(json)) {
      throw new TokenizerFormatError(
        "(top level)",
        `must be a JSON object with "model", "normalizer", "pre_tokenizer" … (got ${
          describe(json)
        })`,
      );
    }
    return new ClipTokenizer(json, options);
  }

  /** Id of `token` (a vocabulary entry such as `"cat</w>"`, or an added token). */
  tokenToId(token: string): number | undefined {
    const id = this.#bpe.vocab.get(token);
    if (id !== undefined) return id;
    const i = this.#idToToken.indexOf(token);
    return i >= 0 ? i : undefined;
  }

  /** Token string of `id`, or undefined when the id is out of the vocabulary. */
  idToToken(id: number): string | undefined {
    return this.#idToToken[id];
  }

  /**
   * Content token ids of `text`, without the start and end tokens and
   * without truncation.
   *
   * @example
   * ```ts
   * import { buildClipTokenizerJson } from "../demo/_clip_tokenizer_json.ts";
   *
   * // The parsed tokenizer.json of a CLIP model; here the demo's small one.
   * const tokenizer = ClipTokenizer.fromJson(buildClipTokenizerJson());
   * tokenizer.tokenize("Man's hat"); // CLIP's: [786, 568, 3801]  ("man", "'s", "hat")
   * ```
   */
  tokenize(text: string): number[] {
    if (typeof text !== "string") {
      throw new TypeError(
        `ClipTokenizer: expected a string to tokenize, got ${describe(text)}.`,
      );
    }
    const ids: number[] = [];
    for (const raw of this.#rawSplitter.split(text)) {
      if (typeof raw === "number") {
        ids.push(raw);
        continue;
      }
      const normalized = this.#normalize ? this.#normalize(raw) : raw;
      for (const seg of this.#normalizedSplitter.split(normalized)) {
        if (typeof seg === "number") {
          ids.push(seg);
          continue;
        }
        for (const piece of this.#preTokenize(seg)) {
          for (const id of this.#bpe.encodeWord(piece)) ids.push(id);
        }
      }
    }
    return ids;
  }

  /**
   * Encodes one text: start token, content tokens, end token. Content that
   * does not fit `maxLength` is cut so that the end token stays last.
   * Empty text gives just the start and end tokens.
   *
   * @example
   * ```ts
   * import { buildClipTokenizerJson } from "../demo/_clip_tokenizer_json.ts";
   *
   * // The parsed tokenizer.json of a CLIP model; here the demo's small one.
   * const tokenizer = ClipTokenizer.fromJson(buildClipTokenizerJson());
   * const { ids, truncated } = tokenizer.encode("a photo of a cat");
   * // CLIP's ids: [49406, 320, 1125, 539, 320, 2368, 49407], truncated: false
   * ```
   */
  encode(text: string, options: ClipEncodeOptions = {}): ClipEncoding {
    const maxLength = this.#checkMaxLength(
      options.maxLength ?? CLIP_CONTEXT_LENGTH,
    );
    const { prefix, suffix } = this.#frame;
    const content = this.tokenize(text);
    const room = maxLength - prefix.length - suffix.length;
    const truncated = content.length > room;
    const kept = truncated ? content.slice(0, room) : content;
    return {
      ids: [...prefix, ...kept, ...suffix],
      truncated,
      tokenCount: prefix.length + content.length + suffix.length,
    };
  }

  /**
   * Encodes several texts into one padded batch of int64 ids (the
   * `input_ids` of a CLIP text model) with its attention mask.
   *
   * @example
   * ```ts
   * import { buildClipTokenizerJson } from "../demo/_clip_tokenizer_json.ts";
   *
   * // The parsed tokenizer.json of a CLIP model; here the demo's small one.
   * const tokenizer = ClipTokenizer.fromJson(buildClipTokenizerJson());
   * const batch = tokenizer.encodeBatch(["a dog", "the zebra on the left"]);
   * batch.dims; // CLIP's: [2, 7]; row 0 is [49406, 320, 1929, 49407] and three pad ids
   * ```
   */
  encodeBatch(
    texts: readonly string[],
    maxLength: number = CLIP_CONTEXT_LENGTH,
    options: ClipBatchOptions = {},
  ): ClipBatchEncoding {
    this.#checkMaxLength(maxLength);
    const padding = options.padding ?? "longest";
    if (padding !== "longest" && padding !== "max_length") {
      throw new RangeError(
        `ClipTokenizer.encodeBatch(): padding must be "longest" or "max_length", got ${
          JSON.stringify(padding)
        }.`,
      );
    }
    const rows = texts.map((t) => this.encode(t, { maxLength }));
    const length = padding === "max_length"
      ? maxLength
      : rows.reduce((m, r) => Math.max(m, r.ids.length), 0);
    const ids = new BigInt64Array(rows.length * length).fill(
      BigInt(this.padId),
    );
    const attentionMask = new BigInt64Array(rows.length * length);
    rows.forEach((r, i) => {
      const base = i * length;
      for (let j = 0; j < r.ids.length; j++) {
        ids[base + j] = BigInt(r.ids[j]);
        attentionMask[base + j] = 1n;
      }
    });
    return {
      ids,
      attentionMask,
      dims: [rows.length, length],
      truncated: rows.map((r) => r.truncated),
      tokenCounts: rows.map((r) => r.tokenCount),
    };
  }

  /**
   * Turns ids back into text: words joined by single spaces, special
   * tokens dropped unless `skipSpecialTokens` is false. Accepts numbers or
   * bigints (a row of a batch).
   *
   * @example
   * ```ts
   * import { buildClipTokenizerJson } from "../demo/_clip_tokenizer_json.ts";
   *
   * // The parsed tokenizer.json of a CLIP model; here the demo's small one.
   * const tokenizer = ClipTokenizer.fromJson(buildClipTokenizerJson());
   * tokenizer.decode(tokenizer.encode("A photo of a CAT!").ids); // "a photo of a cat !"
   * ```
   */
  decode(
    ids: Iterable<number | bigint>,
    options: ClipDecodeOptions = {},
  ): string {
    const skip = options.skipSpecialTokens ?? true;
    const suffix = this.#bpe.suffix;
    const bytes: number[] = [];
    const utf8 = new TextEncoder();
    const pushText = (text: string) => {
      for (const b of utf8.encode(text)) bytes.push(b);
    };
    for (const raw of ids) {
      const id = Number(raw);
      const token = this.#idToToken[id];
      if (token === undefined) {
        throw new RangeError(
          `ClipTokenizer.decode(): id ${raw} is not in the vocabulary (0 to ${
            this.vocabSize - 1
          }).`,
        );
      }
      if (this.#specialIds.has(id)) {
        if (!skip) pushText(token + " ");
        continue;
      }
      let body = token, endOfWord = false;
      if (suffix && body.endsWith(suffix)) {
        body = body.slice(0, -suffix.length);
        endOfWord = true;
      }
      if (this.#byteLevel) byteCharsToBytes(body, bytes);
      else pushText(body);
      if (endOfWord) bytes.push(0x20);
    }
    return new TextDecoder().decode(new Uint8Array(bytes)).replace(/ +/g, " ")
      .trim();
  }

  #checkMaxLength(maxLength: number): number {
    const min = this.#frame.prefix.length + this.#frame.suffix.length;
    if (!Number.isInteger(maxLength) || maxLength < min) {
      throw new RangeError(
        `ClipTokenizer: maxLength must be an integer of at least ${min} (room for the start and end tokens), got ${maxLength}.`,
      );
    }
    return maxLength;
  }
}
