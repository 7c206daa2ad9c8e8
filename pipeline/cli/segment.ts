/**
 * `oris segment`: segment the object each sentence refers to in an image,
 * writing mask PNGs, overlays and a JSON report (edge code: files, network).
 *
 * @example
 * ```ts
 * const code = await runSegmentCommand(["--image", "photo.jpg", "--text", "the dog on the left", "--out", "mask.png"]);
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { readImageFile, writePng } from "../image/file.ts";
import type { RgbaImage } from "../image/rgba.ts";
import { encodeMaskPng, encodePng } from "../image/png_encode.ts";
import {
  DEFAULT_CLIP,
  DEFAULT_SAM,
  DEFAULT_VARIANT,
  isModelVariant,
  MODEL_VARIANTS,
  type ModelVariant,
  resolveModelSpec,
} from "../models/registry.ts";
import { type BackendName, BACKENDS, parseBackend } from "../models/session.ts";
import type { ModelSource } from "../models/source.ts";
import {
  lockWaitMessage,
  ModelStore,
  modelStoreOptionsFromEnv,
} from "../models/store.ts";
import {
  type ProgressOutput,
  ProgressReporter,
  stderrOutput,
} from "../progress.ts";
import { renderOverlay } from "../render/overlay.ts";
import { MASK_GENERATOR_DEFAULTS } from "../sam/mask_generator.ts";
import {
  createSegmenter,
  SEGMENTER_DEFAULTS,
  type SegmenterProgress,
  type SegmentResult,
  type SentenceResult,
} from "../segmenter.ts";
import { SPATIAL_MODES, type SpatialMode } from "../stages/select.ts";
import { downloadProgress } from "./download_progress.ts";
import { UsageError } from "./usage_error.ts";

/** Usage text of `segment`. */
export const SEGMENT_USAGE =
  `Usage: deno task segment --image PATH --text "..." [--text "..."]... [options]

Segments the object each sentence refers to.

Input and output:
  --image PATH          JPEG or PNG image (EXIF orientation applied)
  --text TEXT           a referring sentence; repeat for several (one image pass serves all)
  --out FILE            mask PNG: 255 inside, 0 elsewhere, the image's size
                        (several sentences: FILE-1.png, FILE-2.png, ...)
  --overlay FILE        overlay PNG: the selected mask tinted and boxed, the other
                        top-k candidates outlined with rank and score (numbered likewise)
  --json FILE|-         JSON report (- for standard output)

Models:
  --models DIR          read models from a local folder in the hub layout; no network
  --clip ID             CLIP repository (default ${DEFAULT_CLIP})
  --sam ID              SAM repository (default ${DEFAULT_SAM})
  --variant V           ${
    MODEL_VARIANTS.join(", ")
  } (default ${DEFAULT_VARIANT})
  --offline             use only the model cache (also HF_HUB_OFFLINE=1)
  --backend B           ${BACKENDS.join(", ")} (default wasm)

Method:
  --spatial MODE        ${
    SPATIAL_MODES.join(", ")
  } (default ${SEGMENTER_DEFAULTS.spatial})
  --top-k K             candidates the spatial rule compares (default ${SEGMENTER_DEFAULTS.topK})
  --alpha A             weight of the global view (default ${SEGMENTER_DEFAULTS.alpha})
  --beta B              weight of the sentence against its noun phrase (default ${SEGMENTER_DEFAULTS.beta})
  --points-per-side N   SAM point grid (default ${MASK_GENERATOR_DEFAULTS.pointsPerSide})
  --points-per-batch N  SAM prompts per decoder call (default ${MASK_GENERATOR_DEFAULTS.pointsPerBatch})

  -h, --help            show this help

Example:
  deno task segment --image photo.jpg --text "the dog on the left" --out mask.png --overlay overlay.png
`;

/** Where the command writes; tests inject these. */
export interface SegmentCommandIO {
  /** Results (default: standard output). */
  stdout?: (text: string) => void;
  /** Progress and errors (default: standard error). */
  stderr?: ProgressOutput;
  /** Environment (default: the process environment). */
  env?: Record<string, string | undefined>;
}

interface SegmentArgs {
  image: string;
  texts: string[];
  out?: string;
  overlay?: string;
  json?: string;
  models?: string;
  clip: string;
  sam: string;
  variant: ModelVariant;
  offline: boolean;
  backend: BackendName;
  spatial: SpatialMode;
  topK: number;
  alpha: number;
  beta: number;
  pointsPerSide: number;
  pointsPerBatch: number;
}

/** Parses a number option, with a clear error. */
export function numberOption(
  name: string,
  value: string | undefined,
  fallback: number,
  check: (v: number) => boolean,
  expected: string,
): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (value.trim() === "" || !Number.isFinite(v) || !check(v)) {
    throw new UsageError(
      `--${name} must be ${expected}, not ${JSON.stringify(value)}`,
    );
  }
  return v;
}

