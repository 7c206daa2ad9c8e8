import assert from "node:assert/strict";
import {
  DatasetFormatError,
  DatasetIntegrityError,
  DatasetNotFoundError,
} from "../../pipeline/datasets/errors.ts";
import { PickleError } from "../../pipeline/datasets/_pickle.ts";
import {
  buildReferSplit,
  checkReferSplitName,
  describeReferSplit,
  MAX_REFER_SENTENCES,
  referImageFileName,
  referRefsFileName,
  referSplitMatches,
} from "../../pipeline/datasets/refer.ts";

const FIXTURE = new URL("../fixtures/refer/refcocog/", import.meta.url);
const REFS = await Deno.readFile(new URL("refs(umd).p", FIXTURE));
const INSTANCES_TEXT = await Deno.readTextFile(
  new URL("instances.json", FIXTURE),
);

interface Instances {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { id: number; image_id: number; segmentation: unknown }[];
}

function instances(): Instances {
  return JSON.parse(INSTANCES_TEXT);
}

const UMD = { dataset: "refcocog", splitBy: "umd" } as const;

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  assert.fail("expected an error");
}

Deno.test("buildReferSplit() groups the train refs of the fixture by image, in file order", () => {
  const train = buildReferSplit(REFS, INSTANCES_TEXT, {
    ...UMD,
    split: "train",
  });
  assert.deepEqual(train.counts, { images: 2, refs: 7, sentences: 11 });
  assert.deepEqual(train.splits, { train: 8, val: 7 });
  assert.deepEqual(
    train.images.map((i) => [i.id, i.file, i.width, i.height]),
    [
      [101, "COCO_train2014_000000000101.png", 320, 240],
      [102, "COCO_train2014_000000000102.png", 240, 320],
    ],
  );
  // Refs are stored out of image order (1, 4, 2, 3, 5, ...): grouping
  // collects each image's refs in file order.
  assert.deepEqual(train.images.map((i) => i.refs.map((r) => r.refId)), [
    [1, 2, 3],
    [4, 5, 6, 7],
  ]);
  const [left, right, circle] = train.images[0].refs;
  assert.deepEqual(left, {
    refId: 1,
    annId: 1001,
    categoryId: 1,
    sentences: [
      {
        sentId: 11,
        sent: "the red square on the left",
        raw: "The red square on the left.",
      },
      { sentId: 12, sent: "left red square", raw: "left red square" },
    ],
    segmentation: [[24, 88, 84, 88, 84, 148, 24, 148]],
    bbox: [24, 88, 60, 60],
  });
  // Python 2 byte string (UTF-8) and unicode object, as REFER's files mix them.
  assert.equal(right.sentences[0].raw, "The red square \u2013 right");
  assert.equal(circle.sentences[0].raw, "The blue circle\u2026");
  // Compressed RLE, uncompressed RLE and a polygon in three parts pass through as they are.
  assert.equal(
    typeof (circle.segmentation as { counts: unknown }).counts,
    "string",
  );
  const [, bottom, white] = train.images[1].refs;
  assert.ok(Array.isArray((bottom.segmentation as { counts: unknown }).counts));
  assert.deepEqual((bottom.segmentation as { size: unknown }).size, [320, 240]);
  assert.equal((white.segmentation as number[][]).length, 3);
  // Ref 15's image is not in instances.json: skipped and reported.
  assert.deepEqual(train.skipped, [{
    kind: "missing-image",
    refId: 15,
    annId: 1041,
    imageId: 105,
    detail: "ref 15 (refs[6]): image_id 105 is not in instances.json's images",
  }]);
});

Deno.test("buildReferSplit() reports a ref whose ann_id is missing from instances.json", () => {
  const val = buildReferSplit(REFS, instances(), { ...UMD, split: "val" });
  assert.deepEqual(val.counts, { images: 2, refs: 6, sentences: 8 });
  assert.deepEqual(val.images.map((i) => i.refs.map((r) => r.refId)), [
    [8, 9, 10, 11],
    [13, 14],
  ]);
  assert.equal(val.skipped.length, 1);
  assert.equal(val.skipped[0].kind, "missing-annotation");
  assert.equal(val.skipped[0].refId, 12);
  assert.match(val.skipped[0].detail, /ann_id 9999 is not in instances\.json/);
  assert.equal(
    describeReferSplit(val),
    "refcocog (umd) val: 2 images, 6 refs, 8 sentences; skipped 1 ref " +
      "(1 annotation missing from instances.json):\n" +
      "  ref 12 (refs[11]): ann_id 9999 is not in instances.json's annotations",
  );
});

