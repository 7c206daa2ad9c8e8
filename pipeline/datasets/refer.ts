/**
 * REFER datasets (RefCOCO, RefCOCO+, RefCOCOg) from the bytes of their two
 * files, with no file system: `refs(<splitBy>).p`, a Python pickle of the
 * list of refs, and `instances.json`, the COCO annotations of the referred
 * images. A split becomes a list of {@link DatasetImage}s, each with its
 * refs (object, sentences, segmentation), in the order of the refs file.
 *
 * The layout, as the REFER toolkit reads it:
 * ```
 * DIR/refcoco/refs(unc).p    DIR/refcoco/refs(google).p    DIR/refcoco/instances.json
 * DIR/refcoco+/refs(unc).p                                 DIR/refcoco+/instances.json
 * DIR/refcocog/refs(umd).p   DIR/refcocog/refs(google).p   DIR/refcocog/instances.json
 * ```
 * A ref is `{ref_id, ann_id, image_id, category_id, split, file_name,
 * sent_ids, sentences: [{sent_id, sent, raw, tokens}]}`; its `ann_id` and
 * `image_id` point into instances.json (`annotations[].id`,
 * `images[].id`), where the segmentation (polygons or RLE), the box and the
 * image's file name and size are.
 *
 * Refs whose annotation or image is missing from instances.json, or whose
 * segmentation is malformed, are skipped and listed in
 * {@link ReferSplit.skipped}; with `strict` they are an error.
 *
 * @example
 * ```ts
 * import { buildReferSplit } from "./refer.ts";
 *
 * // The two files of REFER, from fetch() or the file system.
 * const dir = "tests/fixtures/refer/refcocog";
 * const refs = await Deno.readFile(`${dir}/refs(umd).p`);
 * const instances = JSON.parse(await Deno.readTextFile(`${dir}/instances.json`));
 * const train = buildReferSplit(refs, instances, {
 *   dataset: "refcocog",
 *   splitBy: "umd",
 *   split: "train",
 * });
 * console.log(train.counts); // { images, refs, sentences }
 * ```
 *
 * @module
 */

import {
  DatasetFormatError,
  DatasetIntegrityError,
  DatasetNotFoundError,
} from "./errors.ts";
import { type PickleValue, readPickle } from "./_pickle.ts";
import { describeFileValue, jsonSyntaxProblem } from "../json_problem.ts";
import { segmentationProblem } from "./segmentation.ts";
import type { CocoSegmentation } from "./coco_mask.ts";
import type { DatasetImage, DatasetRef, DatasetSentence } from "./types.ts";

/** The REFER datasets on MS-COCO images. */
export type ReferDatasetName = "refcoco" | "refcoco+" | "refcocog";

/**
 * Each REFER dataset and the splits-by (the party that split it into
 * train/val/test) it is distributed with; `refs(<splitBy>).p` is the file.
 */
export const REFER_SPLITS_BY: Readonly<
  Record<ReferDatasetName, readonly string[]>
> = {
  refcoco: ["unc", "google"],
  "refcoco+": ["unc"],
  refcocog: ["umd", "google"],
};

/**
 * The most sentences a refs file may hold, counted over all its refs (a
 * list shared by several refs counts once per ref). RefCOCO, the largest
 * REFER dataset, holds about 142,000 sentences over 50,000 refs; a file
 * past this bound was crafted so that its refs share one list through the
 * pickle's memo, and expanding it would exhaust memory.
 */
export const MAX_REFER_SENTENCES = 2_000_000;

/**
 * The error for a refs file whose refs add up to more than `limit`
 * sentences: it names the file and the count, and says what to do.
 *
 * @example
 * ```ts
 * import { tooManySentences } from "./refer.ts";
 * tooManySentences("refs(umd).p", 60_000_000, 2_000_000, "refcocog").message;
 * // 'refs(umd).p: its refs hold 60,000,000 sentences or more, ...'
 * ```
 */
