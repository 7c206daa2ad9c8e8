/**
 * The JSONL dataset format, for referring data that is not in REFER's
 * layout: one line per image, with its file, its size and its referring
 * sentences, each with its ground-truth mask. Parsing works one line at a
 * time, so a dataset streams through with constant memory (plus one id per
 * image, to catch duplicates); no file system is needed here (see
 * jsonl_files.ts for reading a file).
 *
 * A line:
 * ```json
 * {"id": 101, "file": "COCO_train2014_000000000101.png", "width": 320, "height": 240,
 *  "sentences": [
 *    {"id": 11, "sent": "the red square on the left",
 *     "mask": [[24, 88, 84, 88, 84, 148, 24, 148]]},
 *    {"id": 14, "sent": "the blue circle",
 *     "mask": {"size": [240, 320], "counts": "ck48k0..."}}]}
 * ```
 * - `file` (required): the image's path relative to the images folder.
 * - `width`, `height` (required): the image's full size in pixels; masks
 *   are at this size.
 * - `id` (optional, string or integer): the image's id; default: `file`.
 *   Ids must be unique in a file.
 * - `sentences` (required, at least one): each with `sent` (the sentence),
 *   `mask` (its ground truth as COCO writes a segmentation: polygons
 *   `[[x0, y0, x1, y1, ...], ...]`, or an RLE `{"size": [height, width],
 *   "counts": ...}` whose counts are run lengths (uncompressed) or COCO's
 *   compressed string), and optionally `id` (string or integer; default
 *   `"<image id>/<index>"`).
 * - Blank lines are skipped; other fields are ignored.
 *
 * Each sentence becomes one {@link DatasetRef} (with that one sentence).
 *
 * @example
 * ```ts
 * import { parseJsonl } from "./jsonl.ts";
 *
 * // The text of a JSONL file, e.g. from fetch() or Deno.readTextFile().
 * const text = await Deno.readTextFile("tests/fixtures/jsonl/small.jsonl");
 * for await (const image of parseJsonl(text.split("\n"), { source: "small.jsonl" })) {
 *   console.log(image.file, image.refs.length);
 * }
 * ```
 *
 * @module
 */

import { describeFileValue, jsonSyntaxProblem } from "../json_problem.ts";
import { DatasetFormatError } from "./errors.ts";
import { segmentationProblem } from "./segmentation.ts";
import type { CocoSegmentation } from "./coco_mask.ts";
import type { DatasetId, DatasetImage, DatasetRef } from "./types.ts";

/** Options of {@link parseJsonlLine} and {@link parseJsonl}. */
export interface JsonlOptions {
  /** The file name (or label) for error messages; default "jsonl". */
  source?: string;
}

const FORMAT_HINT = 'each line is {"file", "width", "height", "sentences": ' +
  '[{"sent", "mask"}]} (see pipeline/datasets/jsonl.ts)';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value for a message: its kind, never its text (see describeFileValue). */
const shown = describeFileValue;

function isId(value: unknown): value is DatasetId {
  return typeof value === "string" ||
    (typeof value === "number" && Number.isSafeInteger(value));
}

/**
 * Parses one line of a JSONL dataset.
 *
 * @example
 * ```ts
 * import { parseJsonlLine } from "./jsonl.ts";
 *
 * const image = parseJsonlLine(
 *   '{"file": "a.png", "width": 4, "height": 2, "sentences": [' +
 *     '{"sent": "the red square", "mask": {"size": [2, 4], "counts": [2, 2, 4]}}]}',
 *   1,
 * );
 * console.log(image?.refs[0].sentences[0].sentId); // "a.png/0"
 * ```
 *
 * @param line the line's text (without its newline)
 * @param lineNumber the 1-based line number, for error messages
 * @param options a source name for error messages
 * @returns the image, or undefined for a blank line
 * @throws {DatasetFormatError} naming the line and the field, for invalid JSON or a missing / malformed field
 */
