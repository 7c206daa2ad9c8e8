/**
 * The extended spatial parser: what a referring expression says about where
 * its object is. It reads directions with their synonyms and superlatives
 * ("far left", "uppermost", "in the background", "the tallest"), ordinals
 * ("second from the left"), and relations to another object ("left of the
 * dog", "behind the fence"), whose anchor phrase the pipeline grounds like
 * a sentence of its own. Words that don't point at a place in the picture
 * are traps and trigger nothing: body parts and possessives ("his left
 * hand"), "right next to", "all right", "left over", "a pink top".
 *
 * The parser is rule-based on lower-cased whole words (no tagger, no model):
 * every rule below names an example it exists for.
 *
 * @module
 */

import {
  AFTER_INTENSIFYING_RIGHT,
  BY_AS_PLACE_AFTER,
  CAMERA_WORDS,
  COLOURS,
  COMPARATIVES,
  COMPOUNDS,
  DEMONSTRATIVES,
  DETERMINERS,
  DIRECTION_AXIS,
  DIRECTION_WORDS,
  IMAGE_WORDS,
  ING_NOUNS,
  INTENSIFIERS,
  LEFT_AS_VERB_AFTER,
  LEFT_AS_VERB_BEFORE,
  NOT_ON_ANCHORS,
  ORDINAL_FROM,
  ORDINALS,
  ORIENTATION_VERBS,
  OVER_AS_ABOVE_AFTER,
  OWN_PARTS,
  PART_NOUNS,
  PHRASE_STOPS,
  PLACE_INTRODUCERS,
  PLACE_NOUNS,
  POSITIONAL,
  POSSESSIVES,
  PRONOUNS,
  RELATION_AS_DIRECTION,
  RELATION_WORDS,
  SIDE_WORDS,
  STANDALONE,
  TOP_PLACE_NOUNS,
} from "./_lexicon.ts";
import type { Direction, RelationKind } from "./types.ts";

export type { Direction, RelationKind } from "./types.ts";

/** Every {@linkcode Direction}. */
export const DIRECTIONS: readonly Direction[] = [
  "left",
  "right",
  "top",
  "bottom",
  "middle",
  "front",
  "back",
  "biggest",
  "smallest",
  "tallest",
  "shortest",
];

/** Every {@linkcode RelationKind}. */
export const RELATION_KINDS: readonly RelationKind[] = [
  "left-of",
  "right-of",
  "above",
  "below",
  "on",
  "under",
  "behind",
  "in-front-of",
  "next-to",
  "between",
  "far-from",
];

/** "second from the left": the n-th candidate counted from a direction. */
export interface SpatialOrdinal {
  /** 1 for "first", 2 for "second" or "2nd", ... */
  readonly n: number;
  /** The side counted from, or the extreme ("second largest": "biggest"). */
  readonly from: Direction;
}

/** "left of the dog": a relation and the phrase of its anchor object. */
export interface SpatialRelation {
  /** How the referred object lies relative to the anchor ("left-of" ...). */
  readonly kind: RelationKind;
  /** The anchor phrase as written, lower case ("the red car"). */
  readonly anchor: string;
}

/** What a sentence says about where its object is. */
export interface SpatialParse {
  /** Directions that hold for the referred object, in sentence order. */
  readonly directions: readonly Direction[];
  /** An ordinal, when the sentence counts ("third giraffe from right"). */
  readonly ordinal?: SpatialOrdinal;
  /** A relation to another object, when the sentence has one. */
  readonly relation?: SpatialRelation;
  /** The words that triggered, in sentence order ("far left", "next to"). */
  readonly triggers: readonly string[];
}

// ---------------------------------------------------------------------------
// Tokens

/**
 * Lower-cased whole words and numbers of a sentence, with sentence
 * punctuation kept as tokens; hyphens and apostrophes split words
 * ("left-most" -> "left", "most"; "man's" -> "man", "s").
 *
 * @example
 * ```ts
 * tokenizeSpatial("The 2nd dog, far-left"); // ["the", "2nd", "dog", ",", "far", "left"]
 * ```
 */
export function tokenizeSpatial(sentence: string): string[] {
  return sentence.toLowerCase().match(
    /[a-z]+|\d+(?:st|nd|rd|th)?|[,.;:!?()]/g,
  ) ??
    [];
}

const isPunctuation = (t: string | undefined) =>
  t !== undefined && /^[,.;:!?()]$/.test(t);

/** "-ing" words that are actions ("holding"), not things ("building"). */
function isParticiple(t: string): boolean {
  return t.length > 4 && t.endsWith("ing") && !ING_NOUNS.has(t);
}

// ---------------------------------------------------------------------------
// The parse

