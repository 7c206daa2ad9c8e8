/**
 * The extended spatial selector: chooses among the candidates that score
 * close to the best (and match the head noun), by the directions, ordinal
 * or relation that {@linkcode parseSpatial} found in the sentence.
 *
 * @module
 */

import {
  type Direction,
  parseSpatial,
  type RelationKind,
  type SpatialParse,
} from "./parse.ts";
import { DEFAULTS } from "../defaults.ts";
import { DIRECTION_AXIS } from "./_lexicon.ts";
import { type Selection, type SpatialCandidate, topK } from "./types.ts";

/** A candidate as the extended selector sees it. */
export interface ExtendedCandidate extends SpatialCandidate {
  /**
   * Score against the sentence's noun phrase alone ("the red car"), when
   * the pipeline computes it: candidates that don't match the head noun
   * leave the pool.
   */
  readonly nounScore?: number;
}

/** Width and height of the image, in the unit of the boxes. */
export interface ImageSize {
  /** Width of the image. */
  readonly width: number;
  /** Height of the image. */
  readonly height: number;
}

/** Options of {@linkcode selectCandidate}. */
export interface ExtendedOptions {
  /**
   * Most candidates compared for a relation alone, when anchor scores are
   * given; ordinals, directions and relations without anchor scores see
   * every instance in the pool. Default `DEFAULTS.topK.extended`.
   */
  topK?: number;
  /**
   * How far below the best a candidate may score and stay in the pool, as
   * a share of the best score (0.1: within 10%). Default
   * `DEFAULTS.selector.margin`.
   */
  margin?: number;
  /**
   * Box IoU from which another candidate counts as the same object as the
   * target and can't be its anchor. Default
   * `DEFAULTS.selector.sameObjectIou`.
   */
  sameObjectIou?: number;
}

/** The defaults of {@linkcode ExtendedOptions}, from {@linkcode DEFAULTS}. */
export const EXTENDED_DEFAULTS: Readonly<Required<ExtendedOptions>> = Object
  .freeze({
    topK: DEFAULTS.topK.extended,
    margin: DEFAULTS.selector.margin,
    sameObjectIou: DEFAULTS.selector.sameObjectIou,
  });

const EPS = 1e-9;

/**
 * The lowest value that stays within `margin` of `best`, relative to the
 * best's magnitude: `best - margin * |best|` (0.30 with margin 0.1: 0.27).
 * Relative, so that it does not depend on how many candidates there are or
 * how their scores spread: scores a user can't tell apart stay together.
 */
export function relativeFloor(best: number, margin: number): number {
  return best - margin * Math.abs(best) - EPS;
}

/**
 * The candidates the spatial words choose among, best score first: those
 * whose score is within `margin` of the best, relative to the best
 * (`score >= best - margin * |best|`, see {@linkcode relativeFloor}), and,
 * where the candidates carry a `nounScore`, whose noun-phrase score is
 * within `margin` of the best noun-phrase score likewise: the instances of
 * the referred category. At most `topK` of them.
 *
 * The cut is relative to the best score, not to how the scores spread, so
 * the pool is stable under score differences a user can't see: objects
 * scoring 0.300, 0.301 and 0.298 all stay (with a standard-deviation cut,
 * they would be "far" apart when nothing else is there), and background
 * proposals at 0.20 stay out. Equal scores all stay (up to `topK`). The
 * best-scoring candidate leads the pool when it matches the noun, and is
 * the whole pool when nothing else qualifies.
 *
 * @example
 * ```ts
 * candidatePool([{ box: [0, 0, 1, 1], score: 0.3 }, { box: [2, 0, 1, 1], score: 0.29 },
 *   { box: [4, 0, 1, 1], score: 0.2 }, { box: [6, 0, 1, 1], score: 0.21 }]); // [0, 1]
 * ```
 */
