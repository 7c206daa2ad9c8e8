import assert from "node:assert/strict";
import { SplitMetricsAccumulator } from "../../pipeline/eval/metrics.ts";
import {
  metricsJson,
  reportMarkdown,
  summarizeRun,
  summaryTable,
} from "../../pipeline/eval/summary.ts";

function totals(ablate: boolean) {
  const a = new SplitMetricsAccumulator(), b = new SplitMetricsAccumulator();
  a.add(1, 2, true);
  a.add(3, 3, false);
  b.add(0, 2, true);
  return {
    title: "toy",
    configs: ablate ? ["A", "B"] : ["A"],
    metrics: new Map([["A", a], ["B", b]]),
    ablate,
    settings: { alpha: 0.85 },
    imagesThisRun: 2,
    missingImages: ["gone.png"],
    skippedRefs: ["ref 7: no annotation"],
    stageTimings: { propose: 10.4, score: 2.6 },
    wallMs: 101,
  };
}

Deno.test("summarizeRun() counts, rounds the timings and adds wall and per-image time", () => {
  const s = summarizeRun(totals(false));
  assert.deepEqual(s.counts, {
    imagesThisRun: 2,
    sentences: 2,
    missingImages: 1,
    unreadableImages: 0,
    skippedRefs: 1,
  });
  assert.deepEqual(s.timings, {
    propose: 10,
    score: 3,
    wall: 101,
    perImage: 51,
  });
  assert.equal(s.ablation, undefined);
  assert.equal(s.main.all.n, 2);
});

Deno.test("metricsJson() writes the main metrics, then the ablation, settings, counts, missing images, skipped refs and timings", () => {
  const json = JSON.parse(metricsJson(summarizeRun(totals(true))));
  assert.deepEqual(Object.keys(json), [
    "all",
    "spatial",
    "nonSpatial",
    "ablation",
    "settings",
    "counts",
    "missingImages",
    "unreadableImages",
    "skippedRefs",
    "timings",
  ]);
  assert.deepEqual(json.ablation.map((r: { config: string }) => r.config), [
    "A",
    "B",
  ]);
  assert.equal(json.ablation[1].all.n, 1);
  assert.equal(
    Object.keys(JSON.parse(metricsJson(summarizeRun(totals(false)))))
      .includes("ablation"),
    false,
  );
});

Deno.test("an unreadable image is counted and listed with its reason in metrics.json and report.md, like a missing one", () => {
  const s = summarizeRun({
    ...totals(false),
    unreadableImages: ["bad.jpg: the JPEG data is truncated"],
  });
  assert.equal(s.counts.unreadableImages, 1);
  const json = JSON.parse(metricsJson(s));
  assert.deepEqual(json.unreadableImages, [
    "bad.jpg: the JPEG data is truncated",
  ]);
  assert.match(
    reportMarkdown(s),
    /## Missing images \(1\)\n\n- gone\.png\n[\s\S]*## Unreadable images \(1\)\n\n- bad\.jpg: the JPEG data is truncated\n/,
  );
});

Deno.test("reportMarkdown() and summaryTable() show the ablation rows, and the grid only when drawn", () => {
  const s = summarizeRun(totals(true));
  assert.match(reportMarkdown(s), /^# oris on toy/);
  assert.match(reportMarkdown(s), /## Ablation[\s\S]*\| B \|/);
  assert.doesNotMatch(reportMarkdown(s), /examples/);
  assert.match(
    reportMarkdown(s, "examples.png"),
    /!\[examples\]\(examples\.png\)/,
  );
  assert.match(summaryTable(s), /^\s+n\s+oIoU/);
  assert.match(summaryTable(s), /\nB\s+1 /);
});

Deno.test("summarizeRun() names a configuration without metrics", () => {
  assert.throws(
    () => summarizeRun({ ...totals(false), configs: ["C"] }),
    /No metrics for configuration "C"/,
  );
});
