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
import { readImageFile, writePng } from "../io/image_file.ts";
import type { RgbaImage } from "../pipeline/image/rgba.ts";
import { encodeMaskPng, encodePng } from "../pipeline/image/png_encode.ts";
import { type ProgressOutput, stderrOutput } from "../io/progress.ts";
import { renderOverlay } from "../pipeline/render/overlay.ts";
import {
  checkSentences,
  createSegmenter,
  type SegmentResult,
} from "../pipeline/segmenter.ts";
import {
  METHOD_OPTION_SPECS,
  METHOD_OPTIONS_USAGE,
  type MethodArgs,
  methodArgs,
  openModels,
  segmenterOptions,
  segmenterProgress,
} from "./method_options.ts";
import { parseCommandLine } from "./command_line.ts";
import { UsageError } from "./usage_error.ts";
import { commandLineMessage } from "./library_errors.ts";
import {
  segmentReport,
  type SentenceReport,
  sentenceReport,
} from "./segment_report.ts";
import { readModelEnv } from "../io/model_env.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import {
  checkNoCollision,
  type NamedPath,
  prepareOutputFiles,
} from "./output_paths.ts";

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
                        Output files may not be the image or each other, and their
                        folders are created when missing: both are checked before
                        any work. Each file is written whole or not at all.

${METHOD_OPTIONS_USAGE}

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
  /** Environment (default: the variables of `MODEL_ENV_NAMES`, read from the process). */
  env?: Record<string, string | undefined>;
  /** Stops the run (default: aborted by Ctrl-C, see {@linkcode interruptSignal}). */
  signal?: AbortSignal;
}

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT). */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * An abort signal that Ctrl-C (SIGINT) aborts, listening until disposed.
 * The run then stops at its next stage or model-call boundary; a second
 * Ctrl-C exits at once (work such as loading models takes no signal).
 */
export function interruptSignal(): AbortSignal & Disposable {
  const controller = new AbortController();
  const listener = () => {
    if (controller.signal.aborted) Deno.exit(INTERRUPTED_EXIT_CODE);
    controller.abort(new DOMException("Interrupted (Ctrl-C)", "AbortError"));
  };
  Deno.addSignalListener("SIGINT", listener);
  return Object.assign(controller.signal, {
    [Symbol.dispose]: () => Deno.removeSignalListener("SIGINT", listener),
  });
}

interface SegmentArgs extends MethodArgs {
  image: string;
  texts: string[];
  out?: string;
  overlay?: string;
  json?: string;
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
      ...METHOD_OPTION_SPECS,
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
  try {
    checkSentences(texts);
  } catch (e) {
    throw new UsageError(`--text: ${(e as Error).message}`);
  }
  return {
    ...methodArgs(values),
    image: values.image,
    texts,
    out: values.out,
    overlay: values.overlay,
    json: values.json,
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

/**
 * The files a run of `segment` writes, each with its flag: the numbered
 * masks and overlays, and the JSON report unless it goes to standard output.
 *
 * @example
 * ```ts
 * segmentOutputs({ texts: ["a", "b"], out: "m.png", json: "-" });
 * // [{ flag: "--out", path: "m-1.png", which: "mask of sentence 1" },
 * //  { flag: "--out", path: "m-2.png", which: "mask of sentence 2" }]
 * ```
 */
export function segmentOutputs(
  a: {
    texts: readonly string[];
    out?: string;
    overlay?: string;
    json?: string;
  },
): NamedPath[] {
  const count = a.texts.length;
  const numbered = (flag: string, path: string | undefined, what: string) =>
    path === undefined ? [] : a.texts.map((_, e) => ({
      flag,
      path: numberedPath(path, e, count),
      ...(count > 1 ? { which: `${what} of sentence ${e + 1}` } : {}),
    }));
  return [
    ...numbered("--out", a.out, "mask"),
    ...numbered("--overlay", a.overlay, "overlay"),
    ...(a.json && a.json !== "-" ? [{ flag: "--json", path: a.json }] : []),
  ];
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
  const env = io.env ?? readModelEnv();
  const a = parseCommandLine(
    () => parseSegmentArgs(args),
    SEGMENT_USAGE,
    out,
    (t) => err.write(t),
  );
  if (typeof a === "number") return a;
  try {
    const outputs = segmentOutputs(a);
    await checkNoCollision([{ flag: "--image", path: a.image }], outputs);
    await prepareOutputFiles(outputs);
  } catch (e) {
    err.write(`error: ${commandLineMessage(e)}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
  using interrupt = io.signal ? undefined : interruptSignal();
  const signal = io.signal ?? interrupt!;
  const started = performance.now();
  try {
    signal.throwIfAborted();
    const image = await readImageFile(a.image, { orientation: "exif" });
    const decoded = performance.now();
    const source = await openModels(a, env, err);
    const segmenter = await createSegmenter(
      segmenterOptions(a, source, segmenterProgress(err)),
    );
    const loaded = performance.now();
    let result: SegmentResult;
    try {
      result = await segmenter.segment(image, a.texts, { signal });
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
      reports.push(
        sentenceReport(r, { mask: maskFile, overlay: overlayFile }),
      );
    }
    const report = segmentReport({
      image: { path: a.image, width: image.width, height: image.height },
      segmenter,
      result,
      sentences: reports,
      decodeMs: decoded - started,
      loadMs: loaded - decoded,
      totalMs: performance.now() - started,
    });
    const json = JSON.stringify(report, null, 2);
    if (a.json === "-") out(json);
    else if (a.json) await writeFileAtomic(a.json, json + "\n");
    if (a.json !== "-") out(summary(report));
    return 0;
  } catch (e) {
    if (signal.aborted && e === signal.reason) {
      err.write("interrupted: stopped before writing any result\n");
      return INTERRUPTED_EXIT_CODE;
    }
    err.write(`error: ${commandLineMessage(e)}\n`);
    return 1;
  }
}

/** A short human-readable summary of a report. */
function summary(report: {
  proposals: number;
  sentences:
    (SentenceReport & { mask: string | null; overlay: string | null })[];
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
