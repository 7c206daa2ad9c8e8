/**
 * The process's one WebGPU device, opened lazily: its adapter's
 * description, a cache of compiled compute pipelines (each kernel is
 * compiled once) and a pool of buffers that the kernels reuse from call to
 * call. Nothing here touches the GPU until {@linkcode gpuContext} is
 * called, so the module loads where WebGPU is absent.
 *
 * @module
 */

/** Raised when WebGPU or a usable adapter is missing; says what to install. */
export class WebGpuUnavailableError extends Error {
  /** Creates the error with its explanation. */
  constructor(message: string) {
    super(message);
    this.name = "WebGpuUnavailableError";
  }
}

/** Raised when the GPU rejects a kernel (shader, pipeline or dispatch). */
export class GpuKernelError extends Error {
  /** Creates the error with its explanation. */
  constructor(message: string) {
    super(message);
    this.name = "GpuKernelError";
  }
}

/** What the kernels report about the adapter they run on. */
export interface GpuAdapterSummary {
  /** The adapter's description, e.g. "NVIDIA H100 80GB HBM3" or "llvmpipe (LLVM 15.0.6, 256 bits)". */
  readonly name: string;
  /** Vendor id or name as the adapter reports it. */
  readonly vendor: string;
  /**
   * Whether it is a fallback adapter: a software rasteriser such as
   * lavapipe (correct but slower than the CPU twins).
   */
  readonly isFallbackAdapter: boolean;
}

const INSTALL_HINT =
  'install a Vulkan driver (Debian/Ubuntu: `apt-get install mesa-vulkan-drivers libvulkan1` gives the CPU adapter lavapipe; on an NVIDIA host put libvulkan.so.1 on LD_LIBRARY_PATH and set DENO_WEBGPU_BACKEND=vulkan), or use the CPU kernels (device "cpu")';

/** Finds the WebGPU entry point, or explains why there is none. */
function gpuApi(): GPU {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) {
    throw new WebGpuUnavailableError(
      'WebGPU is not available in this runtime (navigator.gpu is undefined): use Deno 2 or a browser with WebGPU, or use the CPU kernels (device "cpu").',
    );
  }
  return gpu;
}

function summarise(adapter: GPUAdapter): GpuAdapterSummary {
  const info = adapter.info as GPUAdapterInfo & {
    isFallbackAdapter?: boolean;
  };
  const legacy = (adapter as { isFallbackAdapter?: boolean })
    .isFallbackAdapter;
  const name = info.description ||
    [info.vendor, info.architecture, info.device].filter((s) => s).join(" ") ||
    "unnamed adapter";
  return {
    name,
    vendor: info.vendor ?? "",
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? legacy),
  };
}

/**
 * The adapter WebGPU would give, without opening a device; null when
 * WebGPU is missing or finds no adapter. Never throws.
 *
 * @example
 * ```ts
 * const adapter = await probeGpu();
 * console.log(adapter?.name ?? "no GPU");
 * ```
 */
export async function probeGpu(): Promise<GpuAdapterSummary | null> {
  try {
    if (current) return (await current).adapter;
    const adapter = await gpuApi().requestAdapter({
      powerPreference: "high-performance",
    });
    return adapter ? summarise(adapter) : null;
  } catch {
    return null;
  }
}

/** Usage flags of the buffers the kernels use. */
export type BufferRole = "storage" | "uniform" | "readback";

/**
 * A pool of GPU buffers by role and size: {@linkcode BufferPool.acquire}
 * returns a free buffer at least as large as asked (at most twice), or a
 * new one; {@linkcode BufferPool.release} returns it for the next call.
 */
export class BufferPool {
  #device: GPUDevice;
  #free: Map<BufferRole, GPUBuffer[]> = new Map();
  #freeBytes = 0;
  #maxFreeBytes: number;

  /** A pool on `device` that keeps at most `maxFreeBytes` of idle buffers. */
  constructor(device: GPUDevice, maxFreeBytes = 1 << 30) {
    this.#device = device;
    this.#maxFreeBytes = maxFreeBytes;
  }

