/**
 * The components of a `tokenizer.json` around its model, each read into a
 * plain function or small class: normalizers (text -> text), pre-tokenizers
 * (text -> words), added tokens (found in the text before anything else)
 * and the post-processor's framing (the special tokens around the content).
 *
 * @module
 */

import { textToByteChars } from "./byte_level.ts";
import {
  describe,
  escapeRegExp,
  idAt,
  isObject,
  objectAt,
  patternAt,
  rustPatternToJs,
  stringAt,
  TokenizerFormatError,
  typeOf,
} from "./tokenizer_json.ts";

// ---------------------------------------------------------------------------
// Normalizers.

/** A normalizer: text in, normalized text out. */
export type Normalize = (text: string) => string;

/**
 * Lowercases code point by code point, like the Rust normalizer: no
 * context-dependent final-sigma rule (JavaScript applies one to whole strings).
 */
function lowercase(text: string): string {
  if (!text.includes("\u03a3")) return text.toLowerCase();
  let out = "";
  for (const c of text) out += c.toLowerCase();
  return out;
}

/**
 * Reads a `normalizer` (Sequence, NFC/NFD/NFKC/NFKD, Lowercase, Replace,
 * Strip, StripAccents, Prepend); null when the file has none.
 */
export function parseNormalizer(
  node: unknown,
  path: string,
): Normalize | null {
  if (node === null || node === undefined) return null;
  if (!isObject(node)) {
    throw new TokenizerFormatError(
      path,
      `must be an object or null (got ${describe(node)})`,
    );
  }
  const type = typeOf(node, path);
  switch (type) {
    case "Sequence": {
      const list = node.normalizers;
      if (!Array.isArray(list)) {
        throw new TokenizerFormatError(
          `${path}.normalizers`,
          "must be an array",
        );
      }
      const steps = list.map((n, i) =>
        parseNormalizer(n, `${path}.normalizers[${i}]`)
      )
        .filter((s): s is Normalize => s !== null);
      return (text) => steps.reduce((t, step) => step(t), text);
    }
    case "NFC":
    case "NFD":
    case "NFKC":
    case "NFKD":
      return (text) => text.normalize(type);
    case "Lowercase":
      return lowercase;
    case "Replace": {
      const re = patternAt(node, path);
      const content = stringAt(node, "content", `${path}.content`);
      return (text) => text.replace(re, () => content);
    }
    case "Strip": {
      const left = node.strip_left !== false;
      const right = node.strip_right !== false;
      return (text) => {
        if (left) text = text.replace(/^\p{White_Space}+/u, "");
        if (right) text = text.replace(/\p{White_Space}+$/u, "");
        return text;
      };
    }
    case "StripAccents":
      return (text) => text.replace(/\p{Mn}/gu, "");
    case "Prepend": {
      const prefix = stringAt(node, "prepend", `${path}.prepend`);
      return (text) => (text.length > 0 ? prefix + text : text);
    }
    default:
      throw new TokenizerFormatError(
        `${path}.type`,
        `is "${type}", a normalizer oris does not implement (CLIP uses NFC, Replace and Lowercase)`,
      );
  }
}

// ---------------------------------------------------------------------------
// Pre-tokenizers: one string in, the pieces BPE will see out.

/** A pre-tokenizer: text in, the words BPE will see out. */
export type PreTokenize = (text: string) => string[];

/** GPT-2's word regex, used by ByteLevel when `use_regex` is on. */
const GPT2_SPLIT = new RegExp(
  rustPatternToJs(
    String
      .raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
  ),
  "gu",
);

type SplitBehavior =
  | "Removed"
  | "Isolated"
  | "MergedWithPrevious"
  | "MergedWithNext"
  | "Contiguous";