interface Found<T> {
  readonly pos: number;
  readonly value: T;
  readonly trigger: string;
}

interface Anchor {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly head: string;
}

/** The outcome of reading the phrase after a relation word. */
type AnchorRead =
  | { readonly kind: "anchor"; readonly anchor: Anchor }
  /** "closest to the camera": the viewer. */
  | { readonly kind: "camera"; readonly end: number }
  /** "left of the picture", "near the left edge": a place in the picture. */
  | {
    readonly kind: "image";
    readonly end: number;
    readonly direction?: Direction;
  }
  /** "on it", "behind him", "on his head": nothing to ground. */
  | { readonly kind: "pronoun"; readonly end: number }
  /** Nothing follows ("the one behind"). */
  | { readonly kind: "none" };

class SentenceScan {
  readonly t: readonly string[];
  /** Tokens already explained (traps, relation words, anchors, ordinals). */
  readonly used: Uint8Array;
  readonly directions: Found<Direction>[] = [];
  readonly relations: Found<{ kind: RelationKind; anchor: Anchor }>[] = [];
  ordinal: Found<SpatialOrdinal> | undefined;

  constructor(tokens: readonly string[]) {
    this.t = tokens;
    this.used = new Uint8Array(tokens.length);
  }

  at(i: number): string {
    return this.t[i] ?? "";
  }

  use(from: number, to: number): void {
    for (let i = Math.max(from, 0); i < Math.min(to, this.t.length); i++) {
      this.used[i] = 1;
    }
  }

  text(from: number, to: number): string {
    return this.t.slice(from, to).join(" ");
  }
}

/**
 * Whether token i is preceded by a possessive: "his left hand", "its back",
 * "the man ' s right arm" (the apostrophe's "s" token), "her front left paw".
 */
function afterPossessive(s: SentenceScan, i: number): boolean {
  let j = i - 1;
  // Skip other direction adjectives: "his front left paw".
  while (j >= 0 && DIRECTION_WORDS[s.at(j)] && j > i - 3) j--;
  const p = s.at(j);
  return POSSESSIVES.has(p) ||
    (p === "s" && j > 0 && !isPunctuation(s.at(j - 1)));
}

/**
 * Whether a body or vehicle part follows token i: "left hand", "right hind
 * leg", "front paws"; except "right hand side" / "left hand corner".
 */
function beforePart(s: SentenceScan, i: number): boolean {
  let j = i + 1;
  while (
    j < i + 3 && (DIRECTION_WORDS[s.at(j)] || s.at(j) === "hind")
  ) j++;
  const w = s.at(j);
  if (!PART_NOUNS.has(w)) return false;
  // "right hand side", "the left hand corner", "the right hand picture".
  const after = s.at(j + 1);
  return !((w === "hand" || w === "handed") &&
    (PLACE_NOUNS.has(after) || IMAGE_WORDS.has(after)));
}

/**
 * Marks the traps: direction words that don't point at a place in the
 * picture. Each rule, with the example it exists for:
 *
 * - possessive before: "his left hand", "on its back", "her top";
 * - part noun after: "right arm", "front legs", "back wheel", "upper body";
 * - compound names: "top hat", "tank top", "middle aged", "all right",
 *   "left over", "back pack", "front door", "back and forth";
 * - "right" as an intensifier: "right next to", "right behind" (unless a
 *   place word introduces it: "on the right next to the dog");
 * - poses: "facing left", "looking to the right";
 * - "left" as a verb: "the only slice left over", "what is left",
 *   "left alone", "left behind";
 * - "top" as a garment: "a pink top", "wearing a striped top" (but "a top
 *   shelf"); "bottom" as a part: "a skateboard with a green bottom";
 * - "on top" after "with": "a cake with a bow on top" (the bow is);
 * - "back" as the body's back: "back to the camera", "back turned", "lying
 *   back";
 * - views: "seen from behind", "taken from above";
 * - the part of an object: "the front of the bus", "the left side of the
 *   bed", "the top of the cake" — a direction after "the" and before "of"
 *   with no placing preposition ("at the top of the stairs" does place).
 */