export function parseJsonlLine(
  line: string,
  lineNumber: number,
  options: JsonlOptions = {},
): DatasetImage | undefined {
  const source = options.source ?? "jsonl";
  if (line.trim() === "") return undefined;
  const fail = (field: string | undefined, reason: string) =>
    new DatasetFormatError(
      { source, line: lineNumber, field },
      reason,
      FORMAT_HINT,
    );

  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new DatasetFormatError(
      { source, line: lineNumber },
      `is not valid JSON (${jsonSyntaxProblem(error, line)})`,
      FORMAT_HINT,
      { cause: error },
    );
  }
  if (!isObject(value)) {
    throw fail(undefined, `is ${shown(value)}, not a JSON object`);
  }

  const { file, width, height, id, sentences } = value;
  if (typeof file !== "string" || file === "") {
    throw fail("file", `must be the image's file name, found ${shown(file)}`);
  }
  for (const [field, v] of [["width", width], ["height", height]] as const) {
    if (!Number.isSafeInteger(v) || (v as number) <= 0) {
      throw fail(
        field,
        `must be a positive integer (pixels), found ${shown(v)}`,
      );
    }
  }
  if (id !== undefined && !isId(id)) {
    throw fail("id", `must be a string or an integer, found ${shown(id)}`);
  }
  if (!Array.isArray(sentences) || sentences.length === 0) {
    throw fail(
      "sentences",
      `must be a non-empty list of {"sent", "mask"}, found ${shown(sentences)}`,
    );
  }
  const w = width as number;
  const h = height as number;
  const imageId: DatasetId = id ?? file;
  const refs = sentences.map((s, k): DatasetRef => {
    const at = `sentences[${k}]`;
    if (!isObject(s)) {
      throw fail(at, `must be an object {"sent", "mask"}, found ${shown(s)}`);
    }
    if (typeof s.sent !== "string" || s.sent.trim() === "") {
      throw fail(
        `${at}.sent`,
        `must be a non-empty string, found ${shown(s.sent)}`,
      );
    }
    if (s.id !== undefined && !isId(s.id)) {
      throw fail(
        `${at}.id`,
        `must be a string or an integer, found ${shown(s.id)}`,
      );
    }
    const problem = segmentationProblem(s.mask, w, h);
    if (problem !== undefined) throw fail(`${at}.mask`, problem);
    const sentId: DatasetId = s.id ?? `${imageId}/${k}`;
    return {
      refId: sentId,
      sentences: [{ sentId, sent: s.sent }],
      segmentation: s.mask as CocoSegmentation,
    };
  });
  return { id: imageId, file, width: w, height: h, refs };
}

/**
 * The longest line {@link splitLines} reads by default, in characters
 * (UTF-16 code units): 64 Mi. A dataset line holds one image's sentences
 * and masks, a prediction line one mask; a longer line is a file without
 * newlines or a corrupt one, and would otherwise be held whole in memory.
 */
export const MAX_LINE_LENGTH = 64 * 1024 * 1024;

/** Options of {@link splitLines}. */
export interface SplitLinesOptions {
  /** The longest line allowed, in characters; default {@link MAX_LINE_LENGTH}. */
  maxLineLength?: number;
}

/**
 * A line longer than {@link SplitLinesOptions.maxLineLength}: the reader
 * stops there instead of holding the rest of the file in memory.
 */
export class LineTooLongError extends Error {
  /** The 1-based number of the line. */
  readonly line: number;
  /** The limit it went over, in characters. */
  readonly limit: number;

  /**
   * Creates the error for line `line` going over `limit` characters.
   *
   * @param line the 1-based line number
   * @param limit the limit, in characters
   */
  constructor(line: number, limit: number) {
    super(`line ${line} is over ${limit} characters long`);
    this.name = "LineTooLongError";
    this.line = line;
    this.limit = limit;
  }
}

