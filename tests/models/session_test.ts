import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  assertSignature,
  type BackendName,
  BackendUnavailableError,
  createSession,
  ModelLoadError,
  ModelSignatureError,
  parseBackend,
  signatureProblems,
} from "../../pipeline/models/session.ts";
import {
  type DeviceOutput,
  deviceTensor,
  isDeviceTensor,
  tensor,
} from "../../pipeline/models/tensor.ts";
import { sessionCreateError } from "../../pipeline/models/backends/_ort_common.ts";
import { testAdapter } from "../helpers/webgpu.ts";
import {
  halfPrecisionModel,
  seededValues,
  tinyModel,
} from "../helpers/tiny_model.ts";

const MODEL = tinyModel();
const INPUT = tensor("float32", seededValues(2 * 3 * 16 * 16, 7), [
  2,
  3,
  16,
  16,
]);

async function runOn(backend: BackendName) {
  const session = await createSession(MODEL, { backend, label: "tiny.onnx" });
  try {
    return await session.run({ pixels: INPUT });
  } finally {
    await session.release();
  }
}

/** Asserts that two outputs have the same length and differ by at most `tolerance`. */
function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  assert.ok(
    worst <= tolerance,
    `${what}: differs by up to ${worst}, more than ${tolerance}`,
  );
}

Deno.test("createSession() reports the model's inputs and outputs", async () => {
  const session = await createSession(MODEL, { label: "tiny.onnx" });
  try {
    // The default, auto, is native where --allow-ffi is granted (tests run with -A).
    assert.deepEqual(session.backend, "native");
    assert.deepEqual(session.inputs, [{
      name: "pixels",
      type: "float32",
      shape: ["batch", 3, 16, 16],
    }]);
    assert.deepEqual(session.outputs.map((o) => o.name), ["embeds", "energy"]);
  } finally {
    await session.release();
  }
});

Deno.test("wasm, webgpu and native backends agree on one model", async () => {
  const wasm = await runOn("wasm");
  assert.deepEqual(wasm.embeds.dims, [2, 8]);
  assert.deepEqual(wasm.energy.dims, [2, 1]);
  // Softmax rows sum to one: the model really ran.
  const e = wasm.embeds.data as Float32Array;
  assert.ok(Math.abs(e.slice(0, 8).reduce((s, v) => s + v, 0) - 1) < 1e-5);
  assert.ok((wasm.energy.data as Float32Array)[0] > 0);

  const native = await runOn("native");
  const f32 = (t: { data: unknown }) => t.data as Float32Array;
  assertClose(f32(native.embeds), f32(wasm.embeds), 1e-5, "native embeds");
  assertClose(f32(native.energy), f32(wasm.energy), 1e-3, "native energy");

  if (!(await testAdapter("the webgpu comparison"))) return;
  const gpu = await runOn("webgpu");
  assertClose(f32(gpu.embeds), f32(wasm.embeds), 1e-4, "webgpu embeds");
  assertClose(f32(gpu.energy), f32(wasm.energy), 1e-2, "webgpu energy");
});

Deno.test("createSession() with gpuDevice gives a webgpu session that takes a GPU buffer as input, with what the host input gives", async () => {
  if (!(await testAdapter("this test"))) return;
  const { gpuContext } = await import("../../kernels/gpu_device.ts");
  const { device } = await gpuContext();
  const session = await createSession(MODEL, {
    backend: "webgpu",
    label: "tiny.onnx",
    gpuDevice: device,
  });
  // Longer than the tensor, as pooled buffers are: the rest is ignored.
  const buffer = device.createBuffer({
    size: INPUT.data.byteLength + 1024,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST |
      GPUBufferUsage.COPY_SRC,
  });
  try {
    assert.equal(session.gpuDevice, device);
    device.queue.writeBuffer(
      buffer,
      0,
      INPUT.data as Float32Array<ArrayBuffer>,
    );
    const host = await session.run({ pixels: INPUT });
    const onDevice = await session.run({
      pixels: deviceTensor(buffer, INPUT.dims),
    });
    const f32 = (t: { data: unknown }) => t.data as Float32Array;
    assertClose(f32(onDevice.embeds), f32(host.embeds), 0, "embeds");
    assertClose(f32(onDevice.energy), f32(host.energy), 0, "energy");
    assert.throws(
      () => deviceTensor(buffer, [4, 3, 16, 16]),
      /needs 12288 bytes; the GPU buffer holds/,
    );
    const wasm = await createSession(MODEL, { label: "tiny.onnx" });
    try {
      await assert.rejects(
        () => wasm.run({ pixels: deviceTensor(buffer, INPUT.dims) }),
        /is a GPU buffer, but this session does not run on a given WebGPU device/,
      );
    } finally {
      await wasm.release();
    }
  } finally {
    buffer.destroy();
    await session.release();
  }
});