export function candidatePool(
  candidates: readonly ExtendedCandidate[],
  options: Pick<ExtendedOptions, "topK" | "margin"> = {},
): number[] {
  const topK = options.topK ?? EXTENDED_DEFAULTS.topK;
  const margin = options.margin ?? EXTENDED_DEFAULTS.margin;
  if (candidates.length === 0) return [];
  const order = candidates.map((_, i) => i)
    .sort((a, b) => candidates[b].score - candidates[a].score || a - b);
  const floor = relativeFloor(candidates[order[0]].score, margin);
  const nouns = candidates.every((c) => typeof c.nounScore === "number")
    ? candidates.map((c) => c.nounScore as number)
    : null;
  const nounFloor = nouns
    ? relativeFloor(Math.max(...nouns), margin)
    : -Infinity;
  const pool = order.filter((i) =>
    candidates[i].score >= floor &&
    (!nouns || nouns[i] >= nounFloor)
  );
  return (pool.length > 0 ? pool : [order[0]]).slice(0, Math.max(topK, 1));
}

// ---------------------------------------------------------------------------
// Geometry

interface Geometry {
  /** Centre of mass (or box centre), x and y. */
  readonly cx: number;
  readonly cy: number;
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  readonly w: number;
  readonly h: number;
  readonly area: number;
}

function geometry(c: SpatialCandidate): Geometry {
  const [x, y, w, h] = c.box;
  return {
    cx: c.centroid ? c.centroid[0] : x + w / 2,
    cy: c.centroid ? c.centroid[1] : y + h / 2,
    x0: x,
    y0: y,
    x1: x + w,
    y1: y + h,
    w,
    h,
    area: c.area ?? w * h,
  };
}

function boxIou(a: Geometry, b: Geometry): number {
  const iw = Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0));
  const ih = Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));
  const inter = iw * ih;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/** Share of the target's box covered by the anchor's box. */
function covered(t: Geometry, a: Geometry): number {
  const iw = Math.max(0, Math.min(a.x1, t.x1) - Math.max(a.x0, t.x0));
  const ih = Math.max(0, Math.min(a.y1, t.y1) - Math.max(a.y0, t.y0));
  return t.w * t.h > 0 ? (iw * ih) / (t.w * t.h) : 0;
}

/** Share of the target's width above or below the anchor's width. */
function overlapX(t: Geometry, a: Geometry): number {
  const iw = Math.max(0, Math.min(a.x1, t.x1) - Math.max(a.x0, t.x0));
  return t.w > 0 ? iw / t.w : 0;
}

/** Share of the target's height beside the anchor's height. */
function overlapY(t: Geometry, a: Geometry): number {
  const ih = Math.max(0, Math.min(a.y1, t.y1) - Math.max(a.y0, t.y0));
  return t.h > 0 ? ih / t.h : 0;
}

/** Gap between two boxes (0 when they touch or overlap). */
function gap(t: Geometry, a: Geometry): number {
  const dx = Math.max(0, a.x0 - t.x1, t.x0 - a.x1);
  const dy = Math.max(0, a.y0 - t.y1, t.y0 - a.y1);
  return Math.hypot(dx, dy);
}

const clamp1 = (v: number) => Math.max(-1, Math.min(1, v));

// ---------------------------------------------------------------------------
// Directions

/**
 * The cost of each pool member for one direction, in about [0, 1], lower
 * is better:
 * - left / right / top / bottom: the centre (centre of mass when given)
 *   over the image width or height ("the zebra on the left": smallest x);
 * - front / back: the bottom edge over the image height: nearer objects
 *   stand lower on the ground ("the elephant in front", "closest": the
 *   lowest bottom edge). Size is left out: a near cup is smaller than a
 *   far bus;
 * - biggest / smallest: area (mask pixels when given) relative to the
 *   pool's largest; tallest / shortest: box height likewise;
 * - middle: with three or more candidates, the distance from the middle of
 *   their spread along the axis they spread most on ("the middle zebra" of
 *   a row, wherever the row is); with fewer, the distance from the image
 *   centre.
 */
