import assert from "node:assert/strict";
import {
  assertSignature,
  type BackendName,
  createSession,
  ModelLoadError,
  ModelSignatureError,
  parseBackend,
  signatureProblems,
} from "../../pipeline/models/session.ts";
import { tensor } from "../../pipeline/models/tensor.ts";
import { hasWebGpuAdapter } from "../../pipeline/models/backends/ort_web.ts";
import { seededValues, tinyModel } from "../helpers/tiny_model.ts";

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

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.deepEqual(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("createSession() reports the model's inputs and outputs", async () => {
  const session = await createSession(MODEL, { label: "tiny.onnx" });
  try {
    assert.deepEqual(session.backend, "wasm");
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
  assert.ok(
    maxAbsDiff(
      wasm.embeds.data as Float32Array,
      native.embeds.data as Float32Array,
    ) < 1e-5,
  );
  assert.ok(
    maxAbsDiff(
      wasm.energy.data as Float32Array,
      native.energy.data as Float32Array,
    ) < 1e-3,
  );

  if (!(await hasWebGpuAdapter())) {
    if (Deno.env.get("CI")) {
      throw new Error("CI must provide a WebGPU adapter (lavapipe)");
    }
    console.warn("skipping the webgpu comparison: no WebGPU adapter here");
    return;
  }
  const gpu = await runOn("webgpu");
  assert.ok(
    maxAbsDiff(
      wasm.embeds.data as Float32Array,
      gpu.embeds.data as Float32Array,
    ) < 1e-4,
  );
  assert.ok(
    maxAbsDiff(
      wasm.energy.data as Float32Array,
      gpu.energy.data as Float32Array,
    ) < 1e-2,
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
      e.message.includes("models pull"),
  );
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

Deno.test("parseBackend() accepts known names and explains unknown ones", () => {
  assert.deepEqual(parseBackend("WebGPU"), "webgpu");
  assert.throws(() => parseBackend("cuda"), /wasm, webgpu, native/);
});
