/**
 * The command line's wording of the library's errors (and of the problems of
 * a shard merge or a resumed run). The library speaks
 * of settings (`globalView: "blur"`, device "cpu"); where such an error
 * tells the user to change a setting, the command line adds the flag that
 * does it.
 *
 * @module
 */

import { TokenMaskMappingError } from "../pipeline/clip/token_mask_model.ts";
import {
  BackendUnavailableError,
  ModelLoadError,
} from "../pipeline/models/inference.ts";
import { WebGpuUnavailableError } from "../kernels/gpu_device.ts";
import {
  ModelEndpointError,
  ModelNotFoundError,
  ModelOfflineError,
  ModelResponseError,
} from "../pipeline/models/errors.ts";
import { PredictionsExistError } from "../io/prediction_files.ts";
import { ShardFolderError } from "../io/shard_files.ts";
import { ImagePathError, MissingImagesError } from "../io/image_files.ts";
import { pullCommand } from "./pull_command.ts";
import {
  mergeErrorText,
  type MergeProblem,
  type MergeProblemKind,
  problemText,
  ShardMergeError,
} from "../pipeline/eval/merge.ts";
import {
  type ResumeProblem,
  resumeProblemText,
} from "../pipeline/eval/run_settings.ts";
import { shardName } from "../pipeline/eval/shard.ts";
import { SettingError } from "../pipeline/setting_error.ts";

/**
 * The flags or command that do what an error asks for: a fixed hint, or one
 * built from the error's fields (undefined when they do not say).
 */
type Hint<E extends Error> = string | ((error: E) => string | undefined);

/** One kind of library error and its hint on the command line. */
type HintEntry = readonly [
  new (...args: never[]) => Error,
  Hint<never>,
];

/** The class of `error` paired with the hint for it, type-checked together. */
function hintFor<E extends Error>(
  kind: new (...args: never[]) => E,
  hint: Hint<E>,
): HintEntry {
  return [kind, hint as Hint<never>];
}

/** The flag or command that does what each kind of library error asks for. */
const HINTS: readonly HintEntry[] = [
  hintFor(TokenMaskMappingError, "--global-view blur"),
  hintFor(WebGpuUnavailableError, "--device cpu"),
  hintFor(BackendUnavailableError, "choose another with --backend"),
  hintFor(
    ModelLoadError,
    "`deno task models verify`, then `deno task models pull` the model again",
  ),
  hintFor(
    PredictionsExistError,
    "--resume to continue that run, or another --out",
  ),
  hintFor(
    ShardFolderError,
    (e) =>
      e.problem === "invalid-json"
        ? "rerun that shard with --resume"
        : 'give the --out folders of "eval --shard K/N" runs to --merge',
  ),
  hintFor(ImagePathError, "the images folder is --images"),
  hintFor(
    SettingError,
    (e) =>
      e.setting === "generator.pointsPerBatch"
        ? "a smaller --points-per-batch"
        : undefined,
  ),
  hintFor(
    MissingImagesError,
    "check --images, or run without --strict to skip these images",
  ),
  hintFor(
    ModelEndpointError,
    "--models DIR reads a local models folder; HF_HUB_OFFLINE=1 (or --offline) uses the cache only",
  ),
  hintFor(
    ModelResponseError,
    (e) =>
      e.problem === "too-large"
        ? undefined
        : "--models DIR reads a local models folder instead of the hub",
  ),
  hintFor(ModelNotFoundError, fetchHint),
  hintFor(ModelOfflineError, fetchHint),
];

/** The pull command that fetches the file a model error names, if it names one. */
function fetchHint(
  error: ModelNotFoundError | ModelOfflineError,
): string | undefined {
  if (!error.fetch) return undefined;
  const { repo, ...options } = error.fetch;
  return `\`${pullCommand(repo, options)}\``;
}

/**
 * The flags or command that do what `error` asks for, from the hint of its
 * kind; undefined when there is none.
 *
 * @example
 * ```ts
 * import { ShardFolderError } from "../io/shard_files.ts";
 *
 * flagHint(new ShardFolderError("s1", "no run.json", "not-a-shard"));
 * // 'give the --out folders of "eval --shard K/N" runs to --merge'
 * ```
 */
export function flagHint(error: Error): string | undefined {
  const hint = HINTS.find(([kind]) => error instanceof kind)?.[1];
  return typeof hint === "function" ? hint(error as never) : hint;
}

/**
 * The message of `error` for the command line: the library's message,
 * followed by the flag that applies its advice, when there is one.
 *
 * @example
 * ```ts
 * commandLineMessage(new TokenMaskMappingError('... (globalView "blur").'));
 * // '... (globalView "blur"). On the command line: --global-view blur.'
 * ```
 */
export function commandLineMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof ShardMergeError) return mergeMessage(error);
  const hint = flagHint(error);
  return hint
    ? `${error.message.replace(/\.?$/, ".")} On the command line: ${hint}.`
    : error.message;
}

/** What `eval --merge` tells the user to do, per kind of merge problem. */
const MERGE_ADVICE: Partial<
  Record<MergeProblemKind, (p: MergeProblem) => string>
> = {
  "no-shards": () => "list the --out folders of the shards after --merge",
  "not-a-shard": () => 'give the --out folders of "eval --shard K/N" runs',
  "no-shard-record": () => "rerun that shard with --resume to write it",
  "other-data": () => "run every shard on the same data and --limit",
  "other-settings": () => "run every shard with the same options",
  "missing-shard": (p) =>
    `run "deno task eval ... --shard ${
      shardName(p.shard!)
    } --out DIR" and give DIR to --merge too`,
  "unfinished": () => "rerun its command with --resume",
  "incomplete": () => "rerun its command with --resume",
};

/**
 * A merge error for the command line: each problem with the flags, or the
 * command, that fix it (a missing shard: the command that makes it).
 *
 * @example
 * ```ts
 * mergeMessage(new ShardMergeError([{
 *   kind: "missing-shard",
 *   fact: "shard 2/3 is missing",
 *   advice: "run it and merge its output folder too",
 *   shard: { index: 2, count: 3 },
 * }]));
 * // 'cannot merge these shards:\n  - shard 2/3 is missing: run "deno task eval ... --shard 2/3 --out DIR" and give DIR to --merge too'
 * ```
 */
export function mergeMessage(error: ShardMergeError): string {
  return mergeErrorText(
    error.problems.map((p) => problemText(p, MERGE_ADVICE[p.kind]?.(p))),
  );
}

/** What `eval --resume` tells the user to do, per kind of resume problem. */
const RESUME_ADVICE: Record<ResumeProblem["kind"], string> = {
  "other-data":
    "resume it with the same data and --limit, or choose another --out",
  "other-settings": "resume it with the same options, or choose another --out",
};

/** A resume problem for the command line: with the flags that fix it. */
export function resumeMessage(problem: ResumeProblem): string {
  return resumeProblemText(problem, RESUME_ADVICE[problem.kind]);
}
