import assert from "node:assert/strict";
import { SplitMetricsAccumulator } from "../../pipeline/eval/metrics.ts";
import {
  coverageLine,
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
  const s = scoreSummary(new Map([["", m]]), SETTINGS, 2);
  assert.deepEqual(s.main, m.metrics());
  assert.equal(s.ablation, undefined);
  assert.deepEqual(JSON.parse(scoreMetricsJson(s)), {
    ...m.metrics(),
    settings: SETTINGS,
    coverage: { sentences: 2, scored: 2, missing: 0 },
  });
});

Deno.test("scoreSummary() of several configurations lists each, the first as the main one, in metrics.json's order", () => {
  const a = metricsOf([1, 2]), b = metricsOf([2, 2]);
  const s = scoreSummary(new Map([["a", a], ["b", b]]), SETTINGS, 2);
  assert.deepEqual(s.main, a.metrics());
  const json = scoreMetricsJson(s);
  assert.ok(json.endsWith("}\n"));
  const parsed = JSON.parse(json);
  assert.deepEqual(parsed.ablation, [
    { config: "a", ...a.metrics() },
    { config: "b", ...b.metrics() },
  ]);
  assert.deepEqual(Object.keys(parsed).slice(-3), [
    "ablation",
    "settings",
    "coverage",
  ]);
});

Deno.test("scoreSummary() of an empty file gives empty metrics", () => {
  const s = scoreSummary(new Map(), SETTINGS, 2);
  assert.deepEqual(s.main, new SplitMetricsAccumulator().metrics());
});

Deno.test("scoreSummary() counts the split's sentences the main configuration has no prediction for", () => {
  const s = scoreSummary(new Map([["", metricsOf([1, 2])]]), SETTINGS, 85);
  assert.deepEqual(s.coverage, { sentences: 85, scored: 1, missing: 84 });
  assert.deepEqual(JSON.parse(scoreMetricsJson(s)).coverage, s.coverage);
});

Deno.test("coverageLine() says how much of the split was scored, and what to do when not all", () => {
  assert.equal(
    coverageLine({ sentences: 85, scored: 40, missing: 45 }, "p.jsonl"),
    "scored 40 of the split's 85 sentences; 45 have no prediction in p.jsonl: " +
      "the metrics are those of the 40 scored only (finish the run with " +
      "--resume to score the whole split)",
  );
  assert.equal(
    coverageLine({ sentences: 3, scored: 3, missing: 0 }, "p.jsonl"),
    "scored all 3 sentences of the split from p.jsonl",
  );
});
