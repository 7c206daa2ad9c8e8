/**
 * How far simple geometry can take the spatial selector on real sentences:
 * an upper bound found by tuning to the data on purpose.
 *
 * The sentences are grouped by the rule the selector used on them
 * ({@linkcode rulePattern}: "extended:left", "extended:back (behind
 * without anchor)", "best-score", ...). For each group, every simple
 * geometric pick of {@linkcode GEOMETRIC_PICKS} (the leftmost, the lowest
 * bottom edge, the biggest, the most central ...) is tried on all its
 * sentences, and the group keeps whichever is right most often, or the
 * selector's own choice when that does better. The sum over groups is what
 * a selector that chose one such pick per kind of sentence, by looking at
 * the answers, would reach: a ceiling for rules of that form, and a
 * measure of how much of a gap could only be closed by fitting to the
 * data. It is not a selector: a group's best pick is chosen with the
 * targets in view.
 *
 * Pure: the caller builds the cases (see {@linkcode orientationCases}).
 *
 * @module
 */

import { candidatePool, type ImageSize } from "../spatial/extended.ts";
import type { SpatialCandidate } from "../spatial/types.ts";
import {
  casesByRule,
  extendedSelector,
  type OrientationCase,
  type OrientationSelector,
} from "./spatial_orientation.ts";

/** A candidate's box, `[x, y, width, height]`. */
type Box = SpatialCandidate["box"];

/**
 * One simple geometric pick: a cost for each candidate's box, the lowest
 * wins (ties: the first in the candidates' order).
 */
export interface GeometricPick {
  /** Short name, as printed ("leftmost"). */
  readonly name: string;
  /** Cost of a box in an image of `size`; lower is picked first. */
  readonly cost: (box: SpatialCandidate["box"], size: ImageSize) => number;
}

const cx = (b: Box, s: ImageSize) => (b[0] + b[2] / 2) / s.width;
const cy = (b: Box, s: ImageSize) => (b[1] + b[3] / 2) / s.height;

/**
 * The picks tried per group: each side by the box centre and by the box
 * edge, depth by the bottom edge, size by area, height and width, and the
 * distance from the image centre.
 */
export const GEOMETRIC_PICKS: readonly GeometricPick[] = Object.freeze([
  { name: "leftmost", cost: (b, s) => cx(b, s) },
  { name: "rightmost", cost: (b, s) => -cx(b, s) },
  { name: "highest", cost: (b, s) => cy(b, s) },
  { name: "lowest", cost: (b, s) => -cy(b, s) },
  { name: "left edge", cost: (b, s) => b[0] / s.width },
  { name: "right edge", cost: (b, s) => -(b[0] + b[2]) / s.width },
  { name: "top edge", cost: (b, s) => b[1] / s.height },
  { name: "lowest bottom edge", cost: (b, s) => -(b[1] + b[3]) / s.height },
  { name: "highest bottom edge", cost: (b, s) => (b[1] + b[3]) / s.height },
  { name: "biggest", cost: (b) => -b[2] * b[3] },
  { name: "smallest", cost: (b) => b[2] * b[3] },
  { name: "tallest", cost: (b) => -b[3] },
  { name: "widest", cost: (b) => -b[2] },
  {
    name: "most central",
    cost: (b, s) => Math.hypot(cx(b, s) - 0.5, cy(b, s) - 0.5),
  },
]);

/**
 * The candidate `pick` chooses in one case, among the candidates the
 * selector's directions compare (the pool within the score margin,
 * uncapped: in the `background` condition the background proposals stay
 * out, as they do for the selector).
 *
 * @example
 * ```ts
 * const c = {
 *   text: "the cat", parse: null, imageSize: { width: 100, height: 100 }, target: 1, objects: 2,
 *   candidates: [{ box: [60, 0, 20, 20], score: 0.3 }, { box: [0, 0, 40, 40], score: 0.3 }],
 * } as const;
 * pickIndex(c, GEOMETRIC_PICKS[0]); // 1: the leftmost
 * ```
 */