/** A line's text from its pieces, without a trailing "\r". */
function joinLine(pieces: readonly string[]): string {
  const line = pieces.length === 1 ? pieces[0] : pieces.join("");
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/**
 * Splits text chunks (a decoded stream) into lines, without their "\n" or
 * "\r\n"; a last line without a newline is kept; a leading byte-order mark
 * is dropped. Holds one partial line at a time, as the pieces of it that
 * the chunks brought, joined once when its newline comes: the time is
 * linear in the text's length however long a line is.
 *
 * @example
 * ```ts
 * import { splitLines } from "./jsonl.ts";
 *
 * const lines = [];
 * for await (const line of splitLines(["a\r\nb", "c\n", "d"])) lines.push(line);
 * console.log(lines); // ["a", "bc", "d"]
 * ```
 *
 * @throws {LineTooLongError} when a line is over `maxLineLength` characters
 */
export async function* splitLines(
  chunks: AsyncIterable<string> | Iterable<string>,
  options: SplitLinesOptions = {},
): AsyncGenerator<string> {
  const max = options.maxLineLength ?? MAX_LINE_LENGTH;
  let pieces: string[] = [];
  let length = 0;
  let lineNumber = 1;
  let first = true;
  // One character over the limit may be the "\r" of a "\r\n", which is
  // not part of the line: checked when the line ends.
  const add = (piece: string) => {
    length += piece.length;
    if (length > max + 1) throw new LineTooLongError(lineNumber, max);
    if (piece.length > 0) pieces.push(piece);
  };
  const end = () => {
    const line = joinLine(pieces.length > 0 ? pieces : [""]);
    if (line.length > max) throw new LineTooLongError(lineNumber, max);
    pieces = [];
    length = 0;
    lineNumber++;
    return line;
  };
  for await (let chunk of chunks) {
    if (first && chunk.length > 0) {
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      first = false;
    }
    let start = 0;
    let stop: number;
    while ((stop = chunk.indexOf("\n", start)) >= 0) {
      add(chunk.slice(start, stop));
      yield end();
      start = stop + 1;
    }
    if (start < chunk.length) add(chunk.slice(start));
  }
  if (length > 0) yield end();
}

/**
 * Parses a JSONL dataset line by line, yielding one image per non-blank
 * line. Image ids must be unique; a file with no image is an error.
 *
 * @example
 * ```ts
 * import { parseJsonl, splitLines } from "./jsonl.ts";
 *
 * // Any stream of text chunks, e.g. a fetch() response's body.
 * const file = await Deno.open("tests/fixtures/jsonl/small.jsonl");
 * const text = file.readable.pipeThrough(new TextDecoderStream());
 * for await (const image of parseJsonl(splitLines(text), { source: "small.jsonl" })) {
 *   console.log(image.id, image.refs.length);
 * }
 * ```
 *
 * @param lines the lines (e.g. from {@link splitLines})
 * @param options a source name for error messages
 * @throws {DatasetFormatError} for a malformed line (naming line and field), a duplicate id, or no image at all
 */
export async function* parseJsonl(
  lines: AsyncIterable<string> | Iterable<string>,
  options: JsonlOptions = {},
): AsyncGenerator<DatasetImage> {
  const source = options.source ?? "jsonl";
  const seen = new Map<DatasetId, number>();
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    const image = parseJsonlLine(line, lineNumber, options);
    if (image === undefined) continue;
    const earlier = seen.get(image.id);
    if (earlier !== undefined) {
      throw new DatasetFormatError(
        { source, line: lineNumber, field: "id" },
        `image id ${
          JSON.stringify(image.id)
        } was already used on line ${earlier}`,
        "give each line its own id (or its own file); put all the sentences " +
          "of an image on one line",
      );
    }
    seen.set(image.id, lineNumber);
    yield image;
  }
  if (seen.size === 0) {
    throw new DatasetFormatError(
      { source },
      lineNumber === 0
        ? "is empty"
        : `holds no image (${lineNumber} blank lines)`,
      `a dataset needs at least one line; ${FORMAT_HINT}`,
    );
  }
}

/**
 * Writes an image in the JSONL format (one line, no newline): the inverse
 * of {@link parseJsonlLine}, up to defaults. Every sentence of a ref gets
 * the ref's segmentation; REFER-only fields (ann ids, categories, boxes,
 * raw sentences) are dropped.
 *
 * @example
 * ```ts
 * import { toJsonlLine } from "./jsonl.ts";
 * import type { DatasetImage } from "./types.ts";
 *
 * const image: DatasetImage = {
 *   id: 7,
 *   file: "dog.jpg",
 *   width: 4,
 *   height: 2,
 *   refs: [{
 *     refId: 1,
 *     segmentation: [[0, 0, 2, 0, 2, 2, 0, 2]], // polygons, in pixels
 *     sentences: [{ sentId: 70, sent: "the dog on the left" }],
 *   }],
 * };
 * const line = toJsonlLine(image) + "\n";
 * console.log(line);
 * ```
 */
export function toJsonlLine(image: DatasetImage): string {
  return JSON.stringify({
    id: image.id,
    file: image.file,
    width: image.width,
    height: image.height,
    sentences: image.refs.flatMap((ref) =>
      ref.sentences.map((s) => ({
        id: s.sentId,
        sent: s.sent,
        mask: ref.segmentation,
      }))
    ),
  });
}
