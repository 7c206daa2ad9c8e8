/**
 * Loss of a WebGPU device that model sessions run on. A lost device (a
 * driver reset, `destroy()`) takes its sessions with it: their runs would
 * fail with errors from deep inside ONNX Runtime, so oris checks first and
 * says what happened and what to do.
 *
 * @module
 */

const lost = new WeakMap<GPUDevice, string>();
const watched = new WeakSet<GPUDevice>();

/** Thrown when the WebGPU device that models (and kernels) ran on was lost. */
export class GpuDeviceLostError extends Error {
  /** Creates the error for a device lost for `reason`. */
  constructor(reason: string) {
    super(
      `The WebGPU device the models ran on was lost (${reason}): create the segmenter (or session) again.`,
    );
    this.name = "GpuDeviceLostError";
  }
}

/** Starts noting when `device` is lost (once per device). */
export function watchDevice(device: GPUDevice): void {
  if (watched.has(device)) return;
  watched.add(device);
  device.lost.then((info) => {
    lost.set(device, info.message || info.reason || "no reason given");
  });
}

/** Why `device` was lost, or undefined while it works (see {@linkcode watchDevice}). */
export function lostReason(device: GPUDevice): string | undefined {
  return lost.get(device);
}

/** Throws {@linkcode GpuDeviceLostError} when `device` was lost. */
export function assertDeviceAlive(device: GPUDevice): void {
  const reason = lost.get(device);
  if (reason !== undefined) throw new GpuDeviceLostError(reason);
}