export function tooManySentences(
  source: string,
  count: number,
  limit: number,
  dataset: string,
): DatasetFormatError {
  const n = (v: number) => v.toLocaleString("en-US");
  return new DatasetFormatError(
    { source },
    `its refs hold ${n(count)} sentences or more, past the limit of ${
      n(limit)
    } (RefCOCO, the largest REFER dataset, has about 142,000); its refs ` +
      "share sentence lists, which only a damaged or crafted file does, " +
      "and expanding them would exhaust memory",
    `it is not a REFER refs file: use ${dataset}'s file from the REFER ` +
      "download (github.com/lichengunc/refer)",
  );
}

/** Which dataset, splits-by and split to read. */
export interface ReferSplitName {
  /** "refcoco", "refcoco+" or "refcocog". */
  dataset: string;
  /** "unc", "google" or "umd", as the dataset has it. */
  splitBy: string;
  /**
   * The split: "train", "val", "test", "testA", "testB", ... as the refs
   * file names them. As in REFER, "test" takes every split whose name
   * starts with "test", and "testA" / "testB" / "testC" take every test
   * split whose letters hold that letter (so "testAB" refs count in both).
   */
  split: string;
}

/** Options of {@link buildReferSplit}. */
export interface ReferOptions extends ReferSplitName {
  /** Stop on the first kind of problem instead of skipping refs. */
  strict?: boolean;
  /** Name of the refs file in messages (default "refs(<splitBy>).p"). */
  refsSource?: string;
  /** Name of the annotations file in messages (default "instances.json"). */
  instancesSource?: string;
  /** The most sentences the refs may hold (default {@link MAX_REFER_SENTENCES}). */
  maxSentences?: number;
}

/** Why a ref was skipped. */
export type ReferSkipKind =
  | "missing-annotation"
  | "missing-image"
  | "bad-segmentation";

/** A ref of the split that was left out, and why. */
export interface ReferSkipped {
  /** Why it was skipped. */
  kind: ReferSkipKind;
  /** The ref's ref_id. */
  refId: number;
  /** The ref's ann_id. */
  annId: number;
  /** The ref's image_id. */
  imageId: number;
  /** One line saying what was wrong. */
  detail: string;
}

/** A split of a REFER dataset, grouped by image. */
export interface ReferSplit {
  /** The dataset read. */
  dataset: ReferDatasetName;
  /** Its splits-by ("umd"). */
  splitBy: string;
  /** The split asked for ("val"). */
  split: string;
  /** The split's images, each with its refs, in the order of the refs file. */
  images: DatasetImage[];
  /** What `images` holds. */
  counts: { images: number; refs: number; sentences: number };
  /** Every split name in the refs file, with its number of refs. */
  splits: Record<string, number>;
  /** Refs of the split that were left out (empty under `strict`). */
  skipped: ReferSkipped[];
}

/**
 * Name of the refs file of a splits-by: `refs(umd).p`.
 *
 * @example
 * ```ts
 * import { referRefsFileName } from "./refer.ts";
 * referRefsFileName("umd"); // "refs(umd).p"
 * ```
 */
export function referRefsFileName(splitBy: string): string {
  return `refs(${splitBy}).p`;
}

/**
 * The image file a ref's `file_name` points to: REFER appends an id to the
 * COCO file name ("COCO_train2014_000000581857_16.jpg"); the image is
 * "COCO_train2014_000000581857.jpg".
 *
 * @example
 * ```ts
 * import { referImageFileName } from "./refer.ts";
 * referImageFileName("COCO_train2014_000000581857_16.jpg");
 * // "COCO_train2014_000000581857.jpg"
 * ```
 */
export function referImageFileName(refFileName: string): string {
  return refFileName.replace(/_\d+(\.[^./\\]+)$/, "$1");
}

/** Known datasets as "refcoco (unc, google), ...". */
function knownDatasets(): string {
  return Object.entries(REFER_SPLITS_BY)
    .map(([name, by]) => `${name} (${by.join(", ")})`)
    .join(", ");
}

/**
 * Checks that a dataset and splits-by exist, and narrows the dataset name.
 *
 * @example
 * ```ts
 * import { checkReferSplitName } from "./refer.ts";
 * checkReferSplitName({ dataset: "refcocog", splitBy: "umd", split: "val" }); // ok
 * // checkReferSplitName({ dataset: "refcocog", splitBy: "unc", split: "val" }) throws:
 * // 'refcocog has no "unc" split-by; refcocog is split by umd, google ...'
 * ```
 *
 * @throws {DatasetNotFoundError} for an unknown dataset or splits-by, or an empty split name
 */