function parseSegmentArgs(args: string[]): SegmentArgs | "help" {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      image: { type: "string" },
      text: { type: "string", multiple: true },
      out: { type: "string" },
      overlay: { type: "string" },
      json: { type: "string" },
      models: { type: "string" },
      clip: { type: "string" },
      sam: { type: "string" },
      variant: { type: "string" },
      offline: { type: "boolean" },
      backend: { type: "string" },
      spatial: { type: "string" },
      "top-k": { type: "string" },
      alpha: { type: "string" },
      beta: { type: "string" },
      "points-per-side": { type: "string" },
      "points-per-batch": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  if (!values.image) throw new UsageError("--image is required");
  const texts = values.text ?? [];
  if (texts.length === 0) {
    throw new UsageError(
      '--text is required, e.g. --text "the dog on the left"',
    );
  }
  const variant = values.variant ?? DEFAULT_VARIANT;
  if (!isModelVariant(variant)) {
    throw new UsageError(
      `--variant must be one of ${MODEL_VARIANTS.join(", ")}`,
    );
  }
  const spatial = values.spatial ?? SEGMENTER_DEFAULTS.spatial;
  if (!(SPATIAL_MODES as readonly string[]).includes(spatial)) {
    throw new UsageError(
      `--spatial must be one of ${SPATIAL_MODES.join(", ")}`,
    );
  }
  let backend: BackendName;
  try {
    backend = parseBackend(values.backend ?? "wasm");
  } catch (e) {
    throw new UsageError(`--backend: ${(e as Error).message}`);
  }
  const unit = (v: number) => v >= 0 && v <= 1;
  const whole = (max: number) => (v: number) =>
    Number.isInteger(v) && v >= 1 && v <= max;
  return {
    image: values.image,
    texts,
    out: values.out,
    overlay: values.overlay,
    json: values.json,
    models: values.models,
    clip: values.clip ?? DEFAULT_CLIP,
    sam: values.sam ?? DEFAULT_SAM,
    variant,
    offline: values.offline ?? false,
    backend,
    spatial: spatial as SpatialMode,
    topK: numberOption(
      "top-k",
      values["top-k"],
      SEGMENTER_DEFAULTS.topK,
      whole(100),
      "a whole number from 1 to 100",
    ),
    alpha: numberOption(
      "alpha",
      values.alpha,
      SEGMENTER_DEFAULTS.alpha,
      unit,
      "a number from 0 to 1",
    ),
    beta: numberOption(
      "beta",
      values.beta,
      SEGMENTER_DEFAULTS.beta,
      unit,
      "a number from 0 to 1",
    ),
    pointsPerSide: numberOption(
      "points-per-side",
      values["points-per-side"],
      MASK_GENERATOR_DEFAULTS.pointsPerSide,
      whole(128),
      "a whole number from 1 to 128",
    ),
    pointsPerBatch: numberOption(
      "points-per-batch",
      values["points-per-batch"],
      MASK_GENERATOR_DEFAULTS.pointsPerBatch,
      whole(1024),
      "a whole number from 1 to 1024",
    ),
  };
}

/**
 * The file a per-sentence output goes to: `path` itself for one sentence,
 * else `stem-N.ext` (N from 1).
 *
 * @example
 * ```ts
 * numberedPath("out/mask.png", 1, 3); // "out/mask-2.png"
 * ```
 */
export function numberedPath(
  path: string,
  index: number,
  count: number,
): string {
  if (count === 1) return path;
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  const n = index + 1;
  return dot > slash + 1
    ? `${path.slice(0, dot)}-${n}${path.slice(dot)}`
    : `${path}-${n}`;
}

/** Opens the model source the options ask for, fetching missing files first. */
async function openModels(
  a: SegmentArgs,
  env: Record<string, string | undefined>,
  err: ProgressOutput,
): Promise<ModelSource> {
  if (a.models) return new ModelStore({ localDir: a.models });
  const defaults = modelStoreOptionsFromEnv(env);
  const store = new ModelStore({
    ...defaults,
    offline: a.offline || defaults.offline,
    onProgress: downloadProgress(err).onProgress,
    onLockWait: (wait) => err.write(lockWaitMessage(wait) + "\n"),
  });
  await store.ensure(resolveModelSpec(a.clip, "clip"), a.variant);
  await store.ensure(resolveModelSpec(a.sam, "sam"), a.variant);
  return store;
}

/** Reports model loading and SAM's decoder batches on standard error. */
function segmentProgress(err: ProgressOutput): (e: SegmenterProgress) => void {
  let bar: ProgressReporter | undefined;
  return (e) => {
    if (e.kind === "load") {
      if (!err.isTerminal) err.write(`loading ${e.model} ${e.file}\n`);
      return;
    }
    const p = e.progress;
    if (p.stage === "encode" && p.done === 0) {
      err.write("SAM: encoding the image\n");
    }
    if (p.stage !== "decode") return;
    bar ??= new ProgressReporter({
      label: "SAM",
      total: p.total,
      itemName: "point prompts",
      output: err,
    });
    bar.update(p.done);
    if (p.done >= p.total) {
      bar.finish();
      bar = undefined;
    }
  };
}

