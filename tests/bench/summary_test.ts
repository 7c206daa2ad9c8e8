import assert from "node:assert/strict";
import { summarise } from "../../bench/gpu_host/summary.ts";

const entry = (group: string, name: string, avg: number, baseline = false) => ({
  group,
  name,
  baseline,
  results: [{ ok: { avg, n: 10 } }],
});

Deno.test("summarise() gives each benchmark's mean and speed against its group's baseline", () => {
  const table = summarise([
    entry("views", "CPU", 60e6, true),
    entry("views", "GPU", 6e6),
    entry("cosine", "CPU", 0.1e6, true),
    entry("cosine", "GPU", 12e6),
    { group: "cosine", name: "broken", baseline: false, results: [{}] },
  ]);
  assert.match(table, /### views\n/);
  assert.match(table, /\| GPU \| 6\.00 ms \| 10 \| 10\.00x \|/);
  assert.match(table, /\| CPU \| 60\.00 ms \| 10 \| 1\.00x \|/);
  assert.match(table, /\| GPU \| 12\.00 ms \| 10 \| 0\.01x \|/);
  assert.match(table, /\| broken \| failed \| 0 \| {2}\|/);
});
