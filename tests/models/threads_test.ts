import assert from "node:assert/strict";
import { DEFAULTS } from "../../pipeline/defaults.ts";
import {
  hardwareThreads,
  resolveThreads,
} from "../../pipeline/models/threads.ts";

Deno.test("resolveThreads() gives one thread per core for auto and for the default, and a count as given, on native and wasm", () => {
  assert.equal(DEFAULTS.threads, "auto");
  for (const backend of ["native", "wasm"] as const) {
    assert.equal(resolveThreads(backend, "auto", () => 6), 6);
    assert.equal(resolveThreads(backend, undefined, () => 6), 6);
    assert.equal(resolveThreads(backend, 3, () => 6), 3);
    assert.equal(resolveThreads(backend, 0, () => 6), 0, "the runtime's own");
  }
  assert.equal(
    resolveThreads("native", undefined),
    navigator.hardwareConcurrency,
  );
});

Deno.test("resolveThreads() runs webgpu on one thread, whatever is asked", () => {
  for (const threads of ["auto", 4, 0, undefined] as const) {
    assert.equal(resolveThreads("webgpu", threads, () => 6), 1);
  }
});

Deno.test("hardwareThreads() is the runtime's core count, at least 1", () => {
  assert.equal(hardwareThreads(), navigator.hardwareConcurrency);
  assert.ok(hardwareThreads() >= 1);
});

Deno.test("a wasm session sets onnxruntime-web's numThreads to one per core before the runtime starts", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tests/helpers/wasm_threads.ts"],
    cwd: new URL("../../", import.meta.url),
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder();
  assert.equal(code, 0, text.decode(stderr));
  const { numThreads, cores } = JSON.parse(text.decode(stdout));
  assert.equal(numThreads, cores);
});
