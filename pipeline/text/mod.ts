/**
 * Text: CLIP's byte-level BPE tokenizer (from a tokenizer.json) and the
 * noun-phrase extraction that picks a sentence's subject.
 *
 * @module
 */

export * from "./clip_tokenizer.ts";
export * from "./noun_phrase.ts";
