/**
 * `oris eval --merge DIR_1 ... DIR_N --out DIR`: merges the shards of a
 * sharded evaluation into the files one run would have written (edge code:
 * reads the shards' folders, writes --out; the checks and the merge itself
 * are in pipeline/eval/merge.ts).
 *
 * @module
 */

import { join } from "node:path";
import { writeFileAtomic } from "../io/prediction_files.ts";
import type { ProgressOutput } from "../io/progress.ts";
import { readShardFiles } from "../io/shard_files.ts";
import { mergeShards, type ShardFiles } from "../pipeline/eval/merge.ts";
import {
  mergeExamples,
  type ShardExamples,
} from "../pipeline/eval/shard_examples.ts";
import {
  metricsJson,
  reportMarkdown,
  summarizeRun,
  summaryTable,
} from "../pipeline/eval/summary.ts";
import { runJson } from "../pipeline/eval/run_record.ts";
import { lockRun, writeExamples } from "./eval_output.ts";
import { UsageError } from "./usage_error.ts";
import { prepareOutputFolder } from "./output_paths.ts";

/** What `eval --merge` needs: the shards' folders and the merged run's. */
export interface MergeArgs {
  /** The shards' --out folders. */
  merge: string[];
  /** The merged run's folder. */
  out: string;
  /** The images' folder, to draw examples.png. */
  images?: string;
}

/** Checks the arguments of --merge: the shards' folders and --out. */
export function mergeArgs(
  out: string | undefined,
  images: string | undefined,
  dirs: string[],
): MergeArgs {
  if (dirs.length === 0) {
    throw new UsageError(
      "--merge needs the --out folders of the shards: --merge DIR_1 DIR_2 ... --out DIR",
    );
  }
  if (!out) {
    throw new UsageError(
      "--merge needs --out DIR: the folder to write the merged run to",
    );
  }
  return { merge: dirs, out, images };
}

/** Merges the shards of a run into --out, as one run would have written it. */
export async function runMerge(
  a: MergeArgs,
  out: (t: string) => void,
  err: ProgressOutput,
): Promise<number> {
  const shards = [];
  for (const dir of a.merge) shards.push(await readShardFiles(dir));
  const merged = mergeShards(shards);
  await prepareOutputFolder("--out", a.out);
  const lock = await lockRun(a.out);
  try {
    const predictionsPath = join(a.out, "predictions.jsonl");
    const existing = await Deno.stat(predictionsPath).then(
      (s) => s.size,
      () => 0,
    );
    if (existing > 0) {
      throw new UsageError(
        `${predictionsPath} already holds predictions: choose another --out for the merged run`,
      );
    }
    const summary = summarizeRun(merged.totals);
    await writeFileAtomic(join(a.out, "run.json"), runJson(merged.run));
    await writeFileAtomic(
      predictionsPath,
      merged.lines.map((l) => l + "\n").join(""),
    );
    await writeFileAtomic(join(a.out, "metrics.json"), metricsJson(summary));
    const grid = a.images
      ? await writeMergedExamples(a.out, a.images, shards)
      : undefined;
    await writeFileAtomic(
      join(a.out, "report.md"),
      reportMarkdown(summary, grid),
    );
    out(summaryTable(summary));
    out(
      `merged ${shards.length} shards: wrote predictions.jsonl, metrics.json and report.md in ${a.out}`,
    );
    if (!grid) {
      err.write(
        "note: no examples.png: give --images DIR to --merge to draw the best and worst examples\n",
      );
    }
  } finally {
    await lock.release();
  }
  return 0;
}

/** Draws the best and worst examples of all shards; undefined when none. */
export async function writeMergedExamples(
  out: string,
  images: string,
  shards: readonly ShardFiles[],
): Promise<string | undefined> {
  const lists = shards.map((s) => s.examples);
  if (lists.some((l) => !l)) return undefined;
  const { best, worst } = mergeExamples(lists as ShardExamples[]);
  return await writeExamples(out, images, best, worst);
}
