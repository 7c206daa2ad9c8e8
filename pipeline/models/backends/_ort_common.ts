/**
 * Adapts an ONNX Runtime JavaScript session (onnxruntime-web or
 * onnxruntime-node, which share one API) to oris's
 * {@linkcode InferenceSession}.
 *
 * @module
 */

import {
  type BackendName,
  BackendUnavailableError,
  type InferenceSession,
  ModelLoadError,
  type ValueInfo,
} from "../inference.ts";
import {
  type DeviceOutput,
  type DeviceTensor,
  isDeviceTensor,
  type Tensor,
} from "../tensor.ts";
import { describeError } from "../transfer.ts";
import { assertDeviceAlive, lostReason, watchDevice } from "../device_lost.ts";

/** The parts of an ONNX Runtime tensor oris reads. */
interface OrtTensorLike {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
  /** Where the data is: "gpu-buffer" for outputs left on the device. */
  readonly location?: string;
  readonly gpuBuffer?: GPUBuffer;
  getData?(releaseData?: boolean): Promise<unknown>;
  dispose?(): void;
}

/** The parts of an ONNX Runtime session oris uses. */
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadata[];
  readonly outputMetadata?: readonly OrtValueMetadata[];
  run(
    feeds: Record<string, unknown>,
    fetches?: readonly string[],
  ): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

/** Metadata of one session input or output, as ONNX Runtime reports it. */
interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: readonly (number | string)[];
}

/** The tensor class of an ONNX Runtime module. */
export type OrtTensorConstructor =
  & (new (
    type: string,
    data: unknown,
    dims: readonly number[],
  ) => OrtTensorLike)
  & {
    /** A tensor over a WebGPU buffer (onnxruntime-web only). */
    fromGpuBuffer?(
      buffer: GPUBuffer,
      options: { dataType: string; dims: readonly number[] },
    ): OrtTensorLike;
  };

function toValueInfo(
  names: readonly string[],
  metadata: readonly OrtValueMetadata[] | undefined,
): ValueInfo[] {
  return names.map((name) => {
    const m = metadata?.find((v) => v.name === name);
    return {
      name,
      type: m?.isTensor ? m.type ?? "unknown" : "unknown",
      shape: m?.isTensor ? [...(m.shape ?? [])] : [],
    };
  });
}

/**
 * The ONNX Runtime tensor of one input: over the GPU buffer of a
 * {@linkcode DeviceTensor}, which only a session on that buffer's device
 * takes, else over the host array.
 */
function ortInput(
  t: Tensor | DeviceTensor,
  name: string,
  OrtTensor: OrtTensorConstructor,
  gpuDevice: GPUDevice | undefined,
  label: string,
): OrtTensorLike {
  if (!isDeviceTensor(t)) return new OrtTensor(t.type, t.data, t.dims);
  if (!gpuDevice || !OrtTensor.fromGpuBuffer) {
    throw new TypeError(
      `The input "${name}" of ${label} is a GPU buffer, but this session does not run on a given WebGPU device: create it with the webgpu backend and gpuDevice, or pass a host tensor.`,
    );
  }
  return OrtTensor.fromGpuBuffer(t.gpuBuffer, {
    dataType: t.type,
    dims: t.dims,
  });
}

/** An output on the host; one left on the GPU is downloaded and released. */
async function hostOutput(t: OrtTensorLike): Promise<Tensor> {
  const data = t.location === "gpu-buffer" && t.getData
    ? await t.getData(true)
    : t.data;
  return { type: t.type, data, dims: [...t.dims] } as Tensor;
}

/** An output left on the GPU, handed over until its `release()`. */
function deviceOutput(t: OrtTensorLike): DeviceOutput {
  return {
    type: "float32",
    dims: [...t.dims],
    gpuBuffer: t.gpuBuffer!,
    release: () => t.dispose?.(),
  };
}

/**
 * A run's outputs as oris's tensors: those ONNX Runtime left on the GPU
 * stay there as {@linkcode DeviceOutput}s when `keepOnDevice`, else come
 * to the host. If one fails, every output still on the GPU goes back to
 * the session (the caller gets none of them) and the error is rethrown.
 */
async function sessionOutputs(
  result: Record<string, OrtTensorLike>,
  keepOnDevice: boolean,
): Promise<Record<string, Tensor | DeviceOutput>> {
  const out: Record<string, Tensor | DeviceOutput> = {};
  try {
    for (const [name, t] of Object.entries(result)) {
      out[name] = keepOnDevice && t.location === "gpu-buffer"
        ? deviceOutput(t)
        : await hostOutput(t);
    }
    return out;
  } catch (e) {
    for (const t of Object.values(result)) {
      if (t.location === "gpu-buffer") t.dispose?.();
    }
    throw e;
  }
}

/**
 * Checks that the outputs asked to stay on the device exist and are
 * float32; throws a RangeError naming the model's outputs otherwise.
 */
export function checkDeviceOutputs(
  names: readonly string[],
  outputs: readonly ValueInfo[],
  label: string,
): void {
  for (const name of names) {
    const output = outputs.find((o) => o.name === name);
    if (!output || output.type !== "float32") {
      throw new RangeError(
        `The output "${name}" of ${label} cannot stay on the GPU: ${
          output
            ? `it is ${output.type}, and only float32 outputs can`
            : `the model has no such output (outputs: ${
              outputs.map((o) => o.name).join(", ")
            })`
        }.`,
      );
    }
  }
}

