import assert from "node:assert/strict";
import {
  type OrtSessionLike,
  type OrtTensorConstructor,
  wrapOrtSession,
} from "../../pipeline/models/backends/_ort_common.ts";
import { isDeviceTensor } from "../../pipeline/models/tensor.ts";

/**
 * A stand-in ONNX Runtime session with two float32 outputs left on the
 * GPU ("a", "b") and one on the host ("c"); downloading "b" fails when
 * `failDownload` is set. `disposed` lists the outputs given back.
 */
function fakeSession(failDownload: boolean) {
  const disposed: string[] = [];
  const gpuOutput = (name: string) => ({
    type: "float32",
    data: undefined,
    dims: [2],
    location: "gpu-buffer",
    gpuBuffer: { size: 8 } as GPUBuffer,
    getData: () =>
      failDownload && name === "b"
        ? Promise.reject(new Error("mapAsync failed"))
        : Promise.resolve(Float32Array.of(1, 2)),
    dispose: () => void disposed.push(name),
  });
  const session: OrtSessionLike = {
    inputNames: ["x"],
    outputNames: ["a", "b", "c"],
    run: () =>
      Promise.resolve({
        a: gpuOutput("a"),
        b: gpuOutput("b"),
        c: { type: "float32", data: Float32Array.of(3), dims: [1] },
      }),
    release: () => Promise.resolve(),
  };
  const wrapped = wrapOrtSession(
    session,
    class {} as unknown as OrtTensorConstructor,
    "webgpu",
    "fake.onnx",
    { lost: new Promise(() => {}) } as unknown as GPUDevice,
    ["a", "b"],
  );
  return { wrapped, disposed };
}

Deno.test("wrapOrtSession() runOnDevice hands GPU outputs over until release and brings the rest to the host", async () => {
  const { wrapped, disposed } = fakeSession(false);
  const out = await wrapped.runOnDevice!({});
  assert.ok(isDeviceTensor(out.a) && isDeviceTensor(out.b));
  assert.deepEqual(out.c.dims, [1]);
  assert.deepEqual(disposed, []);
  if (isDeviceTensor(out.a)) out.a.release();
  assert.deepEqual(disposed, ["a"]);
});

Deno.test("wrapOrtSession() run downloads GPU outputs, and gives every one back when a download fails", async () => {
  const ok = fakeSession(false);
  const out = await ok.wrapped.run({});
  assert.deepEqual([...out.a.data as Float32Array], [1, 2]);
  const failing = fakeSession(true);
  await assert.rejects(() => failing.wrapped.run({}), /mapAsync failed/);
  assert.deepEqual(failing.disposed.sort(), ["a", "b"]);
});
