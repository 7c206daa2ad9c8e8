/**
 * Orientation on real sentences: the spatial selectors measured on the
 * RefCOCOg val expressions (text and boxes, no images), with the image's
 * referred objects as the candidates, under the three ways candidates reach
 * the selector:
 *
 * - `near-equal`: the objects alone, each scoring 0.30 plus seeded noise
 *   of at most ±0.005 (a detector plus CLIP, or a user's boxes passed to
 *   `deno task spatial`);
 * - `background`: the same objects (scores 0.30 ± 0.005, noun-phrase
 *   scores likewise) among 20 background proposals with seeded random boxes
 *   scoring 0.15 to 0.25 (sentence and noun phrase), as the pipeline's SAM
 *   proposals reach it;
 * - `equal`: the objects alone, all scoring exactly 0.30.
 *
 * A sentence counts when it holds a location word, as the extended
 * selector's own parser reads it ({@linkcode holdsLocationWord}): a
 * direction ("left", "closest", "in the background", "tallest"), an
 * ordinal, or a relation that names a side ("left of", "above", "under",
 * "behind", "in front of", "between"); in images with two or more referred
 * objects. Relations of contact or distance alone ("on", "next to", "far
 * from") name no side: they count in scope `"any"`, every sentence the
 * parser reads. Scope `"readme"` takes instead the sentences holding one of
 * the data README's location words as a whole word
 * ({@linkcode README_LOCATION_WORD}), whatever the parser reads in them
 * ("his left hand" counts, with a null parse). The order of the
 * candidates is shuffled (seeded), so that ties can't favour the target.
 * `random` is the expected accuracy of a uniform pick among the referred
 * objects.
 *
 * Pure: the caller reads the data file (see `bench/spatial_eval.ts`).
 *
 * @module
 */

import { DEFAULTS } from "../defaults.ts";
import {
  type ExtendedCandidate,
  type ImageSize,
  selectCandidate,
} from "../spatial/extended.ts";
import { parseSpatial, type SpatialParse } from "../spatial/parse.ts";
import { selectSeed } from "../spatial/seed.ts";
import type { Selection } from "../spatial/types.ts";

/** The part of the RefCOCOg val file the orientation evaluation reads. */
export interface OrientationData {
  /** Images with the objects that some expression refers to. */
  readonly images: readonly {
    readonly image_id: number;
    readonly width: number;
    readonly height: number;
    readonly objects: readonly {
      readonly object_id: number | string;
      readonly bbox_xywh: readonly [number, number, number, number];
    }[];
  }[];
  /** The expressions, each naming its image and object. */
  readonly expressions: readonly {
    readonly image_id: number;
    readonly object_id: number | string;
    readonly sentence: string;
  }[];
}

/** How the candidates reach the selector. */
export type OrientationCondition = "near-equal" | "background" | "equal";

/** Every {@linkcode OrientationCondition}, in report order. */
export const ORIENTATION_CONDITIONS: readonly OrientationCondition[] = [
  "near-equal",
  "background",
  "equal",
];

/**
 * Which sentences count: `"orientation"`, those where the extended parser
 * finds a location word ({@linkcode holdsLocationWord}); `"readme"`, those
 * holding one of the data README's location words as a whole word
 * ({@linkcode README_LOCATION_WORD}), whatever the parser reads in them;
 * `"any"`, every sentence the parser reads.
 */
export type OrientationScope = "orientation" | "readme" | "any";

/** Every {@linkcode OrientationScope}, in report order. */
export const ORIENTATION_SCOPES: readonly OrientationScope[] = [
  "orientation",
  "readme",
  "any",
];

/**
 * The location words of the RefCOCOg data README (`../shared/data/README.md`),
 * as whole words, any case: left, right, top / upper / above, bottom /
 * lower / below, middle / center, front / closest / nearest, back / behind
 * / farthest. A plain word match, blind to what the words mean in the
 * sentence ("his left hand" counts): the most literal reading of "a
 * sentence holding a location word".
 *
 * @example
 * ```ts
 * README_LOCATION_WORD.test("the man on the far left"); // true
 * README_LOCATION_WORD.test("his left hand on a cup"); // true
 * README_LOCATION_WORD.test("the leftmost zebra"); // false
 * ```
 */