function split(
  text: string,
  re: RegExp,
  behavior: SplitBehavior,
  invert: boolean,
): string[] {
  // Cover the text with alternating gap / match spans.
  const spans: { s: number; e: number; match: boolean }[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    const start = m.index;
    const end = start + m[0].length;
    if (end === start) continue;
    if (start > last) spans.push({ s: last, e: start, match: invert });
    spans.push({ s: start, e: end, match: !invert });
    last = end;
  }
  if (last < text.length) {
    spans.push({ s: last, e: text.length, match: invert });
  }

  const pieces: string[] = [];
  switch (behavior) {
    case "Removed":
      for (const sp of spans) {
        if (!sp.match) pieces.push(text.slice(sp.s, sp.e));
      }
      break;
    case "Isolated":
      for (const sp of spans) pieces.push(text.slice(sp.s, sp.e));
      break;
    case "Contiguous": {
      let i = 0;
      while (i < spans.length) {
        let j = i;
        while (
          j + 1 < spans.length && spans[j + 1].match === spans[i].match &&
          spans[i].match
        ) j++;
        pieces.push(text.slice(spans[i].s, spans[j].e));
        i = j + 1;
      }
      break;
    }
    case "MergedWithPrevious": {
      let start = 0;
      for (const sp of spans) {
        if (sp.match) {
          pieces.push(text.slice(start, sp.e));
          start = sp.e;
        }
      }
      if (start < text.length) pieces.push(text.slice(start));
      break;
    }
    case "MergedWithNext": {
      let start = 0;
      for (const sp of spans) {
        if (sp.match && sp.s > start) {
          pieces.push(text.slice(start, sp.s));
          start = sp.s;
        }
      }
      if (start < text.length) pieces.push(text.slice(start));
      break;
    }
  }
  return pieces.filter((p) => p.length > 0);
}

/** A pre-tokenizer and whether it maps text to byte characters. */
export interface PreTokenizerInfo {
  /** Splits text into words. */
  run: PreTokenize;
  /** Whether the words come out as byte characters (ByteLevel). */
  byteLevel: boolean;
}

/**
 * Reads a `pre_tokenizer` (Sequence, Split, ByteLevel, WhitespaceSplit);
 * without one, the whole text is one word.
 */
export function parsePreTokenizer(
  node: unknown,
  path: string,
): PreTokenizerInfo {
  if (node === null || node === undefined) {
    return { run: (t) => (t ? [t] : []), byteLevel: false };
  }
  if (!isObject(node)) {
    throw new TokenizerFormatError(
      path,
      `must be an object or null (got ${describe(node)})`,
    );
  }
  const type = typeOf(node, path);
  switch (type) {
    case "Sequence": {
      const list = node.pretokenizers;
      if (!Array.isArray(list)) {
        throw new TokenizerFormatError(
          `${path}.pretokenizers`,
          "must be an array",
        );
      }
      const steps = list.map((n, i) =>
        parsePreTokenizer(n, `${path}.pretokenizers[${i}]`)
      );
      return {
        run: (text) => {
          let pieces = text ? [text] : [];
          for (const step of steps) pieces = pieces.flatMap(step.run);
          return pieces;
        },
        byteLevel: steps.some((s) => s.byteLevel),
      };
    }
    case "Split": {
      const re = patternAt(node, path);
      const behavior = stringAt(node, "behavior", `${path}.behavior`);
      const known = [
        "Removed",
        "Isolated",
        "MergedWithPrevious",
        "MergedWithNext",
        "Contiguous",
      ];
      if (!known.includes(behavior)) {
        throw new TokenizerFormatError(
          `${path}.behavior`,
          `is "${behavior}", expected one of ${known.join(", ")}`,
        );
      }
      const invert = node.invert === true;
      return {
        run: (text) => split(text, re, behavior as SplitBehavior, invert),
        byteLevel: false,
      };
    }
    case "ByteLevel": {
      const prefixSpace = node.add_prefix_space === true;
      const useRegex = node.use_regex !== false;
      return {
        run: (text) => {
          if (prefixSpace && !text.startsWith(" ")) text = " " + text;
          const pieces = useRegex
            ? split(text, GPT2_SPLIT, "Isolated", false)
            : [text];
          return pieces.map(textToByteChars);
        },
        byteLevel: true,
      };
    }
    case "WhitespaceSplit":
      return {
        run: (text) => text.split(/\p{White_Space}+/u).filter(Boolean),
        byteLevel: false,
      };
    default:
      throw new TokenizerFormatError(
        `${path}.type`,
        `is "${type}", a pre-tokenizer oris does not implement (CLIP uses Split and ByteLevel)`,
      );
  }
}