Deno.test("session.runOnDevice() leaves the deviceOutputs in GPU buffers holding what run() brings to the host", async () => {
  if (!(await testAdapter("this test"))) return;
  const { gpuContext } = await import("../../kernels/gpu_device.ts");
  const { readBuffer } = await import("../kernels/views_parity.ts");
  const ctx = await gpuContext();
  const session = await createSession(MODEL, {
    backend: "webgpu",
    label: "tiny.onnx",
    gpuDevice: ctx.device,
    deviceOutputs: ["embeds"],
  });
  try {
    const host = await session.run({ pixels: INPUT });
    assert.ok(host.embeds.data instanceof Float32Array, "run() downloads");
    for (let round = 0; round < 2; round++) {
      const out = await session.runOnDevice!({ pixels: INPUT });
      const embeds = out.embeds;
      assert.ok(isDeviceTensor(embeds), "embeds stay on the GPU");
      assert.ok(!isDeviceTensor(out.energy), "energy comes to the host");
      assert.deepEqual(embeds.dims, host.embeds.dims);
      const n = (host.embeds.data as Float32Array).length;
      const onGpu = (await readBuffer(ctx, embeds.gpuBuffer)).subarray(0, n);
      assert.deepEqual(onGpu, host.embeds.data);
      assert.deepEqual(out.energy.data, host.energy.data);
      (embeds as DeviceOutput).release();
    }
  } finally {
    await session.release();
  }
});

Deno.test("createSession() refuses deviceOutputs without a GPU device, or naming an output the model lacks", async () => {
  await assert.rejects(
    () =>
      createSession(MODEL, { label: "tiny.onnx", deviceOutputs: ["embeds"] }),
    /Outputs of tiny\.onnx \(embeds\) were asked to stay on the GPU, but no GPU device was given/,
  );
  const plain = await createSession(MODEL, { label: "tiny.onnx" });
  assert.equal(plain.runOnDevice, undefined);
  await plain.release();
  if (!(await testAdapter("the unknown-output check"))) return;
  const { gpuContext } = await import("../../kernels/gpu_device.ts");
  await assert.rejects(
    async () =>
      createSession(MODEL, {
        backend: "webgpu",
        label: "tiny.onnx",
        gpuDevice: (await gpuContext()).device,
        deviceOutputs: ["masks"],
      }),
    /The output "masks" of tiny\.onnx cannot stay on the GPU: the model has no such output \(outputs: embeds, energy\)/,
  );
});

Deno.test("createSession() with oris's GPU device runs a half-precision model, which a device without shader-f16 cannot", async () => {
  const adapter = await testAdapter("this test", "shader-f16");
  if (!adapter) return;
  const { gpuContext } = await import("../../kernels/gpu_device.ts");
  const model = halfPrecisionModel();
  const x = tensor(
    "float32",
    Float32Array.from({ length: 32 }, (_, i) => i / 8),
    [2, 16],
  );
  const run = async (gpuDevice: GPUDevice) => {
    const session = await createSession(model, {
      backend: "webgpu",
      label: "half.onnx",
      gpuDevice,
    });
    try {
      return (await session.run({ x })).y.data as Float32Array;
    } finally {
      await session.release();
    }
  };
  const y = await run((await gpuContext()).device);
  // i/8 squared is exact in half precision for i < 32.
  assert.deepEqual([...y], [...x.data as Float32Array].map((v) => v * v));
  const plain = await adapter.requestDevice();
  try {
    await assert.rejects(() => run(plain), /f16/);
  } finally {
    plain.destroy();
  }
});

