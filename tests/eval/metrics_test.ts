import assert from "node:assert/strict";
import {
  expressionIou,
  MetricsAccumulator,
  SplitMetricsAccumulator,
} from "../../pipeline/eval/metrics.ts";

Deno.test("MetricsAccumulator gives oIoU, mIoU and Pr@X in percent", () => {
  const m = new MetricsAccumulator();
  // IoUs: 0.5 (not > 0.5), 0.95, 0 (empty union), 0.65
  m.add(50, 100);
  m.add(95, 100);
  m.add(0, 0);
  m.add(13, 20);
  assert.deepEqual(m.metrics(), {
    oIoU: Math.round(10000 * 158 / 220) / 100,
    mIoU: Math.round(10000 * (0.5 + 0.95 + 0 + 0.65) / 4) / 100,
    "Pr@0.5": 50,
    "Pr@0.6": 50,
    "Pr@0.7": 25,
    "Pr@0.8": 25,
    "Pr@0.9": 25,
    n: 4,
  });
});

Deno.test("MetricsAccumulator is all zeros when empty and rejects impossible counts", () => {
  assert.deepEqual(new MetricsAccumulator().metrics().n, 0);
  assert.equal(new MetricsAccumulator().metrics().oIoU, 0);
  assert.throws(() => new MetricsAccumulator().add(5, 3), /0 <= I <= U/);
  assert.throws(() => new MetricsAccumulator().add(-1, 3), /0 <= I <= U/);
  assert.equal(expressionIou(0, 0), 0);
});

Deno.test("SplitMetricsAccumulator splits spatial and non-spatial sentences", () => {
  const s = new SplitMetricsAccumulator();
  s.add(10, 10, true);
  s.add(0, 10, false);
  const m = s.metrics();
  assert.equal(m.all.n, 2);
  assert.equal(m.spatial.mIoU, 100);
  assert.equal(m.nonSpatial.mIoU, 0);
  assert.equal(m.all.oIoU, 50);
});
