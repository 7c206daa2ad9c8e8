/**
 * The BPE model of a `tokenizer.json`: vocabulary, merges ranked by their
 * order in the file, and the merge loop that cuts a pre-tokenized word into
 * tokens (lowest-ranked adjacent pair first), with a word -> tokens cache.
 *
 * @module
 */

import {
  describe,
  idAt,
  type Json,
  objectAt,
  optionalString,
  TokenizerFormatError,
} from "./tokenizer_json.ts";

/** Merge table key of the adjacent pair (a, b); ids stay below 2^26. */
const PAIR_BASE = 2 ** 26;

/**
 * A BPE model read from the `model` section of a `tokenizer.json`
 * (`type: "BPE"`, `vocab`, `merges` as `"a b"` strings or `["a", "b"]`
 * pairs, `end_of_word_suffix`, `continuing_subword_prefix`, `unk_token`,
 * `fuse_unk`, `ignore_merges`). `dropout` is ignored: encoding is
 * deterministic.
 *
 * @example
 * ```ts
 * const bpe = new BpeModel({
 *   type: "BPE",
 *   vocab: { a: 0, b: 1, "b</w>": 2, "ab</w>": 3 },
 *   merges: ["a b</w>"],
 *   end_of_word_suffix: "</w>",
 * });
 * bpe.encodeWord("ab"); // [3]
 * ```
 */
export class BpeModel {
  /** Token -> id. */
  readonly vocab: Map<string, number> = new Map();
  /** Id -> token (sparse where the vocabulary skips ids). */
  readonly tokens: string[] = [];
  /** Appended to the last symbol of a word (CLIP: `"</w>"`), or "". */
  readonly suffix: string;
  /** Prepended to every symbol but the first of a word, or "". */
  readonly prefix: string;
  /** Id of the unknown token, if the model has one. */
  readonly unkId: number | undefined;
  /** Whether consecutive unknown symbols become one unknown token. */
  readonly fuseUnk: boolean;
  /** Whether a word found whole in the vocabulary skips the merges. */
  readonly ignoreMerges: boolean;
  /** Pair key -> merge rank. */
  readonly #ranks = new Map<number, number>();
  /** Merge rank -> id of the merged token. */
  readonly #mergedIds: Int32Array;
  readonly #cache = new Map<string, number[]>();
  readonly #cacheSize: number;

