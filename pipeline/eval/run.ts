/**
 * The evaluation loop: streams dataset images through the segmenter's
 * per-image work (once per image), scores and selects every configuration
 * on the segmenter's kernels, compares every sentence's mask with its ground truth at
 * full resolution, appends predictions image by image, and aggregates the
 * metrics as it goes. File access is injected, so the loop itself needs no
 * file system.
 *
 * @module
 */

import { DEFAULTS } from "../defaults.ts";
import type { RgbaImage } from "../image/rgba.ts";
import { ImageDecodeError } from "../image/errors.ts";
import { maskToCompressedRle } from "../datasets/coco_mask.ts";
import type { DatasetImage, DatasetRef } from "../datasets/types.ts";
import type { FeaturedJob, Segmenter } from "../segmenter.ts";
import { fromItems, type ImageJob } from "../stages/job.ts";
import { seedWords } from "../spatial/seed.ts";
import type { Kernels } from "../../kernels/kernels.ts";
import { type AblationConfig, configName, selectWith } from "./ablation.ts";
import { expressionIou, SplitMetricsAccumulator } from "./metrics.ts";
import {
  predictionKey,
  type PredictionLine,
  type ResumedLine,
} from "./predictions.ts";

/** One sentence of a dataset image, with the ref it belongs to. */
interface SentenceRef {
  readonly ref: DatasetRef;
  readonly sentId: number | string;
  readonly sent: string;
}

/** What an image job carries through the pipeline. */
interface EvalMeta {
  readonly image: DatasetImage;
  readonly sentences: readonly SentenceRef[];
}

/** An example kept for the report's picture grid. */
export interface EvalExample {
  /** The dataset image (its metadata, not its pixels). */
  readonly image: DatasetImage;
  /** The referring sentence. */
  readonly sentence: string;
  /** IoU of the predicted mask with the ground truth, 0..1. */
  readonly iou: number;
  /** The ref whose ground truth to draw. */
  readonly ref: DatasetRef;
  /** The predicted mask as compressed RLE. */
  readonly mask: PredictionLine["mask"];
}

/** Progress of an evaluation. */
export interface EvalProgress {
  /** Images segmented so far (skipped and missing ones not counted). */
  readonly images: number;
  /** Sentences of the main configuration evaluated so far. */
  readonly sentences: number;
  /** Images whose file was missing so far. */
  readonly missingImages: number;
  /** Images whose file could not be decoded so far. */
  readonly unreadableImages: number;
  /** Mean IoU of the main configuration so far, in percent. */
  readonly mIoU: number;
  /** Overall IoU of the main configuration so far, in percent. */
  readonly oIoU: number;
}

/** Options of {@linkcode runEvaluation}. */
export interface EvalRunOptions {
  /**
   * The loaded segmenter: its per-image work runs once per image
   * ({@linkcode Segmenter.features}), then every configuration is scored
   * and selected on its kernels (the device the user chose). A
   * configuration that gives `prunePoints` gets a second per-image pass
   * with it, once per image and value.
   */
  readonly segmenter: Pick<Segmenter, "features" | "kernels">;
  /** The split's images, each with its refs. */
  readonly images: AsyncIterable<DatasetImage> | Iterable<DatasetImage>;
  /**
   * Loads an image's pixels; null when its file is missing. An
   * `ImageDecodeError` (a corrupt or truncated file) is counted and the
   * image skipped, like a missing one.
   */
  loadImage(image: DatasetImage): Promise<RgbaImage | null>;
  /** The ground-truth mask of a ref at the image's size. */
  truthMask(ref: DatasetRef, width: number, height: number): Uint8Array;
  /** Configurations; the first is the main one. */
  readonly configs: readonly AblationConfig[];
  /** Whether to name configurations in prediction lines (ablation). */
  readonly nameConfigs: boolean;
  /** Keys of predictions already written (resume). */
  readonly done: ReadonlySet<string>;
  /** Appends the lines of one image. */
  append(lines: readonly PredictionLine[]): Promise<void>;
  /** Stop at the first missing or unreadable image instead of counting it. */
  readonly strict: boolean;
  /**
   * Accumulators per configuration name to add to (e.g. holding the
   * predictions of an interrupted run); fresh ones by default.
   */
  readonly metrics?: Map<string, SplitMetricsAccumulator>;
  /**
   * Kernels for the overlaps with the ground truth. Default: the
   * segmenter's, so they run where its other kernels run.
   */
  readonly kernels?: Pick<Kernels, "maskOverlaps">;
  /** Best and worst examples to keep for the report. Default `DEFAULTS.evaluation.examples`. */
  readonly examples?: number;
  /** Called after each image (segmented or missing) with the totals so far. */
  onProgress?(p: EvalProgress): void;
}

