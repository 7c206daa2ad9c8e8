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

/**
 * A backend as a caller asks for it: one of {@linkcode BACKENDS}, or
 * `"auto"`: native where onnxruntime-node loads, wasm otherwise (webgpu
 * only when asked for by name).
 */
export type BackendChoice = BackendName | "auto";

/** Every backend a caller may ask for, in the order help texts list them. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", ...BACKENDS];

/**
 * Threads of the CPU backends as a caller asks for them: a count, `0` for
 * the runtime's own choice, or `"auto"`: one per core
 * (`navigator.hardwareConcurrency`).
 */
export type ThreadsChoice = number | "auto";

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
  /**
   * Backend to run on; `"auto"` resolves once per process (see
   * `resolveBackend`). Default `DEFAULTS.backend`.
   */
  backend?: BackendChoice;
  /** Where the model came from, used in error messages. Default `"model"`. */
  label?: string;
  /**
   * Threads for the CPU backends (see {@linkcode ThreadsChoice}). wasm:
   * onnxruntime-web's global thread count, set before its first session
   * only (the runtime reads it once, when it starts). native: intra-op
   * threads of each session. Default `DEFAULTS.threads`: one per core.
   */
  threads?: ThreadsChoice;
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
  /** The backend that is not available. */
  readonly backend: BackendName;
  /** Why, and what to do, e.g. "no permission to load native code: run with --allow-ffi, ...". */
  readonly reason: string;

  /** Creates the error for `backend`, with the reason and what to do. */
  constructor(backend: BackendName, reason: string, options?: ErrorOptions) {
    super(`The ${backend} backend is not available: ${reason}`, options);
    this.name = "BackendUnavailableError";
    this.backend = backend;
    this.reason = reason;
  }
}
