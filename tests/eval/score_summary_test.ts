import assert from "node:assert/strict";
import { SplitMetricsAccumulator } from "../../pipeline/eval/metrics.ts";
import {
  scoreMetricsJson,
  scoreSummary,
} from "../../pipeline/eval/score_summary.ts";

const SETTINGS = { scored: "p.jsonl", data: "toy" };

function metricsOf(...pairs: [number, number][]): SplitMetricsAccumulator {
  const m = new SplitMetricsAccumulator();
  for (const [i, u] of pairs) m.add(i, u, false);
  return m;
}

Deno.test("scoreSummary() of one configuration gives its metrics and no ablation", () => {
  const m = metricsOf([1, 2], [3, 3]);
  const s = scoreSummary(new Map([["", m]]), SETTINGS);
  assert.deepEqual(s.main, m.metrics());
  assert.equal(s.ablation, undefined);
  assert.deepEqual(JSON.parse(scoreMetricsJson(s)), {
    ...m.metrics(),
    settings: SETTINGS,
  });
});

Deno.test("scoreSummary() of several configurations lists each, the first as the main one, in metrics.json's order", () => {
  const a = metricsOf([1, 2]), b = metricsOf([2, 2]);
  const s = scoreSummary(new Map([["a", a], ["b", b]]), SETTINGS);
  assert.deepEqual(s.main, a.metrics());
  const json = scoreMetricsJson(s);
  assert.ok(json.endsWith("}\n"));
  const parsed = JSON.parse(json);
  assert.deepEqual(parsed.ablation, [
    { config: "a", ...a.metrics() },
    { config: "b", ...b.metrics() },
  ]);
  assert.deepEqual(Object.keys(parsed).slice(-2), ["ablation", "settings"]);
});

Deno.test("scoreSummary() of an empty file gives empty metrics", () => {
  const s = scoreSummary(new Map(), SETTINGS);
  assert.deepEqual(s.main, new SplitMetricsAccumulator().metrics());
});
