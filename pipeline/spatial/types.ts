/**
 * Types shared by the spatial selectors.
 *
 * @module
 */

/** A place or extreme that picks one candidate among several. */
export type Direction =
  | "left"
  | "right"
  | "top"
  | "bottom"
  | "middle"
  | "front"
  | "back"
  | "biggest"
  | "smallest"
  | "tallest"
  | "shortest";

/** How the referred object lies relative to an anchor object. */
export type RelationKind =
  | "left-of"
  | "right-of"
  | "above"
  | "below"
  | "on"
  | "under"
  | "behind"
  | "in-front-of"
  | "next-to"
  | "between"
  | "far-from";

/** A proposal as the spatial selectors see it. */
export interface SpatialCandidate {
  /** Bounding box [x, y, width, height] in pixels. */
  readonly box: readonly [number, number, number, number];
  /** Score against the sentence (higher is better). */
  readonly score: number;
  /** Pixels inside the mask, when known. */
  readonly area?: number;
  /** Centre of mass [x, y] of the mask, when known. */
  readonly centroid?: readonly [number, number];
  /** Score against the relation's anchor phrase, when the sentence has one. */
  readonly anchorScore?: number;
}

/** The selector's choice: the candidate index and the rule that chose it. */
export interface Selection {
  /** Index into the candidates; -1 when there are none. */
  readonly index: number;
  /** What decided, e.g. "best-score" or "seed:left among top-3". */
  readonly rule: string;
}

/** Indices of the k best-scoring candidates, best first (ties: lower index first). */
export function topK(
  candidates: readonly SpatialCandidate[],
  k: number,
): number[] {
  return candidates.map((_, i) => i)
    .sort((a, b) => candidates[b].score - candidates[a].score || a - b)
    .slice(0, Math.max(k, 0));
}
