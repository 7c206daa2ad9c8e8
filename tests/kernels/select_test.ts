import assert from "node:assert/strict";
import { probeGpu } from "../../kernels/gpu_device.ts";
import { CPU_KERNELS } from "../../kernels/kernels.ts";
import { chooseKernels, type DeviceChoice } from "../../kernels/select.ts";
import { gpu } from "./gpu_context.ts";

Deno.test("chooseKernels() gives the CPU twins for cpu", async () => {
  assert.equal(await chooseKernels("cpu"), CPU_KERNELS);
});

Deno.test("chooseKernels() takes the GPU on auto only for a real adapter", async () => {
  const adapter = await probeGpu();
  const kernels = await chooseKernels("auto");
  const real = adapter !== null && !adapter.isFallbackAdapter;
  assert.equal(kernels.device, real ? "gpu" : "cpu");
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
    const select = new URL("../../kernels/select.ts", ${
    JSON.stringify(import.meta.url)
  });
    const fake = Deno.args[0] === "no-api" ? undefined : { requestAdapter: () => Promise.resolve(null) };
    Object.defineProperty(navigator, "gpu", { value: fake, configurable: true });
    const { chooseKernels } = await import(select.href);
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
        ? /navigator\.gpu is undefined.*--device cpu/
        : /mesa-vulkan-drivers.*--device cpu/,
    );
  }
});
