/**
 * `oris spatial`: runs a spatial selector on candidate boxes from a JSON
 * file, without models, and prints the choice (edge code: reads files).
 *
 * @example
 * ```ts
 * const code = await runSpatialCommand([
 *   "--text", "the dog on the left", "--candidates", "boxes.json", "--image-size", "640x480",
 * ]);
 * // prints {"index": 1, "rule": "extended:left among 2"}
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULTS } from "../pipeline/defaults.ts";
import { describeFileValue } from "../pipeline/json_problem.ts";
import { validateSettings } from "../pipeline/settings.ts";
import { SettingError } from "../pipeline/setting_error.ts";
import {
  type ExtendedCandidate,
  type ImageSize,
  selectCandidate,
} from "../pipeline/spatial/extended.ts";
import { parseSpatial } from "../pipeline/spatial/parse.ts";
import { selectSeed } from "../pipeline/spatial/seed.ts";
import type { Selection } from "../pipeline/spatial/types.ts";
import { parseCommandLine } from "./command_line.ts";
import { UsageError } from "./usage_error.ts";

/** Spatial selection modes of the command. */
export const SPATIAL_COMMAND_MODES = ["extended", "seed"] as const;

/** Usage text of `spatial`. */
export const SPATIAL_USAGE =
  `Usage: deno task spatial --text "..." --candidates FILE.json --image-size WxH [options]
       deno task spatial --jsonl FILE.jsonl [options]

Chooses the candidate a sentence refers to from its boxes and scores, with the
spatial selector alone (no models). Prints {"index": n, "rule": "..."}.

  --text TEXT           the referring sentence
  --candidates FILE     JSON array of candidates (- for standard input), each
                        {"box": [x, y, w, h], "score": s} with optional "area",
                        "centroid": [x, y], "anchorScore" and "nounScore"
  --image-size WxH      the image's width and height in pixels, e.g. 640x480
  --jsonl FILE          batch mode (- for standard input): one case a line,
                        {"text": "...", "candidates": [...], "image_size": [w, h]};
                        prints one result a line in input order, and
                        {"error": "line N: ..."} for a bad line, then goes on
                        (exit status 1 when any line was bad)
  --spatial MODE        extended or seed (the paper's 10-word rule; default ${DEFAULTS.spatial})
  --top-k K             most candidates compared (default ${
    SPATIAL_COMMAND_MODES.map((m) => `${DEFAULTS.topK[m]} for ${m}`).join(", ")
  });
                        extended: only relations with anchor scores;
                        the rest sees every instance in the pool
  --margin M            extended: pool margin, a share of the best score (and
                        of the best nounScore) a candidate may fall below it
                        and stay in the pool (default ${DEFAULTS.selector.margin})
  --explain             add the sentence's spatial parse to the output
  -h, --help            show this help

Example:
  deno task spatial --text "second giraffe from the left" --candidates boxes.json --image-size 640x480
  deno task spatial --jsonl cases.jsonl --spatial seed > results.jsonl
`;

/** The candidates file is unreadable, not JSON, or not a list of candidates. */
export class CandidateFileError extends Error {
  /** Creates the error with a message that says what to fix. */
  constructor(message: string) {
    super(message);
    this.name = "CandidateFileError";
  }
}

/** Where the command reads and writes; tests inject these. */
export interface SpatialCommandIO {
  /** Results (default: standard output). */
  stdout?: (text: string) => void;
  /** Errors (default: standard error). */
  stderr?: (text: string) => void;
  /** Reads standard input for `--candidates -` (default: the process's). */
  stdin?: () => Promise<string>;
}

/**
 * Parses `WIDTHxHEIGHT` ("640x480") into an image size.
 *
 * @example
 * ```ts
 * parseImageSize("640x480"); // { width: 640, height: 480 }
 * ```
 */
export function parseImageSize(text: string): ImageSize {
  const m = /^\s*(\d+(?:\.\d+)?)\s*[xX×]\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  const width = m ? Number(m[1]) : NaN, height = m ? Number(m[2]) : NaN;
  if (!(width > 0 && height > 0)) {
    throw new UsageError(
      `--image-size must be WIDTHxHEIGHT in pixels, both above 0, e.g. 640x480; got ${
        JSON.stringify(text)
      }`,
    );
  }
  return { width, height };
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset).split("\n");
  return [before.length, before[before.length - 1].length + 1];
}

