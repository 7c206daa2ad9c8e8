import assert from "node:assert/strict";
import {
  annotationToMask,
  decodeRle,
  decompressRle,
  maskToCompressedRle,
} from "../../pipeline/datasets/coco_mask.ts";
import type {
  DatasetImage,
  DatasetRef,
} from "../../pipeline/datasets/types.ts";
import {
  type AblationConfig,
  configName,
} from "../../pipeline/eval/ablation.ts";
import { SplitMetricsAccumulator } from "../../pipeline/eval/metrics.ts";
import {
  predictionKey,
  type PredictionLine,
} from "../../pipeline/eval/predictions.ts";
import {
  type EvalProgress,
  type EvalRunOptions,
  isSpatialSentence,
  MissingImageError,
  resumeState,
  runEvaluation,
  UnreadableImageError,
} from "../../pipeline/eval/run.ts";
import { ImageDecodeError } from "../../pipeline/image/errors.ts";
import { createRgbaImage, type RgbaImage } from "../../pipeline/image/rgba.ts";
import type { Segmenter } from "../../pipeline/segmenter.ts";
import type { ImageJob } from "../../pipeline/stages/job.ts";
import { CPU_KERNELS, type Kernels } from "../../kernels/kernels.ts";
import { rectMask, segmentedJob } from "./segmented_jobs.ts";

const S = 4; // every image is 4 x 4
const LEFT = rectMask(S, S, [0, 0, 2, 4]);
const RIGHT = rectMask(S, S, [2, 0, 4, 4]);
const TOP = rectMask(S, S, [0, 0, 4, 1]);
const ALL = rectMask(S, S, [0, 0, 4, 4]);
/** Every image's proposals: P0 the left half, P1 the right half, P2 the top row. */
const MASKS = [LEFT, RIGHT, TOP];
/** The proposal each sentence's feature points at. */
const TARGET: Record<string, number> = {
  "the thing on the left": 0, // IoU 1 with the left half
  "a blue thing": 2, // the top row against the left half: I 2, U 10
  "the thing on the right": 1, // IoU 1 with the right half
  "a thing": 1, // the right half against the whole image: I 8, U 16
};

function ref(
  refId: number,
  truth: Uint8Array,
  sentences: [number, string][],
): DatasetRef {
  return {
    refId,
    sentences: sentences.map(([sentId, sent]) => ({ sentId, sent })),
    segmentation: maskToCompressedRle(truth, S, S),
  };
}

const A: DatasetImage = {
  id: 1,
  file: "a.png",
  width: S,
  height: S,
  refs: [
    ref(10, LEFT, [[100, "the thing on the left"], [101, "a blue thing"]]),
    ref(11, RIGHT, [[110, "the thing on the right"]]),
  ],
};
const B: DatasetImage = {
  id: 2,
  file: "b.png",
  width: S,
  height: S,
  refs: [ref(20, LEFT, [[200, "a thing"]])],
};
const C: DatasetImage = {
  id: 3,
  file: "c.png",
  width: S,
  height: S,
  refs: [ref(30, ALL, [[300, "a thing"]])],
};

/** The mask of a prediction line's compressed RLE. */
function maskOf(rle: PredictionLine["mask"]): Uint8Array {
  return decodeRle(decompressRle({ size: [...rle.size], counts: rle.counts }));
}

const OFF: AblationConfig = {
  spatial: "off",
  alpha: 0.85,
  topK: 3,
  globalView: "token-mask",
};
const SEED: AblationConfig = { ...OFF, spatial: "seed" };

/**
 * A segmenter that proposes MASKS on every image and points each sentence
 * at its TARGET; its per-image work is `features`, its kernels `kernels`.
 */
function fakeSegmenter(
  seen: ImageJob[] = [],
  kernels: Kernels = CPU_KERNELS,
): Pick<Segmenter, "features" | "kernels"> {
  return {
    kernels,
    async *features(jobs: AsyncIterable<ImageJob>) {
      for await (const job of jobs) {
        seen.push(job);
        yield segmentedJob({
          id: job.id,
          width: job.image.width,
          height: job.image.height,
          sentences: job.sentences,
          masks: MASKS,
          dim: 3,
          global: [1, 0, 0, 0, 1, 0, 0, 0, 1],
          features: job.sentences.flatMap((s) =>
            [0, 1, 2].map((k) => (k === TARGET[s] ? 1 : 0))
          ),
          meta: job.meta,
          timings: { propose: 5, score: 1 },
        });
      }
    },
  } as unknown as Pick<Segmenter, "features" | "kernels">;
}

interface Harness {
  options: EvalRunOptions;
  appended: PredictionLine[][];
  loaded: string[];
  seen: ImageJob[];
  progress: EvalProgress[];
}

