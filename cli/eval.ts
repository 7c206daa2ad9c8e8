/**
 * `oris eval`: evaluate on RefCOCO, RefCOCO+, RefCOCOg (REFER layout) or a
 * JSONL dataset; or score an existing predictions file (edge code: files).
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { annotationToMask } from "../pipeline/datasets/coco_mask.ts";
import { readJsonlDataset, readLines } from "../io/jsonl_files.ts";
import { loadRefer } from "../io/refer_files.ts";
import { DatasetNotFoundError } from "../pipeline/datasets/errors.ts";
import type { DatasetImage } from "../pipeline/datasets/types.ts";
import { configName, globalViewsOf } from "../pipeline/eval/ablation.ts";
import { openPredictions, writeFileAtomic } from "../io/prediction_files.ts";
import { splitRows, textTable } from "../pipeline/eval/report.ts";
import { resumeState, runEvaluation } from "../pipeline/eval/run.ts";
import { surveySplit } from "../pipeline/eval/fingerprint.ts";
import { resumeProblem } from "../pipeline/eval/run_settings.ts";
import { ShardMergeError } from "../pipeline/eval/merge.ts";
import {
  examplesJson,
  placeExamples,
} from "../pipeline/eval/shard_examples.ts";
import {
  type EvalPlan,
  planEvaluation,
  withoutTokenMask,
} from "../pipeline/eval/plan.ts";
import {
  reportedSettings,
  runJson,
  type RunRecord,
  runRecord,
} from "../pipeline/eval/run_record.ts";
import {
  coverageLine,
  scoreMetricsJson,
  scoreSummary,
} from "../pipeline/eval/score_summary.ts";
import { ShardFolderError } from "../io/shard_files.ts";
import { parseShard, type Shard, shardJson } from "../pipeline/eval/shard.ts";
import {
  metricsJson,
  reportMarkdown,
  summarizeRun,
  summaryTable,
} from "../pipeline/eval/summary.ts";
import {
  indexRefs,
  scorePredictions,
  splitSentenceCount,
} from "../pipeline/eval/score.ts";
import {
  type ProgressOutput,
  ProgressReporter,
  stderrOutput,
} from "../io/progress.ts";
import {
  createSegmenter,
  type SegmenterSettings,
} from "../pipeline/segmenter.ts";
import { DEFAULTS } from "../pipeline/defaults.ts";
import {
  MAX_IN_FLIGHT,
  type ModelChoices,
  resolveModels,
  resolveSettings,
  validateSettings,
} from "../pipeline/settings.ts";
import { SettingError } from "../pipeline/setting_error.ts";
import { REFER_SPLITS_BY } from "../pipeline/datasets/refer.ts";
import { alphaFor, referNames } from "../pipeline/eval/data_defaults.ts";
import { TokenMaskMappingError } from "../pipeline/clip/token_mask_model.ts";
import {
  METHOD_OPTION_SPECS,
  METHOD_OPTIONS_USAGE,
  type MethodArgs,
  methodArgs,
  numberOption,
  openModels,
  segmenterOptions,
  segmenterProgress,
} from "./method_options.ts";
import { parseCommandLine } from "./command_line.ts";
import { UsageError } from "./usage_error.ts";
import {
  checkEvalPaths,
  loadImage,
  lockRun,
  writeExamples,
} from "./eval_output.ts";
import { prepareOutputFolder } from "./output_paths.ts";
import { readModelEnv } from "../io/model_env.ts";
import { type MergeArgs, mergeArgs, runMerge } from "./eval_merge.ts";
import { commandLineMessage, resumeMessage } from "./library_errors.ts";

/** Usage text of `eval`. */
export const EVAL_USAGE =
  `Usage: deno task eval --refer DIR --images DIR [--dataset refcocog --split-by umd --split val] [options]
       deno task eval --jsonl FILE --images DIR [options]
       deno task eval --score predictions.jsonl (--refer DIR ... | --jsonl FILE) [--out DIR]
       deno task eval (--refer DIR ... | --jsonl FILE) --images DIR --shard K/N --out DIR_K [options]
       deno task eval --merge DIR_1 DIR_2 ... --out DIR [--images DIR]

Evaluates referring segmentation: every sentence's mask against its ground truth
at full resolution; oIoU, mIoU and Pr@0.5..0.9, overall and split by whether the
sentence holds a spatial word.

Data:
  --refer DIR           REFER layout: DIR/refcocog/refs(umd).p + DIR/refcocog/instances.json
  --dataset NAME        ${
    Object.keys(REFER_SPLITS_BY).join(", ")
  } (default ${DEFAULTS.evaluation.dataset})
  --split-by NAME       ${
    Object.entries(REFER_SPLITS_BY).map(([d, by]) => `${d}: ${by.join(", ")}`)
      .join("; ")
  }
                        (default: the dataset's first)
  --split NAME          val, test, testA, testB, train (default ${DEFAULTS.evaluation.split})
  --jsonl FILE          JSONL data instead: one image per line with its sentences and masks
  --images DIR          folder of the images (COCO train2014 for REFER)
  --limit N             evaluate the first N images only

Run:
  --out DIR             predictions.jsonl, metrics.json, report.md, examples.png
                        (default out/eval/<dataset>-<split-by>-<split>); created when
                        missing and checked before any work: none of its files may be
                        an input (--jsonl, --score, a --merge folder). Each file but
                        predictions.jsonl (appended line by line) is written whole
                        or not at all
  --resume              continue an interrupted run in --out after its last whole line
  --strict              stop at the first missing or unreadable image (default: count, report, skip)
  --ablate              also run the ablation grid (spatial rules, alphas, and
                        token-mask vs blur global views) on the same per-image
                        work, and the base with --prune-points flipped on a
                        second per-image pass (SAM and CLIP again), printed as
                        one table
  --in-flight N         images worked on at once, 1 to ${MAX_IN_FLIGHT}, results kept in order
                        (default ${DEFAULTS.inFlight}); 2-4 on a GPU host overlap one image's
                        GPU and model waits with the next image's work
  --score FILE          only score a predictions file against the data; no models
  --shard K/N           run shard K of N (K from 1) as a complete, resumable run in
                        --out: the images whose FNV-1a-32 hash of their id, mod N,
                        is K-1 (the same whatever the data's order or the machine)
  --merge DIR...        merge the --out folders of all N shards of one run into --out:
                        checks they share settings and data and cover the split
                        once, then writes predictions.jsonl, metrics.json, report.md
                        (and examples.png when --images DIR is given)

${METHOD_OPTIONS_USAGE}
  (--alpha defaults per dataset, as in the paper: ${
    Object.entries(DEFAULTS.alphaByDataset).map(([d, v]) => `${d} ${v}`).join(
      ", ",
    )
  }; ${DEFAULTS.alpha} for --jsonl data)

  -h, --help            show this help
`;

