import assert from "node:assert/strict";
import { probeGpu } from "../../kernels/gpu_device.ts";
import { CPU_KERNELS } from "../../kernels/kernels.ts";
import type { GpuContext } from "../../kernels/gpu_device.ts";
import {
  chooseKernels,
  type DeviceChoice,
  type GpuAccess,
} from "../../kernels/choose.ts";
import { gpu } from "./gpu_context.ts";
import { ellipseMasks, texturedImage } from "./inputs.ts";

/**
 * A WebGPU stand-in: `probe` reports the given adapter; `open` succeeds the
 * first time (the check when the kernels are chosen) and after that fails with "GPU
 * used", so a test sees which calls reach the GPU without having one.
 */
function fakeWebGpu(isFallbackAdapter: boolean, opens = { count: 0 }) {
  const access: GpuAccess = {
    probe: () =>
      Promise.resolve({ name: "Fake GPU", vendor: "test", isFallbackAdapter }),
    open: () =>
      ++opens.count === 1
        ? Promise.resolve({} as GpuContext)
        : Promise.reject(new Error("GPU used")),
  };
  return { access, opens };
}

Deno.test("chooseKernels() gives the CPU twins for cpu", async () => {
  assert.equal(await chooseKernels("cpu"), CPU_KERNELS);
});

Deno.test("chooseKernels() takes the GPU on auto only for a real adapter", async () => {
  const adapter = await probeGpu();
  const kernels = await chooseKernels("auto");
  const real = adapter !== null && !adapter.isFallbackAdapter;
  assert.equal(kernels.device, real ? "gpu" : "cpu");
});

Deno.test("chooseKernels() on auto routes a real adapter's small calls to the CPU and big ones to the GPU", async () => {
  const { access, opens } = fakeWebGpu(false);
  const kernels = await chooseKernels("auto", access);
  assert.equal(kernels.device, "gpu");
  assert.equal(
    opens.count,
    1,
    "the device is opened once, when the kernels are chosen",
  );
  const scores = await kernels.cosineSimilarity({
    proposals: Float32Array.of(1, 0, 0, 2),
    sentences: Float32Array.of(3, 0),
    dim: 2,
  });
  assert.deepEqual([...scores], [1, 0]);
  assert.equal(opens.count, 1, "a tiny cosine stays on the CPU");
  const { masks, boxes } = ellipseMasks(64, 640, 480);
  await assert.rejects(
    () => kernels.cropAndFill({ image: texturedImage(640, 480), masks, boxes }),
    /GPU used/,
    "64 views of a 640x480 image go to the GPU",
  );
  assert.ok(kernels.onDevice, "device-resident view kernels are kept");
});

Deno.test("chooseKernels() on auto keeps the CPU twins for a fallback adapter without opening it", async () => {
  const { access, opens } = fakeWebGpu(true);
  assert.equal(await chooseKernels("auto", access), CPU_KERNELS);
  assert.equal(opens.count, 0);
});

Deno.test("chooseKernels() on auto falls back to the CPU twins when the device fails to open", async () => {
  const access: GpuAccess = {
    probe: () =>
      Promise.resolve({
        name: "Fake GPU",
        vendor: "test",
        isFallbackAdapter: false,
      }),
    open: () => Promise.reject(new Error("device request failed")),
  };
  assert.equal(await chooseKernels("auto", access), CPU_KERNELS);
  await assert.rejects(
    () => chooseKernels("gpu", access),
    /device request failed/,
  );
});

Deno.test("chooseKernels() rejects an unknown device by name", async () => {
  await assert.rejects(
    () => chooseKernels("tpu" as DeviceChoice),
    /Unknown device "tpu": use one of gpu, cpu, auto/,
  );
});

Deno.test({
  name:
    "chooseKernels() gives working WebGPU kernels for gpu, fallback adapters included",
  ignore: !gpu,
  async fn() {
    const kernels = await chooseKernels("gpu");
    assert.equal(kernels.device, "gpu");
    const scores = await kernels.cosineSimilarity({
      proposals: Float32Array.of(1, 0, 0, 2),
      sentences: Float32Array.of(3, 0),
      dim: 2,
    });
    assert.deepEqual([...scores], [1, 0]);
  },
});

Deno.test("chooseKernels() names what to install when WebGPU or an adapter is missing", async () => {
  // A fresh process, where navigator.gpu is replaced before any kernel runs.
  const script = `
    const choose = new URL("../../kernels/choose.ts", ${
    JSON.stringify(import.meta.url)
  });
    const fake = Deno.args[0] === "no-api" ? undefined : { requestAdapter: () => Promise.resolve(null) };
    Object.defineProperty(navigator, "gpu", { value: fake, configurable: true });
    const { chooseKernels } = await import(choose.href);
    console.log((await chooseKernels("auto")).device);
    try {
      await chooseKernels("gpu");
      console.log("no error");
    } catch (e) {
      console.log(e.name + ": " + e.message);
    }
  `;
  for (const mode of ["no-api", "no-adapter"]) {
    const { stdout, code } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-check", script, mode],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert.equal(code, 0);
    const [auto, error] = new TextDecoder().decode(stdout).trim().split("\n");
    assert.equal(auto, "cpu", mode);
    assert.match(error, /^WebGpuUnavailableError: /, mode);
    assert.match(
      error,
      mode === "no-api"
        ? /navigator\.gpu is undefined.*CPU kernels \(device "cpu"\)/
        : /mesa-vulkan-drivers.*CPU kernels \(device "cpu"\)/,
    );
  }
});