function markTraps(s: SentenceScan): void {
  const { t } = s;
  for (let i = 0; i < t.length; i++) {
    const w = t[i];
    const prev = s.at(i - 1), next = s.at(i + 1);
    const pair = `${w} ${next}`, pairBefore = `${prev} ${w}`;
    if (COMPOUNDS.has(pair)) {
      s.use(i, i + 2);
      continue;
    }
    if (COMPOUNDS.has(pairBefore)) {
      s.use(i - 1, i + 1);
      continue;
    }
    const isDir = Object.hasOwn(DIRECTION_WORDS, w) ||
      Object.hasOwn(STANDALONE, w) || Object.hasOwn(COMPARATIVES, w);
    if (!isDir) continue;
    if (
      ["left", "right", "front", "back", "top", "bottom", "upper", "lower"]
        .includes(w) && (afterPossessive(s, i) || beforePart(s, i))
    ) {
      s.used[i] = 1;
      continue;
    }
    if (
      w === "right" && AFTER_INTENSIFYING_RIGHT.has(next) &&
      !PLACE_INTRODUCERS.has(prev)
    ) {
      s.used[i] = 1;
      continue;
    }
    if ((w === "left" || w === "right") && afterOrientationVerb(s, i)) {
      s.used[i] = 1;
      continue;
    }
    if (w === "left" && leftIsVerb(s, i)) {
      s.used[i] = 1;
      // "left behind" with nothing behind it: "behind" is the verb's too.
      if (next === "behind" && !startsPhrase(s, i + 2)) s.used[i + 1] = 1;
      continue;
    }
    if (
      w === "top" && prev === "on" && !startsPhrase(s, i + 1) &&
      s.t.slice(0, i).includes("with")
    ) {
      // "a cake with a bow on top": the bow is on top, not the cake.
      s.use(i - 1, i + 1);
      continue;
    }
    if (onOwnSide(s, i)) {
      // "a couch with a throw on the back": the couch's own back.
      s.used[i] = 1;
      continue;
    }
    if ((w === "top" || w === "bottom") && topIsGarment(s, i)) {
      s.used[i] = 1;
      continue;
    }
    if (w === "back" && next === "and" && s.at(i + 2) === "forth") {
      s.use(i, i + 3);
      continue;
    }
    if (
      w === "back" &&
      (next === "to" || next === "turned" || next === "facing" ||
        next === "towards" ||
        (!PLACE_INTRODUCERS.has(prev) && !POSITIONAL.has(prev) &&
          (isParticiple(prev) || (prev.length > 4 && prev.endsWith("ed")) ||
            ["lean", "leans", "lay", "lays", "lie", "lies", "come", "comes"]
              .includes(prev))))
    ) {
      s.used[i] = 1;
      continue;
    }
    if (
      prev === "from" &&
      ["behind", "above", "below", "beneath", "underneath"].includes(w)
    ) {
      s.used[i] = 1;
      continue;
    }
    if (isPartOf(s, i)) {
      s.used[i] = 1;
      if (PLACE_NOUNS.has(next)) s.used[i + 1] = 1;
    }
  }
}

/**
 * "a couch with a throw on the back", "a truck that has damage on the
 * front", "numbers printed on the back": "front" or "back" after "on the"
 * with nothing after it to be the front or back of, in a sentence that
 * describes the thing ("with", "has", "printed") before: a side of the
 * thing itself, not a place in the picture.
 */
function onOwnSide(s: SentenceScan, i: number): boolean {
  const w = s.at(i);
  if (w !== "front" && w !== "back") return false;
  if (s.at(i - 1) !== "the" || s.at(i - 2) !== "on") return false;
  if (s.at(i + 1) === "of" || startsPhrase(s, i + 1)) return false;
  return s.t.slice(0, i - 2).some((x) => OWN_SIDE_CUES.has(x));
}

/** Words before "on the back" that make it the thing's own side. */
const OWN_SIDE_CUES: ReadonlySet<string> = new Set([
  "with",
  "has",
  "have",
  "having",
  "printed",
  "written",
]);

/** "facing left", "looking to the right", "turned toward the left". */
function afterOrientationVerb(s: SentenceScan, i: number): boolean {
  for (let j = i - 1; j >= Math.max(0, i - 3); j--) {
    const w = s.at(j);
    if (ORIENTATION_VERBS.has(w)) return true;
    if (!["to", "the", "toward", "towards", "its", "his", "her"].includes(w)) {
      return false;
    }
  }
  return false;
}

/** "is left", "left over", "left alone" — but not "is left of the dog". */
function leftIsVerb(s: SentenceScan, i: number): boolean {
  const next = s.at(i + 1);
  if (next === "of" || PLACE_NOUNS.has(next) || next === "hand") return false;
  if (PLACE_INTRODUCERS.has(s.at(i - 1))) return false;
  if (LEFT_AS_VERB_AFTER.has(next)) return true;
  if (LEFT_AS_VERB_BEFORE.has(s.at(i - 1))) return true;
  // "the only slice left", "the last piece left".
  const tail = next === "" || isPunctuation(next);
  return tail &&
    [2, 3, 4].some((d) => ["only", "last", "remaining"].includes(s.at(i - d)));
}

