/**
 * Merging the shards of a sharded evaluation, without the
 * file system: checks that the shards belong to one run (same settings,
 * same data fingerprint, every shard of N once, each finished, no image in
 * two shards, every image of the split in one), then puts their prediction
 * lines back in the split's order and sums up their metrics, counts and
 * timings as one run would have.
 *
 * @module
 */

import { SplitMetricsAccumulator } from "./metrics.ts";
import {
  parsePredictionLine,
  predictionKey,
  resumedLine,
} from "./predictions.ts";
import { parseShard, type Shard, type ShardRecord } from "./shard.ts";
import type { RunTotals } from "./summary.ts";
import { settingDifferences } from "./run_settings.ts";
import type { ShardExamples } from "./shard_examples.ts";

/** What a shard's output folder holds. */
export interface ShardFiles {
  /** The folder, for messages. */
  readonly dir: string;
  /** run.json: the settings, the fingerprint and the shard. */
  readonly run: Record<string, unknown>;
  /** shard.json; undefined when the folder has none. */
  readonly record?: ShardRecord;
  /** metrics.json; undefined when the shard has not finished. */
  readonly metrics?: Record<string, unknown>;
  /** The lines of predictions.jsonl. */
  readonly lines: readonly string[];
  /** examples.json: the shard's best and worst examples, when written. */
  readonly examples?: ShardExamples;
}

/** The kinds of reason shards cannot be merged. */
export type MergeProblemKind =
  | "no-shards"
  | "not-a-shard"
  | "no-shard-record"
  | "other-cut"
  | "other-data"
  | "other-settings"
  | "missing-shard"
  | "repeated-shard"
  | "unfinished"
  | "incomplete"
  | "overlap"
  | "uncovered";

/** One reason shards cannot be merged: what is wrong, and what to do. */
export interface MergeProblem {
  /** Which kind of problem; a caller may word its advice per kind. */
  readonly kind: MergeProblemKind;
  /** What is wrong, e.g. "shard 2/3 is missing". */
  readonly fact: string;
  /** What to do, in the library's terms, e.g. "run it and merge its output folder too". */
  readonly advice: string;
  /** The shard's output folder, when the problem is one folder's. */
  readonly dir?: string;
  /** The shard, when the problem is one shard's (a missing shard's number). */
  readonly shard?: Shard;
}

/** A problem's sentence: what is wrong, then what to do. */
export function problemText(p: MergeProblem, advice = p.advice): string {
  return `${p.fact}: ${advice}`;
}

/** The message listing problem sentences, as {@linkcode ShardMergeError} has it. */
export function mergeErrorText(sentences: readonly string[]): string {
  return `cannot merge these shards:\n${
    sentences.map((p) => `  - ${p}`).join("\n")
  }`;
}

/** Thrown when shards cannot be merged; lists every problem found. */
export class ShardMergeError extends Error {
  /** The problems, each with its kind, sentence parts and shard. */
  readonly problems: readonly MergeProblem[];
  /** Creates the error for `problems`. */
  constructor(problems: readonly MergeProblem[]) {
    super(mergeErrorText(problems.map((p) => problemText(p))));
    this.name = "ShardMergeError";
    this.problems = problems;
  }
}

/** A run's settings without its shard: what every shard must share. */
export function unshardedSettings(
  settings: Record<string, unknown>,
): Record<string, unknown> {
  const { shard: _, ...rest } = settings;
  return rest;
}

/** The shard a folder's run.json names, or a problem. */
function shardOfRun(s: ShardFiles): Shard | MergeProblem {
  const name = s.run.shard;
  if (typeof name !== "string") {
    return {
      kind: "not-a-shard",
      fact: `${s.dir} is not a shard (its run.json names no shard)`,
      advice: "give the output folders of sharded runs",
      dir: s.dir,
    };
  }
  if (!s.record) {
    return {
      kind: "no-shard-record",
      fact: `${s.dir} has no shard.json`,
      advice: "resume that shard to write it",
      dir: s.dir,
    };
  }
  return parseShard(name);
}

/** Lines of the main configuration: those without a config, or naming the first. */
function mainLineCount(lines: readonly string[], main: string): number {
  return lines.filter((text) => {
    let line: { config?: string };
    try {
      line = JSON.parse(text);
    } catch {
      // A damaged line is no prediction: the shard shows as incomplete.
      return false;
    }
    return (line?.config ?? "") === main;
  }).length;
}

/** The configuration names of a finished shard, the main one first. */
function configsOf(metrics: Record<string, unknown>): string[] {
  const ablation = metrics.ablation as { config: string }[] | undefined;
  return ablation ? ablation.map((r) => r.config) : [""];
}

