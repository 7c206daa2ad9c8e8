/**
 * The environment variables the model manager reads, gathered in one record
 * so that tests and callers can pass their own.
 *
 * @module
 */

/** Names of the variables read by {@linkcode readModelEnv}. */
export const MODEL_ENV_NAMES: readonly string[] = [
  "ORIS_CACHE",
  "XDG_CACHE_HOME",
  "HOME",
  "USERPROFILE",
  "HF_ENDPOINT",
  "HF_TOKEN",
  "HUGGING_FACE_HUB_TOKEN",
  "HF_HUB_OFFLINE",
];

/** Environment variables by name; absent ones are undefined. */
export type ModelEnv = Readonly<Record<string, string | undefined>>;

/**
 * Reads {@linkcode MODEL_ENV_NAMES} from the process environment. A variable
 * that cannot be read (no `--allow-env`, or no `Deno`) counts as unset.
 */
export function readModelEnv(): ModelEnv {
  const env: Record<string, string | undefined> = {};
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  for (const name of MODEL_ENV_NAMES) {
    try {
      env[name] = deno?.env.get(name);
    } catch {
      env[name] = undefined;
    }
  }
  return env;
}

/**
 * Whether a flag variable is set: `1`, `true`, `yes` or `on` (any case).
 *
 * @example
 * ```ts
 * isEnvFlagSet("1"); // true
 * isEnvFlagSet("0"); // false
 * ```
 */
export function isEnvFlagSet(value: string | undefined): boolean {
  return value !== undefined &&
    ["1", "true", "yes", "on"].includes(value.trim().toLowerCase());
}
