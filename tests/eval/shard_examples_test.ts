import assert from "node:assert/strict";
import type { DatasetImage } from "../../pipeline/datasets/types.ts";
import type { EvalExample } from "../../pipeline/eval/run.ts";
import { shardRecord } from "../../pipeline/eval/shard.ts";
import {
  examplesJson,
  mergeExamples,
  placeExamples,
} from "../../pipeline/eval/shard_examples.ts";

/** Six images of two sentences each; IoUs with ties across images. */
const IOUS = [[0.5, 0.9], [0.9, 0.1], [0.5, 0.5], [0.1, 1], [0.9, 0], [0, 0.5]];
const IMAGES: DatasetImage[] = IOUS.map((_, id) => ({
  id,
  file: `${id}.png`,
  width: 2,
  height: 2,
  refs: [{
    refId: id,
    segmentation: [],
    sentences: [{ sentId: 2 * id, sent: "a" }, {
      sentId: 2 * id + 1,
      sent: "b",
    }],
  }],
}));

/** The examples of `images` in the order one run meets them. */
function examplesOf(images: DatasetImage[]): EvalExample[] {
  return images.flatMap((image) =>
    image.refs[0].sentences.map((s, k) => ({
      image,
      sentence: s.sent,
      iou: IOUS[image.id as number][k],
      ref: image.refs[0],
      mask: { size: [2, 2] as [number, number], counts: "4" },
    }))
  );
}

/** What runEvaluation keeps: a stable sort, cut to k. */
function keep(list: EvalExample[], sign: number, k = 4): EvalExample[] {
  return [...list].sort((a, b) => sign * (b.iou - a.iou)).slice(0, k);
}

const name = (e: EvalExample) => `${e.image.id}:${e.sentence}`;

Deno.test("mergeExamples() of the shards' best and worst gives one run's, ties going to the example met first", () => {
  const one = examplesOf(IMAGES);
  const shards = [1, 2, 3].map((index) => {
    const shard = { index, count: 3 };
    const record = shardRecord(IMAGES, shard);
    const own = examplesOf(
      IMAGES.filter((i) => record.images.some((r) => r.id === i.id)),
    );
    // Through JSON, as examples.json holds them.
    return JSON.parse(JSON.stringify(
      placeExamples(keep(own, 1), keep(own, -1), record),
    ));
  });
  const merged = mergeExamples(shards);
  assert.deepEqual(merged.best.map(name), keep(one, 1).map(name));
  assert.deepEqual(merged.worst.map(name), keep(one, -1).map(name));
});

Deno.test("mergeExamples() gives an example in both lists as one object, and keeps only its own ref", () => {
  const few = examplesOf([IMAGES[0]]);
  const record = shardRecord([IMAGES[0]], { index: 1, count: 1 });
  const merged = mergeExamples([placeExamples(few, few, record)]);
  assert.equal(merged.best.length, 2);
  assert.ok(merged.worst.every((w) => merged.best.includes(w)));
  assert.deepEqual(merged.best[0].image.refs, []);
  assert.equal(merged.best[0].ref.refId, 0);
});

Deno.test("examplesJson() is the placed examples on one line, which JSON.parse gives back", () => {
  const record = shardRecord(IMAGES, { index: 1, count: 1 });
  const placed = placeExamples([], [], record);
  assert.equal(examplesJson(placed), '{"best":[],"worst":[]}\n');
});
