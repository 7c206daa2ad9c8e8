/**
 * Reading the --out folder of a shard of an evaluation (edge code: file
 * system), for `eval --merge`: run.json, shard.json, metrics.json (absent
 * while the shard has not finished), examples.json and the lines of
 * predictions.jsonl.
 *
 * @module
 */

import { join } from "node:path";
import type { ShardFiles } from "../pipeline/eval/merge.ts";
import type { ShardRecord } from "../pipeline/eval/shard.ts";
import type { ShardExamples } from "../pipeline/eval/shard_examples.ts";
import { wholeLines } from "../pipeline/eval/predictions.ts";

/** Thrown when a folder given to --merge is not an evaluation's --out. */
export class ShardFolderError extends Error {
  /** Creates the error for `dir`, with `reason`. */
  constructor(dir: string, reason: string) {
    super(`${dir}: ${reason}`);
    this.name = "ShardFolderError";
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
        e instanceof Error ? e.message : e
      }): rerun that shard with --resume`,
    );
  }
}

/** Reads the files of a shard's --out folder. */
export async function readShardFiles(dir: string): Promise<ShardFiles> {
  const run = await readJsonFile(dir, "run.json");
  if (!run) {
    throw new ShardFolderError(
      dir,
      'no run.json: give the --out folders of "eval --shard K/N" runs to --merge',
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