  /** A buffer of at least `size` bytes (rounded up to a multiple of 256). */
  acquire(role: BufferRole, size: number): GPUBuffer {
    const want = Math.max(256, Math.ceil(size / 256) * 256);
    const list = this.#free.get(role) ?? [];
    let best = -1;
    for (let i = 0; i < list.length; i++) {
      const s = list[i].size;
      if (s >= want && s <= 2 * want && (best < 0 || s < list[best].size)) {
        best = i;
      }
    }
    if (best >= 0) {
      const [buffer] = list.splice(best, 1);
      this.#freeBytes -= buffer.size;
      return buffer;
    }
    return this.#device.createBuffer({
      size: want,
      usage: role === "storage"
        ? GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST |
          GPUBufferUsage.COPY_SRC
        : role === "uniform"
        ? GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST
        : GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  /** Returns buffers to the pool; the oldest idle ones go when it is full. */
  release(role: BufferRole, ...buffers: GPUBuffer[]): void {
    let list = this.#free.get(role);
    if (!list) this.#free.set(role, list = []);
    for (const b of buffers) {
      list.push(b);
      this.#freeBytes += b.size;
    }
    while (this.#freeBytes > this.#maxFreeBytes) {
      const oldest = [...this.#free.values()].find((l) => l.length > 0);
      const b = oldest?.shift();
      if (!b) break;
      this.#freeBytes -= b.size;
      b.destroy();
    }
  }

  /** Destroys every idle buffer. */
  clear(): void {
    for (const list of this.#free.values()) {
      for (const b of list) b.destroy();
      list.length = 0;
    }
    this.#freeBytes = 0;
  }
}

/** The device, its pipelines and buffers, shared by every GPU kernel. */
export interface GpuContext {
  /** The device. */
  readonly device: GPUDevice;
  /** The adapter it was opened on. */
  readonly adapter: GpuAdapterSummary;
  /**
   * Largest storage binding a kernel may use, in bytes; kernels split
   * bigger batches into chunks dispatched in the same submit.
   */
  readonly maxBindingBytes: number;
  /** Largest buffer, in bytes (the readback of one call must fit). */
  readonly maxBufferBytes: number;
  /** Reusable buffers. */
  readonly buffers: BufferPool;
  /** The compute pipeline of `code`'s `entryPoint`, compiled on first use. */
  pipeline(code: string, entryPoint: string): Promise<GPUComputePipeline>;
}

let current: Promise<GpuContext> | undefined;

async function openContext(): Promise<GpuContext> {
  const gpu = gpuApi();
  const adapter = await gpu.requestAdapter({
    powerPreference: "high-performance",
  });
  if (!adapter) {
    throw new WebGpuUnavailableError(
      `WebGPU found no adapter: ${INSTALL_HINT}.`,
    );
  }
  const summary = summarise(adapter);
  const device = await adapter.requestDevice(deviceRequest(adapter));
  const pipelines = new Map<string, Promise<GPUComputePipeline>>();
  const context: GpuContext = {
    device,
    adapter: summary,
    maxBindingBytes: Math.min(
      device.limits.maxStorageBufferBindingSize,
      device.limits.maxBufferSize,
    ),
    maxBufferBytes: device.limits.maxBufferSize,
    buffers: new BufferPool(device),
    pipeline(code, entryPoint) {
      const key = `${entryPoint}\u0000${code}`;
      let p = pipelines.get(key);
      if (!p) {
        p = compile(device, code, entryPoint);
        pipelines.set(key, p);
        p.catch(() => pipelines.delete(key));
      }
      return p;
    },
  };
  device.lost.then(() => {
    if (current && context === settled) current = undefined;
  });
  settled = context;
  return context;
}

let settled: GpuContext | undefined;

/**
 * Features the device asks for when the adapter has them: onnxruntime-web
 * runs fp16 models only with shader-f16, and uses the others where present
 * (the device is shared with the webgpu sessions).
 */
const SHARED_FEATURES: readonly GPUFeatureName[] = [
  "shader-f16",
  "subgroups" as GPUFeatureName,
  "timestamp-query",
];

/** Limits raised to the adapter's maximum: the kernels' buffers, and what ONNX Runtime's shaders may use. */
const RAISED_LIMITS = [
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxStorageBuffersPerShaderStage",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupSizeZ",
  "maxComputeWorkgroupsPerDimension",
  "maxBindGroups",
] as const;

/**
 * What to ask of `adapter` for the shared device: the features of
 * {@linkcode SHARED_FEATURES} it has, and its largest buffers and compute
 * limits, so that a model session on the device can do all it could do on
 * a device of its own.
 */
export function deviceRequest(adapter: GPUAdapter): GPUDeviceDescriptor {
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
  return {
    requiredFeatures: SHARED_FEATURES.filter((f) => adapter.features.has(f)),
    requiredLimits,
  };
}

async function compile(
  device: GPUDevice,
  code: string,
  entryPoint: string,
): Promise<GPUComputePipeline> {
  device.pushErrorScope("validation");
  const module = device.createShaderModule({ code, label: entryPoint });
  const pipeline = device.createComputePipeline({
    layout: "auto",
    compute: { module, entryPoint },
    label: entryPoint,
  });
  const error = await device.popErrorScope();
  if (error) {
    throw new GpuKernelError(
      `The WebGPU kernel "${entryPoint}" did not compile: ${error.message}`,
    );
  }
  return pipeline;
}

/**
 * The shared GPU context, opened on first call; later calls return the
 * same one. Throws {@linkcode WebGpuUnavailableError} when WebGPU or an
 * adapter is missing.
 *
 * @example
 * ```ts
 * const gpu = await gpuContext();
 * console.log(gpu.adapter.name, gpu.adapter.isFallbackAdapter);
 * ```
 */
export function gpuContext(): Promise<GpuContext> {
  if (!current) {
    current = openContext();
    current.catch(() => current = undefined);
  }
  return current;
}

/**
 * A copy of `context` whose kernels split work at `maxBindingBytes`
 * (never above the device's limit); for tests of the chunked paths.
 */
export function withBindingLimit(
  context: GpuContext,
  maxBindingBytes: number,
): GpuContext {
  return {
    device: context.device,
    adapter: context.adapter,
    buffers: context.buffers,
    maxBufferBytes: context.maxBufferBytes,
    maxBindingBytes: Math.min(context.maxBindingBytes, maxBindingBytes),
    pipeline: (code, entry) => context.pipeline(code, entry),
  };
}