/**
 * Offset of the first JSON syntax error in `text` (V8's messages don't
 * always say where): a small recursive scan of the JSON grammar.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ":") fail();
        i++;
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return void i++;
        else fail();
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return void i++;
        else fail();
      }
    }
    if (c === '"') return string();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/
      .exec(text.slice(i));
    if (!m) fail();
    i += (m as RegExpExecArray)[0].length;
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? "")) fail();
      } else if (text.charCodeAt(i) < 0x20) fail();
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    if (typeof at === "number") return at;
    throw at;
  }
}

const isNumber = (v: unknown): v is number =>
  typeof v === "number" && Number.isFinite(v);

/**
 * Reads a JSON array of candidates, with errors that give the position of
 * a syntax error or the path of a bad field.
 *
 * @example
 * ```ts
 * parseCandidatesJson('[{"box": [10, 20, 30, 40], "score": 0.3}]', "boxes.json");
 * // [{ box: [10, 20, 30, 40], score: 0.3 }]
 * ```
 */
export function parseCandidatesJson(
  text: string,
  source: string,
): ExtendedCandidate[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const offset = Math.max(jsonErrorOffset(text), 0);
    const [line, column] = lineColumn(text, offset);
    const reason = (e as Error).message
      .replace(/\s*in JSON at position \d+(?: \(line \d+ column \d+\))?/, "")
      .replace(/, .*" is not valid JSON$/s, "")
      // V8 quotes the character it stopped at: name it, don't echo it.
      .replace(/^Unexpected token '.*'$/s, "Unexpected character");
    throw new CandidateFileError(
      `${source} is not valid JSON at line ${line}, column ${column} (character ${offset}): ${reason}; fix the file so that it holds an array like [{"box": [x, y, w, h], "score": 0.3}]`,
    );
  }
  if (!Array.isArray(data)) {
    throw new CandidateFileError(
      `${source} must hold a JSON array of candidates like [{"box": [x, y, w, h], "score": 0.3}], not ${
        data === null ? "null" : typeof data
      }`,
    );
  }
  if (data.length === 0) {
    throw new CandidateFileError(
      `${source} holds no candidates: give at least one, e.g. [{"box": [x, y, w, h], "score": 0.3}]`,
    );
  }
  return data.map((item, i) => candidateAt(item, `${source}: candidate ${i}`));
}

function candidateAt(item: unknown, where: string): ExtendedCandidate {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw new CandidateFileError(
      `${where} must be an object like {"box": [x, y, w, h], "score": 0.3}`,
    );
  }
  const c = item as Record<string, unknown>;
  const box = c.box;
  if (
    !Array.isArray(box) || box.length !== 4 || !box.every(isNumber) ||
    box[2] < 0 || box[3] < 0
  ) {
    throw new CandidateFileError(
      `${where}: "box" must be [x, y, width, height], four numbers with width and height at least 0; got ${
        describeFileValue(box)
      }`,
    );
  }
  if (!isNumber(c.score)) {
    throw new CandidateFileError(
      `${where}: "score" must be a number; got ${describeFileValue(c.score)}`,
    );
  }
  for (const key of ["area", "anchorScore", "nounScore"]) {
    if (c[key] !== undefined && !isNumber(c[key])) {
      throw new CandidateFileError(
        `${where}: "${key}" must be a number when given; got ${
          describeFileValue(c[key])
        }`,
      );
    }
  }
  const centroid = c.centroid;
  if (
    centroid !== undefined &&
    (!Array.isArray(centroid) || centroid.length !== 2 ||
      !centroid.every(isNumber))
  ) {
    throw new CandidateFileError(
      `${where}: "centroid" must be [x, y] when given; got ${
        describeFileValue(centroid)
      }`,
    );
  }
  return {
    box: box as [number, number, number, number],
    score: c.score,
    ...(c.area !== undefined ? { area: c.area as number } : {}),
    ...(centroid !== undefined
      ? { centroid: centroid as [number, number] }
      : {}),
    ...(c.anchorScore !== undefined
      ? { anchorScore: c.anchorScore as number }
      : {}),
    ...(c.nounScore !== undefined ? { nounScore: c.nounScore as number } : {}),
  };
}

interface SpatialArgs {
  /** One sentence (`--text`, `--candidates`, `--image-size`), or null in batch mode. */
  single: { text: string; candidates: string; imageSize: ImageSize } | null;
  /** The cases file of batch mode (`--jsonl`), or null. */
  jsonl: string | null;
  /** The spatial rule (`--spatial`, as in segment and eval). */
  spatial: SpatialCommandMode;
  /** Most candidates compared; undefined: the rule's default. */
  topK?: number;
  margin?: number;
  explain: boolean;
}

/** A spatial rule the command runs. */
export type SpatialCommandMode = (typeof SPATIAL_COMMAND_MODES)[number];

function singleArgs(
  values: { text?: string; candidates?: string; "image-size"?: string },
): SpatialArgs["single"] {
  if (values.text === undefined || values.text.trim() === "") {
    throw new UsageError(
      '--text is required, e.g. --text "the dog on the left"',
    );
  }
  if (!values.candidates) {
    throw new UsageError("--candidates FILE.json is required");
  }
  if (!values["image-size"]) {
    throw new UsageError("--image-size WxH is required, e.g. 640x480");
  }
  return {
    text: values.text,
    candidates: values.candidates,
    imageSize: parseImageSize(values["image-size"]),
  };
}

