/**
 * What `eval` and `eval --merge` share at the edge: reading a dataset image
 * (null when missing), drawing examples.png, the --out folder's lock, and
 * the check that no file of --out is one of the inputs.
 *
 * @module
 */

import { join } from "node:path";
import { readImageFile, writePng } from "../io/image_file.ts";
import { resolveImagePath } from "../io/image_files.ts";
import {
  acquireFileLock,
  DEFAULT_LOCK_STALE_MS,
  type LockWait,
} from "../io/model_lock.ts";
import type { DatasetImage } from "../pipeline/datasets/types.ts";
import type { EvalExample } from "../pipeline/eval/run.ts";
import {
  examplesPicture,
  gridExample,
  reportExamples,
} from "../pipeline/eval/summary.ts";
import { encodePng } from "../pipeline/image/png_encode.ts";
import type { RgbaImage } from "../pipeline/image/rgba.ts";
import { UsageError } from "./usage_error.ts";
import { checkNoCollision, type NamedPath } from "./output_paths.ts";

/** The files a run writes in its --out folder (the lock aside). */
export const RUN_FILES: readonly string[] = [
  "predictions.jsonl",
  "run.json",
  "shard.json",
  "metrics.json",
  "examples.json",
  "report.md",
  "examples.png",
];

/** What {@linkcode checkEvalPaths} needs of eval's options. */
export interface EvalPaths {
  /** The run's folder. */
  out: string;
  /** JSONL data. */
  jsonl?: string;
  /** A predictions file to score: only metrics.json is written then. */
  score?: string;
  /** Whether --out was given (--score writes nothing without it). */
  outGiven?: boolean;
  /** The shards' folders of `--merge`. */
  merge?: readonly string[];
}

/**
 * The inputs and outputs of an `eval` command line that must all be files
 * of their own: --jsonl and --score, or each --merge folder's run files;
 * and the files the run writes in --out.
 *
 * @example
 * ```ts
 * evalPaths({ out: "run", jsonl: "run/predictions.jsonl" }).inputs;
 * // [{ flag: "--jsonl", path: "run/predictions.jsonl" }]
 * ```
 */
export function evalPaths(
  a: EvalPaths,
): { inputs: NamedPath[]; outputs: NamedPath[] } {
  const inFolder = (flag: string, dir: string, names: readonly string[]) =>
    names.map((name) => ({ flag, path: join(dir, name), which: name }));
  if (a.merge) {
    return {
      inputs: a.merge.flatMap((dir) => inFolder("--merge", dir, RUN_FILES)),
      outputs: inFolder("--out", a.out, RUN_FILES),
    };
  }
  const inputs = [
    ...(a.jsonl ? [{ flag: "--jsonl", path: a.jsonl }] : []),
    ...(a.score ? [{ flag: "--score", path: a.score }] : []),
  ];
  if (a.score) {
    return {
      inputs,
      outputs: a.outGiven ? inFolder("--out", a.out, ["metrics.json"]) : [],
    };
  }
  return { inputs, outputs: inFolder("--out", a.out, RUN_FILES) };
}

/**
 * Refuses (with a {@linkcode UsageError}, before any work) a command line
 * where a file eval would write in --out is one of its inputs, e.g.
 * `--jsonl run/predictions.jsonl --out run`, or --out is a --merge folder.
 */
export async function checkEvalPaths(a: EvalPaths): Promise<void> {
  const { inputs, outputs } = evalPaths(a);
  await checkNoCollision(inputs, outputs);
}

