/**
 * Reading the output folder of a shard of an evaluation (edge code: file
 * system), for merging the shards (the command line's `eval --merge`): run.json, shard.json, metrics.json (absent
 * while the shard has not finished), examples.json and the lines of
 * predictions.jsonl.
 *
 * @module
 */

import { jsonSyntaxProblem } from "../pipeline/json_problem.ts";
import { join } from "node:path";
import type { ShardFiles } from "../pipeline/eval/merge.ts";
import type { ShardRecord } from "../pipeline/eval/shard.ts";
import type { ShardExamples } from "../pipeline/eval/shard_examples.ts";
import { wholeLines } from "../pipeline/eval/predictions.ts";

/**
 * What is wrong with a shard's folder: a file that is not valid JSON (rerun
 * the shard, resuming it), or no run.json (not an evaluation's output
 * folder).
 */
export type ShardFolderProblem = "invalid-json" | "not-a-shard";

/** Thrown when a folder given to merge is not an evaluation's output folder. */
export class ShardFolderError extends Error {
  /** The folder. */
  readonly dir: string;
  /** What is wrong with it. */
  readonly problem: ShardFolderProblem;

  /** Creates the error for `dir`, with `reason`. */
  constructor(dir: string, reason: string, problem: ShardFolderProblem) {
    super(`${dir}: ${reason}`);
    this.name = "ShardFolderError";
    this.dir = dir;
    this.problem = problem;
  }
}

/** Reads a JSON object; undefined when the file does not exist. */
async function readJsonFile(
  dir: string,
  name: string,
): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, name));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ShardFolderError(
      dir,
      `${name} is not valid JSON (${
        jsonSyntaxProblem(e, text)
      }): rerun that shard, resuming it (the resume option)`,
      "invalid-json",
    );
  }
}

/** Reads the files of a shard's output folder. */
export async function readShardFiles(dir: string): Promise<ShardFiles> {
  const run = await readJsonFile(dir, "run.json");
  if (!run) {
    throw new ShardFolderError(
      dir,
      "no run.json: give the output folders of the shards of one " +
        "evaluation (each run as shard K of N) to merge",
      "not-a-shard",
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(join(dir, "predictions.jsonl"));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    bytes = new Uint8Array(0);
  }
  const record = await readJsonFile(dir, "shard.json");
  return {
    dir,
    run,
    record: record as ShardRecord | undefined,
    metrics: await readJsonFile(dir, "metrics.json"),
    lines: wholeLines(bytes).lines,
    examples: await readJsonFile(dir, "examples.json") as
      | ShardExamples
      | undefined,
  };
}