export function checkReferSplitName(
  names: ReferSplitName,
): ReferDatasetName {
  const { dataset, splitBy, split } = names;
  if (!Object.hasOwn(REFER_SPLITS_BY, dataset)) {
    throw new DatasetNotFoundError(
      `unknown REFER dataset "${dataset}"`,
      `the datasets (and their splits-by) are ${knownDatasets()}`,
    );
  }
  const name = dataset as ReferDatasetName;
  const splitsBy = REFER_SPLITS_BY[name];
  if (!splitsBy.includes(splitBy)) {
    throw new DatasetNotFoundError(
      `${name} has no "${splitBy}" split-by`,
      `${name} is split by ${splitsBy.join(", ")} (files ${
        splitsBy.map(referRefsFileName).join(", ")
      }); the datasets are ${knownDatasets()}`,
    );
  }
  if (split === "") {
    throw new DatasetNotFoundError(
      "no split given",
      'name one, e.g. "val" (REFER splits: train, val, test, testA, testB)',
    );
  }
  return name;
}

/**
 * Whether a ref's split belongs to the split asked for, as in REFER:
 * exact names match; "test" takes every "test*" split; "testA", "testB"
 * and "testC" take every "test*" split whose letters hold that letter.
 *
 * @example
 * ```ts
 * import { referSplitMatches } from "./refer.ts";
 * referSplitMatches("testAB", "testB"); // true
 * referSplitMatches("val", "test"); // false
 * ```
 */
export function referSplitMatches(refSplit: string, split: string): boolean {
  if (refSplit === split) return true;
  if (!refSplit.startsWith("test")) return false;
  if (split === "test") return true;
  if (/^test[ABC]$/.test(split)) return refSplit.slice(4).includes(split[4]);
  return false;
}

/** A dict from the pickle (Map) or from JSON (object). */
type Record_ = Map<PickleValue, PickleValue> | Record<string, unknown>;

function isRecord(value: unknown): value is Record_ {
  return value instanceof Map ||
    (typeof value === "object" && value !== null && !Array.isArray(value) &&
      !(value instanceof Uint8Array) && !(value instanceof Set));
}

function get(record: Record_, key: string): unknown {
  return record instanceof Map
    ? record.get(key)
    : (record as Record<string, unknown>)[key];
}

function typeName(value: unknown): string {
  if (value === undefined) return "nothing (the field is missing)";
  if (value === null) return "None/null";
  if (Array.isArray(value)) return "a list";
  if (isRecord(value)) return "a dict";
  return describeFileValue(value);
}

/** Converts a pickled value into JSON-like data (Maps become objects). */
function toJsonLike(value: unknown): unknown {
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = toJsonLike(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(toJsonLike);
  if (typeof value === "bigint") return Number(value);
  return value;
}

/** Reads fields of one record with errors that name the place. */
class FieldReader {
  constructor(
    readonly source: string,
    readonly hint: string,
  ) {}

  fail(field: string, reason: string): DatasetFormatError {
    return new DatasetFormatError(
      { source: this.source, field },
      reason,
      this.hint,
    );
  }

  record(value: unknown, field: string): Record_ {
    if (!isRecord(value)) {
      throw this.fail(field, `must be a dict, found ${typeName(value)}`);
    }
    return value;
  }

  list(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) {
      throw this.fail(field, `must be a list, found ${typeName(value)}`);
    }
    return value;
  }

  int(record: Record_, key: string, at: string): number {
    const v = get(record, key);
    if (typeof v === "number" && Number.isInteger(v)) return v;
    throw this.fail(
      `${at}.${key}`,
      `must be an integer, found ${typeName(v)}`,
    );
  }

  string(record: Record_, key: string, at: string): string {
    const v = get(record, key);
    if (typeof v === "string") return v;
    throw this.fail(`${at}.${key}`, `must be a string, found ${typeName(v)}`);
  }
}

/** The fields of a ref that the split needs. */
interface RawRef {
  index: number;
  refId: number;
  annId: number;
  imageId: number;
  categoryId?: number;
  fileName?: string;
  sentences: DatasetSentence[];
}