export function pickIndex(c: OrientationCase, pick: GeometricPick): number {
  const pool = candidatePool(c.candidates, { topK: Infinity });
  let best = pool[0];
  let bestCost = Infinity;
  for (const i of pool) {
    const cost = pick.cost(c.candidates[i].box, c.imageSize);
    if (cost < bestCost) [best, bestCost] = [i, cost];
  }
  return best;
}

/** One group of sentences: those the selector decided by one rule. */
export interface CeilingGroup {
  /** The rule's pattern ({@linkcode rulePattern}). */
  readonly pattern: string;
  /** Sentences in the group. */
  readonly n: number;
  /** How many the selector got right. */
  readonly selector: number;
  /** The pick right most often in the group (the first of equals). */
  readonly bestPick: string;
  /** How many that pick got right. */
  readonly bestPickRight: number;
}

/** The ceiling over one set of cases. */
export interface OrientationCeiling {
  /** Sentences counted. */
  readonly n: number;
  /** The selector's accuracy. */
  readonly selector: number;
  /**
   * The accuracy with each group decided by the better of the selector and
   * the group's best pick: tuned to these very sentences.
   */
  readonly ceiling: number;
  /** The groups, largest first (ties: by pattern). */
  readonly groups: readonly CeilingGroup[];
}

/**
 * The selector's accuracy over `cases` beside the ceiling of one
 * geometric pick per group of sentences (see the module's description).
 *
 * @example
 * ```ts
 * const size = { width: 100, height: 100 };
 * const boxes = [[0, 60, 20, 40], [50, 0, 20, 40]] as const;
 * const cases = [0, 1].map((target) => ({
 *   text: "a cat", parse: null, imageSize: size, target, objects: 2,
 *   candidates: boxes.map((box) => ({ box, score: 0.3 })),
 * }));
 * const { selector, ceiling } = orientationCeiling(cases);
 * [selector, ceiling]; // [0.5, 0.5]: no single pick does better on both
 * ```
 */
export function orientationCeiling(
  cases: readonly OrientationCase[],
  select: OrientationSelector = extendedSelector,
  picks: readonly GeometricPick[] = GEOMETRIC_PICKS,
): OrientationCeiling {
  const rows: CeilingGroup[] = [...casesByRule(cases, select)].map((
    [pattern, decided],
  ) => {
    const right = picks.map((p) =>
      decided.filter((d) => pickIndex(d.case, p) === d.case.target).length
    );
    const k = right.indexOf(Math.max(...right, 0));
    return {
      pattern,
      n: decided.length,
      selector: decided.filter((d) => d.right).length,
      bestPick: k >= 0 ? picks[k].name : "",
      bestPickRight: k >= 0 ? right[k] : 0,
    };
  }).sort((a, b) =>
    b.n - a.n || (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0)
  );
  const n = cases.length;
  const right = rows.reduce((a, r) => a + r.selector, 0);
  const best = rows.reduce(
    (a, r) => a + Math.max(r.selector, r.bestPickRight),
    0,
  );
  return {
    n,
    selector: n === 0 ? 0 : right / n,
    ceiling: n === 0 ? 0 : best / n,
    groups: rows,
  };
}

/**
 * The groups of a ceiling as a plain-text table, those of at least
 * `minimum` sentences, largest first.
 *
 * @example
 * ```ts
 * formatCeilingGroups({ n: 4, selector: 0.5, ceiling: 0.75, groups: [
 *   { pattern: "best-score", n: 4, selector: 2, bestPick: "biggest", bestPickRight: 3 },
 * ] });
 * // "   n  selector  best pick\n   4         2          3  biggest  best-score"
 * ```
 */
export function formatCeilingGroups(
  ceiling: OrientationCeiling,
  minimum = 1,
): string {
  const lines = [
    `${"n".padStart(4)}${"selector".padStart(10)}${"best pick".padStart(11)}`,
  ];
  for (const g of ceiling.groups.filter((g) => g.n >= minimum)) {
    lines.push(
      `${String(g.n).padStart(4)}${String(g.selector).padStart(10)}${
        String(g.bestPickRight).padStart(11)
      }  ${g.bestPick}  ${g.pattern}`,
    );
  }
  return lines.join("\n");
}