/** The JSON report of one sentence. */
function sentenceReport(
  r: SentenceResult,
  mask: string | null,
  overlay: string | null,
) {
  return {
    sentence: r.sentence,
    nounPhrase: r.nounPhrase,
    head: r.head,
    spatialWords: r.spatialWords,
    rule: r.rule,
    truncated: r.truncated,
    tokens: r.tokenCount,
    candidates: r.candidates.map((c) => ({ ...c, score: round(c.score) })),
    selected: r.selected && { ...r.selected, score: round(r.selected.score) },
    mask,
    overlay,
  };
}

function round(v: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Draws the overlay of one sentence. */
export function sentenceOverlay(
  image: RgbaImage,
  result: SegmentResult,
  e: number,
  masks: (i: number) => Uint8Array,
): RgbaImage {
  const r = result.sentences[e];
  return renderOverlay(image, {
    selected: r.selected
      ? {
        mask: r.mask,
        box: r.selected.box,
        rank: r.selected.rank,
        score: r.selected.score,
      }
      : undefined,
    candidates: r.candidates.map((c) => ({
      mask: masks(c.index),
      box: c.box,
      rank: c.rank,
      score: c.score,
    })),
  });
}

/** Runs `segment` with `args`; returns the exit code. */
export async function runSegmentCommand(
  args: string[],
  io: SegmentCommandIO = {},
): Promise<number> {
  const out = io.stdout ?? ((t: string) => console.log(t));
  const err = io.stderr ?? stderrOutput();
  const env = io.env ?? Deno.env.toObject();
  let a: SegmentArgs | "help";
  try {
    a = parseSegmentArgs(args);
  } catch (e) {
    err.write(`error: ${(e as Error).message}\n\n${SEGMENT_USAGE}`);
    return 2;
  }
  if (a === "help") {
    out(SEGMENT_USAGE);
    return 0;
  }
  const started = performance.now();
  try {
    const image = await readImageFile(a.image, { orientation: "exif" });
    const decoded = performance.now();
    const source = await openModels(a, env, err);
    const segmenter = await createSegmenter({
      source,
      clip: a.clip,
      sam: a.sam,
      variant: a.variant,
      backend: a.backend,
      spatial: a.spatial,
      topK: a.topK,
      alpha: a.alpha,
      beta: a.beta,
      generator: {
        pointsPerSide: a.pointsPerSide,
        pointsPerBatch: a.pointsPerBatch,
      },
      onProgress: segmentProgress(err),
    });
    const loaded = performance.now();
    let result: SegmentResult;
    try {
      result = await segmenter.segment(image, a.texts);
    } finally {
      await segmenter.release();
    }
    const maskOf = (index: number) => result.proposals[index].mask;
    const reports = [];
    const count = result.sentences.length;
    for (let e = 0; e < count; e++) {
      const r = result.sentences[e];
      const maskFile = a.out ? numberedPath(a.out, e, count) : null;
      const overlayFile = a.overlay ? numberedPath(a.overlay, e, count) : null;
      if (maskFile) {
        await writePng(
          maskFile,
          await encodeMaskPng(r.mask, image.width, image.height),
        );
      }
      if (overlayFile) {
        await writePng(
          overlayFile,
          await encodePng(sentenceOverlay(image, result, e, maskOf)),
        );
      }
      reports.push(sentenceReport(r, maskFile, overlayFile));
    }
    const report = {
      image: { path: a.image, width: image.width, height: image.height },
      models: {
        clip: a.clip,
        sam: a.sam,
        variant: a.variant,
        backend: a.backend,
      },
      settings: {
        spatial: a.spatial,
        topK: a.topK,
        alpha: a.alpha,
        beta: a.beta,
        pointsPerSide: a.pointsPerSide,
        pointsPerBatch: a.pointsPerBatch,
      },
      proposals: result.proposals.length,
      sentences: reports,
      timings: {
        decode: round(decoded - started, 1),
        load: round(loaded - decoded, 1),
        ...Object.fromEntries(
          Object.entries(result.timings).map(([k, v]) => [k, round(v, 1)]),
        ),
        total: round(performance.now() - started, 1),
      },
    };
    const json = JSON.stringify(report, null, 2);
    if (a.json === "-") out(json);
    else if (a.json) await Deno.writeTextFile(a.json, json + "\n");
    if (a.json !== "-") out(summary(report));
    return 0;
  } catch (e) {
    err.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

/** A short human-readable summary of a report. */
function summary(report: {
  proposals: number;
  sentences: ReturnType<typeof sentenceReport>[];
  timings: Record<string, number>;
}): string {
  const lines = report.sentences.map((s) => {
    const where = s.selected
      ? `box ${s.selected.box.join(",")} score ${
        s.selected.score.toFixed(3)
      } (${s.rule})`
      : "nothing found (SAM proposed no region)";
    const files = [s.mask, s.overlay].filter(Boolean).join(", ");
    return `"${s.sentence}": ${where}${
      s.truncated ? " [sentence cut to 77 tokens]" : ""
    }${files ? ` -> ${files}` : ""}`;
  });
  return [
    ...lines,
    `${report.proposals} proposals, ${
      (report.timings.total / 1000).toFixed(1)
    } s`,
  ].join("\n");
}