export const README_LOCATION_WORD =
  /\b(?:left|right|top|upper|above|bottom|lower|below|middle|center|front|closest|nearest|back|behind|farthest)\b/i;

/**
 * Whether a sentence counts in `scope`, given its spatial parse.
 *
 * @example
 * ```ts
 * import { parseSpatial } from "../spatial/parse.ts";
 *
 * const text = "his left hand on a cup";
 * inOrientationScope(text, parseSpatial(text), "readme"); // true
 * inOrientationScope(text, parseSpatial(text), "any"); // false: nothing parsed
 * ```
 */
export function inOrientationScope(
  text: string,
  parse: SpatialParse | null,
  scope: OrientationScope,
): boolean {
  switch (scope) {
    case "orientation":
      return holdsLocationWord(parse);
    case "readme":
      return README_LOCATION_WORD.test(text);
    case "any":
      return parse !== null;
  }
}

/** Relations that name no side of the anchor: contact and distance. */
const SIDELESS: ReadonlySet<string> = new Set(["on", "next-to", "far-from"]);

/**
 * Whether a parse holds a location word: a direction, an ordinal, or a
 * relation other than "on", "next to" and "far from".
 *
 * @example
 * ```ts
 * import { parseSpatial } from "../spatial/parse.ts";
 *
 * holdsLocationWord(parseSpatial("the man behind the car")); // true
 * holdsLocationWord(parseSpatial("the cup on the table")); // false
 * holdsLocationWord(parseSpatial("a red car")); // false
 * ```
 */
export function holdsLocationWord(parse: SpatialParse | null): boolean {
  if (!parse) return false;
  return parse.directions.length > 0 || parse.ordinal !== undefined ||
    (parse.relation !== undefined && !SIDELESS.has(parse.relation.kind));
}

/** One sentence with its candidates and the index of the referred one. */
export interface OrientationCase {
  /** The referring sentence. */
  readonly text: string;
  /**
   * Its spatial parse: null only in scope `"readme"`, for a sentence whose
   * location word points at no place ("his left hand").
   */
  readonly parse: SpatialParse | null;
  /** The candidates, shuffled. */
  readonly candidates: readonly ExtendedCandidate[];
  /** The image's size. */
  readonly imageSize: ImageSize;
  /** Index of the referred object among the candidates. */
  readonly target: number;
  /** How many referred objects the image has (random: 1 / objects). */
  readonly objects: number;
}

/** Score of every referred object. */
export const OBJECT_SCORE = 0.3;
/** Largest deviation from {@linkcode OBJECT_SCORE} in the noisy conditions. */
export const SCORE_NOISE = 0.005;
/** Background proposals added in the `background` condition. */
export const BACKGROUND_PROPOSALS = 20;

/** A deterministic generator of floats in [0, 1) from a 32-bit seed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit hash of a string (FNV-1a), to seed each sentence's draws. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

/** A random box inside the image, 5% to 50% of its width and height. */
function randomBox(
  next: () => number,
  size: ImageSize,
): [number, number, number, number] {
  const w = size.width * (0.05 + 0.45 * next());
  const h = size.height * (0.05 + 0.45 * next());
  return [next() * (size.width - w), next() * (size.height - h), w, h];
}

/**
 * The candidates of one sentence under one condition, with the target's
 * index. `seed` makes the draws: the same seed gives the same candidates.
 *
 * @example
 * ```ts
 * const { candidates, target } = orientationCandidates(
 *   [[0, 0, 10, 10], [20, 0, 10, 10]], 1, { width: 40, height: 20 }, "equal", 7,
 * );
 * candidates[target].box; // [20, 0, 10, 10]
 * ```
 */