function readRef(
  fields: FieldReader,
  value: unknown,
  index: number,
): RawRef {
  const at = `refs[${index}]`;
  const ref = fields.record(value, at);
  const refId = fields.int(ref, "ref_id", at);
  const annId = fields.int(ref, "ann_id", at);
  const imageId = fields.int(ref, "image_id", at);
  const category = get(ref, "category_id");
  const fileName = get(ref, "file_name");
  const list = fields.list(get(ref, "sentences"), `${at}.sentences`);
  if (list.length === 0) {
    throw fields.fail(`${at}.sentences`, `ref ${refId} has no sentences`);
  }
  const sentences = list.map((s, k): DatasetSentence => {
    const sat = `${at}.sentences[${k}]`;
    const sentence = fields.record(s, sat);
    const sentId = fields.int(sentence, "sent_id", sat);
    const sent = get(sentence, "sent");
    const raw = get(sentence, "raw");
    if (typeof sent !== "string" && typeof raw !== "string") {
      throw fields.fail(
        `${sat}.sent`,
        `must be a string, found ${typeName(sent)}`,
      );
    }
    const out: DatasetSentence = {
      sentId,
      sent: typeof sent === "string" ? sent : (raw as string),
    };
    if (typeof raw === "string") out.raw = raw;
    return out;
  });
  return {
    index,
    refId,
    annId,
    imageId,
    categoryId: typeof category === "number" ? category : undefined,
    fileName: typeof fileName === "string" ? fileName : undefined,
    sentences,
  };
}

/** The instances.json image fields the split needs. */
interface RawImage {
  fileName?: string;
  width: number;
  height: number;
}

function parseInstances(
  instances: unknown,
  fields: FieldReader,
): Record_ {
  if (typeof instances === "string") {
    const text = instances;
    try {
      instances = JSON.parse(text);
    } catch (error) {
      throw new DatasetFormatError(
        { source: fields.source },
        `is not valid JSON (${jsonSyntaxProblem(error, text)})`,
        fields.hint,
        { cause: error },
      );
    }
  }
  const root = fields.record(instances, "(top level)");
  fields.list(get(root, "images"), "images");
  fields.list(get(root, "annotations"), "annotations");
  return root;
}

/**
 * Builds one split of a REFER dataset from its refs (the pickle's bytes, or
 * the list it holds) and its instances.json (text or parsed JSON).
 *
 * @example
 * ```ts
 * import { buildReferSplit, describeReferSplit } from "./refer.ts";
 *
 * const refs = [{
 *   ref_id: 1, ann_id: 10, image_id: 100, category_id: 1, split: "val",
 *   sentences: [{ sent_id: 7, sent: "the red square on the left" }],
 * }];
 * const instances = {
 *   images: [{ id: 100, file_name: "a.png", width: 40, height: 30 }],
 *   annotations: [{ id: 10, image_id: 100, bbox: [0, 0, 10, 10],
 *     segmentation: [[0, 0, 10, 0, 10, 10, 0, 10]] }],
 * };
 * const val = buildReferSplit(refs, instances, {
 *   dataset: "refcocog", splitBy: "umd", split: "val",
 * });
 * console.log(describeReferSplit(val));
 * // "refcocog (umd) val: 1 image, 1 ref, 1 sentence"
 * ```
 *
 * @param refs the bytes of refs(<splitBy>).p, or its list of refs
 * @param instances the text of instances.json, or its parsed JSON
 * @param options dataset, splits-by, split, strictness and file names
 * @returns the split, grouped by image
 * @throws {DatasetNotFoundError} for an unknown dataset / splits-by, or a split with no refs (the message lists the splits present)
 * @throws {DatasetFormatError} for a file that is not what REFER writes (the message names the field)
 * @throws {DatasetFormatError} for refs that hold more than `maxSentences` sentences in all (a file crafted to exhaust memory)
 * @throws {PickleError} for a corrupt or truncated pickle
 * @throws {DatasetIntegrityError} under `strict`, for refs whose annotation or image is missing or whose segmentation is malformed
 */