/** The outcome of {@linkcode runEvaluation}. */
export interface EvalOutcome {
  /** Metrics per configuration name (including those given in the options). */
  readonly metrics: Map<string, SplitMetricsAccumulator>;
  /** Images segmented in this run (skipped and missing ones not counted). */
  readonly images: number;
  /** Sentences of the main configuration evaluated in this run. */
  readonly sentences: number;
  /** File names of the images that were missing. */
  readonly missingImages: readonly string[];
  /** The images that could not be decoded, as "file: reason". */
  readonly unreadableImages: readonly string[];
  /** The main configuration's best examples by IoU, best first. */
  readonly best: readonly EvalExample[];
  /** The main configuration's worst examples by IoU, worst first. */
  readonly worst: readonly EvalExample[];
  /** Milliseconds per stage, summed over images. */
  readonly timings: Record<string, number>;
}

/** Thrown in strict mode when an image file cannot be decoded. */
export class UnreadableImageError extends Error {
  /** Creates the error for `file`, which failed with `cause`. */
  constructor(file: string, cause: ImageDecodeError) {
    super(
      `Image file ${file} cannot be read (${cause.reason}): replace it with a valid copy, or run without strict mode to count and skip unreadable images.`,
      { cause },
    );
    this.name = "UnreadableImageError";
  }
}

/** The line an unreadable image is reported with: "file: reason". */
export function unreadableEntry(file: string, error: ImageDecodeError): string {
  return `${file}: ${error.reason}`;
}

/** Thrown in strict mode when an image file is missing. */
export class MissingImageError extends Error {
  /** Creates the error for `file`. */
  constructor(file: string) {
    super(
      `Image file ${file} is missing: check the images folder (it must hold the COCO train2014 images), or run without strict mode to count and skip missing images.`,
    );
    this.name = "MissingImageError";
  }
}

/**
 * What the lines of an interrupted run give the run that resumes it: the
 * keys already done, and each configuration's metrics so far (lines naming
 * no configuration belong to the first, the main one).
 */
export function resumeState(
  previous: readonly ResumedLine[],
  configs: readonly AblationConfig[],
): { done: Set<string>; metrics: Map<string, SplitMetricsAccumulator> } {
  const metrics = new Map(
    configs.map((c) => [configName(c), new SplitMetricsAccumulator()]),
  );
  const done = new Set<string>();
  for (const line of previous) {
    done.add(line.key);
    metrics.get(line.config ?? configName(configs[0]))?.add(
      line.i,
      line.u,
      line.spatial,
    );
  }
  return { done, metrics };
}

/** Whether a sentence holds a spatial word (the seed rule's ten words). */
export function isSpatialSentence(sentence: string): boolean {
  return seedWords(sentence).length > 0;
}

function sentencesOf(image: DatasetImage): SentenceRef[] {
  return image.refs.flatMap((ref) =>
    ref.sentences.map((s) => ({ ref, sentId: s.sentId, sent: s.sent }))
  );
}

/** A sentence's choice under a configuration, waiting for its overlap. */
interface PendingPair {
  readonly config: AblationConfig;
  readonly sentence: SentenceRef;
  readonly rule: string;
  readonly chosen: {
    readonly mask: Uint8Array;
    readonly box: readonly number[];
  } | null;
  readonly score: number | null;
}

