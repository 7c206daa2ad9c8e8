import assert from "node:assert/strict";
import type { AblationConfig } from "../../pipeline/eval/ablation.ts";
import { ablationGrid, configName } from "../../pipeline/eval/ablation.ts";
import { SplitMetricsAccumulator } from "../../pipeline/eval/metrics.ts";
import { planEvaluation, withoutTokenMask } from "../../pipeline/eval/plan.ts";
import { inShard, shardRecord } from "../../pipeline/eval/shard.ts";

const SPLIT = [0, 1, 2, 3, 4, 5].map((id) => ({ id, file: `${id}.png` }));
const BASE: AblationConfig = {
  spatial: "extended",
  alpha: 0.85,
  topK: 4,
  globalView: "blur",
};

async function* stream<T>(items: readonly T[]): AsyncIterable<T> {
  yield* items;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

Deno.test("planEvaluation() of a whole split runs every image with the main configuration only", async () => {
  const plan = planEvaluation({ images: SPLIT, base: BASE, ablate: false });
  assert.deepEqual(plan.configs, [BASE]);
  assert.equal(plan.total, 6);
  assert.equal(plan.record, undefined);
  assert.deepEqual(await collect(plan.select(stream(SPLIT))), SPLIT);
});

Deno.test("planEvaluation() of a shard runs its images only, records them, and an ablation runs the grid", async () => {
  const shard = { index: 2, count: 3 };
  const plan = planEvaluation({
    images: SPLIT,
    shard,
    base: BASE,
    ablate: true,
  });
  assert.deepEqual(plan.configs, ablationGrid(BASE));
  assert.deepEqual(plan.record, shardRecord(SPLIT, shard));
  assert.equal(plan.total, plan.record!.images.length);
  assert.deepEqual(
    await collect(plan.select(stream(SPLIT))),
    SPLIT.filter((i) => inShard(i.id, shard)),
  );
});

Deno.test("planEvaluation() given the run's prunePoints adds the ablation's row with it flipped, and not without --ablate", () => {
  const planned = (ablate: boolean) =>
    planEvaluation({ images: SPLIT, base: BASE, ablate, prunePoints: false })
      .configs;
  assert.deepEqual(
    planned(true),
    ablationGrid(BASE, { prunePoints: false }),
  );
  assert.deepEqual(planned(true).at(-1), { ...BASE, prunePoints: true });
  assert.deepEqual(planned(false), [BASE]);
});

Deno.test("withoutTokenMask() leaves out a blur ablation's token-mask configurations and their metrics", () => {
  const configs = ablationGrid(BASE);
  const metrics = new Map(
    configs.map((c) => [configName(c), new SplitMetricsAccumulator()]),
  );
  const left = withoutTokenMask(configs, metrics)!;
  assert.ok(left.configs.length > 0 && left.configs.length < configs.length);
  assert.deepEqual(left.configs[0], BASE);
  assert.ok(left.configs.every((c) => c.globalView !== "token-mask"));
  assert.deepEqual([...left.metrics.keys()], left.configs.map(configName));
  assert.equal(metrics.size, configs.length, "the given map is left alone");
});

Deno.test("withoutTokenMask() gives nothing when the main configuration is token-masked", () => {
  const configs = ablationGrid({ ...BASE, globalView: "token-mask" });
  assert.equal(withoutTokenMask(configs, new Map()), undefined);
});
