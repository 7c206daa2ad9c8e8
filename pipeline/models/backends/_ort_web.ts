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
import { growWasmMemory } from "./_wasm_memory.ts";

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

/**
 * The folder onnxruntime-web's bundle for `backend` reads its `.wasm`
 * files from; undefined where the runtime cannot tell (a browser's
 * bundler).
 */
function runtimeFolder(backend: "wasm" | "webgpu"): string | undefined {
  try {
    const url = new URL(
      ".",
      backend === "webgpu"
        ? import.meta.resolve("onnxruntime-web/webgpu")
        : import.meta.resolve("onnxruntime-web"),
    );
    return url.protocol === "file:"
      ? decodeURIComponent(url.pathname).replace(/\/$/, "")
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Under Deno, throws {@linkcode BackendUnavailableError} unless
 * onnxruntime-web may read its package's folder (asking the user where
 * Deno prompts). Checked before the runtime starts: a threaded runtime
 * that fails to read its `.wasm` leaves its worker threads behind, and
 * they keep the process alive after the error.
 */
async function checkRuntimeReadable(
  backend: "wasm" | "webgpu",
  label: string,
): Promise<void> {
  const permissions = (globalThis as { Deno?: typeof Deno }).Deno?.permissions;
  const folder = runtimeFolder(backend);
  if (!permissions || folder === undefined) return;
  const read = { name: "read", path: folder } as const;
  let { state } = await permissions.query(read);
  if (state === "prompt") ({ state } = await permissions.request(read));
  if (state === "granted") return;
  throw new BackendUnavailableError(
    backend,
    `the runtime needs --allow-read for ${folder}, to load ${label} ` +
      "(onnxruntime-web reads its WebAssembly files from its package). " +
      `Run with --allow-read=${folder} (or --allow-read), or use another backend`,
  );
}

// Environments (one per onnxruntime-web bundle) already configured, each
// with what its first session waits for.
const configured = new WeakMap<object, Promise<void>>();

/**
 * Creates an onnxruntime-web session on the wasm or WebGPU execution provider.
 *
 * Under Deno, `onnxruntime-web` (wasm) and `onnxruntime-web/webgpu` resolve
 * to two bundles, each with its own WebAssembly runtime and `env`. One
 * bundle for both would cost the wasm backend its faster runtime (the WebGPU
 * bundle's asyncify build adds about 50 µs to every run), so each keeps
 * its own. `threads` (resolved by the caller; 0: onnxruntime-web's own
 * choice) is applied before a bundle's first session only: the runtime
 * reads it once, when it starts, so the first session's count holds for
 * the process. Under Deno the wasm bundle runs its threads in workers
 * (SharedArrayBuffer is there without cross-origin isolation); the
 * WebGPU bundle runs on one (see `resolveThreads`).
 */
export async function createWebSession(
  model: Uint8Array,
  label: string,
  backend: "wasm" | "webgpu",
  options: SessionOptions & { threads: number },
): Promise<InferenceSession> {
  if (backend === "webgpu" && !(await hasWebGpuAdapter())) {
    throw new BackendUnavailableError(
      "webgpu",
      "this runtime has no WebGPU adapter (on Linux install mesa-vulkan-drivers " +
        "and libvulkan1, or a GPU driver with Vulkan). Use the wasm or native backend.",
    );
  }
  await checkRuntimeReadable(backend, label);
  const ort = backend === "webgpu"
    ? await import("onnxruntime-web/webgpu")
    : await import("onnxruntime-web");
  if (!configured.has(ort.env)) {
    ort.env.wasm.numThreads = options.threads;
    ort.env.logLevel = "error";
    configured.set(
      ort.env,
      // Threaded wasm: the memory grown before any model runs (see
      // _wasm_memory.ts).
      backend === "wasm" && options.threads !== 1
        ? growWasmMemory((bytes) =>
          createOrtSession(
            ort as unknown as OrtModuleLike,
            bytes,
            "the memory warm-up model",
            backend,
            { executionProviders: ["wasm"], logSeverityLevel: 3 },
          )
        ).catch(() => {
          // Best effort: a runtime that cannot start says so at the
          // caller's own session, with the caller's model named.
        })
        : Promise.resolve(),
    );
  }
  await configured.get(ort.env);
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