/**
 * "a pink top", "wearing a striped top", "in red top": "a", "an",
 * "wearing" or "in" within three words before, with no "the" between, and
 * no place noun after ("a top shelf", "in top left corner"). "on top" and
 * "the top" stay places.
 */
function topIsGarment(s: SentenceScan, i: number): boolean {
  if (TOP_PLACE_NOUNS.has(s.at(i + 1))) return false;
  if (COLOURS.has(s.at(i - 1))) return true;
  for (let j = i - 1; j >= Math.max(0, i - 3); j--) {
    const w = s.at(j);
    if (w === "the" || isPunctuation(w)) return false;
    if (["a", "an", "wearing", "wears", "in", "with"].includes(w)) {
      return true;
    }
    if (POSITIONAL.has(w)) return false;
  }
  return false;
}

/**
 * "the front of the bus", "the left side of the bed": a direction between
 * "the"/"a" and "of" (with at most a side word between), where the word
 * before the article doesn't place it ("at the top of the stairs" does).
 * "half", "part" and "portion" do name a place: "the bottom half of a
 * sandwich".
 */
function isPartOf(s: SentenceScan, i: number): boolean {
  const w = s.at(i);
  if (!SIDE_WORDS.has(w)) return false;
  const art = s.at(i - 1);
  if (bareBackOf(s, i)) return true;
  if (art !== "the" && art !== "a") return false;
  let j = i + 1;
  if (s.at(j) === "hand" && s.at(j + 1) === "side") j++;
  if (["side", "end", "edge", "corner"].includes(s.at(j))) j++;
  if (s.at(j) !== "of") return false;
  return !POSITIONAL.has(s.at(i - 2));
}

/**
 * "back of a chair", "a wooden back of a chair", "holding onto back of
 * couch": "back of" with no article before names the thing's back; only
 * "in" or "at" before make it a place ("in back of the truck").
 */
function bareBackOf(s: SentenceScan, i: number): boolean {
  const prev = s.at(i - 1);
  return s.at(i) === "back" && s.at(i + 1) === "of" && prev !== "the" &&
    prev !== "in" && prev !== "at";
}

/**
 * Whether the words at j describe the anchor ("in red", "in a black
 * shirt", "with a hat") rather than place it ("in the back", "in front").
 */
function describes(s: SentenceScan, j: number): boolean {
  let k = j;
  while (DETERMINERS.has(s.at(k))) k++;
  const w = s.at(k);
  return startsPhrase(s, k) && !Object.hasOwn(DIRECTION_WORDS, w) &&
    !PLACE_NOUNS.has(w) && !IMAGE_WORDS.has(w) && w !== "between";
}

/** Whether a noun phrase (not a pronoun, stop or end) starts at j. */
function startsPhrase(s: SentenceScan, j: number): boolean {
  const w = s.at(j);
  return w !== "" && !isPunctuation(w) && !PHRASE_STOPS.has(w) &&
    !PRONOUNS.has(w) && !isParticiple(w);
}

/**
 * Reads the anchor phrase starting at j: determiners, then up to six words
 * until a preposition, conjunction, relative pronoun, verb or punctuation
 * ("behind the wooden fence | wearing ..."). "of" joins once ("next to the
 * bowl of fruit"), "in" or "with" once when they describe ("next to the
 * woman in red", but not "... in the back"), and "and" once for "between"
 * ("between the dog and the cat"). A place phrase right after joins the anchor ("behind the woman on
 * the left": the woman is on the left).
 */
