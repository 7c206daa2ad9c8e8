import assert from "node:assert/strict";
import {
  ABLATION_ALPHAS,
  type AblationConfig,
  ablationGrid,
  configName,
  globalViewsOf,
  selectWith,
} from "../../pipeline/eval/ablation.ts";
import { CPU_KERNELS, type Kernels } from "../../kernels/kernels.ts";
import { rectMask, segmentedJob } from "./segmented_jobs.ts";

const TM = "token-mask" as const;

Deno.test("configName() names the spatial rule, alpha, top-k and global view", () => {
  assert.equal(
    configName({ spatial: "seed", alpha: 0.85, topK: 3, globalView: "blur" }),
    "spatial=seed alpha=0.85 top-k=3 global=blur",
  );
});

Deno.test("ablationGrid() puts the base first, then each spatial mode, each alpha and each global view, without repeats", () => {
  const base: AblationConfig = {
    spatial: "extended",
    alpha: 0.85,
    topK: 4,
    globalView: TM,
  };
  assert.deepEqual(ABLATION_ALPHAS, [0.75, 0.85, 0.95]);
  assert.deepEqual(ablationGrid(base).map(configName), [
    "spatial=extended alpha=0.85 top-k=4 global=token-mask",
    "spatial=seed alpha=0.85 top-k=3 global=token-mask",
    "spatial=off alpha=0.85 top-k=3 global=token-mask",
    "spatial=extended alpha=0.75 top-k=4 global=token-mask",
    "spatial=extended alpha=0.95 top-k=4 global=token-mask",
    "spatial=extended alpha=0.85 top-k=4 global=blur",
  ]);
  assert.deepEqual(globalViewsOf(ablationGrid(base)), [TM, "blur"]);
  assert.deepEqual(globalViewsOf([base]), [TM]);
});

Deno.test("configName() ends with prune-points only where the configuration gives it", () => {
  const base: AblationConfig = {
    spatial: "seed",
    alpha: 0.85,
    topK: 3,
    globalView: "blur",
  };
  assert.equal(
    configName({ ...base, prunePoints: true }),
    "spatial=seed alpha=0.85 top-k=3 global=blur prune-points=on",
  );
  assert.equal(
    configName({ ...base, prunePoints: false }),
    "spatial=seed alpha=0.85 top-k=3 global=blur prune-points=off",
  );
});

Deno.test("ablationGrid() given the run's prunePoints ends with the base flipped to the other, the other rows' names unchanged", () => {
  const base: AblationConfig = {
    spatial: "extended",
    alpha: 0.85,
    topK: 4,
    globalView: TM,
  };
  for (const prunePoints of [false, true]) {
    const grid = ablationGrid(base, { prunePoints });
    assert.deepEqual(grid.slice(0, -1), ablationGrid(base));
    assert.deepEqual(grid.at(-1), { ...base, prunePoints: !prunePoints });
  }
});

Deno.test("ablationGrid() keeps the base's top-k for the alphas and each mode's default for the modes", () => {
  const base: AblationConfig = {
    spatial: "seed",
    alpha: 0.8,
    topK: 5,
    globalView: "blur",
  };
  const g = { globalView: "blur" as const };
  assert.deepEqual(ablationGrid(base), [
    base,
    { spatial: "extended", alpha: 0.8, topK: 4, ...g },
    { spatial: "seed", alpha: 0.8, topK: 3, ...g },
    { spatial: "off", alpha: 0.8, topK: 3, ...g },
    { spatial: "seed", alpha: 0.75, topK: 5, ...g },
    { spatial: "seed", alpha: 0.85, topK: 5, ...g },
    { spatial: "seed", alpha: 0.95, topK: 5, ...g },
    { ...base, globalView: TM },
  ]);
});