function directionCosts(
  d: Direction,
  g: readonly Geometry[],
  size: ImageSize,
): number[] {
  const W = size.width, H = size.height;
  const maxArea = Math.max(...g.map((x) => x.area), EPS);
  const maxH = Math.max(...g.map((x) => x.h), EPS);
  switch (d) {
    case "left":
      return g.map((x) => x.cx / W);
    case "right":
      return g.map((x) => 1 - x.cx / W);
    case "top":
      return g.map((x) => x.cy / H);
    case "bottom":
      return g.map((x) => 1 - x.cy / H);
    case "front":
      return g.map((x) => 1 - x.y1 / H);
    case "back":
      return g.map((x) => x.y1 / H);
    case "biggest":
      return g.map((x) => 1 - x.area / maxArea);
    case "smallest":
      return g.map((x) => x.area / maxArea);
    case "tallest":
      return g.map((x) => 1 - x.h / maxH);
    case "shortest":
      return g.map((x) => x.h / maxH);
    case "middle": {
      if (g.length < 3) {
        return g.map((x) =>
          Math.abs(x.cx / W - 0.5) + Math.abs(x.cy / H - 0.5)
        );
      }
      const xs = g.map((x) => x.cx), ys = g.map((x) => x.cy);
      const spanX = (Math.max(...xs) - Math.min(...xs)) / W;
      const spanY = (Math.max(...ys) - Math.min(...ys)) / H;
      const [vs, dim] = spanX >= spanY ? [xs, W] : [ys, H];
      const mid = (Math.max(...vs) + Math.min(...vs)) / 2;
      return vs.map((v) => Math.abs(v - mid) / dim);
    }
  }
}

// ---------------------------------------------------------------------------
// Relations

/**
 * How well target t lies in relation `kind` to anchor a; higher is better,
 * about [-1.5, 1.5]. Displacements are measured in half the boxes' summed
 * size along the axis (1 = clear of each other), and a small pull toward
 * the nearest anchor breaks ties ("the cup left of the plate" is the one
 * just left of it):
 * - left-of / right-of: the displacement along x, plus a quarter of the
 *   share of the target's height level with the anchor ("the man left of
 *   the dog" stands beside it, not on a shelf above);
 * - above / below / under: the displacement along y, plus half the share
 *   of the target's width over or under the anchor ("the lamp above the
 *   table" hangs over it; a floor lamp beside it does not);
 * - on: a half when at least half the target's width lies over the
 *   anchor, a half when its bottom edge lies within the anchor's box (10%
 *   leeway): "the cat on the bed"; no pull, so among candidates all on the
 *   anchor the score decides;
 * - behind / in-front-of: the bottom edge higher / lower than the anchor's,
 *   plus half the share of the target the anchor's box covers (what is
 *   behind a fence overlaps it);
 * - next-to: the nearest, by the gap between the boxes and, at half
 *   weight, their centres; far-from: the farthest by centres.
 */
function relationFit(
  kind: RelationKind,
  t: Geometry,
  a: Geometry,
  size: ImageSize,
): number {
  const diag = Math.hypot(size.width, size.height);
  const dist = Math.hypot(t.cx - a.cx, t.cy - a.cy) / diag;
  const sx = Math.max((t.w + a.w) / 2, EPS);
  const sy = Math.max((t.h + a.h) / 2, EPS);
  const pull = 0.5 * dist;
  switch (kind) {
    case "left-of":
      return clamp1((a.cx - t.cx) / sx) + 0.25 * overlapY(t, a) - pull;
    case "right-of":
      return clamp1((t.cx - a.cx) / sx) + 0.25 * overlapY(t, a) - pull;
    case "above":
      return clamp1((a.cy - t.cy) / sy) + 0.5 * overlapX(t, a) - pull;
    case "below":
    case "under":
      return clamp1((t.cy - a.cy) / sy) + 0.5 * overlapX(t, a) - pull;
    case "on": {
      // Discrete, so that among candidates all on the anchor the score
      // decides ("the pizza on the table" when both pizzas are).
      const bottomInside = t.y1 >= a.y0 - 0.1 * a.h && t.y1 <= a.y1 + 0.1 * a.h;
      return (overlapX(t, a) >= 0.5 ? 0.5 : 0) + (bottomInside ? 0.5 : 0);
    }
    case "behind":
      return clamp1((a.y1 - t.y1) / sy) + 0.5 * covered(t, a) - pull;
    case "in-front-of":
      return clamp1((t.y1 - a.y1) / sy) + 0.5 * covered(t, a) - pull;
    case "next-to":
      return -(gap(t, a) / diag + 0.5 * dist);
    case "far-from":
      return dist;
    case "between":
      // Scored by betweenFit with two anchors.
      return -dist;
  }
}