/**
 * Wraps an ONNX Runtime session so it speaks oris's plain tensors; a
 * session running on a caller's WebGPU device (`gpuDevice`) also takes
 * {@linkcode DeviceTensor} inputs and, when created with
 * `preferredOutputLocation` "gpu-buffer" for `deviceOutputs`, offers
 * `runOnDevice`, which leaves those outputs there.
 */
export function wrapOrtSession(
  session: OrtSessionLike,
  OrtTensor: OrtTensorConstructor,
  backend: BackendName,
  label: string,
  gpuDevice?: GPUDevice,
  deviceOutputs: readonly string[] = [],
): InferenceSession {
  const inputs = toValueInfo(session.inputNames, session.inputMetadata);
  const outputs = toValueInfo(session.outputNames, session.outputMetadata);
  if (gpuDevice) watchDevice(gpuDevice);
  const runOrt = async (
    feeds: Record<string, Tensor | DeviceTensor>,
    outputNames?: readonly string[],
  ) => {
    if (gpuDevice) assertDeviceAlive(gpuDevice);
    const ortFeeds: Record<string, OrtTensorLike> = {};
    for (const [name, t] of Object.entries(feeds)) {
      if (!session.inputNames.includes(name)) {
        throw new RangeError(
          `The model ${label} has no input "${name}" (inputs: ${
            session.inputNames.join(", ")
          }).`,
        );
      }
      ortFeeds[name] = ortInput(t, name, OrtTensor, gpuDevice, label);
    }
    try {
      return await session.run(ortFeeds, outputNames);
    } catch (e) {
      throw new Error(
        `Running the model ${label} on the ${backend} backend failed: ${
          describeError(e)
        }`,
        { cause: e },
      );
    }
  };
  return {
    backend,
    label,
    inputs,
    outputs,
    ...(gpuDevice ? { gpuDevice } : {}),
    ...(gpuDevice && deviceOutputs.length > 0
      ? {
        async runOnDevice(feeds, outputNames) {
          return await sessionOutputs(await runOrt(feeds, outputNames), true);
        },
      } satisfies Pick<InferenceSession, "runOnDevice">
      : {}),
    async run(feeds, outputNames) {
      // Without keepOnDevice every output is a host tensor.
      return await sessionOutputs(
        await runOrt(feeds, outputNames),
        false,
      ) as Record<string, Tensor>;
    },
    async release() {
      try {
        await session.release();
      } catch (e) {
        // A session on a lost device cannot free what the device held.
        if (!(gpuDevice && lostReason(gpuDevice) !== undefined)) throw e;
      }
    },
  };
}

/** The parts of an ONNX Runtime module (onnxruntime-web or -node) oris uses. */
export interface OrtModuleLike {
  /** The session class. */
  readonly InferenceSession: {
    create(model: Uint8Array | string, options: object): Promise<unknown>;
  };
  /** The tensor class. */
  readonly Tensor: unknown;
}

// Failures of the runtime to start rather than of the model to parse:
// Deno's permission errors, and onnxruntime-web finding no backend that
// initialises ("no available backend found. ERR: [wasm] ...").
const UNAVAILABLE =
  /no available backend|NotCapable|PermissionDenied|Requires \w+ access/i;
const ACCESS = /Requires (\w+) access to "([^"]+)"/;

/**
 * Turns a failed `InferenceSession.create` into the error to show: a
 * {@linkcode BackendUnavailableError} naming the permission to grant when
 * the runtime could not start, else a {@linkcode ModelLoadError} (the model
 * did not parse).
 */
export function sessionCreateError(
  backend: BackendName,
  label: string,
  cause: unknown,
): Error {
  const text = describeError(cause);
  if (!UNAVAILABLE.test(text)) return new ModelLoadError(label, cause);
  const access = ACCESS.exec(text);
  if (access) {
    const [, kind, path] = access;
    const slash = path.lastIndexOf("/");
    const folder = slash > 0 ? path.slice(0, slash) : path;
    return new BackendUnavailableError(
      backend,
      `the runtime needs --allow-${kind} for ${path}, to load ${label} ` +
        `(onnxruntime-web reads its WebAssembly files from its package). ` +
        `Run with --allow-${kind}=${folder} (or --allow-${kind}), or use ` +
        `another backend`,
      { cause },
    );
  }
  return new BackendUnavailableError(
    backend,
    `the runtime could not start to load ${label} (${text}). Check the ` +
      "permissions it needs (--allow-read for onnxruntime-web's .wasm " +
      "files, --allow-ffi for native), or use another backend",
    { cause },
  );
}

/**
 * Creates an ONNX Runtime session from model bytes and wraps it for oris.
 *
 * @throws {BackendUnavailableError} when the runtime cannot start (a missing
 *   permission, no usable backend).
 * @throws {ModelLoadError} when the model does not parse.
 */
export async function createOrtSession(
  ort: OrtModuleLike,
  model: Uint8Array | string,
  label: string,
  backend: BackendName,
  sessionOptions: object,
  gpuDevice?: GPUDevice,
  deviceOutputs: readonly string[] = [],
): Promise<InferenceSession> {
  let session: OrtSessionLike;
  try {
    session = await ort.InferenceSession.create(
      model,
      sessionOptions,
    ) as OrtSessionLike;
  } catch (e) {
    throw sessionCreateError(backend, label, e);
  }
  const wrapped = wrapOrtSession(
    session,
    ort.Tensor as OrtTensorConstructor,
    backend,
    label,
    gpuDevice,
    deviceOutputs,
  );
  try {
    checkDeviceOutputs(deviceOutputs, wrapped.outputs, label);
  } catch (e) {
    await wrapped.release();
    throw e;
  }
  return wrapped;
}