function readAnchor(s: SentenceScan, j: number, allowAnd = false): AnchorRead {
  const first = s.at(j);
  if (first === "" || isPunctuation(first)) return { kind: "none" };
  let k = j;
  while (
    (DETERMINERS.has(s.at(k)) || /^\d+$/.test(s.at(k))) && k < j + 3
  ) k++;
  // "below the one spitting smoke", "right of another", "behind the
  // other": another of the same kind, so the relation's own direction.
  if (["one", "ones", "other", "others"].includes(s.at(k))) {
    return { kind: "image", end: k + 1 };
  }
  if (
    k > j && ["another", "other"].includes(s.at(k - 1)) && !startsPhrase(s, k)
  ) return { kind: "image", end: k };
  if (CAMERA_WORDS.has(s.at(k))) return { kind: "camera", end: k + 1 };
  if (POSSESSIVES.has(first)) {
    // "on his head" is the object's own part; "beside her mom" is another.
    let e = j + 1;
    while (e < j + 4 && startsPhrase(s, e)) {
      if (PART_NOUNS.has(s.at(e)) || OWN_PARTS.has(s.at(e))) {
        return { kind: "pronoun", end: e + 1 };
      }
      e++;
    }
    if (e === j + 1) return { kind: "pronoun", end: e };
  } else if (PRONOUNS.has(s.at(k))) {
    return { kind: "pronoun", end: k + 1 };
  }
  if (
    DEMONSTRATIVES.has(first) && k === j + 1 && !startsPhrase(s, k)
  ) return { kind: "pronoun", end: k };
  // "closest to the left", "near the left edge", "to the left side":
  // a place, not an object.
  let p = k;
  while (["far", "very", "extreme"].includes(s.at(p))) p++;
  const placeWord = s.at(p);
  const placeDir = Object.hasOwn(DIRECTION_WORDS, placeWord)
    ? DIRECTION_WORDS[placeWord]
    : undefined;
  if (placeDir) {
    let e = p + 1;
    if (PLACE_NOUNS.has(s.at(e))) e++;
    if (!startsPhrase(s, e) || IMAGE_WORDS.has(s.at(e))) {
      return { kind: "image", end: e, direction: placeDir };
    }
  }
  // "right of photo in a striped shirt": the picture, whatever follows.
  if (IMAGE_WORDS.has(s.at(k)) && !startsPhrase(s, k + 1)) {
    return { kind: "image", end: k + 1 };
  }
  const content = k;
  let joinedOf = false, joinedAnd = false, joinedIn = false;
  while (k < s.t.length && k - content < 8) {
    const w = s.at(k);
    if (w === "of" && !joinedOf && startsPhrase(s, k + 1)) {
      joinedOf = true;
    } else if (w === "and" && allowAnd && !joinedAnd) {
      joinedAnd = true;
    } else if (
      (w === "in" || w === "with") && !joinedIn && k > content &&
      describes(s, k + 1)
    ) {
      // "next to the woman in red", "behind the man with a hat".
      joinedIn = true;
    } else if (
      isPunctuation(w) || PHRASE_STOPS.has(w) ||
      (k > content && DETERMINERS.has(w) &&
        !["of", "and"].includes(s.at(k - 1))) ||
      (isParticiple(w) && k > content) ||
      (k > content && (w === "left" || w === "right") &&
        s.at(k + 1) === "of")
    ) break;
    k++;
  }
  if (k === content) {
    return content > j ? { kind: "pronoun", end: k } : { kind: "none" };
  }
  // Nothing may end on a dangling joiner: "between the dog and".
  while (k > content && (s.at(k - 1) === "of" || s.at(k - 1) === "and")) k--;
  const head = s.at(k - 1);
  if (IMAGE_WORDS.has(head)) return { kind: "image", end: k };
  if (CAMERA_WORDS.has(head)) return { kind: "camera", end: k };
  let end = k;
  // "behind the woman on the left": the place belongs to the anchor.
  if (["on", "in", "at", "to"].includes(s.at(end)) && s.at(end + 1) === "the") {
    let e = end + 2;
    if (s.at(e) === "far" || s.at(e) === "very") e++;
    const d = s.at(e);
    if (
      (SIDE_WORDS.has(d) || d === "background" || d === "foreground") &&
      s.at(e + 1) !== "of" && s.at(e + 2) !== "of"
    ) {
      end = e + 1;
      if (PLACE_NOUNS.has(s.at(end))) end++;
    }
  }
  return {
    kind: "anchor",
    anchor: { start: j, end, text: s.text(j, end), head },
  };
}

/** A relation word found at i: its kind and where its anchor starts. */
interface RelationCue {
  readonly kind: RelationKind;
  /** First token of the cue ("in" of "in front of"). */
  readonly start: number;
  /** Token after the cue, where the anchor starts. */
  readonly anchorAt: number;
}

/**
 * The relation cue at token i, if any:
 * - "left of the dog", "to the right side of the bench", "left hand side of":
 *   left-of / right-of;
 * - "above the table"; "over" only after hanging/flying ("the lamp hanging
 *   over the table"): above;
 * - "below the sign": below; "under", "beneath", "underneath the table": under;
 * - "on the bed", "on top of the car", "atop the pole": on;
 * - "behind the fence", "in back of the truck": behind;
 * - "in front of the bus": in-front-of;
 * - "next to", "beside", "besides", "alongside", "near", "close(r/st) to",
 *   "near(er/est) to", "adjacent to", "by" after a verb of place ("parked by
 *   the curb", not "held by a man"): next-to;
 * - "between the two men": between;
 * - "far from", "farthest from", "away from": far-from.
 */