/**
 * Checks that `shards` are every shard of one run, finished; throws a
 * {@linkcode ShardMergeError} naming each problem and what to do.
 */
export function checkShards(shards: readonly ShardFiles[]): void {
  if (shards.length === 0) {
    throw new ShardMergeError([{
      kind: "no-shards",
      fact: "no shards given",
      advice: "give the output folders of the shards to merge",
    }]);
  }
  const problems: MergeProblem[] = [];
  const known: { files: ShardFiles; shard: Shard }[] = [];
  for (const s of shards) {
    const shard = shardOfRun(s);
    if ("kind" in shard) problems.push(shard);
    else known.push({ files: s, shard });
  }
  if (problems.length > 0) throw new ShardMergeError(problems);

  const [first] = known;
  const count = first.shard.count;
  for (const { files, shard } of known.slice(1)) {
    if (shard.count !== count) {
      problems.push({
        kind: "other-cut",
        fact:
          `${files.dir} is shard ${shard.index}/${shard.count} but ${first.files.dir} is one of ${count}`,
        advice: "merge shards cut the same way",
        dir: files.dir,
        shard,
      });
    }
    const a = unshardedSettings(first.files.run);
    const b = unshardedSettings(files.run);
    if (JSON.stringify(a.fingerprint) !== JSON.stringify(b.fingerprint)) {
      problems.push({
        kind: "other-data",
        fact:
          `${files.dir} ran on other data than ${first.files.dir} (data fingerprint ${b.fingerprint} vs ${a.fingerprint})`,
        advice: "run every shard on the same data and limit",
        dir: files.dir,
        shard,
      });
    }
    const diff = settingDifferences(
      { ...a, fingerprint: undefined },
      { ...b, fingerprint: undefined },
    );
    if (diff.length > 0) {
      problems.push({
        kind: "other-settings",
        fact:
          `${files.dir} was run with other settings than ${first.files.dir} (${
            diff.join("; ")
          })`,
        advice: "run every shard with the same settings",
        dir: files.dir,
        shard,
      });
    }
  }
  if (problems.length > 0) throw new ShardMergeError(problems);

  const byIndex = new Map<number, ShardFiles[]>();
  for (const { files, shard } of known) {
    byIndex.set(shard.index, [...(byIndex.get(shard.index) ?? []), files]);
  }
  for (let k = 1; k <= count; k++) {
    const given = byIndex.get(k) ?? [];
    if (given.length === 0) {
      problems.push({
        kind: "missing-shard",
        fact: `shard ${k}/${count} is missing`,
        advice: "run it and merge its output folder too",
        shard: { index: k, count },
      });
    } else if (given.length > 1) {
      problems.push({
        kind: "repeated-shard",
        fact: `shard ${k}/${count} is given twice or more (${
          given.map((g) => g.dir).join(", ")
        })`,
        advice: "give each shard once",
        shard: { index: k, count },
      });
    }
  }
  for (const { files, shard } of known) {
    const name = `${shard.index}/${shard.count}`;
    if (!files.metrics) {
      problems.push({
        kind: "unfinished",
        fact:
          `shard ${name} in ${files.dir} has not finished (no metrics.json)`,
        advice: "resume it",
        dir: files.dir,
        shard,
      });
      continue;
    }
    const counts = files.metrics.counts as { sentences?: number } | undefined;
    const lines = mainLineCount(files.lines, configsOf(files.metrics)[0]);
    if (counts?.sentences !== lines) {
      problems.push({
        kind: "incomplete",
        fact:
          `shard ${name} in ${files.dir} has ${lines} predictions of its main configuration but its metrics.json counts ${counts?.sentences}`,
        advice: "resume it",
        dir: files.dir,
        shard,
      });
    }
  }
  problems.push(...coverageProblems(known));
  if (problems.length > 0) throw new ShardMergeError(problems);
}

