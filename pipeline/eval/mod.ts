/**
 * Evaluation without the file system: per-sentence scores, streaming IoU
 * metrics, ablations, the run's records and its report, the data's
 * fingerprint, shards and their merge; the spatial selectors on real
 * sentences, and how far simple geometry could take them.
 *
 * @module
 */

export * from "./metrics.ts";
export * from "./predictions.ts";
export * from "./ablation.ts";
export * from "./run.ts";
export * from "./score.ts";
export * from "./report.ts";
export * from "./summary.ts";
export * from "./fingerprint.ts";
export * from "./shard.ts";
export * from "./merge.ts";
export * from "./run_settings.ts";
export * from "./shard_examples.ts";
export * from "./data_defaults.ts";
export * from "./plan.ts";
export * from "./run_record.ts";
export * from "./score_summary.ts";
export * from "./spatial_orientation.ts";
export * from "./spatial_ceiling.ts";