/** Reads an image of the dataset; null when its file is missing. */
export async function loadImage(
  imagesDir: string,
  image: DatasetImage,
): Promise<RgbaImage | null> {
  try {
    return await readImageFile(resolveImagePath(imagesDir, image.file));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** Writes examples.png of a run's best and worst; its name, or undefined. */
export async function writeExamples(
  out: string,
  images: string,
  best: readonly EvalExample[],
  worst: readonly EvalExample[],
): Promise<string | undefined> {
  const picture = await examplesPicture(
    reportExamples(best, worst),
    async (e) => {
      const pixels = await loadImage(images, e.image);
      return pixels && gridExample(e, pixels);
    },
  );
  if (!picture) return undefined;
  await writePng(join(out, "examples.png"), await encodePng(picture));
  return "examples.png";
}

/** Options of {@linkcode lockRun}. */
export interface LockRunOptions {
  /** The run continues the one in `out` (--resume): says so when refused. */
  resume?: boolean;
}

/**
 * Takes `out`'s lock, failing at once when another run holds it; until it
 * is released, SIGINT and SIGTERM release it and end the process (exit
 * 130 and 143), so that a stopped run, an evicted pod or a preempted job
 * leaves no lock behind.
 */
export async function lockRun(
  out: string,
  options: LockRunOptions = {},
): Promise<{ release(): Promise<void> }> {
  const busy = new AbortController();
  const lock = await acquireFileLock(join(out, ".lock"), {
    signal: busy.signal,
    onWait: (w) =>
      busy.abort(new UsageError(busyMessage(out, w, options.resume ?? false))),
  });
  const stopListening = releaseOnSignals(lock, (signal) => {
    Deno.stderr.writeSync(
      new TextEncoder().encode(
        `${signal}: stopped; released ${lock.path}\n`,
      ),
    );
  });
  return {
    release: () => {
      stopListening();
      return lock.release();
    },
  };
}

/**
 * Why a run may not write to `out`, which another holds, and how to tell
 * and clear a lock that a killed run left.
 */
export function busyMessage(
  out: string,
  holder: LockWait,
  resume: boolean,
): string {
  const host = holder.hostname ? ` on host ${holder.hostname}` : "";
  const since = holder.since && !isNaN(holder.since.getTime())
    ? `, since ${holder.since.toISOString()}`
    : "";
  const who = `process ${holder.pid ?? "?"}${host}${since}`;
  const rerun = `delete ${holder.path} and rerun${
    resume ? " with --resume" : ""
  }`;
  const age = `after ${DEFAULT_LOCK_STALE_MS / 60_000} minutes untouched`;
  const head = `another evaluation (${who}) is writing to ${out}: ` +
    `wait for it to end, or choose another --out. `;
  if (holder.unjudged) {
    return head +
      `This run cannot tell whether that process still runs (${holder.unjudged}), ` +
      `so its lock is taken over only ${age}. If it is not running any ` +
      `more (a killed run, an evicted pod or a job requeued on another ` +
      `host), ${rerun}.`;
  }
  return head +
    `If no such process is running any more (a killed run, ` +
    `an evicted pod or a job requeued on another host), its lock is left ` +
    `over: ${rerun}. ` +
    `A left-over lock is also taken over by itself once its process is ` +
    `seen gone from this host, or ${age}.`;
}

/** The exit status of a process ended by `signal`. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Until the returned function is called, releases `lock` and exits (130 on
 * SIGINT, 143 on SIGTERM) when the process is asked to stop, after calling
 * `onSignal`. SIGTERM is not listened for on Windows.
 */
export function releaseOnSignals(
  lock: { release(): Promise<void> },
  onSignal: (signal: keyof typeof SIGNAL_EXIT_CODES) => void = () => {},
): () => void {
  const signals = (["SIGINT", "SIGTERM"] as const).filter((s) =>
    Deno.build.os !== "windows" || s === "SIGINT"
  );
  const handlers = signals.map((signal) => {
    const handler = () => {
      onSignal(signal);
      lock.release().finally(() => Deno.exit(SIGNAL_EXIT_CODES[signal]));
    };
    Deno.addSignalListener(signal, handler);
    return { signal, handler };
  });
  return () => {
    for (const { signal, handler } of handlers.splice(0)) {
      Deno.removeSignalListener(signal, handler);
    }
  };
}