export function buildReferSplit(
  refs: Uint8Array | readonly unknown[],
  instances: unknown,
  options: ReferOptions,
): ReferSplit {
  const dataset = checkReferSplitName(options);
  const { splitBy, split } = options;
  const label = `${dataset} (${splitBy})`;
  const refsSource = options.refsSource ?? referRefsFileName(splitBy);
  const refsFields = new FieldReader(
    refsSource,
    `it is not the refs file of a REFER dataset; use ${dataset}'s ` +
      `${referRefsFileName(splitBy)} from the REFER download`,
  );
  const instancesFields = new FieldReader(
    options.instancesSource ?? "instances.json",
    `it is not a COCO instances file; use ${dataset}'s instances.json ` +
      "from the REFER download",
  );

  const list = refs instanceof Uint8Array
    ? readPickle(refs, { source: refsSource })
    : refs;
  const all = refsFields.list(list, "(top level)");

  // Split names in the file, and the refs of the split asked for.
  // Bound what the refs expand to before building any sentence: refs that
  // share one long list through the pickle's memo cost nothing in the file
  // and a copy each here.
  const maxSentences = options.maxSentences ?? MAX_REFER_SENTENCES;
  const splits: Record<string, number> = {};
  const chosen: RawRef[] = [];
  let sentenceTotal = 0;
  for (let i = 0; i < all.length; i++) {
    const ref = refsFields.record(all[i], `refs[${i}]`);
    const listed = get(ref, "sentences");
    if (Array.isArray(listed)) sentenceTotal += listed.length;
    if (sentenceTotal > maxSentences) {
      throw tooManySentences(refsSource, sentenceTotal, maxSentences, dataset);
    }
    const name = refsFields.string(ref, "split", `refs[${i}]`);
    splits[name] = (splits[name] ?? 0) + 1;
    if (referSplitMatches(name, split)) {
      chosen.push(readRef(refsFields, ref, i));
    }
  }
  if (chosen.length === 0) {
    const present = Object.entries(splits)
      .map(([name, n]) => `${name} (${n} refs)`)
      .join(", ");
    throw new DatasetNotFoundError(
      `${label} has no refs in split "${split}"`,
      all.length === 0
        ? `${refsSource} holds no refs at all; fetch it again`
        : `the splits present are ${present}`,
    );
  }

  // Index only what the split needs from instances.json.
  const root = parseInstances(instances, instancesFields);
  const wantedAnns = new Set(chosen.map((r) => r.annId));
  const wantedImages = new Set(chosen.map((r) => r.imageId));
  const anns = new Map<number, Record_>();
  const annList = get(root, "annotations") as unknown[];
  for (let i = 0; i < annList.length; i++) {
    const at = `annotations[${i}]`;
    const ann = instancesFields.record(annList[i], at);
    const id = instancesFields.int(ann, "id", at);
    if (wantedAnns.has(id)) anns.set(id, ann);
  }
  const images = new Map<number, RawImage>();
  const imageList = get(root, "images") as unknown[];
  for (let i = 0; i < imageList.length; i++) {
    const at = `images[${i}]`;
    const image = instancesFields.record(imageList[i], at);
    const id = instancesFields.int(image, "id", at);
    if (!wantedImages.has(id)) continue;
    const width = instancesFields.int(image, "width", at);
    const height = instancesFields.int(image, "height", at);
    if (width <= 0 || height <= 0) {
      throw instancesFields.fail(
        at,
        `image ${id} has a size of ${width} x ${height}; sizes are positive`,
      );
    }
    const fileName = get(image, "file_name");
    images.set(id, {
      width,
      height,
      fileName: typeof fileName === "string" ? fileName : undefined,
    });
  }

  // Group by image, in the order of the refs file.
  const skipped: ReferSkipped[] = [];
  const byImage = new Map<number, DatasetImage>();
  let sentenceCount = 0;
  let refCount = 0;
  for (const ref of chosen) {
    const skip = (kind: ReferSkipKind, detail: string) =>
      skipped.push({
        kind,
        refId: ref.refId,
        annId: ref.annId,
        imageId: ref.imageId,
        detail: `ref ${ref.refId} (refs[${ref.index}]): ${detail}`,
      });
    const image = images.get(ref.imageId);
    if (image === undefined) {
      skip(
        "missing-image",
        `image_id ${ref.imageId} is not in ${instancesFields.source}'s images`,
      );
      continue;
    }
    const ann = anns.get(ref.annId);
    if (ann === undefined) {
      skip(
        "missing-annotation",
        `ann_id ${ref.annId} is not in ${instancesFields.source}'s annotations`,
      );
      continue;
    }
    const segmentation = toJsonLike(get(ann, "segmentation"));
    const problem = segmentationProblem(
      segmentation,
      image.width,
      image.height,
    );
    if (problem !== undefined) {
      skip(
        "bad-segmentation",
        `annotation ${ref.annId}: segmentation ${problem}`,
      );
      continue;
    }
    let item = byImage.get(ref.imageId);
    if (item === undefined) {
      const file = image.fileName ??
        (ref.fileName === undefined
          ? undefined
          : referImageFileName(ref.fileName));
      if (file === undefined) {
        throw instancesFields.fail(
          "images[].file_name",
          `image ${ref.imageId} has no file_name, nor does ref ${ref.refId}`,
        );
      }
      item = {
        id: ref.imageId,
        file,
        width: image.width,
        height: image.height,
        refs: [],
      };
      byImage.set(ref.imageId, item);
    }
    const out: DatasetRef = {
      refId: ref.refId,
      annId: ref.annId,
      sentences: ref.sentences,
      segmentation: segmentation as CocoSegmentation,
    };
    if (ref.categoryId !== undefined) out.categoryId = ref.categoryId;
    const bbox = toJsonLike(get(ann, "bbox"));
    if (
      Array.isArray(bbox) && bbox.length === 4 &&
      bbox.every((v) => typeof v === "number" && Number.isFinite(v))
    ) {
      out.bbox = bbox as [number, number, number, number];
    }
    item.refs.push(out);
    refCount++;
    sentenceCount += ref.sentences.length;
  }

  if (options.strict && skipped.length > 0) {
    throw new DatasetIntegrityError(
      `${skipped.length} of ${chosen.length} refs of ${label} ${split} ` +
        `cannot be used (${summarizeKinds(skipped)})`,
      skipped.map((s) => s.detail),
      `check that ${refsSource} and ${instancesFields.source} come from the ` +
        "same REFER download, or load without `strict` to skip these refs",
    );
  }
  return {
    dataset,
    splitBy,
    split,
    images: [...byImage.values()],
    counts: { images: byImage.size, refs: refCount, sentences: sentenceCount },
    splits,
    skipped,
  };
}