/** "between the two men": near the anchors' midpoint, and between them across. */
function betweenFit(
  t: Geometry,
  a: Geometry,
  b: Geometry,
  size: ImageSize,
): number {
  const diag = Math.hypot(size.width, size.height);
  const mx = (a.cx + b.cx) / 2, my = (a.cy + b.cy) / 2;
  const inside = t.cx >= Math.min(a.cx, b.cx) && t.cx <= Math.max(a.cx, b.cx);
  return (inside ? 0.5 : 0) - Math.hypot(t.cx - mx, t.cy - my) / diag;
}

/** The direction a relation implies when its anchor can't be grounded. */
const IMPLIED: Readonly<Partial<Record<RelationKind, Direction>>> = {
  "left-of": "left",
  "right-of": "right",
  above: "top",
  below: "bottom",
  under: "bottom",
  behind: "back",
  "in-front-of": "front",
  between: "middle",
};

/**
 * What an ungrounded relation that names no side falls back to when the
 * sentence has no direction of its own: "the bowl sitting on a holder"
 * with no holder found says nothing of where the bowl is, and of the
 * priors measured on RefCOCOg val (top, bottom, front, biggest, the best
 * score) the largest instance is right most often: a thing described as
 * resting on something is seen whole.
 */
const UNGROUNDED_PRIOR: Readonly<Partial<Record<RelationKind, Direction>>> = {
  on: "biggest",
};

/**
 * Relations that, without anchor scores, take the other pool members as
 * the possible anchors: "the man in front of the airplane" with the
 * airplane among the candidates is the one lying in front of another (its
 * bottom edge lower, covering part of it), which among two is the front
 * one. Measured on RefCOCOg val for every relation; only "in front of"
 * gained (others fall back to their implied direction, see
 * {@linkcode IMPLIED}).
 */
const AMONG_CANDIDATES: ReadonlySet<RelationKind> = new Set(["in-front-of"]);

/**
 * How well each pool member lies in relation `kind` to the best-placed
 * other pool member (see {@linkcode relationFit}): the candidates stand in
 * for the anchor nobody scored.
 */
function fitAmongPool(
  kind: RelationKind,
  g: readonly Geometry[],
  size: ImageSize,
): number[] {
  return g.map((t, p) =>
    Math.max(
      ...g.filter((_, q) => q !== p).map((a) => relationFit(kind, t, a, size)),
    )
  );
}

/**
 * The anchors of target t: the other candidates by anchor score, best
 * first, leaving out those that are the target itself (box IoU at least
 * `sameObjectIou`) and, for a second anchor, the first one's duplicates.
 */
function anchorsOf(
  t: number,
  candidates: readonly SpatialCandidate[],
  g: readonly Geometry[],
  count: number,
  sameObjectIou: number,
): number[] {
  const others = candidates.map((_, i) => i)
    .filter((i) =>
      i !== t && typeof candidates[i].anchorScore === "number" &&
      boxIou(g[i], g[t]) < sameObjectIou
    )
    .sort((a, b) =>
      (candidates[b].anchorScore as number) -
        (candidates[a].anchorScore as number) || a - b
    );
  const chosen: number[] = [];
  for (const i of others) {
    if (chosen.every((j) => boxIou(g[i], g[j]) < sameObjectIou)) chosen.push(i);
    if (chosen.length === count) break;
  }
  return chosen;
}

// ---------------------------------------------------------------------------
// Selection