Deno.test("session.run() on webgpu takes concurrent runs, of one session and of two, and gives what runs one by one give", async () => {
  if (!(await testAdapter("this test"))) return;
  const a = await createSession(MODEL, { backend: "webgpu", label: "a" });
  const b = await createSession(MODEL, { backend: "webgpu", label: "b" });
  try {
    const alone = (await a.run({ pixels: INPUT })).embeds.data;
    const all = await Promise.all([
      a.run({ pixels: INPUT }),
      a.run({ pixels: INPUT }),
      b.run({ pixels: INPUT }),
    ]);
    for (const out of all) assert.deepEqual(out.embeds.data, alone);
  } finally {
    await a.release();
    await b.release();
  }
});

Deno.test("createSession() refuses a GPU device for a backend other than webgpu", async () => {
  await assert.rejects(
    () =>
      createSession(MODEL, {
        backend: "wasm",
        label: "tiny.onnx",
        gpuDevice: {} as GPUDevice,
      }),
    /A GPU device was given for the wasm backend of tiny\.onnx/,
  );
});

Deno.test("createSession() names the file when the model bytes are truncated", async () => {
  await assert.rejects(
    () =>
      createSession(MODEL.subarray(0, MODEL.length >> 1), {
        label: "models/x/onnx/vision_model.onnx",
      }),
    (e: unknown) =>
      e instanceof ModelLoadError &&
      e.message.includes("models/x/onnx/vision_model.onnx") &&
      e.message.includes("truncated or corrupt") &&
      e.message.includes("fetch it again") &&
      !e.message.includes("deno task"),
  );
});

Deno.test("createSession() without read access to onnxruntime-web says to grant --allow-read, not that the model is corrupt", async () => {
  const repo = fileURLToPath(new URL("../../", import.meta.url));
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "tests/no_ffi/session_without_read.ts"],
    cwd: repo,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const error = JSON.parse(new TextDecoder().decode(stdout));
  assert.equal(error.name, "BackendUnavailableError", error.message);
  assert.match(error.message, /The wasm backend is not available/);
  assert.match(error.message, /--allow-read=\S*onnxruntime-web\S*dist/);
  assert.doesNotMatch(error.message, /corrupt/);
});

Deno.test("sessionCreateError() tells a runtime that cannot start from a model that does not parse", () => {
  const denied = sessionCreateError(
    "webgpu",
    "m.onnx",
    new Error("no available backend found. ERR: [webgpu] adapter lost"),
  );
  assert.ok(denied instanceof BackendUnavailableError);
  assert.match(denied.message, /The webgpu backend is not available/);
  assert.match(denied.message, /adapter lost/);
  const parse = sessionCreateError(
    "wasm",
    "m.onnx",
    new Error("Can't create a session. failed to load model"),
  );
  assert.ok(parse instanceof ModelLoadError);
  assert.match(parse.message, /truncated or corrupt/);
});

Deno.test("session.run() rejects a feed the model does not have", async () => {
  const session = await createSession(MODEL, { label: "tiny.onnx" });
  try {
    await assert.rejects(
      () => session.run({ pixel_values: INPUT }),
      { name: "RangeError", message: /no input "pixel_values"/ },
    );
  } finally {
    await session.release();
  }
});

Deno.test("signatureProblems() lists missing names, wrong types and ranks", async () => {
  const session = await createSession(MODEL, { label: "tiny.onnx" });
  try {
    assert.deepEqual(
      signatureProblems(session, {
        inputs: [{ name: "pixels", type: "float32", rank: 4 }],
        outputs: [{ name: "embeds", type: "float32", rank: 2 }],
      }),
      [],
    );
    assert.deepEqual(
      signatureProblems(session, {
        inputs: [{ name: "pixel_values", type: "float32", rank: 4 }],
        outputs: [
          { name: "embeds", type: "int64", rank: 3 },
        ],
      }),
      [
        'missing input "pixel_values" (it has "pixels")',
        'output "embeds" is float32, expected int64',
        'output "embeds" has shape [batch,8], expected rank 3',
      ],
    );
    assert.throws(
      () =>
        assertSignature(session, {
          inputs: [{ name: "input_ids", type: "int64", rank: 2 }],
          outputs: [],
        }),
      (e: unknown) =>
        e instanceof ModelSignatureError && e.message.includes("tiny.onnx"),
    );
  } finally {
    await session.release();
  }
});

Deno.test("parseBackend() accepts known names and auto, and explains unknown ones", () => {
  assert.deepEqual(parseBackend("WebGPU"), "webgpu");
  assert.deepEqual(parseBackend(" Auto "), "auto");
  assert.throws(() => parseBackend("cuda"), /auto, wasm, webgpu, native/);
});
