import assert from "node:assert/strict";
import { identityModel } from "../../pipeline/models/backends/_wasm_memory.ts";
import { createSession } from "../../pipeline/models/session.ts";
import { tensor } from "../../pipeline/models/tensor.ts";

/** Runs tests/helpers/wasm_growing_runs.ts once; whether it finished in time. */
async function finishes(): Promise<boolean> {
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "tests/helpers/wasm_growing_runs.ts"],
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(30_000),
    }).output();
    return out.success && new TextDecoder().decode(out.stdout).includes("done");
  } catch {
    return false; // killed at the timeout: it hung
  }
}

Deno.test("threaded wasm runs whose memory needs grow from run to run finish, in 16 fresh processes", async () => {
  const results: boolean[] = [];
  for (let i = 0; i < 8; i++) {
    results.push(...await Promise.all([finishes(), finishes()]));
  }
  assert.deepEqual(
    results.filter((ok) => !ok).length,
    0,
    `${results.filter((ok) => !ok).length} of 16 processes hung or failed`,
  );
});

Deno.test("the memory warm-up model is a working identity on a vector of any length", async () => {
  const session = await createSession(identityModel(), { backend: "wasm" });
  try {
    const x = tensor("float32", Float32Array.from([1, -2, 3]), [3]);
    const { y } = await session.run({ x });
    assert.deepEqual([...(y.data as Float32Array)], [1, -2, 3]);
    assert.deepEqual(y.dims, [3]);
  } finally {
    await session.release();
  }
});