function harness(
  images: DatasetImage[],
  overrides: Partial<EvalRunOptions> = {},
  present: (image: DatasetImage) => boolean = (i) => i !== B,
): Harness {
  const h: Harness = {
    appended: [],
    loaded: [],
    seen: [],
    progress: [],
    options: undefined as unknown as EvalRunOptions,
  };
  h.options = {
    segmenter: fakeSegmenter(h.seen),
    images,
    loadImage(image: DatasetImage): Promise<RgbaImage | null> {
      h.loaded.push(image.file);
      return Promise.resolve(
        present(image) ? createRgbaImage(image.width, image.height) : null,
      );
    },
    truthMask: (r, w, hh) => annotationToMask(r.segmentation, w, hh),
    configs: [OFF],
    nameConfigs: false,
    done: new Set(),
    append(lines) {
      h.appended.push([...lines]);
      return Promise.resolve();
    },
    strict: false,
    onProgress: (p) => h.progress.push(p),
    ...overrides,
  };
  return h;
}

const keyOf = (
  image: DatasetImage,
  refId: number,
  sentId: number,
  config?: AblationConfig,
) =>
  predictionKey({
    image_id: image.id,
    ref_id: refId,
    sent_id: sentId,
    config: config && configName(config),
  });

Deno.test("runEvaluation() aggregates I and U of every sentence, split by spatial words", async () => {
  const h = harness([A, B, C]);
  const out = await runEvaluation(h.options);
  assert.equal(out.images, 2);
  assert.equal(out.sentences, 4);
  assert.deepEqual(out.missingImages, ["b.png"]);
  const m = out.metrics.get(configName(OFF))!.metrics();
  assert.equal(m.all.n, 4);
  assert.equal(m.all.oIoU, 61.9); // 100 * (8 + 2 + 8 + 8) / (8 + 10 + 8 + 16)
  assert.equal(m.all.mIoU, 67.5); // 100 * (1 + 0.2 + 1 + 0.5) / 4
  assert.equal(m.all["Pr@0.5"], 50);
  assert.equal(m.spatial.n, 2);
  assert.equal(m.spatial.mIoU, 100);
  assert.equal(m.nonSpatial.n, 2);
  assert.equal(m.nonSpatial.mIoU, 35);
  assert.deepEqual(out.timings, { propose: 10, score: 2 });
});

Deno.test("runEvaluation() appends each image's lines with counts, mask, box, rule and score", async () => {
  const h = harness([A, C]);
  await runEvaluation(h.options);
  assert.equal(h.appended.length, 2, "one append per image");
  const [a, c] = h.appended;
  assert.deepEqual(
    a.map((
      l,
    ) => [
      l.image_id,
      l.ref_id,
      l.sent_id,
      l.sentence,
      l.i,
      l.u,
      l.iou,
      l.spatial,
    ]),
    [
      [1, 10, 100, "the thing on the left", 8, 8, 1, true],
      [1, 10, 101, "a blue thing", 2, 10, 0.2, false],
      [1, 11, 110, "the thing on the right", 8, 8, 1, true],
    ],
  );
  assert.deepEqual(a[1].box, [0, 0, 4, 1]);
  assert.deepEqual(maskOf(a[1].mask), TOP);
  assert.deepEqual(a[1].mask.size, [S, S]);
  assert.ok(a.every((l) => l.rule === "best-score" && l.score === 1));
  assert.ok(a.every((l) => !("config" in l)));
  assert.deepEqual(c.map((l) => [l.i, l.u]), [[8, 16]]);
});

Deno.test("runEvaluation() counts a missing image and goes on, or stops on it when strict", async () => {
  const lenient = harness([B, C]);
  const out = await runEvaluation(lenient.options);
  assert.deepEqual(out.missingImages, ["b.png"]);
  assert.equal(out.images, 1);
  assert.deepEqual(lenient.progress.map((p) => [p.images, p.missingImages]), [
    [0, 1],
    [1, 1],
  ]);
  const strict = harness([B, C], { strict: true });
  await assert.rejects(
    () => runEvaluation(strict.options),
    (e: unknown) =>
      e instanceof MissingImageError &&
      e.name === "MissingImageError" &&
      e.message.includes("b.png"),
  );
  assert.deepEqual(strict.appended, []);
});