/** Where the command writes; tests inject these. */
export interface EvalCommandIO {
  stdout?: (text: string) => void;
  stderr?: ProgressOutput;
  env?: Record<string, string | undefined>;
}

/**
 * The options of `eval`: the shared ones with the settings and models
 * resolved (the run's report and its resume check need them before the
 * segmenter exists), and the data and run options.
 */
type EvalArgs = MethodArgs & SegmenterSettings & ModelChoices & {
  refer?: string;
  dataset: string;
  splitBy: string;
  split: string;
  jsonl?: string;
  images?: string;
  limit?: number;
  out: string;
  /** Whether --out was given (--score writes metrics.json only then). */
  outGiven: boolean;
  resume: boolean;
  strict: boolean;
  ablate: boolean;
  inFlight: number;
  score?: string;
  shard?: Shard;
};

function parseEvalArgs(args: string[]): EvalArgs | "help" | MergeArgs {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      refer: { type: "string" },
      dataset: { type: "string" },
      "split-by": { type: "string" },
      split: { type: "string" },
      jsonl: { type: "string" },
      images: { type: "string" },
      limit: { type: "string" },
      out: { type: "string" },
      resume: { type: "boolean" },
      strict: { type: "boolean" },
      ablate: { type: "boolean" },
      "in-flight": { type: "string" },
      score: { type: "string" },
      shard: { type: "string" },
      merge: { type: "boolean" },
      ...METHOD_OPTION_SPECS,
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  if (values.merge) return mergeArgs(values.out, values.images, positionals);
  if (positionals.length > 0) {
    throw new UsageError(
      `unexpected argument "${positionals[0]}": only --merge takes folders`,
    );
  }
  if (values.shard !== undefined && values.score) {
    throw new UsageError(
      "--shard runs a shard of an evaluation; it does not go with --score",
    );
  }
  if (!values.refer === !values.jsonl) {
    throw new UsageError(
      "give the data with either --refer DIR or --jsonl FILE",
    );
  }
  if (!values.score && !values.images) {
    throw new UsageError("--images DIR is required (the folder of the images)");
  }
  const { dataset, splitBy, split } = referNames({
    dataset: values.dataset,
    splitBy: values["split-by"],
    split: values.split,
  });
  const method = methodArgs(values);
  const alpha = method.alpha ?? alphaFor(values.refer ? dataset : undefined);
  const name = values.refer
    ? `${dataset}-${splitBy}-${split}`
    : basename(values.jsonl!).replace(/\.jsonl$/, "");
  return {
    ...method,
    ...resolveModels(method),
    ...resolveSettings({ ...method, alpha }),
    refer: values.refer,
    dataset,
    splitBy,
    split,
    jsonl: values.jsonl,
    images: values.images,
    limit: values.limit === undefined ? undefined : numberOption(
      "limit",
      values.limit,
      0,
      (v) => Number.isInteger(v) && v >= 1,
      "a whole number >= 1",
    ),
    out: values.out ?? join("out", "eval", name),
    outGiven: values.out !== undefined,
    resume: values.resume ?? false,
    strict: values.strict ?? false,
    ablate: values.ablate ?? false,
    inFlight: inFlightOption(values["in-flight"]),
    score: values.score,
    shard: values.shard === undefined ? undefined : shardOption(values.shard),
  };
}

