/**
 * One small interface over ONNX Runtime sessions, whatever the backend:
 * `wasm` (onnxruntime-web, runs everywhere), `webgpu` (onnxruntime-web's
 * WebGPU execution provider) and `native` (onnxruntime-node, loaded lazily
 * and only when asked for).
 *
 * @module
 */

import type {
  DeviceOutput,
  DeviceTensor,
  Tensor,
  TensorType,
} from "./tensor.ts";
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
        "The file may be truncated or corrupt: run `deno task models verify` " +
        "and fetch it again with `deno task models pull`.",
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

/**
 * Parses a backend name from user input.
 *
 * @example
 * ```ts
 * parseBackend("native"); // "native"
 * ```
 */
export function parseBackend(value: string): BackendName {
  const v = value.trim().toLowerCase();
  if ((BACKENDS as readonly string[]).includes(v)) return v as BackendName;
  throw new RangeError(
    `Unknown backend "${value}": use one of ${BACKENDS.join(", ")}.`,
  );
}

/**
 * Loads an ONNX model from its bytes on the chosen backend.
 *
 * @example
 * ```ts
 * const bytes = await Deno.readFile("model.onnx");
 * const session = await createSession(bytes, { backend: "wasm", label: "model.onnx" });
 * const out = await session.run({ x: tensor("float32", new Float32Array(4), [1, 4]) });
 * await session.release();
 * ```
 */
export async function createSession(
  model: Uint8Array,
  options: SessionOptions = {},
): Promise<InferenceSession> {
  const backend = options.backend ?? "wasm";
  const label = options.label ?? "model";
  if (options.gpuDevice && backend !== "webgpu") {
    throw new RangeError(
      `A GPU device was given for the ${backend} backend of ${label}; only the webgpu backend runs on one. Use --backend webgpu or drop the device.`,
    );
  }
  if (options.deviceOutputs?.length && !options.gpuDevice) {
    throw new RangeError(
      `Outputs of ${label} (${
        options.deviceOutputs.join(", ")
      }) were asked to stay on the GPU, but no GPU device was given: pass gpuDevice with the webgpu backend, or drop deviceOutputs.`,
    );
  }
  if (backend === "native") {
    const { createNativeSession } = await import("./backends/ort_native.ts");
    return await createNativeSession(model, label, options);
  }
  const { createWebSession } = await import("./backends/ort_web.ts");
  return await createWebSession(model, label, backend, options);
}

/** One input or output a model must have: its name, element type and rank. */
export interface ValueSignature {
  /** Name in the model graph. */
  readonly name: string;
  /** Element type. */
  readonly type: TensorType;
  /** Number of dimensions. */
  readonly rank: number;
}

/** What a model must look like: input and output names with their types and ranks. */
export interface SessionSignature {
  /** Inputs the model must have (it may have more). */
  inputs: readonly ValueSignature[];
  /** Outputs the model must have (it may have more). */
  outputs: readonly ValueSignature[];
}

/** Thrown when a model's inputs or outputs are not the ones oris expects. */
export class ModelSignatureError extends Error {
  /** Creates the error for the model `label` with the list of mismatches. */
  constructor(label: string, problems: readonly string[]) {
    super(
      `The ONNX model ${label} does not have the inputs/outputs oris expects: ` +
        `${problems.join("; ")}. Use a model exported in the same layout ` +
        "(see README, Models), or check --clip/--sam.",
    );
    this.name = "ModelSignatureError";
  }
}

/**
 * Lists how `actual` differs from `expected` (missing names, wrong element
 * type or rank); empty when it matches. Extra inputs/outputs are allowed.
 */
export function signatureProblems(
  actual: { inputs: readonly ValueInfo[]; outputs: readonly ValueInfo[] },
  expected: SessionSignature,
): string[] {
  const problems: string[] = [];
  const check = (
    kind: "input" | "output",
    have: readonly ValueInfo[],
    want: SessionSignature["inputs"],
  ) => {
    for (const w of want) {
      const h = have.find((v) => v.name === w.name);
      if (!h) {
        problems.push(
          `missing ${kind} "${w.name}" (it has ${
            have.map((v) => `"${v.name}"`).join(", ") || "none"
          })`,
        );
        continue;
      }
      if (h.type !== w.type) {
        problems.push(`${kind} "${w.name}" is ${h.type}, expected ${w.type}`);
      }
      if (h.shape.length !== w.rank) {
        problems.push(
          `${kind} "${w.name}" has shape [${h.shape}], expected rank ${w.rank}`,
        );
      }
    }
  };
  check("input", actual.inputs, expected.inputs);
  check("output", actual.outputs, expected.outputs);
  return problems;
}

/** Throws {@linkcode ModelSignatureError} unless `session` matches `expected`. */
export function assertSignature(
  session: InferenceSession,
  expected: SessionSignature,
): void {
  const problems = signatureProblems(session, expected);
  if (problems.length > 0) {
    throw new ModelSignatureError(session.label, problems);
  }
}