function parseSpatialArgs(args: string[]): SpatialArgs | "help" {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      text: { type: "string" },
      candidates: { type: "string" },
      "image-size": { type: "string" },
      jsonl: { type: "string" },
      spatial: { type: "string" },
      "top-k": { type: "string" },
      margin: { type: "string" },
      explain: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  if (values.jsonl !== undefined) {
    const mixed = (["text", "candidates", "image-size"] as const)
      .filter((k) => values[k] !== undefined);
    if (mixed.length > 0) {
      throw new UsageError(
        `--jsonl reads the sentence, candidates and image size from each line: drop ${
          mixed.map((k) => `--${k}`).join(", ")
        }`,
      );
    }
    if (values.jsonl === "") {
      throw new UsageError("--jsonl needs a file (- for standard input)");
    }
  }
  const single = values.jsonl === undefined ? singleArgs(values) : null;
  const spatial = values.spatial ?? DEFAULTS.spatial;
  if (!(SPATIAL_COMMAND_MODES as readonly string[]).includes(spatial)) {
    throw new UsageError(
      `--spatial must be one of ${SPATIAL_COMMAND_MODES.join(", ")}; got ${
        JSON.stringify(spatial)
      }`,
    );
  }
  const topK = values["top-k"] === undefined
    ? undefined
    : Number(values["top-k"]);
  try {
    validateSettings({ topK });
  } catch (e) {
    if (!(e instanceof SettingError)) throw e;
    throw new UsageError(
      `--top-k must be ${e.expected}; got ${JSON.stringify(values["top-k"])}`,
    );
  }
  const margin = values.margin === undefined
    ? undefined
    : Number(values.margin);
  if (
    margin !== undefined &&
    (values.margin?.trim() === "" || !(Number.isFinite(margin) && margin >= 0))
  ) {
    throw new UsageError(
      `--margin must be a number of at least 0; got ${
        JSON.stringify(values.margin)
      }`,
    );
  }
  return {
    single,
    jsonl: values.jsonl ?? null,
    spatial: spatial as SpatialCommandMode,
    topK,
    margin,
    explain: values.explain ?? false,
  };
}

async function readCandidatesText(
  path: string,
  stdin: () => Promise<string>,
  what = "a JSON file of candidates",
): Promise<string> {
  if (path === "-") return await stdin();
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new CandidateFileError(
        `${path} does not exist: give the path of ${what}`,
      );
    }
    throw new CandidateFileError(
      `${path} could not be read: ${(e as Error).message}`,
    );
  }
}

/** Options of {@linkcode chooseSpatial}: the command's `--top-k` and `--margin`. */
export interface ChooseOptions {
  /** Most candidates compared; undefined: the rule's default. */
  topK?: number;
  /** Extended pool margin; undefined: the default. */
  margin?: number;
}

/**
 * The command's choice for one sentence: the seed rule, or the extended
 * selector on the sentence's parse, as the pipeline's select stage makes it.
 *
 * @example
 * ```ts
 * chooseSpatial("extended", "the left one", [{ box: [0, 0, 9, 9], score: 0.3 }], { width: 64, height: 48 });
 * // { index: 0, rule: "extended:left among 1" }
 * ```
 */
export function chooseSpatial(
  mode: SpatialCommandMode,
  text: string,
  candidates: readonly ExtendedCandidate[],
  imageSize: ImageSize,
  options: ChooseOptions = {},
): Selection {
  if (mode === "seed") return selectSeed(text, candidates, options.topK);
  return selectCandidate(parseSpatial(text), candidates, imageSize, {
    ...(options.topK !== undefined ? { topK: options.topK } : {}),
    ...(options.margin !== undefined ? { margin: options.margin } : {}),
  });
}

/** One case of batch mode, read from a line. */
export interface SpatialBatchCase {
  /** The referring sentence. */
  readonly text: string;
  /** Its candidates. */
  readonly candidates: ExtendedCandidate[];
  /** The image's size. */
  readonly imageSize: ImageSize;
}

/**
 * Reads one line of a `--jsonl` file: {"text", "candidates", "image_size":
 * [w, h]}. Errors name the line (1-based) and the field, never echo the
 * line's text.
 *
 * @example
 * ```ts
 * parseCaseLine('{"text": "left", "candidates": [{"box": [0, 0, 9, 9], "score": 1}], "image_size": [64, 48]}', 1);
 * // { text: "left", candidates: [{ box: [0, 0, 9, 9], score: 1 }], imageSize: { width: 64, height: 48 } }
 * ```
 */