// ---------------------------------------------------------------------------
// Added tokens (special tokens): matched before the normalizer runs.

/** An entry of `added_tokens`. */
export interface AddedToken {
  /** Token id. */
  id: number;
  /** The text that stands for the token. */
  content: string;
  /** Special tokens (start, end, padding) are dropped when decoding. */
  special: boolean;
  /** Whether to find it in the normalized text rather than the raw text. */
  normalized: boolean;
  /** Whether it swallows the whitespace on its left. */
  lstrip: boolean;
  /** Whether it swallows the whitespace on its right. */
  rstrip: boolean;
  /** Whether it only matches as a whole word. */
  singleWord: boolean;
}

/** Reads `added_tokens` (an empty list when absent). */
export function parseAddedTokens(node: unknown): AddedToken[] {
  if (node === undefined || node === null) return [];
  if (!Array.isArray(node)) {
    throw new TokenizerFormatError(
      "added_tokens",
      `must be an array (got ${describe(node)})`,
    );
  }
  return node.map((t, i) => {
    const path = `added_tokens[${i}]`;
    if (!isObject(t)) {
      throw new TokenizerFormatError(
        path,
        `must be an object (got ${describe(t)})`,
      );
    }
    const content = stringAt(t, "content", `${path}.content`);
    if (content.length === 0) {
      throw new TokenizerFormatError(`${path}.content`, "is empty");
    }
    return {
      id: idAt(t.id, `${path}.id`),
      content,
      special: t.special === true,
      // Hugging Face's default for tokens that do not say is "normalized: !special".
      normalized: typeof t.normalized === "boolean"
        ? t.normalized
        : t.special !== true,
      lstrip: t.lstrip === true,
      rstrip: t.rstrip === true,
      singleWord: t.single_word === true,
    };
  });
}

/** A piece of input: plain text, or the id of an added token found in it. */
export type Segment = string | number;

/**
 * Finds added tokens in text, leftmost first and longest first at one
 * place, honouring `lstrip`, `rstrip` and `single_word`.
 */
export class AddedTokenSplitter {
  readonly #re: RegExp | null;
  readonly #byContent = new Map<string, AddedToken>();

  /** Prepares to find `tokens` (their `content` as given). */
  constructor(tokens: AddedToken[]) {
    for (const t of tokens) this.#byContent.set(t.content, t);
    const contents = [...this.#byContent.keys()].sort((a, b) =>
      b.length - a.length
    );
    this.#re = contents.length > 0
      ? new RegExp(contents.map(escapeRegExp).join("|"), "gu")
      : null;
  }

