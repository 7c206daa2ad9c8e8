/**
 * The predictions file of an evaluation, `predictions.jsonl`: one line per
 * sentence (and per configuration when ablating). Lines are appended image
 * by image; a run killed at any moment is resumed after the last whole line.
 *
 * @module
 */
import { jsonSyntaxProblem } from "../json_problem.ts";

/** One line of predictions.jsonl. */
export interface PredictionLine {
  /** Id of the dataset image. */
  readonly image_id: number | string;
  /** Id of the ref (the referred object) the sentence belongs to. */
  readonly ref_id: number | string;
  /** Id of the sentence within the dataset. */
  readonly sent_id: number | string;
  /** The referring sentence. */
  readonly sentence: string;
  /** The predicted mask as COCO compressed RLE. */
  readonly mask: {
    /** Mask size as [height, width], in pixels. */
    readonly size: readonly [number, number];
    /** The run lengths in COCO's compressed string form. */
    readonly counts: string;
  };
  /** IoU with the ground truth, 0..1. */
  readonly iou: number;
  /** Intersection with the ground truth, in pixels. */
  readonly i: number;
  /** Union with the ground truth, in pixels. */
  readonly u: number;
  /** Box [x, y, w, h] of the prediction; null when nothing was found. */
  readonly box: readonly [number, number, number, number] | null;
  /** The selection rule that decided. */
  readonly rule: string;
  /** Score of the chosen proposal; null when nothing was found. */
  readonly score: number | null;
  /** Whether the sentence holds a spatial word. */
  readonly spatial: boolean;
  /** The configuration, when ablating (e.g. "spatial=seed alpha=0.85"). */
  readonly config?: string;
}

/**
 * The key that identifies a line: image, ref, sentence and configuration
 * (ids need only be unique within their image).
 */
export function predictionKey(
  line: Pick<PredictionLine, "image_id" | "ref_id" | "sent_id" | "config">,
): string {
  return JSON.stringify([
    String(line.image_id),
    String(line.ref_id),
    String(line.sent_id),
    line.config ?? "",
  ]);
}

/** Thrown when a line of a predictions file is not a prediction. */
export class PredictionFormatError extends Error {
  /** Creates the error for line `lineNumber` (from 1) of `file`. */
  constructor(file: string, lineNumber: number, reason: string) {
    super(`${file}, line ${lineNumber}: ${reason}`);
    this.name = "PredictionFormatError";
  }
}

/** Parses and checks one line of a predictions file. */
export function parsePredictionLine(
  text: string,
  file: string,
  lineNumber: number,
): PredictionLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new PredictionFormatError(
      file,
      lineNumber,
      `not valid JSON (${jsonSyntaxProblem(e, text)})`,
    );
  }
  const v = value as Record<string, unknown>;
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new PredictionFormatError(file, lineNumber, "expected a JSON object");
  }
  for (const k of ["image_id", "ref_id", "sent_id"]) {
    if (!(typeof v[k] === "number" || typeof v[k] === "string")) {
      throw new PredictionFormatError(file, lineNumber, `"${k}" is missing`);
    }
  }
  const mask = v.mask as Record<string, unknown> | undefined;
  if (
    !mask || !Array.isArray(mask.size) || mask.size.length !== 2 ||
    typeof mask.counts !== "string"
  ) {
    throw new PredictionFormatError(
      file,
      lineNumber,
      '"mask" must be COCO compressed RLE: {"size": [h, w], "counts": "..."}',
    );
  }
  return v as unknown as PredictionLine;
}

/**
 * Splits file text into whole lines, ignoring a trailing partial line (the
 * mark of a run killed while writing). Returns the lines and the byte
 * length of the whole-line prefix.
 */
export function wholeLines(
  bytes: Uint8Array,
): { lines: string[]; wholeBytes: number } {
  const last = bytes.lastIndexOf(0x0a);
  const wholeBytes = last + 1;
  const text = new TextDecoder().decode(bytes.subarray(0, wholeBytes));
  const lines = text.split("\n").filter((l) => l.trim().length > 0);
  return { lines, wholeBytes };
}

/** Serialises predictions as lines of JSON, each ending with a newline. */
export function formatPredictionLines(
  lines: readonly PredictionLine[],
): string {
  return lines.map((l) => JSON.stringify(l) + "\n").join("");
}

/** What a resumed run needs of an earlier line: its key and its counts. */
export interface ResumedLine {
  /** The line's {@linkcode predictionKey}. */
  readonly key: string;
  /** Intersection with the ground truth, in pixels. */
  readonly i: number;
  /** Union with the ground truth, in pixels. */
  readonly u: number;
  /** Whether the sentence holds a spatial word. */
  readonly spatial: boolean;
  /** The configuration name, when the run was an ablation. */
  readonly config?: string;
}

/**
 * Reduces a line of our own predictions file to what resuming needs,
 * checking the fields our runs always write.
 */
export function resumedLine(
  line: PredictionLine,
  file: string,
  lineNumber: number,
): ResumedLine {
  const ok = Number.isInteger(line.i) && Number.isInteger(line.u) &&
    line.i >= 0 && line.i <= line.u && typeof line.spatial === "boolean";
  if (!ok) {
    throw new PredictionFormatError(
      file,
      lineNumber,
      '"i", "u" (pixel counts, i <= u) and "spatial" (true or false) are needed to resume; was this file written by oris eval?',
    );
  }
  return {
    key: predictionKey(line),
    i: line.i,
    u: line.u,
    spatial: line.spatial,
    ...(line.config !== undefined ? { config: line.config } : {}),
  };
}
