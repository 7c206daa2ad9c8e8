/**
 * The `wasm` and `webgpu` backends, both on onnxruntime-web. The module is
 * imported only when a session is created, so importing oris stays cheap.
 *
 * @module
 */

import {
  BackendUnavailableError,
  type InferenceSession,
  ModelLoadError,
  type SessionOptions,
} from "../session.ts";
import {
  type OrtSessionLike,
  type OrtTensorConstructor,
  wrapOrtSession,
} from "./ort_common.ts";

/** Whether this runtime exposes a WebGPU adapter at all. */
export async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

/** Creates an onnxruntime-web session on the wasm or WebGPU execution provider. */
export async function createWebSession(
  model: Uint8Array,
  label: string,
  backend: "wasm" | "webgpu",
  options: SessionOptions,
): Promise<InferenceSession> {
  if (backend === "webgpu" && !(await hasWebGpuAdapter())) {
    throw new BackendUnavailableError(
      "webgpu",
      "this runtime has no WebGPU adapter (on Linux install mesa-vulkan-drivers " +
        "and libvulkan1, or a GPU driver with Vulkan). Use --backend wasm or native.",
    );
  }
  const ort = backend === "webgpu"
    ? await import("onnxruntime-web/webgpu")
    : await import("onnxruntime-web");
  // The thread count is global to onnxruntime-web and read at its first session.
  ort.env.wasm.numThreads = options.threads ?? 1;
  ort.env.logLevel = "error";
  let session: OrtSessionLike;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: [backend],
      graphOptimizationLevel: "all",
    }) as unknown as OrtSessionLike;
  } catch (e) {
    throw new ModelLoadError(label, e);
  }
  return wrapOrtSession(
    session,
    ort.Tensor as unknown as OrtTensorConstructor,
    backend,
    label,
  );
}