const KIND_TEXT: Readonly<Record<ReferSkipKind, string>> = {
  "missing-annotation": "annotation missing from instances.json",
  "missing-image": "image missing from instances.json",
  "bad-segmentation": "malformed segmentation",
};

function summarizeKinds(skipped: readonly ReferSkipped[]): string {
  const counts = new Map<ReferSkipKind, number>();
  for (const s of skipped) counts.set(s.kind, (counts.get(s.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${n} ${KIND_TEXT[kind]}`).join(", ");
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * A one-paragraph summary of a split for logs: counts, then the skipped
 * refs by kind with the first few listed.
 *
 * @example
 * ```ts
 * import { buildReferSplit, describeReferSplit } from "./refer.ts";
 *
 * const dir = "tests/fixtures/refer/refcocog";
 * const train = buildReferSplit(
 *   await Deno.readFile(`${dir}/refs(umd).p`),
 *   JSON.parse(await Deno.readTextFile(`${dir}/instances.json`)),
 *   { dataset: "refcocog", splitBy: "umd", split: "train" },
 * );
 * console.log(describeReferSplit(train));
 * // e.g. refcocog (umd) val: 1,300 images, 2,573 refs, 4,896 sentences
 * ```
 */
export function describeReferSplit(split: ReferSplit, listed = 5): string {
  const { images, refs, sentences } = split.counts;
  let text = `${split.dataset} (${split.splitBy}) ${split.split}: ${
    plural(images, "image")
  }, ${plural(refs, "ref")}, ${plural(sentences, "sentence")}`;
  if (split.skipped.length > 0) {
    text += `; skipped ${plural(split.skipped.length, "ref")} (${
      summarizeKinds(split.skipped)
    }):`;
    for (const s of split.skipped.slice(0, listed)) text += `\n  ${s.detail}`;
    if (split.skipped.length > listed) {
      text += `\n  ... and ${split.skipped.length - listed} more`;
    }
  }
  return text;
}