  /**
   * Reads the `model` section; throws {@linkcode TokenizerFormatError}
   * naming the field that is wrong. `cacheSize` bounds the word cache.
   */
  constructor(model: Json, cacheSize = 50_000) {
    const type = model.type;
    if (type !== undefined && type !== "BPE") {
      throw new TokenizerFormatError(
        "model.type",
        `is ${
          describe(type)
        }, but CLIP's tokenizer is a byte-level "BPE" model`,
      );
    }
    const vocab = objectAt(model, "vocab", "model.vocab");
    for (const [token, id] of Object.entries(vocab)) {
      const n = idAt(id, `model.vocab[${JSON.stringify(token)}]`);
      if (n >= PAIR_BASE) {
        throw new TokenizerFormatError(
          `model.vocab[${JSON.stringify(token)}]`,
          `is ${n}, larger than any tokenizer vocabulary oris supports`,
        );
      }
      this.vocab.set(token, n);
      this.tokens[n] = token;
    }
    if (this.vocab.size === 0) {
      throw new TokenizerFormatError("model.vocab", "is empty");
    }
    this.suffix = optionalString(
      model,
      "end_of_word_suffix",
      "model.end_of_word_suffix",
    );
    this.prefix = optionalString(
      model,
      "continuing_subword_prefix",
      "model.continuing_subword_prefix",
    );
    this.fuseUnk = model.fuse_unk === true;
    this.ignoreMerges = model.ignore_merges === true;
    const unk = model.unk_token;
    if (unk !== undefined && unk !== null) {
      if (typeof unk !== "string") {
        throw new TokenizerFormatError(
          "model.unk_token",
          `must be a string (got ${describe(unk)})`,
        );
      }
      this.unkId = this.vocab.get(unk);
    }

    const merges = model.merges;
    if (!Array.isArray(merges)) {
      throw new TokenizerFormatError(
        "model.merges",
        merges === undefined
          ? "is missing"
          : `must be an array (got ${describe(merges)})`,
      );
    }
    this.#mergedIds = new Int32Array(merges.length);
    const prefixLength = this.prefix.length;
    for (let rank = 0; rank < merges.length; rank++) {
      const m = merges[rank];
      let a: unknown, b: unknown;
      if (typeof m === "string") {
        const parts = m.split(" ");
        if (parts.length === 2) [a, b] = parts;
      } else if (Array.isArray(m) && m.length === 2) [a, b] = m;
      if (typeof a !== "string" || typeof b !== "string") {
        throw new TokenizerFormatError(
          `model.merges[${rank}]`,
          `must be "left right" or ["left", "right"] (got ${describe(m)})`,
        );
      }
      const merged = a +
        (prefixLength > 0 && b.startsWith(this.prefix)
          ? b.slice(prefixLength)
          : b);
      const ia = this.vocab.get(a),
        ib = this.vocab.get(b),
        im = this.vocab.get(merged);
      if (ia === undefined || ib === undefined || im === undefined) {
        const missing = ia === undefined ? a : ib === undefined ? b : merged;
        throw new TokenizerFormatError(
          `model.merges[${rank}]`,
          `(${JSON.stringify(a)} + ${JSON.stringify(b)}) uses ${
            JSON.stringify(missing)
          }, which is not in model.vocab: vocab and merges come from different files`,
        );
      }
      const key = ia * PAIR_BASE + ib;
      if (!this.#ranks.has(key)) this.#ranks.set(key, rank);
      this.#mergedIds[rank] = im;
    }
    this.#cacheSize = cacheSize;
  }

  /** Token ids of one pre-tokenized word (cached). */
  encodeWord(word: string): number[] {
    const hit = this.#cache.get(word);
    if (hit) return hit;
    const ids = this.#merge(word);
    if (this.#cache.size >= this.#cacheSize) this.#cache.clear();
    this.#cache.set(word, ids);
    return ids;
  }

  #merge(word: string): number[] {
    if (this.ignoreMerges) {
      const whole = this.vocab.get(word);
      if (whole !== undefined) return [whole];
    }
    const chars = Array.from(word);
    let syms: number[] = [];
    let lastUnk = false;
    for (let i = 0; i < chars.length; i++) {
      let s = chars[i];
      if (i > 0 && this.prefix) s = this.prefix + s;
      if (i === chars.length - 1 && this.suffix) s += this.suffix;
      const id = this.vocab.get(s);
      if (id !== undefined) {
        syms.push(id);
        lastUnk = false;
      } else if (this.unkId !== undefined) {
        if (!(this.fuseUnk && lastUnk)) syms.push(this.unkId);
        lastUnk = true;
      } else {
        throw new TokenizerFormatError(
          "model.unk_token",
          `is not set and ${JSON.stringify(s)} is not in model.vocab`,
        );
      }
    }
    // Merge the lowest-ranked adjacent pair, every occurrence left to right,
    // until no adjacent pair has a merge.
    while (syms.length > 1) {
      let best = Infinity;
      let at = -1;
      for (let i = 0; i + 1 < syms.length; i++) {
        const r = this.#ranks.get(syms[i] * PAIR_BASE + syms[i + 1]);
        if (r !== undefined && r < best) {
          best = r;
          at = i;
        }
      }
      if (at < 0) break;
      const a = syms[at], b = syms[at + 1], merged = this.#mergedIds[best];
      const next = syms.slice(0, at);
      for (let i = at; i < syms.length;) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
          next.push(merged);
          i += 2;
        } else next.push(syms[i++]);
      }
      syms = next;
    }
    return syms;
  }
}