  /** Splits `text` around every added token (leftmost, longest first). */
  split(text: string): Segment[] {
    if (this.#re === null || text.length === 0) return text ? [text] : [];
    const out: Segment[] = [];
    let last = 0;
    for (const m of text.matchAll(this.#re)) {
      const t = this.#byContent.get(m[0])!;
      let start = m.index, end = start + m[0].length;
      if (start < last) continue;
      if (
        t.singleWord &&
        (/[\p{L}\p{N}_]/u.test(text[start - 1] ?? "") ||
          /[\p{L}\p{N}_]/u.test(text[end] ?? ""))
      ) continue;
      if (t.lstrip) {
        while (start > last && /\p{White_Space}/u.test(text[start - 1])) {
          start--;
        }
      }
      if (t.rstrip) {
        while (end < text.length && /\p{White_Space}/u.test(text[end])) {
          end++;
        }
      }
      if (start > last) out.push(text.slice(last, start));
      out.push(t.id);
      last = end;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }
}

// ---------------------------------------------------------------------------
// Post-processor: the special tokens around the content.

/** The special token ids a post-processor puts around the content. */
export interface Frame {
  /** Ids before the content (CLIP: start of text). */
  prefix: number[];
  /** Ids after the content (CLIP: end of text). */
  suffix: number[];
}

function tokenIdPair(v: unknown, path: string): number {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== "string") {
    throw new TokenizerFormatError(
      path,
      `must be ["token", id] (got ${describe(v)})`,
    );
  }
  return idAt(v[1], `${path}[1]`);
}

/**
 * Reads a `post_processor` (RobertaProcessing, BertProcessing,
 * TemplateProcessing, a Sequence holding one of them); null when it adds
 * no special tokens.
 */
export function parsePostProcessor(
  node: unknown,
  path: string,
): Frame | null {
  if (node === null || node === undefined) return null;
  if (!isObject(node)) {
    throw new TokenizerFormatError(
      path,
      `must be an object or null (got ${describe(node)})`,
    );
  }
  const type = typeOf(node, path);
  switch (type) {
    case "RobertaProcessing":
    case "BertProcessing":
      return {
        prefix: [tokenIdPair(node.cls, `${path}.cls`)],
        suffix: [tokenIdPair(node.sep, `${path}.sep`)],
      };
    case "TemplateProcessing": {
      const single = node.single;
      if (!Array.isArray(single)) {
        throw new TokenizerFormatError(`${path}.single`, "must be an array");
      }
      const specials = objectAt(
        node,
        "special_tokens",
        `${path}.special_tokens`,
      );
      const frame: Frame = { prefix: [], suffix: [] };
      let seenSequence = false;
      single.forEach((piece, i) => {
        const at = `${path}.single[${i}]`;
        if (isObject(piece) && isObject(piece.Sequence)) {
          seenSequence = true;
          return;
        }
        if (!isObject(piece) || !isObject(piece.SpecialToken)) {
          throw new TokenizerFormatError(
            at,
            "must be {SpecialToken: …} or {Sequence: …}",
          );
        }
        const name = stringAt(
          piece.SpecialToken,
          "id",
          `${at}.SpecialToken.id`,
        );
        const entry = specials[name];
        if (!isObject(entry) || !Array.isArray(entry.ids)) {
          throw new TokenizerFormatError(
            `${path}.special_tokens[${JSON.stringify(name)}].ids`,
            "is missing",
          );
        }
        const ids = entry.ids.map((id, k) =>
          idAt(id, `${path}.special_tokens[${JSON.stringify(name)}].ids[${k}]`)
        );
        (seenSequence ? frame.suffix : frame.prefix).push(...ids);
      });
      if (!seenSequence) {
        throw new TokenizerFormatError(
          `${path}.single`,
          `has no {Sequence: {id: "A"}} entry`,
        );
      }
      return frame;
    }
    case "Sequence": {
      const list = node.processors;
      if (!Array.isArray(list)) {
        throw new TokenizerFormatError(
          `${path}.processors`,
          "must be an array",
        );
      }
      let frame: Frame | null = null;
      list.forEach((p, i) => {
        const f = parsePostProcessor(p, `${path}.processors[${i}]`);
        if (f && (f.prefix.length > 0 || f.suffix.length > 0)) frame = f;
      });
      return frame;
    }
    case "ByteLevel":
      return null;
    default:
      throw new TokenizerFormatError(
        `${path}.type`,
        `is "${type}", a post-processor oris does not implement (CLIP uses RobertaProcessing or TemplateProcessing)`,
      );
  }
}
