/**
 * What scoring a predictions file ends with: the main configuration's
 * metrics, each configuration's when the file holds several, and the text
 * of its metrics.json.
 *
 * @module
 */

import { type SplitMetrics, SplitMetricsAccumulator } from "./metrics.ts";
import { metricsHead } from "./summary.ts";

/** What scoring a predictions file was about. */
export interface ScoreSettings {
  /** The predictions file. */
  readonly scored: string;
  /** The data's title. */
  readonly data: string;
}

/**
 * How much of the split a predictions file covers (its main
 * configuration): a file that leaves sentences out is scored on the
 * others only, so its metrics are not the split's.
 */
export interface ScoreCoverage {
  /** Sentences of the split. */
  readonly sentences: number;
  /** Sentences the file has a prediction for. */
  readonly scored: number;
  /** Sentences it has none for. */
  readonly missing: number;
}

/** A scored predictions file's results. */
export interface ScoreSummary {
  /** The first configuration's metrics (empty when the file has no lines). */
  readonly main: SplitMetrics;
  /** One entry per configuration when the file holds more than one. */
  readonly ablation?: readonly { config: string; metrics: SplitMetrics }[];
  /** What was scored. */
  readonly settings: ScoreSettings;
  /** How much of the split the main configuration covers. */
  readonly coverage: ScoreCoverage;
}

/**
 * Sums up `scorePredictions`' metrics per configuration, in the order
 * the file met them, with the main configuration's coverage of a split of
 * `splitSentences` sentences.
 */
export function scoreSummary(
  metrics: ReadonlyMap<string, SplitMetricsAccumulator>,
  settings: ScoreSettings,
  splitSentences: number,
): ScoreSummary {
  const configs = [...metrics.entries()];
  const [, main] = configs[0] ?? ["", new SplitMetricsAccumulator()];
  const mainMetrics = main.metrics();
  const scored = mainMetrics.all.n;
  return {
    main: mainMetrics,
    coverage: {
      sentences: splitSentences,
      scored,
      missing: splitSentences - scored,
    },
    ...(configs.length > 1
      ? {
        ablation: configs.map(([config, m]) => ({
          config,
          metrics: m.metrics(),
        })),
      }
      : {}),
    settings,
  };
}

/** The text of a scored file's metrics.json: metrics, settings, coverage. */
export function scoreMetricsJson(s: ScoreSummary): string {
  return JSON.stringify({ ...metricsHead(s), coverage: s.coverage }, null, 2) +
    "\n";
}

/**
 * The line printed after scoring: how many of the split's sentences were
 * scored, and what the metrics mean when some were not.
 *
 * @example
 * ```ts
 * import { coverageLine } from "./score_summary.ts";
 *
 * coverageLine({ sentences: 85, scored: 40, missing: 45 }, "p.jsonl");
 * // "scored 40 of the split's 85 sentences; 45 have no prediction in p.jsonl: ..."
 * ```
 */
export function coverageLine(c: ScoreCoverage, file: string): string {
  if (c.missing === 0) {
    return `scored all ${c.sentences} sentences of the split from ${file}`;
  }
  return `scored ${c.scored} of the split's ${c.sentences} sentences; ` +
    `${c.missing} have no prediction in ${file}: the metrics are those of ` +
    `the ${c.scored} scored only (finish the run with --resume to score ` +
    `the whole split)`;
}
