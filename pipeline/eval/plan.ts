/**
 * What an evaluation will work on, settled before it runs: the
 * configurations (the main one, then the ablation's), the images (the
 * split's, or a shard's with its shard.json record) and their number; and
 * the configurations left when CLIP cannot be token-masked.
 *
 * @module
 */

import { type AblationConfig, ablationGrid, configName } from "./ablation.ts";
import type { SplitMetricsAccumulator } from "./metrics.ts";
import {
  type Shard,
  shardImages,
  type ShardRecord,
  shardRecord,
} from "./shard.ts";

/** What {@linkcode planEvaluation} needs. */
export interface EvalPlanInput {
  /** The split's images (after its limit), in order: `surveySplit`'s. */
  readonly images: readonly { id: number | string; file: string }[];
  /** The shard to run, if any. */
  readonly shard?: Shard;
  /** The main configuration. */
  readonly base: AblationConfig;
  /** Whether to run the ablation grid around it. */
  readonly ablate: boolean;
  /**
   * The generator's `prunePoints` of the run: given, the ablation adds a
   * row with it flipped (see {@linkcode ablationGrid}).
   */
  readonly prunePoints?: boolean;
}

/** What an evaluation works on. */
export interface EvalPlan {
  /** The configurations, the main one first. */
  readonly configs: AblationConfig[];
  /** The images the run evaluates: the split's, or its shard's. */
  readonly total: number;
  /** The shard's images with their places in the split (shard.json). */
  readonly record?: ShardRecord;
  /** The run's images out of a stream of the split's. */
  readonly select: <T extends { id: number | string }>(
    images: AsyncIterable<T>,
  ) => AsyncIterable<T>;
}

/**
 * Plans an evaluation: its configurations and which images of the split
 * it runs.
 *
 * @example
 * ```ts
 * const plan = planEvaluation({
 *   images: [{ id: 1, file: "1.jpg" }, { id: 2, file: "2.jpg" }],
 *   base: { spatial: "extended", alpha: 0.85, topK: 4, globalView: "token-mask" },
 *   ablate: false,
 * });
 * plan.total; // 2
 * ```
 */
export function planEvaluation(input: EvalPlanInput): EvalPlan {
  const configs = input.ablate
    ? ablationGrid(input.base, { prunePoints: input.prunePoints })
    : [input.base];
  const { shard } = input;
  if (!shard) {
    return { configs, total: input.images.length, select: (images) => images };
  }
  const record = shardRecord(input.images, shard);
  return {
    configs,
    total: record.images.length,
    record,
    select: (images) => shardImages(images, shard),
  };
}

/**
 * The configurations (and their metrics) left when CLIP cannot be
 * token-masked: an ablation of a blur run leaves out its token-mask
 * configurations; undefined when the main configuration needs
 * token-masking, so the run cannot go on.
 */
export function withoutTokenMask(
  configs: readonly AblationConfig[],
  metrics: ReadonlyMap<string, SplitMetricsAccumulator>,
): {
  configs: AblationConfig[];
  metrics: Map<string, SplitMetricsAccumulator>;
} | undefined {
  if (configs[0]?.globalView !== "blur") return undefined;
  const kept = configs.filter((c) => c.globalView !== "token-mask");
  const names = new Set(kept.map(configName));
  return {
    configs: kept,
    metrics: new Map([...metrics].filter(([name]) => names.has(name))),
  };
}
