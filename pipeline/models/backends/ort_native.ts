/**
 * The `native` backend on onnxruntime-node: CPU here, CUDA where the user
 * has it. Imported only when asked for, since it needs FFI permission and
 * a native binary for the platform.
 *
 * @module
 */

import {
  BackendUnavailableError,
  errorText,
  type InferenceSession,
  ModelLoadError,
  type SessionOptions,
} from "../session.ts";
import {
  type OrtSessionLike,
  type OrtTensorConstructor,
  wrapOrtSession,
} from "./ort_common.ts";

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
      `onnxruntime-node could not be loaded (${errorText(e)}). It needs ` +
        "--allow-ffi and a prebuilt binary for this platform; use --backend wasm instead.",
    );
  }
  let session: OrtSessionLike;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: [...(options.nativeProviders ?? ["cpu"])],
      intraOpNumThreads: options.threads ?? navigator.hardwareConcurrency,
      graphOptimizationLevel: "all",
    }) as unknown as OrtSessionLike;
  } catch (e) {
    throw new ModelLoadError(label, e);
  }
  return wrapOrtSession(
    session,
    ort.Tensor as unknown as OrtTensorConstructor,
    "native",
    label,
  );
}
