/**
 * What an evaluation run records of itself, built without the file
 * system: run.json's settings (what a resumed run and every shard of a
 * merge must share), the settings metrics.json reports (those, with where
 * the models ran), and the text of run.json.
 *
 * @module
 */

import type { SegmenterModels, SegmenterSettings } from "../segmenter.ts";
import { settingsRecord } from "../settings.ts";
import { type Shard, shardName } from "./shard.ts";

/** What {@linkcode runRecord} records. */
export interface RunRecordInput {
  /** The data's title, e.g. "refcocog (umd) val". */
  readonly data: string;
  /**
   * The models. The backend and threads are reported in metrics.json only
   * (see {@linkcode RunPlacement}): they are not compared, so a run resumes
   * or merges whichever backend runs it.
   */
  readonly models: Pick<SegmenterModels, "clip" | "sam" | "variant">;
  /** The method's settings in force. */
  readonly settings: SegmenterSettings;
  /** Whether the run is an ablation. */
  readonly ablate: boolean;
  /** The limit on the number of images, if any. */
  readonly limit?: number;
  /** The data's fingerprint. */
  readonly fingerprint: string;
  /** The shard, when the run is one. */
  readonly shard?: Shard;
}

/** A run's record: run.json's object. */
export type RunRecord = Record<string, unknown> & {
  /** The models' repositories and variant. */
  readonly models: Record<string, unknown>;
};

/**
 * run.json's settings: what a resumed run must share with the run it
 * continues, and every shard of a merge with the others.
 *
 * @example
 * ```ts
 * import { SEGMENTER_DEFAULTS } from "../settings.ts";
 *
 * runRecord({
 *   data: "toy",
 *   models: { clip: "c", sam: "s", variant: "fp32" },
 *   settings: SEGMENTER_DEFAULTS,
 *   ablate: false,
 *   fingerprint: "sha256:ab",
 *   shard: { index: 2, count: 3 },
 * }).shard; // "2/3"
 * ```
 */
export function runRecord(r: RunRecordInput): RunRecord {
  return {
    data: r.data,
    models: {
      clip: r.models.clip,
      sam: r.models.sam,
      variant: r.models.variant,
    },
    ...settingsRecord(r.settings),
    ablate: r.ablate,
    limit: r.limit ?? null,
    fingerprint: r.fingerprint,
    ...(r.shard ? { shard: shardName(r.shard) } : {}),
  };
}

/** Where a run's models ran, as metrics.json reports it. */
export interface RunPlacement {
  /** The inference backend that ran (what "auto" resolved to). */
  readonly backend: string;
  /** Threads of the CPU backends. */
  readonly threads: number;
  /** Where the kernels ran. */
  readonly device: string;
  /** Whether CLIP's views stayed on the GPU. */
  readonly viewsOnDevice: boolean;
  /** Images worked on at once. */
  readonly inFlight: number;
  /** Whether SAM's decoder ran as the fast decoder. */
  readonly fastDecoder?: boolean;
  /** Whether SAM's encoder ran as the fast encoder. */
  readonly fastEncoder?: boolean;
}

/**
 * The settings metrics.json and report.md report: the run's record with
 * where its models ran.
 */
export function reportedSettings(
  run: RunRecord,
  p: RunPlacement,
): Record<string, unknown> {
  return {
    ...run,
    models: {
      ...run.models,
      backend: p.backend,
      threads: p.threads,
      device: p.device,
      viewsOnDevice: p.viewsOnDevice,
      ...(p.fastEncoder === undefined ? {} : { fastEncoder: p.fastEncoder }),
      ...(p.fastDecoder === undefined ? {} : { fastDecoder: p.fastDecoder }),
    },
    inFlight: p.inFlight,
  };
}

/** The text of run.json. */
export function runJson(run: Record<string, unknown>): string {
  return JSON.stringify(run, null, 2) + "\n";
}
