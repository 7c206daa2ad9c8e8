/**
 * Where view kernels can write their views on the GPU.
 *
 * @module
 */

/**
 * Views left on the GPU instead of read back: N x 3 x size x size f32
 * written into `buffer` from byte `offset` (a multiple of 4), where a
 * model on the same device (onnxruntime-web's WebGPU backend) can take
 * them as its input. The buffer needs COPY_DST usage.
 */
export interface DeviceViews {
  /** The buffer the views go to. */
  readonly buffer: GPUBuffer;
  /** Byte offset of the first view. Default 0. */
  readonly offset?: number;
}