/** --in-flight, checked by the library's one check; default `DEFAULTS.inFlight`. */
function inFlightOption(text: string | undefined): number {
  if (text === undefined) return DEFAULTS.inFlight;
  const inFlight = text.trim() === "" ? NaN : Number(text);
  try {
    validateSettings({ inFlight });
  } catch (e) {
    if (!(e instanceof SettingError)) throw e;
    throw new UsageError(
      `--in-flight must be ${e.expected}, not ${JSON.stringify(text)}`,
    );
  }
  return inFlight;
}

function shardOption(text: string): Shard {
  try {
    return parseShard(text);
  } catch (e) {
    throw new UsageError(`--shard ${e instanceof Error ? e.message : e}`);
  }
}

/** A dataset split opened for streaming. */
interface DataSource {
  /** The images, in order, at most --limit; JSONL streams line by line. */
  images(): AsyncIterable<DatasetImage>;
  /** Their number, when known before reading them all (REFER). */
  readonly total?: number;
  readonly title: string;
  /** Refs left out, one line each (REFER: missing annotation or image). */
  readonly skippedRefs: readonly string[];
}

async function* take<T>(items: AsyncIterable<T> | Iterable<T>, limit?: number) {
  let n = 0;
  for await (const item of items) {
    if (limit !== undefined && n >= limit) return;
    n++;
    yield item;
  }
}

/** Opens the data the options name. Empty data is an error (from the loaders). */
async function openData(a: EvalArgs, err: ProgressOutput): Promise<DataSource> {
  if (!a.refer) {
    return {
      images: () => take(readJsonlDataset(a.jsonl!), a.limit),
      title: basename(a.jsonl!),
      skippedRefs: [],
    };
  }
  const split = await loadRefer({
    root: a.refer,
    dataset: a.dataset,
    splitBy: a.splitBy,
    split: a.split,
    strict: a.strict,
  });
  const skippedRefs = split.skipped.map((s) => {
    err.write(`warning: skipped ref ${s.refId}: ${s.detail}\n`);
    return s.detail;
  });
  const images = a.limit ? split.images.slice(0, a.limit) : split.images;
  return {
    images: () => take(images),
    total: images.length,
    title: `${a.dataset} (${a.splitBy}) ${a.split}`,
    skippedRefs,
  };
}

/**
 * Records a run's settings in `run.json`, or, when resuming, checks that
 * they are those of the run being continued: predictions made with other
 * settings must not be mixed into one set of metrics.
 */
async function checkRunSettings(
  path: string,
  settings: Record<string, unknown>,
  resume: boolean,
): Promise<void> {
  const text = runJson(settings);
  if (resume) {
    let earlier: string | undefined;
    try {
      earlier = await Deno.readTextFile(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    const problem = earlier !== undefined &&
      resumeProblem(dirname(path), parseRunJson(path, earlier), settings);
    if (problem) throw new UsageError(resumeMessage(problem));
  }
  await writeFileAtomic(path, text);
}

/** Parses an earlier run.json; the error says what to do. */
function parseRunJson(path: string, text: string): Record<string, unknown> {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(
      `${path} is not valid JSON: delete it to resume with the current options, or choose another --out`,
    );
  }
}

/** Checks that --images names a folder. */
async function checkImagesDir(dir: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(
        `--images ${dir} does not exist: give the folder of the images`,
      );
    }
    throw e;
  }
  if (!info.isDirectory) {
    throw new UsageError(
      `--images ${dir} is not a folder: give the folder of the images`,
    );
  }
}

