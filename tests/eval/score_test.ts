import assert from "node:assert/strict";
import { maskToCompressedRle } from "../../pipeline/datasets/coco_mask.ts";
import type { DatasetImage } from "../../pipeline/datasets/types.ts";
import {
  PredictionFormatError,
  type PredictionLine,
} from "../../pipeline/eval/predictions.ts";
import {
  indexRefs,
  refKey,
  scorePredictions,
  splitSentenceCount,
} from "../../pipeline/eval/score.ts";
import { rectMask } from "./segmented_jobs.ts";

const W = 4, H = 3;

/** Image 1 (4 x 3): ref 10 is the left two columns, ref 11 the top row (polygon). Image 2: ref 10 again. */
const IMAGES: DatasetImage[] = [
  {
    id: 1,
    file: "one.png",
    width: W,
    height: H,
    refs: [
      {
        refId: 10,
        sentences: [
          { sentId: 100, sent: "the thing on the left" },
          { sentId: 101, sent: "a red thing" },
        ],
        segmentation: maskToCompressedRle(rectMask(W, H, [0, 0, 2, 3]), W, H),
      },
      {
        refId: 11,
        sentences: [{ sentId: 110, sent: "a row of things" }],
        segmentation: [[0, 0, 4, 0, 4, 1, 0, 1]],
      },
    ],
  },
  {
    id: 2,
    file: "two.png",
    width: W,
    height: H,
    refs: [{
      refId: 10,
      sentences: [{ sentId: 200, sent: "everything" }],
      segmentation: maskToCompressedRle(rectMask(W, H, [0, 0, 4, 3]), W, H),
    }],
  },
];

function line(
  imageId: number,
  refId: number,
  sentId: number,
  predicted: Uint8Array,
  extra: Partial<PredictionLine> = {},
): string {
  const l: PredictionLine = {
    image_id: imageId,
    ref_id: refId,
    sent_id: sentId,
    sentence: "ignored",
    mask: maskToCompressedRle(predicted, W, H),
    // Recorded counts are deliberately wrong: scoring recomputes them.
    iou: 0,
    i: 0,
    u: 1,
    box: null,
    rule: "best-score",
    score: null,
    spatial: false,
    ...extra,
  };
  return JSON.stringify(l);
}

async function* stream(lines: string[]): AsyncIterable<string> {
  for (const l of lines) yield l;
}

const index = await indexRefs(IMAGES);

Deno.test("scorePredictions() compares each line's mask with its ref's ground truth", async () => {
  const lines = [
    line(1, 10, 100, rectMask(W, H, [0, 0, 1, 3])), // I 3, U 6
    line(1, 10, 101, rectMask(W, H, [0, 0, 2, 3])), // I 6, U 6
    line(1, 11, 110, rectMask(W, H, [2, 0, 4, 2])), // I 2, U 4 + 4 - 2 = 6
    line(2, 10, 200, new Uint8Array(W * H)), // I 0, U 12
  ];
  const out = await scorePredictions(stream(lines), index, "p.jsonl");
  assert.equal(out.lines, 4);
  assert.deepEqual([...out.metrics.keys()], [""]);
  const m = out.metrics.get("")!.metrics();
  assert.equal(m.all.n, 4);
  assert.equal(m.all.oIoU, 36.67); // 100 * 11 / 30
  assert.equal(m.all.mIoU, 45.83); // 100 * (0.5 + 1 + 1/3 + 0) / 4
  assert.equal(m.all["Pr@0.5"], 25); // IoU must exceed 0.5
});

Deno.test("scorePredictions() splits spatial sentences by the dataset's sentence, not the line's", async () => {
  const out = await scorePredictions(
    stream([
      line(1, 10, 100, rectMask(W, H, [0, 0, 2, 3]), { sentence: "x" }),
      line(1, 10, 101, rectMask(W, H, [0, 0, 2, 3]), { sentence: "x" }),
      line(1, 11, 110, rectMask(W, H, [0, 0, 2, 3]), {
        sentence: "on the left",
      }),
    ]),
    index,
    "p.jsonl",
  );
  // Only "the thing on the left" (sentence 100) is spatial.
  const m = out.metrics.get("")!.metrics();
  assert.equal(m.spatial.n, 1);
  assert.equal(m.nonSpatial.n, 2);
  assert.equal(m.spatial.mIoU, 100);
});

Deno.test("scorePredictions() keeps configurations apart and allows one line per configuration", async () => {
  const mask = rectMask(W, H, [0, 0, 2, 3]);
  const out = await scorePredictions(
    stream([
      line(1, 10, 100, mask, { config: "a" }),
      line(1, 10, 100, new Uint8Array(W * H), { config: "b" }),
      line(1, 10, 101, mask, { config: "a" }),
    ]),
    index,
    "p.jsonl",
  );
  assert.equal(out.lines, 3);
  assert.equal(out.metrics.get("a")!.metrics().all.mIoU, 100);
  assert.equal(out.metrics.get("b")!.metrics().all.mIoU, 0);
});