Deno.test("runEvaluation() counts a corrupt image with its reason and goes on, or stops on it when strict", async () => {
  const corrupt = (image: DatasetImage) =>
    image.file === "b.png"
      ? Promise.reject(
        new ImageDecodeError("b.png", "the PNG data is truncated", "fix it"),
      )
      : Promise.resolve(createRgbaImage(image.width, image.height));
  const lenient = harness([B, C], { loadImage: corrupt });
  const out = await runEvaluation(lenient.options);
  assert.deepEqual(out.unreadableImages, ["b.png: the PNG data is truncated"]);
  assert.deepEqual(out.missingImages, []);
  assert.equal(out.images, 1);
  assert.deepEqual(
    lenient.progress.map((p) => [p.images, p.unreadableImages]),
    [[0, 1], [1, 1]],
  );
  const strict = harness([B, C], { loadImage: corrupt, strict: true });
  await assert.rejects(
    () => runEvaluation(strict.options),
    (e: unknown) =>
      e instanceof UnreadableImageError &&
      e.message.startsWith(
        "Image file b.png cannot be read (the PNG data is truncated): replace it with a valid copy, or run without strict mode",
      ),
  );
  assert.deepEqual(strict.appended, []);
});

Deno.test("runEvaluation() skips sentences already done but runs the whole image", async () => {
  const done = new Set([keyOf(A, 10, 101), keyOf(C, 30, 300)]);
  const h = harness([A, C], { done });
  const out = await runEvaluation(h.options);
  assert.deepEqual(
    h.loaded,
    ["a.png"],
    "an image with nothing left is not read",
  );
  assert.deepEqual(h.seen.map((j) => j.sentences.length), [3]);
  assert.deepEqual(h.appended.flat().map((l) => l.sent_id), [100, 110]);
  assert.equal(out.sentences, 2);
  assert.equal(out.metrics.get(configName(OFF))!.all.count, 2);
});

Deno.test("runEvaluation() adds to the accumulators it is given", async () => {
  const previous = new SplitMetricsAccumulator();
  previous.add(0, 10, false);
  const metrics = new Map([[configName(OFF), previous]]);
  const out = await runEvaluation(harness([C], { metrics }).options);
  assert.equal(out.metrics, metrics);
  const m = previous.metrics().all;
  assert.equal(m.n, 2);
  assert.equal(m.oIoU, 30.77); // 100 * 8 / 26
});

Deno.test("runEvaluation() keeps the best and worst examples by IoU", async () => {
  const all = await runEvaluation(harness([A, C]).options);
  assert.deepEqual(all.best.map((e) => e.iou), [1, 1, 0.5, 0.2]);
  assert.deepEqual(all.worst.map((e) => e.iou), [0.2, 0.5, 1, 1]);
  const one = await runEvaluation(harness([A, C], { examples: 1 }).options);
  assert.equal(one.best.length, 1);
  assert.equal(one.best[0].sentence, "the thing on the left");
  assert.equal(one.worst.length, 1);
  assert.equal(one.worst[0].sentence, "a blue thing");
  assert.equal(one.worst[0].image, A);
  assert.equal(one.worst[0].ref, A.refs[0]);
  assert.deepEqual(maskOf(one.worst[0].mask), TOP);
});

Deno.test("runEvaluation() with named configurations writes each one's lines and counts the main one's sentences", async () => {
  const done = new Set([keyOf(A, 10, 100, SEED)]);
  const h = harness([A], { configs: [OFF, SEED], nameConfigs: true, done });
  const out = await runEvaluation(h.options);
  const lines = h.appended.flat();
  assert.deepEqual(lines.map((l) => [l.config, l.sent_id]), [
    [configName(OFF), 100],
    [configName(OFF), 101],
    [configName(OFF), 110],
    [configName(SEED), 101],
    [configName(SEED), 110],
  ]);
  assert.equal(out.sentences, 3);
  assert.equal(out.metrics.get(configName(OFF))!.all.count, 3);
  assert.equal(out.metrics.get(configName(SEED))!.all.count, 2);
  assert.equal(out.best.length, 3, "examples come from the main configuration");
});

Deno.test("runEvaluation() rejects an image whose size differs from the dataset's", async () => {
  const h = harness([A], {
    loadImage: () => Promise.resolve(createRgbaImage(3, 4)),
  });
  await assert.rejects(
    () => runEvaluation(h.options),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message.includes("a.png is 3x4 but the dataset says 4x4"),
  );
});

Deno.test("runEvaluation() passes over images without sentences", async () => {
  const empty: DatasetImage = { ...C, id: 9, file: "empty.png", refs: [] };
  const h = harness([empty, C]);
  const out = await runEvaluation(h.options);
  assert.deepEqual(h.loaded, ["c.png"]);
  assert.equal(out.images, 1);
});

Deno.test("isSpatialSentence() is true for the seed rule's words only", () => {
  assert.equal(isSpatialSentence("the thing on the LEFT"), true);
  assert.equal(isSpatialSentence("the one below"), true);
  assert.equal(isSpatialSentence("the leftmost one"), false);
  assert.equal(isSpatialSentence("a blue thing"), false);
});