export function parseCaseLine(
  line: string,
  lineNumber: number,
): SpatialBatchCase {
  const where = `line ${lineNumber}`;
  if (line.trim() === "") {
    throw new CandidateFileError(
      `${where} is empty: give one case a line, {"text": ..., "candidates": [...], "image_size": [w, h]}`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    const column = Math.max(jsonErrorOffset(line), 0) + 1;
    throw new CandidateFileError(
      `${where} is not valid JSON (column ${column}): give one case a line, {"text": ..., "candidates": [...], "image_size": [w, h]}`,
    );
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new CandidateFileError(
      `${where} must be an object {"text": ..., "candidates": [...], "image_size": [w, h]}`,
    );
  }
  const c = data as Record<string, unknown>;
  if (typeof c.text !== "string" || c.text.trim() === "") {
    throw new CandidateFileError(
      `${where}: "text" must be a non-empty string; got ${
        describeFileValue(c.text)
      }`,
    );
  }
  const size = c.image_size;
  if (
    !Array.isArray(size) || size.length !== 2 || !size.every(isNumber) ||
    !(size[0] > 0 && size[1] > 0)
  ) {
    throw new CandidateFileError(
      `${where}: "image_size" must be [width, height], two numbers above 0; got ${
        describeFileValue(size)
      }`,
    );
  }
  if (!Array.isArray(c.candidates) || c.candidates.length === 0) {
    throw new CandidateFileError(
      `${where}: "candidates" must be a non-empty array like [{"box": [x, y, w, h], "score": 0.3}]; got ${
        describeFileValue(c.candidates)
      }`,
    );
  }
  return {
    text: c.text,
    candidates: c.candidates.map((item, i) =>
      candidateAt(item, `${where}: candidate ${i}`)
    ),
    imageSize: { width: size[0], height: size[1] },
  };
}

/**
 * The lines of a `--jsonl` file: split at newlines (a carriage return
 * before one is dropped), without the empty piece after a final newline.
 */
export function caseLines(text: string): string[] {
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * Batch mode: one result a line for each line of `text`, in order;
 * {"error": "line N: ..."} for a bad line. Returns how many lines were bad.
 */
export function runSpatialBatch(
  text: string,
  mode: SpatialCommandMode,
  options: ChooseOptions & { explain?: boolean },
  out: (line: string) => void,
): number {
  let bad = 0;
  caseLines(text).forEach((line, i) => {
    try {
      const c = parseCaseLine(line, i + 1);
      out(resultLine(
        chooseSpatial(mode, c.text, c.candidates, c.imageSize, options),
        options.explain ? c.text : null,
      ));
    } catch (e) {
      bad++;
      out(
        JSON.stringify({ error: e instanceof Error ? e.message : String(e) }),
      );
    }
  });
  return bad;
}

/** The output line of one choice, with the parse of `explainText` when given. */
function resultLine(s: Selection, explainText: string | null): string {
  return `{"index": ${s.index}, "rule": ${JSON.stringify(s.rule)}${
    explainText !== null
      ? `, "parse": ${JSON.stringify(parseSpatial(explainText))}`
      : ""
  }}`;
}

/** Runs `spatial` with `args`; returns the exit code (2: bad options, 1: bad input). */
export async function runSpatialCommand(
  args: string[],
  io: SpatialCommandIO = {},
): Promise<number> {
  const out = io.stdout ?? ((t: string) => console.log(t));
  const err = io.stderr ?? ((t: string) => console.error(t));
  const stdin = io.stdin ??
    (() => new Response(Deno.stdin.readable).text());
  const a = parseCommandLine(
    () => parseSpatialArgs(args),
    SPATIAL_USAGE,
    out,
    err,
  );
  if (typeof a === "number") return a;
  const options = {
    ...(a.topK !== undefined ? { topK: a.topK } : {}),
    ...(a.margin !== undefined ? { margin: a.margin } : {}),
  };
  try {
    if (a.jsonl !== null) {
      const text = await readCandidatesText(
        a.jsonl,
        stdin,
        "a JSON Lines file of cases",
      );
      const bad = runSpatialBatch(text, a.spatial, {
        ...options,
        explain: a.explain,
      }, out);
      if (bad > 0) {
        err(`error: ${bad} line${bad === 1 ? "" : "s"} could not be read`);
      }
      return bad > 0 ? 1 : 0;
    }
    const single = a.single!;
    const candidates = parseCandidatesJson(
      await readCandidatesText(single.candidates, stdin),
      single.candidates === "-" ? "standard input" : single.candidates,
    );
    out(resultLine(
      chooseSpatial(
        a.spatial,
        single.text,
        candidates,
        single.imageSize,
        options,
      ),
      a.explain ? single.text : null,
    ));
    return 0;
  } catch (e) {
    err(`error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