/** Runs `eval` with `args`; returns the exit code. */
export async function runEvalCommand(
  args: string[],
  io: EvalCommandIO = {},
): Promise<number> {
  const out = io.stdout ?? ((t: string) => console.log(t));
  const err = io.stderr ?? stderrOutput();
  const env = io.env ?? readModelEnv();
  const a = parseCommandLine(
    () => parseEvalArgs(args),
    EVAL_USAGE,
    out,
    (t) => err.write(t),
  );
  if (typeof a === "number") return a;
  try {
    await checkEvalPaths(a);
    if ("merge" in a) return await runMerge(a, out, err);
    return a.score
      ? await score(a, out, err)
      : await evaluate(a, out, err, env);
  } catch (e) {
    err.write(`error: ${commandLineMessage(e)}\n`);
    return e instanceof UsageError || e instanceof DatasetNotFoundError ||
        e instanceof ShardMergeError || e instanceof ShardFolderError
      ? 2
      : 1;
  }
}

async function score(
  a: EvalArgs,
  out: (t: string) => void,
  err: ProgressOutput,
): Promise<number> {
  const { images, title } = await openData({ ...a, limit: undefined }, err);
  const index = await indexRefs(images());
  const result = await scorePredictions(readLines(a.score!), index, a.score!);
  const summary = scoreSummary(
    result.metrics,
    { scored: a.score!, data: title },
    splitSentenceCount(index),
  );
  if (a.outGiven) {
    // --out may hold a run: its metrics.json is replaced only while no run
    // writes there.
    const lock = await lockRun(a.out);
    try {
      await writeFileAtomic(
        join(a.out, "metrics.json"),
        scoreMetricsJson(summary),
      );
    } finally {
      await lock.release();
    }
  }
  out(textTable(splitRows(summary.main)));
  err.write(`${coverageLine(summary.coverage, a.score!)}\n`);
  return 0;
}

async function evaluate(
  a: EvalArgs,
  out: (t: string) => void,
  err: ProgressOutput,
  env: Record<string, string | undefined>,
): Promise<number> {
  const started = performance.now();
  await checkImagesDir(a.images!);
  await prepareOutputFolder("--out", a.out);
  const data = await openData(a, err);
  const survey = await surveySplit(data.images());
  const planned = planEvaluation({
    images: survey.images,
    shard: a.shard,
    base: {
      spatial: a.spatial,
      alpha: a.alpha,
      topK: a.topK,
      globalView: a.globalView,
    },
    ablate: a.ablate,
    prunePoints: a.generator.prunePoints,
  });
  const plan: RunPlan = {
    ...data,
    ...planned,
    images: () => planned.select(data.images()),
    started,
    run: runRecord({
      data: data.title,
      models: a,
      settings: a,
      ablate: a.ablate,
      limit: a.limit,
      fingerprint: survey.fingerprint,
      shard: a.shard,
    }),
    predictionsPath: join(a.out, "predictions.jsonl"),
  };
  const lock = await lockRun(a.out, { resume: a.resume });
  try {
    return await evaluateLocked(a, out, err, env, plan);
  } finally {
    await lock.release();
  }
}

/** What an evaluation works on, settled before its --out is locked. */
interface RunPlan extends Omit<DataSource, "total">, Omit<EvalPlan, "select"> {
  started: number;
  /** run.json's settings. */
  run: RunRecord;
  predictionsPath: string;
}

