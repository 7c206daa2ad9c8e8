/**
 * The contract every inference backend implements: backend names, the
 * session interface and its options, and the errors of loading a model.
 * Backends import this file; {@link createSession} in `session.ts` picks one.
 *
 * @module
 */

import type { DeviceOutput, DeviceTensor, Tensor } from "./tensor.ts";
import { describeError } from "./transfer.ts";

/** The inference backends oris can run models on. */
export type BackendName = "wasm" | "webgpu" | "native";

/** All backend names, in the order help texts list them. */
export const BACKENDS: readonly BackendName[] = ["wasm", "webgpu", "native"];

/** Name, element type and shape (numbers or symbolic names) of a model input or output. */
export interface ValueInfo {
  /** Name in the model graph, e.g. `"pixel_values"`. */
  readonly name: string;
  /** Element type as ONNX Runtime names it (`"float32"`, `"int64"`...), `"unknown"` for non-tensors. */
  readonly type: string;
  /** Dimensions: sizes, or names for symbolic ones such as `"batch"`. */
  readonly shape: readonly (number | string)[];
}

/** A loaded model, ready to run. Create once and reuse: loading is costly. */
export interface InferenceSession {
  /** Backend the session runs on. */
  readonly backend: BackendName;
  /** Where the model came from, for error messages (e.g. "Xenova/clip-vit-base-patch32/onnx/vision_model.onnx"). */
  readonly label: string;
  /** The model's inputs. */
  readonly inputs: readonly ValueInfo[];
  /** The model's outputs. */
  readonly outputs: readonly ValueInfo[];
  /**
   * The WebGPU device whose buffers this session takes as inputs
   * ({@linkcode DeviceTensor}); set only for a `webgpu` session created
   * with {@linkcode SessionOptions.gpuDevice}.
   */
  readonly gpuDevice?: GPUDevice;
  /**
   * Runs the model; returns every output, or those named in `outputNames`.
   * A {@linkcode DeviceTensor} input needs a session with `gpuDevice`, on
   * the same device.
   */
  run(
    feeds: Record<string, Tensor | DeviceTensor>,
    outputNames?: readonly string[],
  ): Promise<Record<string, Tensor>>;
  /**
   * Runs the model like `run`, but leaves the outputs named in
   * {@linkcode SessionOptions.deviceOutputs} on the GPU as
   * {@linkcode DeviceOutput}s (release each once done); the others come
   * to the host. Only on sessions created with `deviceOutputs`.
   */
  runOnDevice?(
    feeds: Record<string, Tensor | DeviceTensor>,
    outputNames?: readonly string[],
  ): Promise<Record<string, Tensor | DeviceOutput>>;
  /** Frees the session's memory. */
  release(): Promise<void>;
}

/** Options for {@linkcode createSession}. */
export interface SessionOptions {
  /** Backend to run on. Default `"wasm"`. */
  backend?: BackendName;
  /** Where the model came from, used in error messages. Default `"model"`. */
  label?: string;
  /**
   * Threads for the CPU backends. wasm: sets onnxruntime-web's global thread
   * count before its first session (default 1). native: intra-op threads
   * (default: the number of cores).
   */
  threads?: number;
  /**
   * A WebGPU device for the `webgpu` backend to run on instead of one of
   * its own, so that the session can take inputs left on that device by
   * oris's kernels ({@linkcode DeviceTensor}). Other backends refuse it.
   */
  gpuDevice?: GPUDevice;
  /**
   * float32 outputs that a session on `gpuDevice` leaves on the device for
   * `runOnDevice` (such as SAM's mask logits, which oris's kernels decode
   * there); `run` still brings them to the host.
   */
  deviceOutputs?: readonly string[];
  /** Execution providers for the native backend, in order of preference. Default `["cpu"]`. */
  nativeProviders?: readonly string[];
}

/**
 * Thrown when the runtime cannot parse a model's bytes (a backend that
 * cannot start throws {@linkcode BackendUnavailableError} instead).
 */
export class ModelLoadError extends Error {
  /** Creates the error for the model `label`. */
  constructor(label: string, cause: unknown) {
    super(
      `Could not load the ONNX model ${label}: ${describeError(cause)}. ` +
        "The file may be truncated or corrupt: check it against its " +
        "recorded hash and fetch it again.",
      { cause },
    );
    this.name = "ModelLoadError";
  }
}

/**
 * Thrown when a backend is not usable here: no GPU adapter, no native
 * binary, or a permission the runtime needs (such as `--allow-read` for
 * onnxruntime-web's `.wasm` files) is missing.
 */
export class BackendUnavailableError extends Error {
  /** Creates the error for `backend`, with the reason and what to do. */
  constructor(backend: BackendName, reason: string, options?: ErrorOptions) {
    super(`The ${backend} backend is not available: ${reason}`, options);
    this.name = "BackendUnavailableError";
  }
}
