/**
 * Scoring a predictions file against a dataset's ground truth, with no
 * models: each line's mask (COCO compressed RLE) is compared with its ref's
 * ground truth at full size, and the metrics are aggregated per
 * configuration.
 *
 * @module
 */

import { maskIou } from "../../kernels/mask_iou/cpu.ts";
import {
  annotationToMask,
  decodeRle,
  decompressRle,
} from "../datasets/coco_mask.ts";
import type { DatasetImage, DatasetRef } from "../datasets/types.ts";
import { SplitMetricsAccumulator } from "./metrics.ts";
import {
  parsePredictionLine,
  PredictionFormatError,
  predictionKey,
} from "./predictions.ts";
import { isSpatialSentence } from "./run.ts";

/** Where a ref's ground truth is. */
export interface RefEntry {
  /** The ref, holding its ground-truth segmentation. */
  readonly ref: DatasetRef;
  /** The image the ref belongs to (its metadata, not its pixels). */
  readonly image: DatasetImage;
}

/** The index key of a ref: its image's id and its own (unique together). */
export function refKey(imageId: unknown, refId: unknown): string {
  return JSON.stringify([String(imageId), String(refId)]);
}

/** Indexes a dataset's refs by image and ref id. */
export async function indexRefs(
  images: AsyncIterable<DatasetImage> | Iterable<DatasetImage>,
): Promise<Map<string, RefEntry>> {
  const index = new Map<string, RefEntry>();
  for await (const image of images) {
    for (const ref of image.refs) {
      const key = refKey(image.id, ref.refId);
      if (index.has(key)) {
        throw new RangeError(
          `Image ${image.id} has two refs with id ${ref.refId}: ref ids must be unique within an image.`,
        );
      }
      index.set(key, { ref, image });
    }
  }
  return index;
}

/** The number of sentences of the split an index holds. */
export function splitSentenceCount(
  index: ReadonlyMap<string, RefEntry>,
): number {
  let n = 0;
  for (const { ref } of index.values()) n += ref.sentences.length;
  return n;
}

/** The result of {@linkcode scorePredictions}. */
export interface ScoreOutcome {
  /** Metrics per configuration ("" when the lines name none). */
  readonly metrics: Map<string, SplitMetricsAccumulator>;
  /** Lines scored. */
  readonly lines: number;
}

/**
 * Scores prediction lines against the ground truth of `index`. Errors name
 * the file and line: unknown refs or sentences (a line is scored only for
 * a sentence of the split), masks of the wrong size, duplicates.
 */
export async function scorePredictions(
  lines: AsyncIterable<string>,
  index: ReadonlyMap<string, RefEntry>,
  file: string,
): Promise<ScoreOutcome> {
  const metrics = new Map<string, SplitMetricsAccumulator>();
  const seen = new Set<string>();
  const truths = new Map<string, Uint8Array>();
  let lineNumber = 0, scored = 0;
  let currentImage: DatasetImage | undefined;
  for await (const text of lines) {
    lineNumber++;
    if (text.trim() === "") continue;
    const line = parsePredictionLine(text, file, lineNumber);
    const entry = index.get(refKey(line.image_id, line.ref_id));
    if (!entry) {
      throw new PredictionFormatError(
        file,
        lineNumber,
        `ref_id ${line.ref_id} of image ${line.image_id} is not in the dataset split: score against the split the predictions were made on`,
      );
    }
    const sentence = entry.ref.sentences.find((s) =>
      String(s.sentId) === String(line.sent_id)
    );
    if (!sentence) {
      throw new PredictionFormatError(
        file,
        lineNumber,
        `sent_id ${line.sent_id} is not a sentence of ref ${line.ref_id} of image ${line.image_id} in the dataset split: score against the split the predictions were made on`,
      );
    }
    const key = predictionKey(line);
    if (seen.has(key)) {
      throw new PredictionFormatError(
        file,
        lineNumber,
        `a second prediction for image ${line.image_id}, ref ${line.ref_id}, sentence ${line.sent_id}`,
      );
    }
    seen.add(key);
    const { image, ref } = entry;
    const [h, w] = line.mask.size;
    if (h !== image.height || w !== image.width) {
      throw new PredictionFormatError(
        file,
        lineNumber,
        `the mask is ${w}x${h} but image ${image.id} is ${image.width}x${image.height}`,
      );
    }
    // Lines come image by image: keep only the current image's masks.
    if (image !== currentImage) {
      truths.clear();
      currentImage = image;
    }
    let truth = truths.get(String(ref.refId));
    if (!truth) {
      truth = annotationToMask(ref.segmentation, image.width, image.height);
      truths.set(String(ref.refId), truth);
    }
    let predicted: Uint8Array;
    try {
      predicted = decodeRle(
        decompressRle({ size: [h, w], counts: line.mask.counts }),
      );
    } catch (e) {
      throw new PredictionFormatError(
        file,
        lineNumber,
        `the mask is not valid COCO RLE (${
          e instanceof Error ? e.message : e
        })`,
      );
    }
    const { intersection, union } = maskIou(predicted, truth);
    const config = line.config ?? "";
    let m = metrics.get(config);
    if (!m) metrics.set(config, m = new SplitMetricsAccumulator());
    m.add(intersection, union, isSpatialSentence(sentence.sent));
    scored++;
  }
  return { metrics, lines: scored };
}