const W = 10, H = 4;
/** P0 on the right, P1 on the left, P2 a small one in the middle. */
const MASKS = [
  rectMask(W, H, [6, 0, 10, 4]),
  rectMask(W, H, [0, 0, 4, 4]),
  rectMask(W, H, [4, 1, 6, 3]),
];
/** Global views are e0, e1, e2; local views e1, e2, e0. The sentence leans to P0's global view. */
const JOB = segmentedJob({
  id: 1,
  width: W,
  height: H,
  sentences: ["the one on the left"],
  masks: MASKS,
  dim: 3,
  global: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  local: [0, 1, 0, 0, 0, 1, 1, 0, 0],
  features: [1, 0.8, 0],
});

Deno.test("selectWith() scores the proposals' views mixed by the configuration's alpha", async () => {
  const norm = Math.hypot(1, 0.8);
  const global = await selectWith(JOB, {
    spatial: "off",
    alpha: 1,
    topK: 3,
    globalView: TM,
  }, CPU_KERNELS);
  const expectGlobal = [1 / norm, 0.8 / norm, 0];
  global.scores.forEach((s, i) =>
    assert.ok(Math.abs(s - expectGlobal[i]) < 1e-6, `alpha 1, proposal ${i}`)
  );
  assert.deepEqual(global.selections.map((s) => [s.index, s.rule]), [
    [0, "best-score"],
  ]);
  const local = await selectWith(JOB, {
    spatial: "off",
    alpha: 0,
    topK: 3,
    globalView: TM,
  }, CPU_KERNELS);
  const expectLocal = [0.8 / norm, 0, 1 / norm];
  local.scores.forEach((s, i) =>
    assert.ok(Math.abs(s - expectLocal[i]) < 1e-6, `alpha 0, proposal ${i}`)
  );
  assert.equal(local.selections[0].index, 2);
});

Deno.test("selectWith() applies the configuration's spatial rule and top-k", async () => {
  const seed = await selectWith(JOB, {
    spatial: "seed",
    alpha: 1,
    topK: 3,
    globalView: TM,
  }, CPU_KERNELS);
  assert.deepEqual(seed.selections.map((s) => [s.index, s.rule]), [
    [1, "seed:left among top-3"],
  ]);
  assert.deepEqual(seed.selections[0].ranked, [0, 1, 2]);
  const one = await selectWith(JOB, {
    spatial: "seed",
    alpha: 1,
    topK: 1,
    globalView: TM,
  }, CPU_KERNELS);
  assert.equal(one.selections[0].index, 0);
});

Deno.test("selectWith() scores with the configuration's global view, and says when that view was not computed", async () => {
  // The blurred global views favour P1 where the token-masked ones favour P0.
  const both = {
    ...JOB,
    regions: {
      ...JOB.regions,
      globals: {
        "token-mask": JOB.regions.global,
        blur: Float32Array.from([0, 1, 0, 1, 0, 0, 0, 0, 1]),
      },
    },
  };
  const tokenMask = await selectWith(both, {
    spatial: "off",
    alpha: 1,
    topK: 3,
    globalView: TM,
  }, CPU_KERNELS);
  const blur = await selectWith(both, {
    spatial: "off",
    alpha: 1,
    topK: 3,
    globalView: "blur",
  }, CPU_KERNELS);
  assert.equal(tokenMask.selections[0].index, 0);
  assert.equal(blur.selections[0].index, 1);
  await assert.rejects(
    () =>
      selectWith(JOB, {
        spatial: "off",
        alpha: 1,
        topK: 3,
        globalView: "blur",
      }, CPU_KERNELS),
    /The blur global view of this job was not computed/,
  );
});

Deno.test("selectWith() scores on the kernels it is given (the segmenter's device), in one cosine call", async () => {
  const calls: number[] = [];
  const kernels: Pick<Kernels, "cosineSimilarity"> = {
    cosineSimilarity(input) {
      calls.push(input.dim);
      // A device whose scores favour the last proposal.
      return Promise.resolve(
        Float32Array.from([0, 0.1, 0.9, 0, 0, 0, 0, 0, 0]),
      );
    },
  };
  const out = await selectWith(
    JOB,
    { spatial: "off", alpha: 1, topK: 3, globalView: TM },
    kernels,
  );
  assert.deepEqual(calls, [3]);
  assert.equal(out.selections[0].index, 2);
});