Deno.test("runEvaluation() measures each image's sentences in one maskOverlaps call of its kernels", async () => {
  const h = harness([A, C]);
  let calls = 0, pairs = 0;
  const out = await runEvaluation({
    ...h.options,
    kernels: {
      maskOverlaps(input) {
        calls++;
        pairs += input.predicted.count;
        return CPU_KERNELS.maskOverlaps(input);
      },
    },
  });
  assert.equal(calls, 2); // images A and C
  assert.equal(pairs, 4); // their sentences
  assert.equal(out.metrics.get(configName(OFF))!.metrics().all.n, 4);
});

Deno.test("runEvaluation() runs each image's per-image work once and scores every configuration on the segmenter's kernels", async () => {
  const h = harness([A, C]);
  const cosines: number[] = [];
  let overlaps = 0;
  const kernels: Kernels = {
    ...CPU_KERNELS,
    cosineSimilarity(input) {
      cosines.push(input.dim);
      return CPU_KERNELS.cosineSimilarity(input);
    },
    maskOverlaps(input) {
      overlaps++;
      return CPU_KERNELS.maskOverlaps(input);
    },
  };
  const out = await runEvaluation({
    ...h.options,
    segmenter: fakeSegmenter(h.seen, kernels),
    configs: [OFF, SEED],
    nameConfigs: true,
  });
  assert.deepEqual(h.seen.map((j) => j.id), [A.id, C.id]);
  assert.equal(cosines.length, 4); // two images x two configurations
  assert.equal(overlaps, 2); // the segmenter's kernels, one call an image
  assert.equal(out.metrics.get(configName(SEED))!.metrics().all.n, 4);
});

Deno.test("resumeState() gives the keys done and each configuration's metrics, unnamed lines to the main one", () => {
  const { done, metrics } = resumeState([
    { key: "a", i: 1, u: 2, spatial: true },
    { key: "b", i: 3, u: 3, spatial: false, config: configName(SEED) },
    { key: "c", i: 0, u: 1, spatial: false, config: "gone" },
  ], [OFF, SEED]);
  assert.deepEqual([...done], ["a", "b", "c"]);
  assert.deepEqual([...metrics.keys()], [configName(OFF), configName(SEED)]);
  assert.equal(metrics.get(configName(OFF))!.metrics().spatial.n, 1);
  assert.equal(metrics.get(configName(SEED))!.metrics().all.mIoU, 100);
});

Deno.test("runEvaluation() gives a configuration with prunePoints its own per-image pass, once per image, and scores it on that pass's proposals", async () => {
  const h = harness([A, C]);
  const passes: [string | number, boolean | undefined][] = [];
  const base = fakeSegmenter(h.seen);
  const segmenter = {
    kernels: base.kernels,
    async *features(
      jobs: AsyncIterable<ImageJob>,
      overrides: { prunePoints?: boolean } = {},
    ) {
      for await (const job of jobs) {
        passes.push([job.id, overrides.prunePoints]);
        const masks = overrides.prunePoints ? [ALL, ALL, ALL] : MASKS;
        yield segmentedJob({
          id: job.id,
          width: job.image.width,
          height: job.image.height,
          sentences: job.sentences,
          masks,
          dim: 3,
          global: [1, 0, 0, 0, 1, 0, 0, 0, 1],
          features: job.sentences.flatMap((s) =>
            [0, 1, 2].map((k) => (k === TARGET[s] ? 1 : 0))
          ),
          meta: job.meta,
          timings: { propose: overrides.prunePoints ? 2 : 5 },
        });
      }
    },
  } as unknown as Pick<Segmenter, "features" | "kernels">;
  const PRUNED = { ...OFF, prunePoints: true };
  const out = await runEvaluation({
    ...h.options,
    segmenter,
    configs: [OFF, PRUNED, { ...SEED, prunePoints: true }],
    nameConfigs: true,
  });
  assert.deepEqual(passes, [
    [A.id, undefined],
    [A.id, true],
    [C.id, undefined],
    [C.id, true],
  ]);
  const lines = h.appended.flat();
  const pruned = lines.filter((l) => l.config === configName(PRUNED));
  assert.equal(pruned.length, 4);
  for (const l of pruned) assert.deepEqual(maskOf(l.mask), ALL);
  const main = lines.filter((l) => l.config === configName(OFF));
  assert.ok(main.some((l) => l.sentence === "the thing on the left"));
  for (const l of main.filter((l) => l.sentence === "the thing on the left")) {
    assert.deepEqual(maskOf(l.mask), LEFT);
  }
  assert.equal(out.timings.propose, 10);
  assert.equal(out.timings["propose (prune-points=on)"], 4);
});
