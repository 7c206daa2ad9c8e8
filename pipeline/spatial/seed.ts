/**
 * The spatial rule of the seed paper: five opposite pairs of direction
 * words; when a sentence holds one, the top-k proposals by score are
 * compared by bounding-box position.
 *
 * @module
 */

import { DEFAULTS } from "../defaults.ts";
import {
  type Selection,
  type SpatialCandidate,
  topK as topScoring,
} from "./types.ts";

/** The ten words of the seed rule, and what each picks. */
export const SEED_WORDS: Readonly<
  Record<
    string,
    { axis: "centreX" | "centreY" | "bottom"; pick: "min" | "max" }
  >
> = {
  left: { axis: "centreX", pick: "min" },
  right: { axis: "centreX", pick: "max" },
  top: { axis: "centreY", pick: "min" },
  bottom: { axis: "centreY", pick: "max" },
  upper: { axis: "centreY", pick: "min" },
  lower: { axis: "centreY", pick: "max" },
  above: { axis: "centreY", pick: "min" },
  below: { axis: "centreY", pick: "max" },
  front: { axis: "bottom", pick: "max" },
  back: { axis: "bottom", pick: "min" },
};

const WORD = /[a-z]+/g;

/**
 * The seed rule's direction words in a sentence, in order, matched as whole
 * words regardless of case.
 *
 * @example
 * ```ts
 * seedWords("The zebra on the LEFT, in front"); // ["left", "front"]
 * ```
 */
export function seedWords(sentence: string): string[] {
  return (sentence.toLowerCase().match(WORD) ?? []).filter((w) =>
    Object.hasOwn(SEED_WORDS, w)
  );
}

function position(
  c: SpatialCandidate,
  axis: "centreX" | "centreY" | "bottom",
): number {
  const [x, y, w, h] = c.box;
  if (axis === "centreX") return x + w / 2;
  if (axis === "centreY") return y + h / 2;
  return y + h;
}

/**
 * Chooses a candidate with the seed rule: the first direction word decides
 * among the `topK` best-scoring candidates; without one, the best score wins.
 *
 * @example
 * ```ts
 * // Four boxes [x, y, width, height] and their scores against the sentence.
 * const candidates = [
 *   { box: [300, 100, 80, 120], score: 0.30 },
 *   { box: [500, 110, 90, 110], score: 0.30 },
 *   { box: [40, 120, 70, 100], score: 0.30 },
 *   { box: [180, 90, 60, 130], score: 0.30 },
 * ] as const;
 * selectSeed("the dog on the left", candidates, 3); // { index: 2, rule: "seed:left among top-3" }
 * ```
 */
export function selectSeed(
  sentence: string,
  candidates: readonly SpatialCandidate[],
  topK: number = DEFAULTS.topK.seed,
): Selection {
  const ranked = topScoring(candidates, Math.max(topK, 1));
  if (ranked.length === 0) return { index: -1, rule: "no-candidates" };
  const word = seedWords(sentence)[0];
  if (!word) return { index: ranked[0], rule: "best-score" };
  const { axis, pick } = SEED_WORDS[word];
  let best = ranked[0];
  for (const i of ranked) {
    const v = position(candidates[i], axis),
      b = position(candidates[best], axis);
    if (pick === "min" ? v < b : v > b) best = i;
  }
  return { index: best, rule: `seed:${word} among top-${ranked.length}` };
}