Deno.test("scorePredictions() skips blank lines but counts them in line numbers", async () => {
  const mask = rectMask(W, H, [0, 0, 2, 3]);
  const lines = [line(1, 10, 100, mask), "", "  ", line(1, 10, 100, mask)];
  await assert.rejects(
    () => scorePredictions(stream(lines), index, "out/p.jsonl"),
    (e: unknown) =>
      e instanceof PredictionFormatError &&
      e.message.startsWith(
        "out/p.jsonl, line 4: a second prediction for image 1, ref 10, sentence 100",
      ),
  );
});

Deno.test("scorePredictions() rejects a ref that is not in the split, naming the line", async () => {
  const mask = rectMask(W, H, [0, 0, 2, 3]);
  for (const [imageId, refId] of [[1, 99], [2, 11], [5, 10]]) {
    await assert.rejects(
      () =>
        scorePredictions(
          stream([line(1, 10, 100, mask), line(imageId, refId, 1, mask)]),
          index,
          "p.jsonl",
        ),
      (e: unknown) =>
        e instanceof PredictionFormatError &&
        e.message.startsWith(
          `p.jsonl, line 2: ref_id ${refId} of image ${imageId} is not in the dataset split`,
        ),
      `image ${imageId}, ref ${refId}`,
    );
  }
});

Deno.test("scorePredictions() rejects a sent_id that is not a sentence of the ref, naming the line", async () => {
  const mask = rectMask(W, H, [0, 0, 2, 3]);
  // Ref 10 of image 1 has sentences 100 and 101 only: a line for any other
  // would be scored as a sentence the split does not have.
  await assert.rejects(
    () =>
      scorePredictions(
        stream([line(1, 10, 100, mask), line(1, 10, 110, mask)]),
        index,
        "p.jsonl",
      ),
    (e: unknown) =>
      e instanceof PredictionFormatError &&
      e.message.startsWith(
        "p.jsonl, line 2: sent_id 110 is not a sentence of ref 10 of image 1 in the dataset split",
      ),
  );
});

Deno.test("splitSentenceCount() counts every sentence of every ref", () => {
  assert.equal(splitSentenceCount(index), 4);
});

Deno.test("scorePredictions() rejects a mask whose size is not the image's", async () => {
  const wrong = JSON.stringify({
    ...JSON.parse(line(1, 10, 100, new Uint8Array(W * H))),
    mask: maskToCompressedRle(new Uint8Array(W * H), H, W),
  });
  await assert.rejects(
    () => scorePredictions(stream([wrong]), index, "p.jsonl"),
    (e: unknown) =>
      e instanceof PredictionFormatError &&
      e.message.startsWith(
        "p.jsonl, line 1: the mask is 3x4 but image 1 is 4x3",
      ),
  );
});

Deno.test("scorePredictions() rejects a line that is not a prediction", async () => {
  await assert.rejects(
    () => scorePredictions(stream(["{}"]), index, "p.jsonl"),
    /p\.jsonl, line 1: "image_id" is missing/,
  );
});

Deno.test("indexRefs() indexes refs by image and ref id, ids alike as numbers or strings", async () => {
  assert.equal(index.size, 3);
  assert.equal(index.get(refKey(1, 11))?.ref, IMAGES[0].refs[1]);
  assert.equal(index.get(refKey("2", "10"))?.image, IMAGES[1]);
  assert.equal(index.get(refKey(2, 11)), undefined);
  async function* images() {
    yield* IMAGES;
  }
  assert.equal((await indexRefs(images())).size, 3);
});

Deno.test("indexRefs() rejects two refs of one image with the same id", async () => {
  const twice: DatasetImage = {
    ...IMAGES[0],
    refs: [IMAGES[0].refs[0], { ...IMAGES[0].refs[1], refId: "10" }],
  };
  await assert.rejects(
    () => indexRefs([IMAGES[1], twice]),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message.includes("Image 1 has two refs with id 10"),
  );
});

Deno.test("scorePredictions() names the line of a mask whose counts are corrupt", async () => {
  const good = line(1, 10, 100, rectMask(W, H, [0, 0, 2, 3]));
  const corrupt = JSON.stringify({
    ...JSON.parse(line(1, 10, 101, rectMask(W, H, [0, 0, 2, 3]))),
    mask: { size: [H, W], counts: "!!" },
  });
  await assert.rejects(
    () => scorePredictions(stream([good, corrupt]), index, "p.jsonl"),
    (e: unknown) =>
      e instanceof PredictionFormatError &&
      e.message.startsWith("p.jsonl, line 2:"),
  );
});
