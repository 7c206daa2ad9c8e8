/**
 * The `native` backend on onnxruntime-node: CPU here, CUDA where the user
 * has it. Imported only when asked for, since it needs FFI permission and
 * a native binary for the platform.
 *
 * @module
 */

import {
  BackendUnavailableError,
  type InferenceSession,
  type SessionOptions,
} from "../inference.ts";
import { describeError } from "../transfer.ts";
import { createOrtSession, type OrtModuleLike } from "./_ort_common.ts";

/**
 * Imports onnxruntime-node, which loads its native binary; throws
 * {@linkcode BackendUnavailableError} when it cannot (no FFI permission,
 * no binary for the platform). Imported once: later calls reuse it.
 */
export async function loadNativeRuntime(): Promise<
  typeof import("onnxruntime-node")
> {
  try {
    return await import("onnxruntime-node");
  } catch (e) {
    throw new BackendUnavailableError(
      "native",
      `onnxruntime-node could not be loaded (${describeError(e)}). It needs ` +
        "--allow-ffi and a prebuilt binary for this platform; use the wasm backend instead.",
      { cause: e },
    );
  }
}

/**
 * Creates an onnxruntime-node session with `options.threads` intra-op
 * threads (resolved by the caller; 0: onnxruntime's own choice).
 */
export async function createNativeSession(
  model: Uint8Array | string,
  label: string,
  options: SessionOptions & { threads: number },
): Promise<InferenceSession> {
  const ort = await loadNativeRuntime();
  return await createOrtSession(
    ort as unknown as OrtModuleLike,
    model,
    label,
    "native",
    {
      executionProviders: [...(options.nativeProviders ?? ["cpu"])],
      intraOpNumThreads: options.threads,
      graphOptimizationLevel: "all",
    },
  );
}
