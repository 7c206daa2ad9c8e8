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
  const hint = FLAG_HINTS.find(([kind]) => error instanceof kind)?.[1];
  return hint
    ? `${error.message.replace(/\.?$/, ".")} On the command line: ${hint}.`
    : error.message;
}