Deno.test("buildReferSplit() stops on missing annotations and images under strict", () => {
  const error = thrown(() =>
    buildReferSplit(REFS, instances(), {
      ...UMD,
      split: "val",
      strict: true,
    })
  );
  assert.ok(error instanceof DatasetIntegrityError, String(error));
  assert.match(
    error.message,
    /1 of 7 refs of refcocog \(umd\) val cannot be used \(1 annotation missing/,
  );
  assert.deepEqual(error.problems, [
    "ref 12 (refs[11]): ann_id 9999 is not in instances.json's annotations",
  ]);
  assert.match(error.message, /load without `strict` to skip these refs/);
});

Deno.test("buildReferSplit() skips a ref whose segmentation is malformed, naming the annotation", () => {
  const data = instances();
  const ann = data.annotations.find((a) => a.id === 1021)!;
  ann.segmentation = { size: [100, 100], counts: "abc" };
  const val = buildReferSplit(REFS, data, { ...UMD, split: "val" });
  const bad = val.skipped.find((s) => s.kind === "bad-segmentation");
  assert.ok(bad, JSON.stringify(val.skipped));
  assert.equal(bad.refId, 8);
  assert.match(
    bad.detail,
    /annotation 1021: segmentation RLE size \[100, 100\]/,
  );
  assert.deepEqual(val.counts, { images: 2, refs: 5, sentences: 7 });
});

Deno.test("buildReferSplit() names the splits present when the split is empty", () => {
  const error = thrown(() =>
    buildReferSplit(REFS, instances(), { ...UMD, split: "testA" })
  );
  assert.ok(error instanceof DatasetNotFoundError, String(error));
  assert.equal(
    error.message,
    'refcocog (umd) has no refs in split "testA"; the splits present are ' +
      "train (8 refs), val (7 refs)",
  );
  const none = thrown(() =>
    buildReferSplit([], instances(), { ...UMD, split: "val" })
  );
  assert.match(none.message, /refs\(umd\)\.p holds no refs at all/);
});

Deno.test("buildReferSplit() rejects unknown datasets and splits-by, listing those that exist", () => {
  const unknown = thrown(() =>
    buildReferSplit(REFS, instances(), {
      dataset: "refclef",
      splitBy: "unc",
      split: "val",
    })
  );
  assert.ok(unknown instanceof DatasetNotFoundError);
  assert.equal(
    unknown.message,
    'unknown REFER dataset "refclef"; the datasets (and their splits-by) are ' +
      "refcoco (unc, google), refcoco+ (unc), refcocog (umd, google)",
  );
  const splitBy = thrown(() =>
    checkReferSplitName({
      dataset: "refcoco+",
      splitBy: "google",
      split: "val",
    })
  );
  assert.match(
    splitBy.message,
    /^refcoco\+ has no "google" split-by; refcoco\+ is split by unc \(files refs\(unc\)\.p\)/,
  );
  assert.equal(
    checkReferSplitName({
      dataset: "refcoco",
      splitBy: "google",
      split: "testB",
    }),
    "refcoco",
  );
});

Deno.test("buildReferSplit() names the field of a malformed ref or instances file", () => {
  const noSentences = thrown(() =>
    buildReferSplit(
      [{ ref_id: 1, ann_id: 2, image_id: 3, split: "val" }],
      instances(),
      { ...UMD, split: "val" },
    )
  );
  assert.ok(noSentences instanceof DatasetFormatError);
  assert.equal(noSentences.field, "refs[0].sentences");
  assert.match(
    noSentences.message,
    /^refs\(umd\)\.p field "refs\[0\]\.sentences": must be a list, found nothing \(the field is missing\); it is not the refs file/,
  );
  const badId = thrown(() =>
    buildReferSplit(
      [{ ref_id: "x", split: "val" }],
      instances(),
      { ...UMD, split: "val" },
    )
  );
  assert.match(
    badId.message,
    /"refs\[0\]\.ref_id": must be an integer, found a string of 1 character/,
  );
  const notJson = thrown(() =>
    buildReferSplit(REFS, "{oops", { ...UMD, split: "val" })
  );
  assert.ok(notJson instanceof DatasetFormatError);
  assert.match(notJson.message, /^instances\.json: is not valid JSON/);
  const noImages = thrown(() =>
    buildReferSplit(REFS, { annotations: [] }, { ...UMD, split: "val" })
  );
  assert.match(noImages.message, /field "images": must be a list/);
});

Deno.test("buildReferSplit() passes on a pickle error with the refs file's name and the offset", () => {
  const cut = REFS.subarray(0, 1000);
  const error = thrown(() =>
    buildReferSplit(cut, instances(), {
      ...UMD,
      split: "val",
      refsSource: "data/refcocog/refs(umd).p",
    })
  );
  assert.ok(error instanceof PickleError, String(error));
  assert.match(error.message, /^data\/refcocog\/refs\(umd\)\.p: byte \d+/);
  assert.match(error.message, /truncated/);
});

/** Protocol 2 opcodes for a pickle written by hand. */
const OP = {
  PROTO: 0x80,
  STOP: 0x2e,
  MARK: 0x28,
  EMPTY_LIST: 0x5d,
  EMPTY_DICT: 0x7d,
  APPENDS: 0x65,
  SETITEMS: 0x75,
  BININT: 0x4a,
  SHORT_BINUNICODE: 0x8c,
  BINPUT: 0x71,
  BINGET: 0x68,
};

/** The bytes of SHORT_BINUNICODE `text` (ASCII, under 256 characters). */
function shortText(text: string): number[] {
  return [OP.SHORT_BINUNICODE, text.length, ...new TextEncoder().encode(text)];
}

/** The bytes of BININT `value`. */
function int32(value: number): number[] {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, value, true);
  return [OP.BININT, ...out];
}

