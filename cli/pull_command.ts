/**
 * The command line that fetches a model into the on-disk cache, for the
 * messages of the cache and of the command line.
 *
 * @module
 */

import { DEFAULTS } from "../pipeline/defaults.ts";

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
  options: { variant?: string; kind?: string; revision?: string } = {},
): string {
  let command = `deno task models pull ${repo}`;
  if (options.kind) command += ` --kind ${options.kind}`;
  if (options.variant && options.variant !== DEFAULTS.variant) {
    command += ` --variant ${options.variant}`;
  }
  if (options.revision && options.revision !== "main") {
    command += ` --revision ${options.revision}`;
  }
  return command;
}