/** The pool member with the lowest cost; ties go to the better score, then the lower index. */
function argmin(
  pool: readonly number[],
  costs: readonly number[],
  candidates: readonly SpatialCandidate[],
): number {
  let best = 0;
  for (let p = 1; p < pool.length; p++) {
    const d = costs[p] - costs[best];
    if (
      d < -EPS ||
      (Math.abs(d) <= EPS &&
        (candidates[pool[p]].score > candidates[pool[best]].score ||
          (candidates[pool[p]].score === candidates[pool[best]].score &&
            pool[p] < pool[best])))
    ) best = p;
  }
  return best;
}

/**
 * Chooses a candidate with the extended rule.
 *
 * 1. No parse: the best score ("best-score").
 * 2. The pool ({@linkcode candidatePool}): candidates within `margin` of
 *    the best score, relative to it, that match the head noun; at most
 *    `topK`, except for ordinals, directions (and "between"), which see
 *    every instance in the pool: "the zebra on the left" is the leftmost
 *    of them all; so do relations when no candidate carries an anchor
 *    score, as they then act as directions ("the zebra behind the tree":
 *    the farthest of them all).
 * 3. An ordinal counts along its direction: "second from the left" is the
 *    pool member with the second smallest x ("extended:ordinal 2 from
 *    left"); past the pool's end, the last one.
 * 4. Otherwise each direction adds a cost in about [0, 1] (see the rules
 *    of each direction), so "top left" picks the candidate nearest the
 *    top-left corner ("extended:top-left"). A relation subtracts how well
 *    the candidate lies relative to its anchor: the best anchor-scoring
 *    candidate other than itself ("extended:relation left-of anchor #3").
 *    Without anchor scores, a relation acts as the direction it implies
 *    ("left of the dog": left; "behind the fence": back; "between":
 *    middle; "next to": none, the best score), except "in front of",
 *    whose anchor may be any other pool member: the candidate lying best
 *    in front of another ("extended:relation in-front-of another
 *    candidate"; of two, the front one). "on" names no side: with no
 *    direction of its own, the sentence picks the largest instance ("the
 *    bowl on a holder").
 * 5. Ties go to the better score.
 *
 * @example
 * ```ts
 * import { parseSpatial } from "./parse.ts";
 *
 * const candidates = [
 *   { box: [300, 100, 80, 120], score: 0.31 },
 *   { box: [40, 110, 90, 110], score: 0.30 },
 *   { box: [0, 300, 640, 180], score: 0.19 }, // the grass
 *   { box: [0, 0, 640, 100], score: 0.18 }, // the sky
 * ] as const;
 * selectCandidate(parseSpatial("the zebra on the left"), candidates, { width: 640, height: 480 });
 * // { index: 1, rule: "extended:left among 2" }
 * ```
 */