/**
 * A refs pickle whose `refCount` refs all share one list of
 * `sentenceCount` sentences through the memo (the list is written once,
 * each further ref points back at it): a few hundred kilobytes that expand
 * to refCount x sentenceCount sentences.
 */
function sharedSentencesPickle(refCount: number, sentenceCount: number) {
  const bytes: number[] = [OP.PROTO, 2, OP.EMPTY_LIST, OP.MARK];
  for (let r = 0; r < refCount; r++) {
    bytes.push(OP.EMPTY_DICT, OP.MARK);
    bytes.push(...shortText("ref_id"), ...int32(r + 1));
    bytes.push(...shortText("ann_id"), ...int32(10));
    bytes.push(...shortText("image_id"), ...int32(100));
    bytes.push(...shortText("split"), ...shortText("val"));
    bytes.push(...shortText("sentences"));
    if (r === 0) {
      // The list (memo 1) of one sentence dict (memo 2) repeated.
      bytes.push(OP.EMPTY_LIST, OP.BINPUT, 1, OP.MARK, OP.EMPTY_DICT, OP.MARK);
      bytes.push(...shortText("sent_id"), ...int32(7));
      bytes.push(...shortText("sent"), ...shortText("the cat"));
      bytes.push(OP.SETITEMS, OP.BINPUT, 2);
      for (let s = 1; s < sentenceCount; s++) bytes.push(OP.BINGET, 2);
      bytes.push(OP.APPENDS);
    } else bytes.push(OP.BINGET, 1);
    bytes.push(OP.SETITEMS);
  }
  bytes.push(OP.APPENDS, OP.STOP);
  return new Uint8Array(bytes);
}

Deno.test("buildReferSplit() refuses refs that share one long sentence list, naming the file, before expanding them", () => {
  // 300 refs x 200,000 sentences = 60 million, from ~400 KB.
  const bomb = sharedSentencesPickle(300, 200_000);
  assert.ok(bomb.length < 450_000, `${bomb.length} bytes`);
  const started = performance.now();
  const error = thrown(() =>
    buildReferSplit(bomb, instances(), {
      ...UMD,
      split: "val",
      refsSource: "data/refcocog/refs(umd).p",
    })
  );
  assert.ok(error instanceof DatasetFormatError, String(error));
  assert.match(error.message, /^data\/refcocog\/refs\(umd\)\.p: /);
  assert.match(error.message, /sentences or more, past the limit of 2,000,000/);
  assert.match(error.message, /use refcocog's file from the REFER download/);
  assert.ok(performance.now() - started < 5_000, "refused before expanding");
});

Deno.test("buildReferSplit() reads shared sentence lists that stay under the limit", () => {
  const small = sharedSentencesPickle(3, 4);
  const instancesJson = {
    images: [{ id: 100, file_name: "a.png", width: 8, height: 8 }],
    annotations: [{
      id: 10,
      image_id: 100,
      segmentation: [[0, 0, 4, 0, 4, 4, 0, 4]],
    }],
  };
  const val = buildReferSplit(small, instancesJson, { ...UMD, split: "val" });
  assert.deepEqual(val.counts, { images: 1, refs: 3, sentences: 12 });
  assert.ok(MAX_REFER_SENTENCES >= 10 * 142_000);
  const error = thrown(() =>
    buildReferSplit(small, instancesJson, {
      ...UMD,
      split: "val",
      maxSentences: 11,
    })
  );
  assert.ok(error instanceof DatasetFormatError, String(error));
  assert.match(
    error.message,
    /refs\(umd\)\.p: its refs hold 12 sentences or more, past the limit of 11/,
  );
});

Deno.test("referImageFileName() strips the id REFER appends to the COCO file name", () => {
  assert.equal(
    referImageFileName("COCO_train2014_000000581857_16.jpg"),
    "COCO_train2014_000000581857.jpg",
  );
  assert.equal(
    referImageFileName("COCO_train2014_000000388997_445869.jpg"),
    "COCO_train2014_000000388997.jpg",
  );
  assert.equal(referImageFileName("plain.jpg"), "plain.jpg");
  assert.equal(referRefsFileName("umd"), "refs(umd).p");
});

Deno.test("referSplitMatches() follows REFER: test takes test*, testA takes the splits holding A", () => {
  assert.ok(referSplitMatches("val", "val"));
  assert.ok(!referSplitMatches("val", "test"));
  assert.ok(referSplitMatches("testA", "test"));
  assert.ok(referSplitMatches("testAB", "testB"));
  assert.ok(!referSplitMatches("testB", "testA"));
  assert.ok(!referSplitMatches("train", "testA"));
});

Deno.test("buildReferSplit() derives the image file from the ref when instances.json has none", () => {
  const data = instances();
  for (const image of data.images) {
    delete (image as { file_name?: string }).file_name;
  }
  const val = buildReferSplit(REFS, data, { ...UMD, split: "val" });
  assert.equal(val.images[0].file, "COCO_train2014_000000000103.png");
});
