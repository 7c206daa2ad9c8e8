import assert from "node:assert/strict";
import { runBatch } from "../../kernels/_gpu_batch.ts";
import {
  BufferPool,
  GpuKernelError,
  probeGpu,
} from "../../kernels/gpu_device.ts";
import { gpu } from "./gpu_context.ts";

Deno.test({
  name: "gpuContext() reports the adapter and compiles each pipeline once",
  ignore: !gpu,
  async fn() {
    assert.ok(gpu!.adapter.name.length > 0);
    assert.deepEqual(await probeGpu(), gpu!.adapter);
    const code = "@compute @workgroup_size(1) fn noop() {}";
    const a = await gpu!.pipeline(code, "noop");
    assert.equal(await gpu!.pipeline(code, "noop"), a);
  },
});

Deno.test({
  name:
    "gpuContext().pipeline() rejects WGSL that does not compile, with the compiler's message",
  ignore: !gpu,
  async fn() {
    await assert.rejects(
      () => gpu!.pipeline("@compute @workgroup_size(1) fn bad( {}", "bad"),
      (e: Error) =>
        e instanceof GpuKernelError && /did not compile/.test(e.message),
    );
  },
});

Deno.test({
  name: "BufferPool reuses a released buffer of a fitting size",
  ignore: !gpu,
  fn() {
    const pool = new BufferPool(gpu!.device);
    const a = pool.acquire("storage", 1000);
    assert.equal(a.size, 1024);
    pool.release("storage", a);
    assert.equal(pool.acquire("storage", 900), a);
    pool.release("storage", a);
    assert.notEqual(pool.acquire("storage", 4000), a); // too small
    assert.notEqual(pool.acquire("uniform", 16), a); // another role
    pool.clear();
  },
});

Deno.test({
  name:
    "runBatch() submits dispatches and reads every output back in one mapping",
  ignore: !gpu,
  async fn() {
    const code = `
      @group(0) @binding(0) var<storage, read_write> out: array<u32>;
      @compute @workgroup_size(64) fn fill(@builtin(global_invocation_id) id: vec3u) {
        if (id.x < arrayLength(&out)) { out[id.x] = id.x * 3u; }
      }`;
    const pipeline = await gpu!.pipeline(code, "fill");
    const first = new Uint32Array(100), second = new Uint32Array(7);
    await runBatch(gpu!, "fill", (batch) => {
      const a = batch.storage(400), b = batch.storage(28);
      batch.dispatch(pipeline, { 0: a }, [2, 1, 1]);
      batch.dispatch(pipeline, { 0: { buffer: b, size: 28 } }, [1, 1, 1]);
      batch.read(
        a,
        400,
        (bytes) => first.set(new Uint32Array(bytes, 0, 100)),
      );
      batch.read(
        b,
        28,
        (bytes) => second.set(new Uint32Array(bytes, 0, 7)),
      );
    });
    assert.equal(first[99], 297);
    assert.deepEqual([...second], [0, 3, 6, 9, 12, 15, 18]);
  },
});

Deno.test({
  name:
    "runBatch() turns a rejected dispatch into a GpuKernelError and stays usable",
  ignore: !gpu,
  async fn() {
    const code = `
      @group(0) @binding(0) var<storage, read_write> out: array<u32>;
      @compute @workgroup_size(1) fn one() { out[0] = 1u; }`;
    const pipeline = await gpu!.pipeline(code, "one");
    await assert.rejects(
      () =>
        runBatch(gpu!, "one", (batch) => {
          // A uniform buffer where a storage buffer is expected.
          batch.dispatch(pipeline, {
            0: batch.upload(new Uint32Array(4), "uniform"),
          }, [1, 1, 1]);
        }),
      GpuKernelError,
    );
    await assert.rejects(
      () =>
        runBatch(gpu!, "big", (batch) => {
          batch.dispatch(pipeline, { 0: batch.storage(4) }, [70000, 1, 1]);
        }),
      /exceeds WebGPU's 65535 per dimension/,
    );
    const out = new Uint32Array(1);
    await runBatch(gpu!, "one", (batch) => {
      const b = batch.storage(4);
      batch.dispatch(pipeline, { 0: b }, [1, 1, 1]);
      batch.read(b, 4, (bytes) => out.set(new Uint32Array(bytes, 0, 1)));
    });
    assert.equal(out[0], 1);
  },
});
