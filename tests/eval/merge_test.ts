import assert from "node:assert/strict";
import {
  checkShards,
  mergeShards,
  problemText,
  type ShardFiles,
  ShardMergeError,
} from "../../pipeline/eval/merge.ts";
import { shardRecord } from "../../pipeline/eval/shard.ts";
import { SplitMetricsAccumulator } from "../../pipeline/eval/metrics.ts";

/** The split: ids 0..5, shards of 3 are {0}, {1, 2, 4}, {3, 5}. */
const SPLIT = [0, 1, 2, 3, 4, 5].map((id) => ({ id, file: `${id}.png` }));
/** Each image's one sentence: I and U. */
const COUNTS = [[1, 2], [3, 3], [0, 4], [2, 5], [1, 1], [5, 9]];
const SETTINGS = { data: "toy", alpha: 0.85, fingerprint: "sha256:ab" };

function line(id: number): string {
  const [i, u] = COUNTS[id];
  return JSON.stringify({
    image_id: id,
    ref_id: id,
    sent_id: id,
    sentence: id % 2 ? "the left one" : "a cat",
    mask: { size: [2, 2], counts: "4" },
    iou: i / u,
    i,
    u,
    spatial: id % 2 === 1,
  });
}

/** Shard k of 3 as its run wrote it. */
function shard(k: number, overrides: Partial<ShardFiles> = {}): ShardFiles {
  const record = shardRecord(SPLIT, { index: k, count: 3 });
  const lines = record.images.map((image) => line(image.id as number));
  return {
    dir: `s${k}`,
    run: { ...SETTINGS, shard: `${k}/3` },
    record,
    metrics: {
      settings: { ...SETTINGS, shard: `${k}/3`, models: { device: "cpu" } },
      counts: { imagesThisRun: record.images.length, sentences: lines.length },
      missingImages: [],
      skippedRefs: [],
      timings: { propose: 10, wall: 100, perImage: 50 },
    },
    lines,
    ...overrides,
  };
}

const mergeError = (f: () => unknown): ShardMergeError => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ShardMergeError, String(e));
    assert.doesNotMatch(e.message, /--/, "no command-line flags");
    return e;
  }
  assert.fail("expected a ShardMergeError");
};
const problems = (f: () => unknown): string => mergeError(f).message;

Deno.test("mergeShards() puts the lines back in the split's order and adds the metrics in that order, as one run", () => {
  const merged = mergeShards([shard(3), shard(1), shard(2)]);
  assert.deepEqual(merged.lines, SPLIT.map((s) => line(s.id)));
  const one = new SplitMetricsAccumulator();
  COUNTS.forEach(([i, u], id) => one.add(i, u, id % 2 === 1));
  assert.deepEqual(merged.totals.metrics.get("")!.metrics(), one.metrics());
  assert.deepEqual(merged.run, SETTINGS);
  assert.deepEqual(merged.totals.settings, {
    ...SETTINGS,
    models: { device: "cpu" },
  });
  assert.equal(merged.totals.imagesThisRun, 6);
  assert.equal(merged.totals.wallMs, 300);
  assert.deepEqual(merged.totals.stageTimings, { propose: 30 });
});

Deno.test("checkShards() names a missing shard, with its number, in the library's words", () => {
  const e = mergeError(() => checkShards([shard(1), shard(3)]));
  const missing = e.problems.find((p) => p.kind === "missing-shard");
  assert.deepEqual(missing?.shard, { index: 2, count: 3 });
  assert.equal(
    problemText(missing!),
    "shard 2/3 is missing: run it and merge its output folder too",
  );
  assert.deepEqual(e.problems.map((p) => p.kind), [
    "missing-shard",
    "uncovered",
  ]);
  const m = e.message;
  assert.match(
    m,
    /3 images of the split are in no shard \(positions 1, 2, 4\)/,
  );
});

Deno.test("checkShards() refuses a shard given twice and images in two shards", () => {
  assert.match(
    problems(() => checkShards([shard(1), shard(2), shard(2), shard(3)])),
    /shard 2\/3 is given twice or more \(s2, s2\)/,
  );
  // Shard 1 claims image 1 too, as a different assignment rule would.
  const s1 = shard(1);
  const overlapping = shard(1, {
    record: {
      ...s1.record!,
      images: [...s1.record!.images, { position: 1, id: 1, file: "1.png" }],
    },
  });
  assert.match(
    problems(() => checkShards([overlapping, shard(2), shard(3)])),
    /1 images are in more than one shard \(image 1 in s1 and s2\)/,
  );
});

Deno.test("checkShards() refuses other settings, naming them, and other data", () => {
  const alpha = shard(2, { run: { ...SETTINGS, alpha: 0.5, shard: "2/3" } });
  assert.match(
    problems(() => checkShards([shard(1), alpha, shard(3)])),
    /s2 was run with other settings than s1 \(alpha: 0\.85 vs 0\.5\)/,
  );
  const data = shard(2, {
    run: { ...SETTINGS, fingerprint: "sha256:cd", shard: "2/3" },
  });
  const m = problems(() => checkShards([shard(1), data, shard(3)]));
  assert.match(m, /s2 ran on other data than s1/);
  assert.doesNotMatch(m, /other settings/);
});

Deno.test("checkShards() refuses shards cut another way, unfinished or not shards at all", () => {
  assert.match(
    problems(() =>
      checkShards([shard(1), shard(2, { run: { ...SETTINGS, shard: "2/4" } })])
    ),
    /s2 is shard 2\/4 but s1 is one of 3/,
  );
  assert.match(
    problems(() =>
      checkShards([shard(1), shard(2, { metrics: undefined }), shard(3)])
    ),
    /shard 2\/3 in s2 has not finished \(no metrics.json\): resume it/,
  );
  const cut = shard(2);
  assert.match(
    problems(() =>
      checkShards([shard(1), { ...cut, lines: cut.lines.slice(1) }, shard(3)])
    ),
    /has 2 predictions of its main configuration but its metrics.json counts 3/,
  );
  // A damaged line counts as no prediction, and its text is not echoed.
  const damaged = shard(2);
  const message = problems(() =>
    checkShards([
      shard(1),
      {
        ...damaged,
        lines: ['{"image_id": 1, secret', ...damaged.lines.slice(1)],
      },
      shard(3),
    ])
  );
  assert.match(message, /has 2 predictions of its main configuration/);
  assert.doesNotMatch(message, /secret/);
  assert.match(
    problems(() => checkShards([shard(1, { run: SETTINGS })])),
    /s1 is not a shard/,
  );
  assert.match(problems(() => checkShards([])), /no shards given/);
});

Deno.test("mergeShards() of an ablation adds each configuration's lines to its own metrics, the first being the main one", () => {
  const configs = ["main", "other"];
  const ablated = (k: number): ShardFiles => {
    const s = shard(k);
    const lines = s.lines.flatMap((l) =>
      configs.map((config) => JSON.stringify({ ...JSON.parse(l), config }))
    );
    return {
      ...s,
      lines,
      metrics: {
        ...s.metrics,
        ablation: configs.map((config) => ({ config })),
      },
    };
  };
  const merged = mergeShards([ablated(1), ablated(2), ablated(3)]);
  assert.deepEqual(merged.totals.configs, configs);
  assert.equal(merged.totals.ablate, true);
  for (const c of configs) {
    assert.equal(merged.totals.metrics.get(c)!.metrics().all.n, 6, c);
  }
  assert.equal(merged.lines.length, 12);
});
