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

/** A scored predictions file's results. */
export interface ScoreSummary {
  /** The first configuration's metrics (empty when the file has no lines). */
  readonly main: SplitMetrics;
  /** One entry per configuration when the file holds more than one. */
  readonly ablation?: readonly { config: string; metrics: SplitMetrics }[];
  /** What was scored. */
  readonly settings: ScoreSettings;
}

/**
 * Sums up `scorePredictions`' metrics per configuration, in the order
 * the file met them.
 */
export function scoreSummary(
  metrics: ReadonlyMap<string, SplitMetricsAccumulator>,
  settings: ScoreSettings,
): ScoreSummary {
  const configs = [...metrics.entries()];
  const [, main] = configs[0] ?? ["", new SplitMetricsAccumulator()];
  return {
    main: main.metrics(),
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

/** The text of a scored file's metrics.json. */
export function scoreMetricsJson(s: ScoreSummary): string {
  return JSON.stringify(metricsHead(s), null, 2) + "\n";
}
