/**
 * Resolving the backend a caller asks for to the one that runs. `"auto"`
 * is native (onnxruntime-node) where it loads, and wasm where it does not:
 * in browsers and on Deno Deploy, without permission for native code
 * (`--allow-ffi`), or without the native binary for the platform. Native
 * is tried once per process; the outcome, and the reason for a fallback,
 * are kept. webgpu runs only when asked for by name.
 *
 * @module
 */

import { DEFAULTS } from "../defaults.ts";
import {
  type BackendChoice,
  type BackendName,
  BackendUnavailableError,
} from "./inference.ts";
import { describeError } from "./transfer.ts";

/** The backend that runs for a choice, and why, when it is not the one asked for. */
export interface BackendResolution {
  /** The backend asked for. */
  readonly requested: BackendChoice;
  /** The backend that runs. */
  readonly backend: BackendName;
  /** Why native did not run for `"auto"`; absent when nothing fell back. */
  readonly fallback?: string;
}

/** Whether the native backend loads here: ok, or the reason it does not. */
export type NativeOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string };

/**
 * The backend that runs for `choice`, given whether native loads here.
 * Pure: {@linkcode resolveBackend} finds out the outcome.
 *
 * @example
 * ```ts
 * chooseBackend("auto", { ok: true }).backend; // "native"
 * chooseBackend("auto", { ok: false, reason: "no FFI" }).backend; // "wasm"
 * chooseBackend("webgpu", { ok: true }).backend; // "webgpu"
 * ```
 */
export function chooseBackend(
  choice: BackendChoice,
  native: NativeOutcome,
): BackendResolution {
  if (choice !== "auto") return { requested: choice, backend: choice };
  return native.ok
    ? { requested: "auto", backend: "native" }
    : { requested: "auto", backend: "wasm", fallback: native.reason };
}

/** The Deno namespace where the runtime is Deno; undefined in browsers. */
function denoNamespace(): typeof Deno | undefined {
  return (globalThis as { Deno?: typeof Deno }).Deno;
}

/**
 * Loads onnxruntime-node, or throws {@linkcode BackendUnavailableError}
 * saying why it cannot. Without FFI permission it does not try (under
 * Deno that would prompt the user, or fail).
 */
export async function loadNative(): Promise<void> {
  const deno = denoNamespace();
  if (!deno?.permissions) {
    throw new BackendUnavailableError(
      "native",
      "this runtime is not Deno with permissions (a browser or a worker without them). Use the wasm backend.",
    );
  }
  const ffi = await deno.permissions.query({ name: "ffi" });
  if (ffi.state !== "granted") {
    throw new BackendUnavailableError(
      "native",
      "no permission to load native code: run with --allow-ffi, or use the wasm backend.",
    );
  }
  const { loadNativeRuntime } = await import("./backends/_ort_native.ts");
  await loadNativeRuntime();
}

/**
 * A resolver of backend choices that tries `load` (by default
 * {@linkcode loadNative}) at most once, the first time `"auto"` is
 * resolved, and remembers the outcome. {@linkcode resolveBackend} is the
 * process's own; tests make others with a fake `load`.
 *
 * @example
 * ```ts
 * const resolve = backendResolver(() => Promise.reject(new Error("no binary")));
 * (await resolve("auto")).fallback; // "no binary"
 * ```
 */
export function backendResolver(
  load: () => Promise<void> = loadNative,
): (choice?: BackendChoice) => Promise<BackendResolution> {
  let native: Promise<NativeOutcome> | undefined;
  const probe = () =>
    native ??= load().then(
      (): NativeOutcome => ({ ok: true }),
      (e): NativeOutcome => ({ ok: false, reason: fallbackReason(e) }),
    );
  return async (choice = DEFAULTS.backend) =>
    chooseBackend(choice, choice === "auto" ? await probe() : { ok: true });
}

/** Why native did not load: the backend's own reason where it gives one. */
function fallbackReason(e: unknown): string {
  return e instanceof BackendUnavailableError ? e.reason : describeError(e);
}

/**
 * The backend that runs for `choice` (default `DEFAULTS.backend`) in this
 * process: `"auto"` is native where onnxruntime-node loads, wasm (with the
 * reason in `fallback`) where it does not; a named backend is itself.
 * Native is tried once per process.
 *
 * @example
 * ```ts
 * const { backend } = await resolveBackend("wasm");
 * backend; // "wasm"
 * ```
 */
export const resolveBackend: (
  choice?: BackendChoice,
) => Promise<BackendResolution> = backendResolver();