async function evaluateLocked(
  a: EvalArgs,
  out: (t: string) => void,
  err: ProgressOutput,
  env: Record<string, string | undefined>,
  plan: RunPlan,
): Promise<number> {
  const { started, images, total, title, skippedRefs, run, predictionsPath } =
    plan;
  let { configs } = plan;
  const predictions = await openPredictions(predictionsPath, a.resume);
  try {
    await checkRunSettings(join(a.out, "run.json"), run, a.resume);
    if (plan.record) {
      await writeFileAtomic(join(a.out, "shard.json"), shardJson(plan.record));
    }
  } catch (e) {
    predictions.close();
    throw e;
  }
  const resumed = resumeState(predictions.previous, configs);
  const { done } = resumed;
  let { metrics } = resumed;
  if (a.resume) {
    err.write(
      `resuming: ${predictions.previous.length} predictions already in ${predictionsPath}\n`,
    );
  }
  const source = await openModels(a, env, err);
  // Per-image progress is eval's own bar; the segmenter reports only the
  // one-off derivation of the token-masked tower.
  const notes = segmenterProgress(err);
  const open = () =>
    createSegmenter({
      ...segmenterOptions(a, source, (e) =>
        (e.kind === "derive" || e.kind === "backend") && notes(e)),
      inFlight: a.inFlight,
      // An evaluation keeps its models open unless told otherwise: its
      // images reuse the encoder's memory, and a CLIP that cannot be
      // token-masked is found before the first image.
      residentModels: a.residentModels ?? true,
      extraGlobalViews: globalViewsOf(configs),
    });
  let segmenter;
  try {
    segmenter = await open();
  } catch (e) {
    // An ablation of a blur run on a CLIP that cannot be token-masked
    // leaves those rows out instead of failing.
    const left = e instanceof TokenMaskMappingError &&
      withoutTokenMask(configs, metrics);
    if (!left) throw e;
    err.write(
      `note: ${e.message}. The ablation leaves out its token-mask rows.\n`,
    );
    ({ configs, metrics } = left);
    segmenter = await open();
  }
  const bar = new ProgressReporter({
    label: "eval",
    total,
    itemName: "images",
    output: err,
  });
  let outcome;
  try {
    outcome = await runEvaluation({
      segmenter,
      images: images(),
      loadImage: (image) => loadImage(a.images!, image),
      truthMask: (ref, w, h) => annotationToMask(ref.segmentation, w, h),
      configs,
      nameConfigs: a.ablate,
      done,
      metrics,
      append: (lines) => predictions.append(lines),
      strict: a.strict,
      onProgress: (p) =>
        bar.update(
          p.images + p.missingImages + p.unreadableImages,
          `${p.sentences} sentences, mIoU ${p.mIoU.toFixed(2)} oIoU ${
            p.oIoU.toFixed(2)
          }`,
        ),
    });
    bar.finish();
  } catch (e) {
    throw new Error(
      `${
        e instanceof Error ? e.message : e
      }. The predictions made so far are kept in ${predictionsPath}: rerun with --resume to continue.`,
      { cause: e },
    );
  } finally {
    predictions.close();
    await segmenter.release();
  }
  if (outcome.images === 0 && outcome.missingImages.length > 0) {
    throw new Error(
      `none of the ${outcome.missingImages.length} images were found in --images ${a.images} (e.g. ${
        outcome.missingImages[0]
      }): check the folder`,
    );
  }
  const summary = summarizeRun({
    title,
    configs: configs.map(configName),
    metrics,
    ablate: a.ablate,
    settings: reportedSettings(run, {
      backend: segmenter.models.backend,
      threads: segmenter.models.threads,
      device: segmenter.device,
      viewsOnDevice: segmenter.viewsOnDevice,
      inFlight: a.inFlight,
      fastEncoder: segmenter.models.fastEncoder,
      fastDecoder: segmenter.models.fastDecoder,
    }),
    imagesThisRun: outcome.images,
    missingImages: outcome.missingImages,
    unreadableImages: outcome.unreadableImages,
    skippedRefs,
    stageTimings: outcome.timings,
    wallMs: performance.now() - started,
  });
  await writeFileAtomic(join(a.out, "metrics.json"), metricsJson(summary));
  if (plan.record) {
    await writeFileAtomic(
      join(a.out, "examples.json"),
      examplesJson(placeExamples(outcome.best, outcome.worst, plan.record)),
    );
  }
  const grid = await writeExamples(
    a.out,
    a.images!,
    outcome.best,
    outcome.worst,
  );
  await writeFileAtomic(
    join(a.out, "report.md"),
    reportMarkdown(summary, grid),
  );
  out(summaryTable(summary));
  out(`wrote ${predictionsPath}, metrics.json and report.md in ${a.out}`);
  if (outcome.missingImages.length > 0) {
    err.write(
      `warning: ${outcome.missingImages.length} image files were missing (listed in metrics.json); their sentences were not evaluated\n`,
    );
  }
  if (outcome.unreadableImages.length > 0) {
    err.write(
      `warning: ${outcome.unreadableImages.length} image files could not be decoded (listed in metrics.json as unreadableImages, e.g. ${
        outcome.unreadableImages[0]
      }); their sentences were not evaluated: replace the files and rerun with --resume\n`,
    );
  }
  return 0;
}
