/**
 * The thread count of the CPU backends, resolved in one place: `"auto"`
 * (the default) is one thread per core of this machine.
 *
 * @module
 */

import { DEFAULTS } from "../defaults.ts";
import type { BackendName, ThreadsChoice } from "./inference.ts";

/**
 * The cores this runtime reports (`navigator.hardwareConcurrency`), 1
 * where it reports none.
 *
 * @example
 * ```ts
 * hardwareThreads() >= 1; // true
 * ```
 */
export function hardwareThreads(): number {
  const cores = (globalThis.navigator as { hardwareConcurrency?: number })
    ?.hardwareConcurrency;
  return Number.isInteger(cores) && cores! >= 1 ? cores! : 1;
}

/**
 * The thread count a session on `backend` runs with: the count given (0:
 * the runtime's own choice), or one per core for `"auto"`; undefined
 * takes `DEFAULTS.threads`. webgpu runs on one: its models run on the GPU,
 * and onnxruntime-web's threaded WebGPU bundle starts its workers from
 * `blob:` URLs, which Deno cannot import.
 *
 * @example
 * ```ts
 * resolveThreads("native", 2); // 2
 * resolveThreads("wasm", "auto") === hardwareThreads(); // true
 * resolveThreads("webgpu", "auto"); // 1
 * ```
 */
export function resolveThreads(
  backend: BackendName,
  threads: ThreadsChoice | undefined,
  cores: () => number = hardwareThreads,
): number {
  if (backend === "webgpu") return 1;
  const choice = threads ?? DEFAULTS.threads;
  return choice === "auto" ? cores() : choice;
}