function relationCue(s: SentenceScan, i: number): RelationCue | undefined {
  const w = s.at(i), next = s.at(i + 1), prev = s.at(i - 1);
  const cue = (kind: RelationKind, start: number, anchorAt: number) => ({
    kind,
    start,
    anchorAt,
  });
  if (w === "left" || w === "right") {
    const kind = w === "left" ? "left-of" : "right-of";
    if (next === "of") return cue(kind, i, i + 2);
    if (PLACE_NOUNS.has(next) && s.at(i + 2) === "of") {
      return cue(kind, i, i + 3);
    }
    if (next === "hand" && s.at(i + 2) === "side" && s.at(i + 3) === "of") {
      return cue(kind, i, i + 4);
    }
    return undefined;
  }
  const plain = RELATION_WORDS.get(w);
  if (plain) return cue(plain, i, i + 1);
  switch (w) {
    case "over":
      return OVER_AS_ABOVE_AFTER.has(prev) ? cue("above", i, i + 1) : undefined;
    case "on":
      if (next === "top" && s.at(i + 2) === "of") return cue("on", i, i + 3);
      return cue("on", i, i + 1);
    case "back":
      if (prev === "in" && next === "of") return cue("behind", i - 1, i + 2);
      return undefined;
    case "front":
      if (prev === "in" && next === "of") {
        return cue("in-front-of", i - 1, i + 2);
      }
      return undefined;
    case "next":
    case "close":
    case "closer":
    case "closest":
    case "nearer":
    case "nearest":
    case "adjacent":
      if (next === "to") return cue("next-to", i, i + 2);
      // "the mouse nearest the black object".
      return (w === "nearest" || w === "closest") && DETERMINERS.has(next)
        ? cue("next-to", i, i + 1)
        : undefined;
    case "near":
      // "the near side" is the front.
      return prev === "the" ? undefined : cue("next-to", i, i + 1);
    case "by":
      return BY_AS_PLACE_AFTER.has(prev) ? cue("next-to", i, i + 1) : undefined;
    case "far":
    case "farthest":
    case "furthest":
    case "farther":
    case "further":
    case "away":
      // "facing away from the camera" is a pose.
      if (ORIENTATION_VERBS.has(prev)) return undefined;
      if (next === "from") return cue("far-from", i, i + 2);
      if (next === "away" && s.at(i + 2) === "from") {
        return cue("far-from", i, i + 3);
      }
      return undefined;
  }
  return undefined;
}

/**
 * Finds the relations, each with its anchor, and the places that look like
 * relations but name the picture or the viewer:
 * - "left of the picture" -> left, "in front of the camera" -> front,
 *   "closest to the camera" -> front, "farthest from the camera" -> back;
 * - "closest to the left", "near the front" -> left, front;
 * - "at the back of the room", "in the middle of the road", "at the top of
 *   the stairs" -> back, middle, top (the object's place within another);
 * - "on it", "behind him", "on his head" name nothing to ground and
 *   trigger nothing;
 * - a standalone "behind", "above", "below", "between" names a direction
 *   ("the one behind" -> back).
 * "on" never takes a place as its anchor ("on the left" is a direction) nor
 * a thing one is busy with ("on the phone").
 */
function findRelations(s: SentenceScan): void {
  const { t } = s;
  for (let i = 0; i < t.length; i++) {
    if (s.used[i]) continue;
    if (placeWithin(s, i)) continue;
    const cue = relationCue(s, i);
    if (!cue) continue;
    const read = readAnchor(s, cue.anchorAt, cue.kind === "between");
    const trigger = s.text(cue.start, cue.anchorAt);
    const cueEnd = cue.anchorAt;
    switch (read.kind) {
      case "anchor": {
        if (
          cue.kind === "on" &&
          ((NOT_ON_ANCHORS.has(read.anchor.head) &&
            cue.anchorAt === cue.start + 1) ||
            startsWithPlace(s, read.anchor) ||
            PLACE_NOUNS.has(read.anchor.head) ||
            Object.hasOwn(DIRECTION_WORDS, read.anchor.head))
        ) {
          break;
        }
        s.relations.push({
          pos: cue.start,
          value: { kind: cue.kind, anchor: read.anchor },
          trigger,
        });
        s.use(cue.start, read.anchor.end);
        i = read.anchor.end - 1;
        break;
      }
      case "camera": {
        const dir: Direction | undefined = cue.kind === "far-from"
          ? "back"
          : cue.kind === "next-to" || cue.kind === "in-front-of"
          ? "front"
          : undefined;
        if (dir) {
          s.directions.push({
            pos: cue.start,
            value: dir,
            trigger: s.text(cue.start, read.end),
          });
        }
        s.use(cue.start, read.end);
        i = read.end - 1;
        break;
      }
      case "image": {
        const dir = read.direction ?? RELATION_AS_DIRECTION[cue.kind];
        if (dir && !(cue.kind === "on" && read.direction)) {
          s.directions.push({
            pos: cue.start,
            value: dir,
            trigger: s.text(cue.start, read.end),
          });
          s.use(cue.start, read.end);
          i = read.end - 1;
        } else if (read.direction) {
          // "on the left": the direction scan reads it.
          s.use(cue.start, cue.anchorAt);
        }
        break;
      }
      case "pronoun": {
        s.use(cue.start, read.end);
        // "the one between them" is still the middle one.
        if (cue.kind === "between") {
          s.directions.push({ pos: i, value: "middle", trigger });
        }
        i = read.end - 1;
        break;
      }
      case "none": {
        const dir = STANDALONE[t[i]];
        if (dir) {
          s.directions.push({ pos: i, value: dir, trigger: t[i] });
        }
        s.use(cue.start, cueEnd);
        break;
      }
    }
  }
}

