/**
 * The command line's wording of the library's errors. The library speaks
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
  ModelNotFoundError,
  ModelOfflineError,
} from "../pipeline/models/errors.ts";
import { PredictionsExistError } from "../io/prediction_files.ts";
import { ShardFolderError } from "../io/shard_files.ts";
import { ImagePathError, MissingImagesError } from "../io/image_files.ts";
import { pullCommand } from "./pull_command.ts";

/** The flag that does what each kind of library error asks for. */
const FLAG_HINTS: readonly [new (...args: never[]) => Error, string][] = [
  [TokenMaskMappingError, "--global-view blur"],
  [WebGpuUnavailableError, "--device cpu"],
  [BackendUnavailableError, "choose another with --backend"],
  [
    ModelLoadError,
    "`deno task models verify`, then `deno task models pull` the model again",
  ],
];

/**
 * The flags or command that do what an error of the files and models
 * (./io) asks for, built from the error's fields; undefined for others.
 *
 * @example
 * ```ts
 * ioHint(new ShardFolderError("s1", "no run.json", "not-a-shard"));
 * // 'give the --out folders of "eval --shard K/N" runs to --merge'
 * ```
 */
export function ioHint(error: Error): string | undefined {
  if (error instanceof PredictionsExistError) {
    return "--resume to continue that run, or another --out";
  }
  if (error instanceof ShardFolderError) {
    return error.problem === "invalid-json"
      ? "rerun that shard with --resume"
      : 'give the --out folders of "eval --shard K/N" runs to --merge';
  }
  if (error instanceof ImagePathError) return "the images folder is --images";
  if (error instanceof MissingImagesError) {
    return "check --images, or run without --strict to skip these images";
  }
  if (
    (error instanceof ModelNotFoundError ||
      error instanceof ModelOfflineError) && error.fetch
  ) {
    const { repo, ...options } = error.fetch;
    return `\`${pullCommand(repo, options)}\``;
  }
  return undefined;
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
  const hint = FLAG_HINTS.find(([kind]) => error instanceof kind)?.[1] ??
    ioHint(error);
  return hint
    ? `${error.message.replace(/\.?$/, ".")} On the command line: ${hint}.`
    : error.message;
}
