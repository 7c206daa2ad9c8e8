/**
 * The command line that fetches a model into the on-disk cache. The
 * library's model errors carry what it takes (repository, kind, variant,
 * revision, folder); the command line words it as this command.
 *
 * @module
 */

import { DEFAULTS } from "../pipeline/defaults.ts";

/** What to fetch, and where; left out: the command's defaults. */
export interface PullCommandOptions {
  /** Model kind, for a repository oris does not know. */
  kind?: string;
  /** ONNX variant; the default variant is left out. */
  variant?: string;
  /** Hub revision; the default revision is left out. */
  revision?: string;
  /** Cache (or models) folder to fill. */
  cacheDir?: string;
}

/**
 * The command that fetches a model into the cache.
 *
 * @example
 * ```ts
 * pullCommand("Xenova/clip-vit-base-patch32", { variant: "fp16" });
 * // "deno task models pull Xenova/clip-vit-base-patch32 --variant fp16"
 * ```
 */
export function pullCommand(
  repo: string,
  options: PullCommandOptions = {},
): string {
  let command = `deno task models pull ${repo}`;
  if (options.kind) command += ` --kind ${options.kind}`;
  if (options.variant && options.variant !== DEFAULTS.variant) {
    command += ` --variant ${options.variant}`;
  }
  if (options.revision && options.revision !== DEFAULTS.revision) {
    command += ` --revision ${options.revision}`;
  }
  if (options.cacheDir) command += ` --cache ${options.cacheDir}`;
  return command;
}