/** Intersections and unions of every pair with its ground truth, in one kernel call. */
async function overlapsOf(
  pairs: readonly PendingPair[],
  truthOf: (ref: DatasetRef) => Uint8Array,
  width: number,
  height: number,
  kernels: Pick<Kernels, "maskOverlaps">,
): Promise<{ intersections: Uint32Array; unions: Uint32Array }> {
  const pixels = width * height;
  const predicted = new Uint8Array(pairs.length * pixels);
  const truths = new Uint8Array(pairs.length * pixels);
  pairs.forEach((pair, p) => {
    if (pair.chosen) predicted.set(pair.chosen.mask, p * pixels);
    truths.set(truthOf(pair.sentence.ref), p * pixels);
  });
  return await kernels.maskOverlaps({
    predicted: { data: predicted, count: pairs.length },
    truths: { data: truths, count: pairs.length },
    width,
    height,
  });
}

/** Keeps the k best or worst examples by IoU. */
function keep(
  list: EvalExample[],
  example: EvalExample,
  k: number,
  better: (a: number, b: number) => boolean,
): void {
  list.push(example);
  list.sort((
    a,
    b,
  ) => (better(a.iou, b.iou) ? -1 : better(b.iou, a.iou) ? 1 : 0));
  if (list.length > k) list.length = k;
}

/**
 * Runs an evaluation. Sentences already done are skipped; pass their
 * metrics in `options.metrics` to get totals over the whole split.
 */