/** Images in two shards, and images of the split in none. */
function coverageProblems(
  known: readonly { files: ShardFiles; shard: Shard }[],
): MergeProblem[] {
  const problems: MergeProblem[] = [];
  const owner = new Map<number, { id: number | string; dirs: string[] }>();
  for (const { files } of known) {
    for (const image of files.record!.images) {
      const o = owner.get(image.position);
      if (o) o.dirs.push(files.dir);
      else owner.set(image.position, { id: image.id, dirs: [files.dir] });
    }
  }
  const twice = [...owner.values()].filter((o) => o.dirs.length > 1);
  if (twice.length > 0) {
    problems.push({
      kind: "overlap",
      fact: `${twice.length} images are in more than one shard (${
        twice.slice(0, 5).map((o) => `image ${o.id} in ${o.dirs.join(" and ")}`)
          .join("; ")
      }${twice.length > 5 ? "; ..." : ""})`,
      advice: "the shards overlap; give each shard once, made by the same oris",
    });
  }
  const splitImages = known[0].files.record!.splitImages;
  const missing: number[] = [];
  for (let p = 0; p < splitImages; p++) if (!owner.has(p)) missing.push(p);
  if (missing.length > 0) {
    problems.push({
      kind: "uncovered",
      fact: `${missing.length} images of the split are in no shard (positions ${
        missing.slice(0, 10).join(", ")
      }${missing.length > 10 ? ", ..." : ""})`,
      advice: "run the missing shards",
    });
  }
  return problems;
}

/** The merged run: its prediction lines in the split's order and its totals. */
export interface MergedRun {
  /** The lines of predictions.jsonl, image by image in the split's order. */
  readonly lines: readonly string[];
  /** The settings of run.json (the shards', without the shard). */
  readonly run: Record<string, unknown>;
  /** The totals to sum up with `summarizeRun`. */
  readonly totals: RunTotals;
}

/**
 * Merges shards that {@linkcode checkShards} accepted: lines ordered by
 * their image's position in the split (each image's lines in their
 * order), metrics added in that order, as one run adds them; counts and
 * timings summed over the shards.
 */
export function mergeShards(shards: readonly ShardFiles[]): MergedRun {
  checkShards(shards);
  const position = new Map<string, number>();
  const fileAt = new Map<string, number>();
  for (const s of shards) {
    for (const image of s.record!.images) {
      position.set(String(image.id), image.position);
      fileAt.set(image.file, image.position);
    }
  }
  const seen = new Set<string>();
  const entries: { position: number; order: number; text: string }[] = [];
  let order = 0;
  for (const s of shards) {
    s.lines.forEach((text, i) => {
      const line = parsePredictionLine(text, `${s.dir}/predictions.jsonl`, i);
      const key = predictionKey(line);
      if (seen.has(key)) return; // a line repeated by a resume counts once
      seen.add(key);
      entries.push({
        position: position.get(String(line.image_id)) ?? -1,
        order: order++,
        text,
      });
    });
  }
  entries.sort((a, b) => a.position - b.position || a.order - b.order);

  const first = shards[0].metrics!;
  const configs = configsOf(first);
  const metrics = new Map(
    configs.map((c) => [c, new SplitMetricsAccumulator()]),
  );
  for (const [i, e] of entries.entries()) {
    const line = resumedLine(
      parsePredictionLine(e.text, "merged predictions", i + 1),
      "merged predictions",
      i + 1,
    );
    metrics.get(line.config ?? "")?.add(line.i, line.u, line.spatial);
  }
  const stageTimings: Record<string, number> = {};
  let wallMs = 0, imagesThisRun = 0;
  const missing: string[] = [];
  const unreadable: string[] = [];
  for (const s of shards) {
    const m = s.metrics!;
    const { wall = 0, perImage: _, ...stages } = m.timings as Record<
      string,
      number
    >;
    wallMs += wall;
    for (const [k, v] of Object.entries(stages)) {
      stageTimings[k] = (stageTimings[k] ?? 0) + v;
    }
    imagesThisRun += (m.counts as { imagesThisRun: number }).imagesThisRun;
    missing.push(...(m.missingImages as string[]));
    unreadable.push(...((m.unreadableImages as string[] | undefined) ?? []));
  }
  missing.sort((a, b) => (fileAt.get(a) ?? 0) - (fileAt.get(b) ?? 0));
  const run = unshardedSettings(shards[0].run);
  return {
    lines: entries.map((e) => e.text),
    run,
    totals: {
      title: String(run.data),
      configs,
      metrics,
      ablate: first.ablation !== undefined,
      settings: unshardedSettings(first.settings as Record<string, unknown>),
      imagesThisRun,
      missingImages: missing,
      unreadableImages: unreadable.sort((a, b) =>
        (fileAt.get(fileOfEntry(a)) ?? 0) - (fileAt.get(fileOfEntry(b)) ?? 0)
      ),
      skippedRefs: first.skippedRefs as string[],
      stageTimings,
      wallMs,
    },
  };
}

/** The file of an unreadable image's "file: reason" entry. */
function fileOfEntry(entry: string): string {
  const at = entry.indexOf(": ");
  return at < 0 ? entry : entry.slice(0, at);
}
