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

/** Creates an onnxruntime-node session. */
export async function createNativeSession(
  model: Uint8Array,
  label: string,
  options: SessionOptions,
): Promise<InferenceSession> {
  let ort: typeof import("onnxruntime-node");
  try {
    ort = await import("onnxruntime-node");
  } catch (e) {
    throw new BackendUnavailableError(
      "native",
      `onnxruntime-node could not be loaded (${describeError(e)}). It needs ` +
        "--allow-ffi and a prebuilt binary for this platform; use the wasm backend instead.",
      { cause: e },
    );
  }
  return await createOrtSession(
    ort as unknown as OrtModuleLike,
    model,
    label,
    "native",
    {
      executionProviders: [...(options.nativeProviders ?? ["cpu"])],
      intraOpNumThreads: options.threads ?? navigator.hardwareConcurrency,
      graphOptimizationLevel: "all",
    },
  );
}