/** "on the left zebra", "on the far left": the anchor opens with a direction. */
function startsWithPlace(s: SentenceScan, a: Anchor): boolean {
  let k = a.start;
  while (DETERMINERS.has(s.at(k)) || s.at(k) === "far") k++;
  return k < a.end && Object.hasOwn(DIRECTION_WORDS, s.at(k));
}

/**
 * "at the back of the room", "in the middle of the road", "at the top of
 * the stairs", "in the front of the boat": the object's place within
 * another, read as a direction (the "of" phrase is consumed).
 */
function placeWithin(s: SentenceScan, i: number): boolean {
  const w = s.at(i);
  if (
    !["top", "bottom", "middle", "center", "centre", "front", "back"].includes(
      w,
    )
  ) return false;
  if (s.at(i - 1) !== "the" || !POSITIONAL.has(s.at(i - 2))) return false;
  let j = i + 1;
  if (PLACE_NOUNS.has(s.at(j))) j++;
  if (s.at(j) !== "of") return false;
  const read = readAnchor(s, j + 1);
  const end = read.kind === "none"
    ? j + 1
    : read.kind === "anchor"
    ? read.anchor.end
    : read.end;
  if (s.at(i - 2) === "on" && read.kind !== "image") {
    // "a dog on the back of the truck": on the truck; "on the back of it":
    // on itself, nothing; "on the bottom of the photo" is a place.
    if (read.kind === "anchor") {
      s.relations.push({
        pos: i - 2,
        value: { kind: "on", anchor: read.anchor },
        trigger: s.text(i - 2, j + 1),
      });
    }
    s.use(i - 2, end);
    return true;
  }
  s.directions.push({
    pos: i,
    value: DIRECTION_WORDS[w],
    trigger: s.text(i - 2, j + 1),
  });
  s.use(i - 2, end);
  return true;
}

/**
 * Ordinals: "second from the left", "third giraffe from right", "2nd from
 * top", "the first one on the right", "second left", "second largest". The
 * ordinal word is followed, within five words, by "from", "on" or "to"
 * with the side ("to the left of" excepted, a relation), or directly by a
 * side or superlative. "second to last" is not counted.
 */
function findOrdinal(s: SentenceScan): void {
  const { t } = s;
  for (let i = 0; i < t.length; i++) {
    const n = ORDINALS[t[i]];
    if (!n || s.used[i]) continue;
    const next = s.at(i + 1);
    if (next === "to" && s.at(i + 2) === "last") continue;
    const direct = DIRECTION_WORDS[next];
    if (
      direct && (ORDINAL_FROM[next] ||
        ["biggest", "smallest", "tallest", "shortest"].includes(direct)) &&
      !s.used[i + 1]
    ) {
      s.ordinal = {
        pos: i,
        value: { n, from: direct },
        trigger: s.text(i, i + 2),
      };
      s.use(i, i + 2);
      return;
    }
    for (let j = i + 1; j < Math.min(t.length, i + 6); j++) {
      const w = t[j];
      if (isPunctuation(w)) break;
      if (w !== "from" && w !== "on" && w !== "to" && w !== "in") continue;
      let k = j + 1;
      if (s.at(k) === "the") k++;
      if (s.at(k) === "very" || s.at(k) === "far") k++;
      const from = ORDINAL_FROM[s.at(k)];
      if (!from || s.used[k]) continue;
      if (w !== "from" && (s.at(k + 1) === "of" || s.at(k + 2) === "of")) {
        continue;
      }
      s.ordinal = {
        pos: i,
        value: { n, from },
        trigger: `${t[i]} ${s.text(j, k + 1)}`,
      };
      s.used[i] = 1;
      s.use(j, k + 1);
      if (PLACE_NOUNS.has(s.at(k + 1))) s.used[k + 1] = 1;
      return;
    }
  }
}