export function orientationCandidates(
  boxes: readonly (readonly [number, number, number, number])[],
  targetObject: number,
  imageSize: ImageSize,
  condition: OrientationCondition,
  seed: number,
): { candidates: ExtendedCandidate[]; target: number } {
  const next = generator(seed);
  const noisy = () => OBJECT_SCORE + SCORE_NOISE * (2 * next() - 1);
  const items: { c: ExtendedCandidate; isTarget: boolean }[] = boxes.map((
    b,
    i,
  ) => {
    const box = [b[0], b[1], b[2], b[3]] as const;
    const c: ExtendedCandidate = condition === "equal"
      ? { box, score: OBJECT_SCORE }
      : condition === "near-equal"
      ? { box, score: noisy() }
      : { box, score: noisy(), nounScore: noisy() };
    return { c, isTarget: i === targetObject };
  });
  if (condition === "background") {
    for (let i = 0; i < BACKGROUND_PROPOSALS; i++) {
      const box = randomBox(next, imageSize);
      items.push({
        c: {
          box,
          score: 0.15 + 0.1 * next(),
          nounScore: 0.15 + 0.1 * next(),
        },
        isTarget: false,
      });
    }
  }
  // Fisher-Yates, seeded: ties must not favour the target's position.
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return {
    candidates: items.map((it) => it.c),
    target: items.findIndex((it) => it.isTarget),
  };
}

/**
 * The cases of one condition: every expression whose image has two or more
 * referred objects and whose sentence counts in `scope` (see
 * {@linkcode OrientationScope}), in the file's order. Each sentence's draws are seeded by its text, image,
 * object and the condition, so the cases don't depend on the order or on
 * which other expressions are present.
 */
export function orientationCases(
  data: OrientationData,
  condition: OrientationCondition,
  scope: OrientationScope = "orientation",
): OrientationCase[] {
  const images = new Map(data.images.map((im) => [im.image_id, im]));
  const cases: OrientationCase[] = [];
  for (const e of data.expressions) {
    const im = images.get(e.image_id);
    if (!im || im.objects.length < 2) continue;
    const object = im.objects.findIndex((o) =>
      String(o.object_id) === String(e.object_id)
    );
    if (object < 0) continue;
    const parse = parseSpatial(e.sentence);
    if (!inOrientationScope(e.sentence, parse, scope)) continue;
    const imageSize = { width: im.width, height: im.height };
    const { candidates, target } = orientationCandidates(
      im.objects.map((o) => o.bbox_xywh),
      object,
      imageSize,
      condition,
      hash(`${condition}|${e.image_id}|${e.object_id}|${e.sentence}`),
    );
    cases.push({
      text: e.sentence,
      parse,
      candidates,
      imageSize,
      target,
      objects: im.objects.length,
    });
  }
  return cases;
}

/** A selector under test: its choice for one case. */
export type OrientationSelector = (c: OrientationCase) => Selection;

/** The paper's rule with its default top 3. */
export const seedSelector: OrientationSelector = (
  c: OrientationCase,
): Selection => selectSeed(c.text, c.candidates, DEFAULTS.topK.seed);

/** The extended selector as the pipeline runs it, with its default top-k. */
export const extendedSelector: OrientationSelector = (
  c: OrientationCase,
): Selection =>
  selectCandidate(c.parse, c.candidates, c.imageSize, {
    topK: DEFAULTS.topK.extended,
  });

/** Accuracies over one condition's cases. */
export interface OrientationScore {
  /** The condition. */
  readonly condition: OrientationCondition;
  /** Sentences counted. */
  readonly n: number;
  /** Expected accuracy of a uniform pick among the referred objects. */
  readonly random: number;
  /** The seed rule's accuracy. */
  readonly seed: number;
  /** The extended selector's accuracy. */
  readonly extended: number;
}

/** Share of the cases where `select` picks the target (0 without cases). */
export function orientationAccuracy(
  cases: readonly OrientationCase[],
  select: OrientationSelector,
): number {
  if (cases.length === 0) return 0;
  let right = 0;
  for (const c of cases) right += +(select(c).index === c.target);
  return right / cases.length;
}

/**
 * Random, seed and extended accuracy under every condition, over the
 * sentences of `scope`.
 *
 * @example
 * ```ts
 * const data = {
 *   images: [{ image_id: 1, width: 100, height: 50, objects: [
 *     { object_id: 1, bbox_xywh: [0, 0, 20, 40] as const },
 *     { object_id: 2, bbox_xywh: [70, 0, 20, 40] as const },
 *   ] }],
 *   expressions: [{ image_id: 1, object_id: 1, sentence: "the man on the left" }],
 * };
 * scoreOrientation(data)[2]; // { condition: "equal", n: 1, random: 0.5, seed: 1, extended: 1 }
 * ```
 */
