/**
 * The noun phrase that holds a sentence's head noun ("a man in a red shirt
 * holding an umbrella" -> "a man"), from wink-nlp's part-of-speech tags.
 *
 * wink-nlp is created once per process: a second instance silently stops
 * matching custom patterns.
 *
 * @module
 */

import winkNLP from "wink-nlp";
import model from "wink-eng-lite-web-model";
import { SIDE_WORDS } from "../spatial/_lexicon.ts";

/** A token with its part-of-speech tag (Universal POS). */
export interface TaggedToken {
  /** The token as written. */
  readonly text: string;
  /** Universal POS tag, e.g. "NOUN", "ADJ", "ADP". */
  readonly pos: string;
  /** Dictionary form ("girls" -> "girl"). */
  readonly lemma: string;
}

/** What the parser found in a sentence. */
export interface NounPhrase {
  /** The phrase holding the head noun; "" when the sentence has no noun. */
  readonly text: string;
  /** The head noun; null when the sentence has no noun. */
  readonly head: string | null;
  /** Dictionary form of the head noun. */
  readonly headLemma: string | null;
  /** Token range [start, end) of the phrase in `tokens`. */
  readonly span: readonly [number, number];
  /** The tagged tokens. */
  readonly tokens: readonly TaggedToken[];
}

/**
 * Nouns that name a place in the picture rather than the thing referred to
 * ("the one on the left", "far right side"): never the head. The spatial
 * parser's side words, then place nouns and the picture itself.
 */
export const POSITION_NOUNS: ReadonlySet<string> = new Set([
  ...SIDE_WORDS,
  "side",
  "corner",
  "edge",
  "half",
  "end",
  "row",
  "foreground",
  "background",
  "picture",
  "image",
  "photo",
  "pic",
  "frame",
  "view",
  "one",
  "ones",
]);

const NOUN_TAGS = new Set(["NOUN", "PROPN"]);

/** Nouns ending in "-ing" that are things, not actions. */
const ING_NOUNS = new Set([
  "building",
  "painting",
  "clothing",
  "ceiling",
  "railing",
  "wedding",
  "pudding",
  "frosting",
  "icing",
  "topping",
  "stuffing",
  "filling",
  "sibling",
  "awning",
  "bedding",
  "siding",
  "carving",
  "drawing",
  "earring",
  "evening",
  "morning",
  "dumpling",
  "sapling",
  "seedling",
  "stocking",
  "lightning",
  "crossing",
  "parking",
]);

/**
 * Whether a word tagged as a noun right after another noun is really a
 * participle ("a man skateboarding", "a sheep grazing").
 */
function isParticiple(t: TaggedToken): boolean {
  const w = t.text.toLowerCase();
  return w.length > 5 && w.endsWith("ing") && !ING_NOUNS.has(w);
}
const MODIFIER_TAGS = new Set(["DET", "ADJ", "NUM", "NOUN", "PROPN", "ADV"]);

let nlp: ReturnType<typeof winkNLP> | undefined;

/** Tags a sentence with wink-nlp (one shared instance per process). */
export function tagTokens(sentence: string): TaggedToken[] {
  nlp ??= winkNLP(model);
  const doc = nlp.readDoc(sentence);
  const texts = doc.tokens().out(nlp.its.value) as string[];
  const tags = doc.tokens().out(nlp.its.pos) as string[];
  // wink-nlp's typings declare `its.lemma` with an add-on signature `out()`
  // does not accept; at run time it is an ordinary "its" helper.
  const lemmas = doc.tokens().out(
    nlp.its.lemma as unknown as typeof nlp.its.value,
  ) as string[];
  return texts.map((text, i) => ({ text, pos: tags[i], lemma: lemmas[i] }));
}

/**
 * Finds the phrase holding the head noun in tagged tokens: the first run of
 * nouns that is not a position word (its last noun is the head, as in
 * "tennis player"), extended left over its determiners, adjectives,
 * numbers and adverbs, and over "and"/"," between adjectives.
 */
export function nounPhraseOf(tokens: readonly TaggedToken[]): NounPhrase {
  const isHeadNoun = (t: TaggedToken) =>
    NOUN_TAGS.has(t.pos) && !POSITION_NOUNS.has(t.text.toLowerCase());
  const first = tokens.findIndex(isHeadNoun);
  if (first < 0) return leadingPhrase(tokens);
  let end = first + 1;
  while (
    end < tokens.length && isHeadNoun(tokens[end]) &&
    !isParticiple(tokens[end])
  ) end++;
  let start = first;
  while (start > 0) {
    const prev = tokens[start - 1];
    const joiner = (prev.pos === "CCONJ" || prev.text === ",") &&
      start >= 2 && tokens[start - 2].pos === "ADJ";
    if (MODIFIER_TAGS.has(prev.pos) || joiner) start--;
    else break;
  }
  // A phrase never opens with a conjunction or comma.
  while (
    start < first &&
    (tokens[start].pos === "CCONJ" || tokens[start].text === ",")
  ) start++;
  return {
    text: tokens.slice(start, end).map((t) => t.text).join(" "),
    head: tokens[end - 1].text.toLowerCase(),
    headLemma: tokens[end - 1].lemma.toLowerCase(),
    span: [start, end],
    tokens,
  };
}

/** Tags that may open a sentence's leading phrase when no word is tagged a noun. */
const LEADING_TAGS = new Set(["DET", "ADJ", "NUM", "ADV", "VERB"]);

/**
 * The fallback when the tagger found no noun ("the purple square on the
 * right" tags "square" as an adjective): the sentence's leading run of
 * determiners, adjectives and numbers, whose last word is taken as the
 * head unless it names a position.
 */
function leadingPhrase(tokens: readonly TaggedToken[]): NounPhrase {
  let end = 0;
  while (end < tokens.length && LEADING_TAGS.has(tokens[end].pos)) end++;
  const last = tokens[end - 1];
  if (
    end === 0 || !["ADJ", "NUM"].includes(last.pos) ||
    POSITION_NOUNS.has(last.text.toLowerCase())
  ) {
    return { text: "", head: null, headLemma: null, span: [0, 0], tokens };
  }
  return {
    text: tokens.slice(0, end).map((t) => t.text).join(" "),
    head: last.text.toLowerCase(),
    headLemma: last.lemma.toLowerCase(),
    span: [0, end],
    tokens,
  };
}

/**
 * The noun phrase holding the head noun of a sentence.
 *
 * @example
 * ```ts
 * nounPhrase("a man in a red shirt holding an umbrella").text; // "a man"
 * nounPhrase("white and black cat on a couch").head; // "cat"
 * ```
 */
export function nounPhrase(sentence: string): NounPhrase {
  return nounPhraseOf(tagTokens(sentence));
}
