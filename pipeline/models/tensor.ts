/**
 * The plain tensor type that crosses the boundary between oris and the
 * inference backends. Every backend's own tensor class is converted to and
 * from it, so pipeline code never depends on which runtime produced a value.
 *
 * @module
 */

/** Element types that oris exchanges with ONNX models. */
export type TensorType = "float32" | "int64" | "int32" | "uint8" | "bool";

/** Typed array that holds a tensor's elements, by element type. */
export interface TensorDataMap {
  /** 32-bit floats. */
  float32: Float32Array;
  /** 64-bit integers (token ids, label ids). */
  int64: BigInt64Array;
  /** 32-bit integers. */
  int32: Int32Array;
  /** Bytes. */
  uint8: Uint8Array;
  /** Booleans, one byte each (0 or 1). */
  bool: Uint8Array;
}

/** A dense, row-major tensor. */
export interface Tensor<T extends TensorType = TensorType> {
  /** Element type. */
  readonly type: T;
  /** Elements in row-major order; `data.length` equals the product of `dims`. */
  readonly data: TensorDataMap[T];
  /** Shape. */
  readonly dims: readonly number[];
}

/**
 * A float32 tensor whose elements stay in a WebGPU buffer (row-major from
 * byte 0; the buffer may be longer), given as input to a session running
 * on that buffer's device, so that nothing goes through host memory. See
 * {@linkcode deviceTensor}.
 */
export interface DeviceTensor {
  /** Element type. */
  readonly type: "float32";
  /** Shape. */
  readonly dims: readonly number[];
  /** The buffer holding the elements. */
  readonly gpuBuffer: GPUBuffer;
}

/**
 * A session output left on the GPU (see `SessionOptions.deviceOutputs`):
 * a {@linkcode DeviceTensor} whose buffer belongs to the session until
 * `release()`, which the caller must call once done with it.
 */
export interface DeviceOutput extends DeviceTensor {
  /** Gives the buffer back to the session; the tensor is unusable after. */
  release(): void;
}

/** Whether a session input or output is a {@linkcode DeviceTensor}. */
export function isDeviceTensor(
  value: Tensor | DeviceTensor,
): value is DeviceTensor {
  return "gpuBuffer" in value;
}

/**
 * A float32 tensor of shape `dims` held by `buffer`; throws a RangeError
 * when the buffer is too small or the shape is invalid.
 *
 * @example
 * ```ts
 * import { gpuContext, probeGpu } from "../../kernels/gpu_device.ts";
 *
 * if (await probeGpu()) { // a WebGPU adapter
 *   const { device } = await gpuContext();
 *   const n = 2; // views of n proposals, local and global
 *   const views = device.createBuffer({
 *     size: 2 * n * 3 * 224 * 224 * 4,
 *     usage: GPUBufferUsage.STORAGE,
 *   });
 *   const input = deviceTensor(views, [2 * n, 3, 224, 224]);
 *   // await session.run({ pixel_values: input }); a webgpu session on views' device
 *   views.destroy();
 * }
 * ```
 */
export function deviceTensor(
  buffer: GPUBuffer,
  dims: readonly number[],
): DeviceTensor {
  checkDims(dims);
  const bytes = elementCount(dims) * 4;
  if (buffer.size < bytes) {
    throw new RangeError(
      `A float32 tensor of shape [${dims}] needs ${bytes} bytes; the GPU buffer holds ${buffer.size}.`,
    );
  }
  return { type: "float32", dims: [...dims], gpuBuffer: buffer };
}

function checkDims(dims: readonly number[]): void {
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(
      `Tensor shape [${dims}] is invalid: every dimension must be a non-negative integer.`,
    );
  }
}

/** Number of elements of a tensor with the given shape. */
export function elementCount(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * d, 1);
}

/**
 * Creates a tensor, checking that the data length matches the shape.
 *
 * @example
 * ```ts
 * const t = tensor("float32", new Float32Array(6), [2, 3]);
 * ```
 */
export function tensor<T extends TensorType>(
  type: T,
  data: TensorDataMap[T],
  dims: readonly number[],
): Tensor<T> {
  checkDims(dims);
  const n = elementCount(dims);
  if (data.length !== n) {
    throw new RangeError(
      `Tensor data has ${data.length} elements but shape [${dims}] needs ${n}.`,
    );
  }
  return { type, data, dims: [...dims] };
}

/**
 * The arrays one after another in one new array.
 *
 * @example
 * ```ts
 * concatFloat32([Float32Array.of(1), Float32Array.of(2, 3)]); // Float32Array [1, 2, 3]
 * ```
 */
export function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