export function scoreOrientation(
  data: OrientationData,
  selectors: { seed: OrientationSelector; extended: OrientationSelector } = {
    seed: seedSelector,
    extended: extendedSelector,
  },
  scope: OrientationScope = "orientation",
): OrientationScore[] {
  return ORIENTATION_CONDITIONS.map((condition) => {
    const cases = orientationCases(data, condition, scope);
    const n = cases.length;
    return {
      condition,
      n,
      random: n === 0 ? 0 : cases.reduce((a, c) => a + 1 / c.objects, 0) / n,
      seed: orientationAccuracy(cases, selectors.seed),
      extended: orientationAccuracy(cases, selectors.extended),
    };
  });
}

/**
 * The scores as a plain-text table, percentages with one decimal.
 *
 * @example
 * ```ts
 * formatOrientationTable([{ condition: "equal", n: 2, random: 0.5, seed: 0.5, extended: 1 }]);
 * // "condition       n  random    seed  extended\nequal           2   50.0%   50.0%    100.0%"
 * ```
 */
export function formatOrientationTable(
  scores: readonly OrientationScore[],
): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const lines = [
    `${"condition".padEnd(12)}${"n".padStart(5)}${"random".padStart(8)}${
      "seed".padStart(8)
    }${"extended".padStart(10)}`,
  ];
  for (const s of scores) {
    lines.push(
      `${s.condition.padEnd(12)}${String(s.n).padStart(5)}${
        pct(s.random).padStart(8)
      }${pct(s.seed).padStart(8)}${pct(s.extended).padStart(10)}`,
    );
  }
  return lines.join("\n");
}

/** One failure pattern: the rule that decided, how often it failed. */
export interface FailurePattern {
  /** The rule without its counts and indices ("extended:ordinal from left"). */
  readonly pattern: string;
  /** Cases the rule got wrong. */
  readonly failures: number;
  /** Cases the rule decided. */
  readonly total: number;
  /** Up to `examples` sentences it got wrong, in the cases' order. */
  readonly examples: readonly string[];
}

/**
 * The pattern of a rule: its text without pool sizes, anchor indices and
 * ordinal numbers, so that the same decision groups together.
 *
 * @example
 * ```ts
 * rulePattern("extended:ordinal 2 from left among 5"); // "extended:ordinal from left"
 * rulePattern("extended:relation behind anchor #3 among 2"); // "extended:relation behind anchor"
 * ```
 */
export function rulePattern(rule: string): string {
  return rule.replace(/ among (?:top-)?\d+/g, "")
    .replace(/ anchor #(?:\d+|none)/g, " anchor")
    .replace(/ordinal \d+/g, "ordinal");
}

/** One case and whether the selector's choice was the target. */
export interface DecidedCase {
  /** The case. */
  readonly case: OrientationCase;
  /** Whether `select` picked its target. */
  readonly right: boolean;
}

/**
 * The cases grouped by the {@linkcode rulePattern} of the rule `select`
 * decided each with, groups in the order first met, cases in their order.
 * The selector runs once per case.
 */
export function casesByRule(
  cases: readonly OrientationCase[],
  select: OrientationSelector,
): Map<string, DecidedCase[]> {
  const groups = new Map<string, DecidedCase[]>();
  for (const c of cases) {
    const s = select(c);
    const pattern = rulePattern(s.rule);
    const group = groups.get(pattern) ?? [];
    group.push({ case: c, right: s.index === c.target });
    groups.set(pattern, group);
  }
  return groups;
}

/**
 * The failures of `select` over `cases` grouped by {@linkcode rulePattern},
 * most failures first (ties: most cases, then the pattern's name).
 */
export function failurePatterns(
  cases: readonly OrientationCase[],
  select: OrientationSelector,
  examples = 3,
): FailurePattern[] {
  return [...casesByRule(cases, select)].map(([pattern, decided]) => {
    const wrong = decided.filter((d) => !d.right);
    return {
      pattern,
      failures: wrong.length,
      total: decided.length,
      examples: wrong.slice(0, examples).map((d) => d.case.text),
    };
  }).sort((a, b) =>
    b.failures - a.failures || b.total - a.total ||
    (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0)
  );
}