/**
 * The directions among the words left over, with intensifiers and
 * comparatives:
 * - plain words and synonyms: "left", "leftmost", "upper", "highest",
 *   "centre", "foreground", "closest", "rear", "furthest", "largest";
 * - an intensifier joins the next direction: "far left", "furthest to the
 *   right", "closest to the front", "extreme left";
 * - "far" alone means back: "the far zebra", "far away", "on the far side";
 *   "near" after "the" means front ("the near side");
 * - comparatives only after "the" and not before "than": "the taller one";
 * - "in back" -> back; "on top" -> top.
 */
function findDirections(s: SentenceScan): void {
  const { t } = s;
  for (let i = 0; i < t.length; i++) {
    if (s.used[i]) continue;
    const w = t[i];
    if (INTENSIFIERS.has(w)) {
      const j = intensified(s, i);
      if (j > i) {
        const dir = DIRECTION_WORDS[t[j]];
        s.directions.push({ pos: i, value: dir, trigger: s.text(i, j + 1) });
        s.use(i, j + 1);
        i = j;
        continue;
      }
      if (w === "far") {
        const next = s.at(i + 1);
        // "on the far right of the tray": the relation's.
        if (s.used[i + 1]) continue;
        if (
          s.at(i - 1) === "the" ||
          ["away", "off", "back", "end", "side"].includes(next)
        ) {
          s.directions.push({ pos: i, value: "back", trigger: w });
        }
        continue;
      }
    }
    if (w === "near" && s.at(i - 1) === "the") {
      s.directions.push({ pos: i, value: "front", trigger: w });
      continue;
    }
    const comparative = COMPARATIVES[w];
    if (comparative) {
      if (s.at(i - 1) === "the" && s.at(i + 1) !== "than") {
        s.directions.push({ pos: i, value: comparative, trigger: w });
      }
      continue;
    }
    const dir = DIRECTION_WORDS[w];
    if (dir) s.directions.push({ pos: i, value: dir, trigger: w });
  }
}

/**
 * The direction word that intensifier i reinforces ("far left", "farthest
 * to the right", "closest to the front"), or -1: at most "to"/"on"/
 * "toward(s)"/"the"/"very" between them.
 */
function intensified(s: SentenceScan, i: number): number {
  for (let j = i + 1; j < Math.min(s.t.length, i + 4); j++) {
    const w = s.at(j);
    if (s.used[j]) return -1;
    const dir = DIRECTION_WORDS[w];
    if (
      dir && !INTENSIFIERS.has(w) &&
      !["biggest", "smallest", "tallest", "shortest"].includes(dir)
    ) return j;
    if (!["to", "on", "toward", "towards", "the", "very", "in"].includes(w)) {
      return -1;
    }
  }
  return -1;
}

/**
 * Parses what a sentence says about where its object is; null when it says
 * nothing.
 *
 * Directions are kept in sentence order, once each; of two opposites on one
 * axis ("left ... right") the first wins, as in the seed rule. Of several
 * relations the first that is not "on" is kept ("the cat on the bed next
 * to the dog": next-to), "on" only when it is the only one.
 *
 * @example
 * ```ts
 * parseSpatial("the zebra on the far left");
 * // { directions: ["left"], triggers: ["far left"] }
 * parseSpatial("second giraffe from the right");
 * // { directions: [], ordinal: { n: 2, from: "right" }, triggers: ["second from the right"] }
 * parseSpatial("the man right next to the red car");
 * // { directions: [], relation: { kind: "next-to", anchor: "the red car" }, triggers: ["next to"] }
 * parseSpatial("a man holding a phone in his left hand"); // null
 * ```
 */
export function parseSpatial(sentence: string): SpatialParse | null {
  const s = new SentenceScan(tokenizeSpatial(sentence));
  markTraps(s);
  findOrdinal(s);
  findRelations(s);
  findDirections(s);

  const directions: Direction[] = [];
  const axes = new Set<string>();
  const triggers: Found<unknown>[] = [];
  for (const d of [...s.directions].sort((a, b) => a.pos - b.pos)) {
    triggers.push(d);
    if (axes.has(DIRECTION_AXIS[d.value])) continue;
    axes.add(DIRECTION_AXIS[d.value]);
    directions.push(d.value);
  }
  const relation = s.relations.find((r) => r.value.kind !== "on") ??
    s.relations[0];
  if (relation) triggers.push(relation);
  if (s.ordinal) triggers.push(s.ordinal);
  if (directions.length === 0 && !relation && !s.ordinal) return null;
  return {
    directions,
    ...(s.ordinal ? { ordinal: s.ordinal.value } : {}),
    ...(relation
      ? {
        relation: {
          kind: relation.value.kind,
          anchor: relation.value.anchor.text,
        },
      }
      : {}),
    triggers: triggers.sort((a, b) => a.pos - b.pos).map((f) => f.trigger),
  };
}
