/**
 * The environment variables the command line reads, so that it runs with
 * `--allow-env` limited to them (the README's table of permissions lists
 * them too).
 *
 * @module
 */

import { MODEL_ENV_NAMES } from "../io/model_env.ts";

/**
 * Every variable the commands read: the model manager's (cache folder, Hub
 * address and token, offline switch), imagescript's
 * `IMAGESCRIPT_WASM_SIMD` (read when its decoder loads), and
 * `XDG_RUNTIME_DIR` (set for Mesa's Vulkan drivers when missing).
 */
export const CLI_ENV_NAMES: readonly string[] = [
  ...MODEL_ENV_NAMES,
  "IMAGESCRIPT_WASM_SIMD",
  "XDG_RUNTIME_DIR",
];

/**
 * The `--allow-env` flag that grants exactly {@linkcode CLI_ENV_NAMES}.
 *
 * @example
 * ```ts
 * allowEnvFlag(); // "--allow-env=ORIS_CACHE,XDG_CACHE_HOME,...,XDG_RUNTIME_DIR"
 * ```
 */
export function allowEnvFlag(): string {
  return `--allow-env=${CLI_ENV_NAMES.join(",")}`;
}
