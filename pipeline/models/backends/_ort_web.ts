/**
 * The `wasm` and `webgpu` backends, both on onnxruntime-web. The module is
 * imported only when a session is created, so importing oris stays cheap.
 *
 * @module
 */

import {
  BackendUnavailableError,
  type InferenceSession,
  type SessionOptions,
} from "../inference.ts";
import { type DeviceOutput, isDeviceTensor } from "../tensor.ts";
import { createOrtSession, type OrtModuleLike } from "./_ort_common.ts";

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

// Environments (one per onnxruntime-web bundle) already configured.
const configured = new WeakSet<object>();

/**
 * Creates an onnxruntime-web session on the wasm or WebGPU execution provider.
 *
 * Under Deno, `onnxruntime-web` (wasm) and `onnxruntime-web/webgpu` resolve
 * to two bundles, each with its own WebAssembly runtime and `env`. One
 * bundle for both would cost the wasm backend its faster runtime (the WebGPU
 * bundle's asyncify build adds about 50 µs to every run), so each keeps
 * its own. `threads` is applied before a bundle's first session only: the
 * runtime reads it once, when it starts.
 */
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
        "and libvulkan1, or a GPU driver with Vulkan). Use the wasm or native backend.",
    );
  }
  const ort = backend === "webgpu"
    ? await import("onnxruntime-web/webgpu")
    : await import("onnxruntime-web");
  if (!configured.has(ort.env)) {
    ort.env.wasm.numThreads = options.threads ?? 1;
    ort.env.logLevel = "error";
    configured.add(ort.env);
  }
  // A device of the caller's (oris's kernels) goes in the provider's
  // options; onnxruntime-web then runs on it and takes its buffers.
  const device = backend === "webgpu" ? options.gpuDevice : undefined;
  const provider = device ? { name: "webgpu", device } : backend;
  // Outputs for oris's kernels stay in the device's buffers.
  const deviceOutputs = device ? options.deviceOutputs ?? [] : [];
  const session = await createOrtSession(
    ort as unknown as OrtModuleLike,
    model,
    label,
    backend,
    {
      executionProviders: [provider],
      graphOptimizationLevel: "all",
      logSeverityLevel: 3, // errors only: no notes on node placement
      ...(deviceOutputs.length > 0
        ? {
          preferredOutputLocation: Object.fromEntries(
            deviceOutputs.map((name) => [name, "gpu-buffer"]),
          ),
        }
        : {}),
    },
    device,
    deviceOutputs,
  );
  return backend === "webgpu" ? oneRunAtATime(session) : session;
}

// The WebGPU bundle's runs, chained: one at a time across all its sessions.
let webGpuRuns: Promise<unknown> = Promise.resolve();

/**
 * The session with its runs queued behind every other run of the WebGPU
 * bundle. onnxruntime-web 1.30's WebGPU backend cannot overlap runs: two
 * runs of one session never settle, and runs of two sessions fail in
 * their output downloads. Queued, images in flight (see `inFlight`) still
 * overlap the kernels of one image with the model runs of another.
 */
function oneRunAtATime(session: InferenceSession): InferenceSession {
  const queued = <T>(run: () => Promise<T>): Promise<T> => {
    const next = webGpuRuns.then(run);
    webGpuRuns = next.catch(() => {});
    return next;
  };
  const { runOnDevice } = session;
  return {
    ...session,
    run: (feeds, outputNames) => queued(() => session.run(feeds, outputNames)),
    ...(runOnDevice
      ? {
        runOnDevice: async (feeds, outputNames) => {
          const out = await queued(() => runOnDevice(feeds, outputNames));
          for (const [name, t] of Object.entries(out)) {
            if (!isDeviceTensor(t)) continue;
            const release = (t as DeviceOutput).release;
            // Given back between runs, not in the middle of one.
            out[name] = {
              ...t,
              // A failed release (a lost device) has nothing left to free.
              release: () =>
                void queued(() => Promise.resolve(release())).catch(() => {}),
            };
          }
          return out;
        },
      } satisfies Pick<InferenceSession, "runOnDevice">
      : {}),
  };
}
