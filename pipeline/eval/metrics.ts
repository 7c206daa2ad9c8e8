/**
 * Referring-segmentation metrics, aggregated as predictions stream in:
 * oIoU = 100 * sum(I) / sum(U) over all expressions, mIoU = 100 *
 * mean(I / U) (0 where U = 0), Pr@X = 100 * share of expressions with
 * IoU > X.
 *
 * @module
 */

/** The precision thresholds reported. */
export const PRECISION_THRESHOLDS: readonly number[] = [
  0.5,
  0.6,
  0.7,
  0.8,
  0.9,
];

/** Metrics of a set of expressions, in percent. */
export interface Metrics {
  /** Overall IoU: 100 * sum(I) / sum(U) over all expressions. */
  readonly oIoU: number;
  /** Mean IoU: 100 * mean(I / U) over the expressions. */
  readonly mIoU: number;
  /** Percent of expressions with IoU above 0.5. */
  readonly "Pr@0.5": number;
  /** Percent of expressions with IoU above 0.6. */
  readonly "Pr@0.6": number;
  /** Percent of expressions with IoU above 0.7. */
  readonly "Pr@0.7": number;
  /** Percent of expressions with IoU above 0.8. */
  readonly "Pr@0.8": number;
  /** Percent of expressions with IoU above 0.9. */
  readonly "Pr@0.9": number;
  /** Number of expressions. */
  readonly n: number;
}

/** IoU of one expression: I / U, 0 when U is 0. */
export function expressionIou(intersection: number, union: number): number {
  return union > 0 ? intersection / union : 0;
}

/**
 * Accumulates I and U of expressions in constant memory.
 *
 * @example
 * ```ts
 * const m = new MetricsAccumulator();
 * m.add(50, 100);
 * m.add(0, 20);
 * m.metrics(); // { oIoU: 41.67, mIoU: 25, "Pr@0.5": 0, ..., n: 2 }
 * ```
 */
export class MetricsAccumulator {
  #sumI = 0;
  #sumU = 0;
  #sumIou = 0;
  #n = 0;
  #above = new Array<number>(PRECISION_THRESHOLDS.length).fill(0);

  /** Adds one expression's intersection and union (pixel counts). */
  add(intersection: number, union: number): void {
    if (
      !(intersection >= 0 && union >= 0 && intersection <= union)
    ) {
      throw new RangeError(
        `Intersection ${intersection} and union ${union} are not valid pixel counts (need 0 <= I <= U).`,
      );
    }
    const iou = expressionIou(intersection, union);
    this.#sumI += intersection;
    this.#sumU += union;
    this.#sumIou += iou;
    this.#n++;
    PRECISION_THRESHOLDS.forEach((t, k) => {
      if (iou > t) this.#above[k]++;
    });
  }

  /** Number of expressions added. */
  get count(): number {
    return this.#n;
  }

  /** The metrics so far (all 0 when empty). */
  metrics(): Metrics {
    const n = this.#n;
    const pct = (v: number) => round2(100 * v);
    const pr = (k: number) => (n ? pct(this.#above[k] / n) : 0);
    return {
      oIoU: this.#sumU > 0 ? pct(this.#sumI / this.#sumU) : 0,
      mIoU: n ? pct(this.#sumIou / n) : 0,
      "Pr@0.5": pr(0),
      "Pr@0.6": pr(1),
      "Pr@0.7": pr(2),
      "Pr@0.8": pr(3),
      "Pr@0.9": pr(4),
      n,
    };
  }
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Metrics of all expressions and of those with and without spatial words. */
export interface SplitMetrics {
  /** Metrics of every expression. */
  readonly all: Metrics;
  /** Metrics of the expressions with a spatial word. */
  readonly spatial: Metrics;
  /** Metrics of the expressions without a spatial word. */
  readonly nonSpatial: Metrics;
}

/** Accumulates metrics overall and split by whether a sentence is spatial. */
export class SplitMetricsAccumulator {
  /** Accumulator of every expression. */
  readonly all: MetricsAccumulator = new MetricsAccumulator();
  /** Accumulator of the expressions with a spatial word. */
  readonly spatial: MetricsAccumulator = new MetricsAccumulator();
  /** Accumulator of the expressions without a spatial word. */
  readonly nonSpatial: MetricsAccumulator = new MetricsAccumulator();

  /**
   * Adds one expression's intersection and union (pixel counts) to `all`
   * and to `spatial` or `nonSpatial`.
   */
  add(intersection: number, union: number, spatial: boolean): void {
    this.all.add(intersection, union);
    (spatial ? this.spatial : this.nonSpatial).add(intersection, union);
  }

  /** The three metric sets. */
  metrics(): SplitMetrics {
    return {
      all: this.all.metrics(),
      spatial: this.spatial.metrics(),
      nonSpatial: this.nonSpatial.metrics(),
    };
  }
}
