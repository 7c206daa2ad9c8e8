import assert from "node:assert/strict";
import { chunks } from "../../kernels/_gpu_batch.ts";
import { packSpans, planSpanChunks } from "../../kernels/_mask_spans.ts";

Deno.test("planSpanChunks() keeps each chunk's masks and outputs within the limit", () => {
  const spans = [
    { x: 0, y: 0, w: 10, h: 10 }, // 100 bytes
    { x: 0, y: 0, w: 0, h: 0 },
    { x: 2, y: 1, w: 7, h: 5 }, // 35 bytes
    { x: 0, y: 0, w: 30, h: 4 }, // 120 bytes
  ];
  const plan = planSpanChunks(spans, 20, 140);
  assert.deepEqual(plan.map((c) => [c.start, c.count]), [[0, 3], [3, 1]]);
  assert.deepEqual(plan[0].offsets, [0, 100, 100]);
  assert.equal(plan[0].maskBytes, 136);
  // Outputs alone can split too, and an item larger than the limit gets its own chunk.
  assert.deepEqual(
    planSpanChunks(spans, 100, 150).map((c) => c.count),
    [1, 1, 1, 1],
  );
  assert.deepEqual(planSpanChunks(spans, 0, 1e9, 3).map((c) => c.count), [
    3,
    1,
  ]);
});

Deno.test("packSpans() copies each mask's span rows one after another", () => {
  const width = 4, height = 3;
  const data = new Uint8Array(2 * 12).map((_, i) => i);
  const spans = [{ x: 1, y: 1, w: 2, h: 2 }, { x: 0, y: 2, w: 4, h: 1 }];
  const [chunk] = planSpanChunks(spans, 0, 1024);
  const packed = packSpans({ data, count: 2 }, width, height, spans, chunk);
  assert.deepEqual([...packed], [5, 6, 9, 10, 20, 21, 22, 23]);
});

Deno.test("chunks() splits by bytes and by dispatch size", () => {
  assert.deepEqual(chunks(10, 100, 350), [
    { start: 0, count: 3 },
    { start: 3, count: 3 },
    { start: 6, count: 3 },
    { start: 9, count: 1 },
  ]);
  assert.deepEqual(chunks(5, 1, 1e9, 2).map((c) => c.count), [2, 2, 1]);
  assert.deepEqual(chunks(2, 1000, 10).map((c) => c.count), [1, 1]);
});