export async function runEvaluation(
  options: EvalRunOptions,
): Promise<EvalOutcome> {
  const metrics = options.metrics ?? new Map<string, SplitMetricsAccumulator>();
  for (const c of options.configs) {
    if (!metrics.has(configName(c))) {
      metrics.set(configName(c), new SplitMetricsAccumulator());
    }
  }
  const missingImages: string[] = [];
  const unreadableImages: string[] = [];
  const best: EvalExample[] = [];
  const worst: EvalExample[] = [];
  const timings: Record<string, number> = {};
  const k = options.examples ?? DEFAULTS.evaluation.examples;
  let images = 0, sentences = 0;
  const main = metrics.get(configName(options.configs[0]))!;
  const keyOf = (image: DatasetImage, s: SentenceRef, c: AblationConfig) =>
    predictionKey({
      image_id: image.id,
      ref_id: s.ref.refId,
      sent_id: s.sentId,
      config: options.nameConfigs ? configName(c) : undefined,
    });

  async function* jobs(): AsyncIterable<ImageJob<EvalMeta>> {
    for await (const image of options.images) {
      const all = sentencesOf(image);
      const pending = all.some((s) =>
        options.configs.some((c) => !options.done.has(keyOf(image, s, c)))
      );
      if (!pending || all.length === 0) continue;
      let pixels: RgbaImage | null;
      try {
        pixels = await options.loadImage(image);
      } catch (error) {
        if (!(error instanceof ImageDecodeError)) throw error;
        if (options.strict) throw new UnreadableImageError(image.file, error);
        unreadableImages.push(unreadableEntry(image.file, error));
        options.onProgress?.(progress());
        continue;
      }
      if (!pixels) {
        if (options.strict) throw new MissingImageError(image.file);
        missingImages.push(image.file);
        options.onProgress?.(progress());
        continue;
      }
      if (pixels.width !== image.width || pixels.height !== image.height) {
        throw new RangeError(
          `Image ${image.file} is ${pixels.width}x${pixels.height} but the dataset says ${image.width}x${image.height}: the images folder does not match the annotations.`,
        );
      }
      // Every sentence of the image runs, so that a resumed image gives the
      // same results as an uninterrupted run; only new lines are written.
      yield {
        id: image.id,
        image: pixels,
        sentences: all.map((s) => s.sent),
        meta: { image, sentences: all },
        timings: {},
      };
    }
  }

  const progress = (): EvalProgress => {
    const m = main.all.metrics();
    return {
      images,
      sentences,
      missingImages: missingImages.length,
      unreadableImages: unreadableImages.length,
      mIoU: m.mIoU,
      oIoU: m.oIoU,
    };
  };

  const { kernels } = options.segmenter;
  for await (const job of options.segmenter.features(jobs())) {
    const { image, sentences: refs } = job.meta!;
    const truths = new Map<DatasetRef, Uint8Array>();
    const truthOf = (ref: DatasetRef) => {
      let t = truths.get(ref);
      if (!t) {
        t = options.truthMask(ref, image.width, image.height);
        truths.set(ref, t);
      }
      return t;
    };
    // Every pending (configuration, sentence) pair of the image, compared
    // with its ground truth in one batched kernel call.
    const pairs: PendingPair[] = [];
    const passes = new Map<boolean, FeaturedJob<EvalMeta>>();
    for (const config of options.configs) {
      const pruned = config.prunePoints;
      let featured = job;
      if (pruned !== undefined) {
        featured = passes.get(pruned) ??
          await secondPass(options.segmenter, job, pruned);
        passes.set(pruned, featured);
      }
      const { selections, scores } = await selectWith(
        featured,
        config,
        kernels,
      );
      const n = featured.proposals.length;
      refs.forEach((s, e) => {
        if (options.done.has(keyOf(image, s, config))) return;
        const sel = selections[e];
        const chosen = sel.index >= 0 ? featured.proposals[sel.index] : null;
        pairs.push({
          config,
          sentence: s,
          rule: sel.rule,
          chosen,
          score: chosen ? scores[e * n + sel.index] : null,
        });
      });
    }
    const overlaps = await overlapsOf(
      pairs,
      (ref) => truthOf(ref),
      image.width,
      image.height,
      options.kernels ?? kernels,
    );
    const lines = pairs.map((pair, p): PredictionLine => {
      const { config, sentence: s, chosen } = pair;
      const intersection = overlaps.intersections[p];
      const union = overlaps.unions[p];
      const spatial = isSpatialSentence(s.sent);
      const name = configName(config);
      metrics.get(name)!.add(intersection, union, spatial);
      const mask = maskToCompressedRle(
        chosen?.mask ?? new Uint8Array(image.width * image.height),
        image.width,
        image.height,
      );
      const line: PredictionLine = {
        image_id: image.id,
        ref_id: s.ref.refId,
        sent_id: s.sentId,
        sentence: s.sent,
        mask,
        iou: expressionIou(intersection, union),
        i: intersection,
        u: union,
        box: chosen
          ? [...chosen.box] as [number, number, number, number]
          : null,
        rule: pair.rule,
        score: pair.score === null ? null : roundScore(pair.score),
        spatial,
        ...(options.nameConfigs ? { config: name } : {}),
      };
      if (config === options.configs[0]) {
        const example: EvalExample = {
          image,
          sentence: s.sent,
          iou: line.iou,
          ref: s.ref,
          mask,
        };
        keep(best, example, k, (a, b) => a > b);
        keep(worst, example, k, (a, b) => a < b);
      }
      return line;
    });
    await options.append(lines);
    for (const [stage, ms] of Object.entries(job.timings)) {
      timings[stage] = (timings[stage] ?? 0) + ms;
    }
    for (const [pruned, pass] of passes) {
      for (const [stage, ms] of Object.entries(pass.timings)) {
        const key = `${stage} (prune-points=${pruned ? "on" : "off"})`;
        timings[key] = (timings[key] ?? 0) + ms;
      }
    }
    images++;
    sentences += lines.filter((l) =>
      !options.nameConfigs || l.config === configName(options.configs[0])
    ).length;
    options.onProgress?.(progress());
  }
  return {
    metrics,
    images,
    sentences,
    missingImages,
    unreadableImages,
    best,
    worst,
    timings,
  };
}

/**
 * A job's per-image work again, with the generator's `prunePoints` set:
 * the proposals, CLIP views and sentences of an ablation row that prunes
 * otherwise than the run.
 */
async function secondPass<M>(
  segmenter: Pick<Segmenter, "features">,
  job: FeaturedJob<M>,
  prunePoints: boolean,
): Promise<FeaturedJob<M>> {
  const again: ImageJob<M> = {
    id: job.id,
    image: job.image,
    sentences: job.sentences,
    meta: job.meta,
    timings: {},
  };
  for await (
    const featured of segmenter.features(fromItems([again]), { prunePoints })
  ) {
    return featured;
  }
  throw new Error(`The segmenter gave no features for image ${job.id}.`);
}

function roundScore(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