export function selectCandidate(
  parsed: SpatialParse | null,
  candidates: readonly ExtendedCandidate[],
  imageSize: ImageSize,
  options: ExtendedOptions = {},
): Selection {
  if (candidates.length === 0) return { index: -1, rule: "no-candidates" };
  // Without anything spatial to resolve, the best score wins, as in the
  // method; the pool (which also filters by noun-phrase score) only serves
  // to compare positions.
  const best = topK(candidates, 1)[0];
  if (!parsed) return { index: best, rule: "best-score" };
  // Ordinals and directions ("the zebra on the left": the leftmost of
  // every zebra, not of the best four) see every instance: the pool
  // uncapped.
  const whole = candidatePool(candidates, { ...options, topK: Infinity });
  const counts = parsed.ordinal !== undefined ||
    parsed.directions.length > 0 ||
    (parsed.relation?.kind === "between" && parsed.directions.length === 0) ||
    // A relation nobody scored an anchor for acts as a direction (or finds
    // its anchor among the candidates): every instance, as directions do.
    (parsed.relation !== undefined &&
      !candidates.some((c) => typeof c.anchorScore === "number"));
  const pool = counts ? whole : whole.slice(
    0,
    Math.max(options.topK ?? EXTENDED_DEFAULTS.topK, 1),
  );
  const sameObjectIou = options.sameObjectIou ??
    EXTENDED_DEFAULTS.sameObjectIou;
  const all = candidates.map(geometry);
  const g = pool.map((i) => all[i]);
  const among = ` among ${pool.length}`;

  if (parsed.ordinal) {
    const { n, from } = parsed.ordinal;
    const costs = directionCosts(from, g, imageSize);
    const order = pool.map((_, p) => p).sort((a, b) =>
      costs[a] - costs[b] ||
      candidates[pool[b]].score - candidates[pool[a]].score ||
      pool[a] - pool[b]
    );
    const p = order[Math.min(n, order.length) - 1];
    return {
      index: pool[p],
      rule: `extended:ordinal ${n} from ${from}${among}`,
    };
  }

  const directions = [...parsed.directions];
  const costs = pool.map(() => 0);
  let relationNote = "";
  let anchorOf: (number | undefined)[] = [];
  const relation = parsed.relation;
  if (relation) {
    const count = relation.kind === "between" ? 2 : 1;
    const anchors = pool.map((t) =>
      anchorsOf(t, candidates, all, count, sameObjectIou)
    );
    if (anchors.some((a) => a.length > 0)) {
      anchorOf = anchors.map((a) => a[0]);
      pool.forEach((_, p) => {
        const [a, b] = anchors[p];
        const fit = a === undefined
          ? -2
          : relation.kind === "between" && b !== undefined
          ? betweenFit(g[p], all[a], all[b], imageSize)
          : relationFit(
            relation.kind === "between" ? "next-to" : relation.kind,
            g[p],
            all[a],
            imageSize,
          );
        costs[p] -= fit;
      });
      relationNote = `relation ${relation.kind}`;
    } else if (AMONG_CANDIDATES.has(relation.kind) && pool.length > 1) {
      fitAmongPool(relation.kind, g, imageSize).forEach((fit, p) =>
        costs[p] -= fit
      );
      relationNote = `relation ${relation.kind} another candidate`;
    } else {
      const implied = IMPLIED[relation.kind];
      if (
        implied &&
        !directions.some((d) => DIRECTION_AXIS[d] === DIRECTION_AXIS[implied])
      ) {
        directions.push(implied);
      }
      const prior = UNGROUNDED_PRIOR[relation.kind];
      if (prior && directions.length === 0) directions.push(prior);
      relationNote = `${relation.kind} without anchor`;
    }
  }
  for (const d of directions) {
    directionCosts(d, g, imageSize).forEach((c, p) => costs[p] += c);
  }
  const amongPool = relationNote.endsWith("another candidate");
  if (directions.length === 0 && anchorOf.length === 0 && !amongPool) {
    return {
      index: best,
      rule: relationNote ? `best-score (${relationNote})` : "best-score",
    };
  }
  const p = argmin(pool, costs, candidates);
  const parts: string[] = [];
  if (anchorOf.length > 0) {
    parts.push(`${relationNote} anchor #${anchorOf[p] ?? "none"}`);
  } else if (amongPool) parts.push(relationNote);
  if (directions.length > 0) {
    parts.push(
      directions.join("-") +
        (anchorOf.length === 0 && relationNote && !amongPool
          ? ` (${relationNote})`
          : ""),
    );
  }
  return { index: pool[p], rule: `extended:${parts.join(" + ")}${among}` };
}

/**
 * Parses a sentence and chooses a candidate with the extended rule: the
 * pipeline's entry point, {@linkcode parseSpatial} then
 * {@linkcode selectCandidate}.
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
 * selectExtended("second giraffe from the right", candidates, { width: 640, height: 480 });
 * // { index: 0, rule: "extended:ordinal 2 from right among 4" }
 * ```
 */
export function selectExtended(
  sentence: string,
  candidates: readonly ExtendedCandidate[],
  imageSize: ImageSize,
  options: ExtendedOptions = {},
): Selection {
  return selectCandidate(
    parseSpatial(sentence),
    candidates,
    imageSize,
    options,
  );
}
