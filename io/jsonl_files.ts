/**
 * Reading a JSONL dataset file (edge: needs the file system). The file is
 * streamed line by line, so memory stays constant whatever its size.
 *
 * @module
 */

import {
  type JsonlOptions,
  LineTooLongError,
  parseJsonl,
  splitLines,
  type SplitLinesOptions,
} from "../pipeline/datasets/jsonl.ts";
import {
  DatasetFormatError,
  DatasetNotFoundError,
} from "../pipeline/datasets/errors.ts";
import type { DatasetImage } from "../pipeline/datasets/types.ts";

/**
 * The lines of a text file, streamed (without their newlines).
 *
 * @example
 * ```ts
 * import { readLines } from "./jsonl_files.ts";
 *
 * for await (const line of readLines("tests/fixtures/jsonl/small.jsonl")) {
 *   console.log(line.length);
 * }
 * ```
 *
 * @throws {DatasetNotFoundError} when the file does not exist
 * @throws {DatasetFormatError} naming the file and line when a line is
 * longer than `options.maxLineLength` (default `MAX_LINE_LENGTH`)
 */
export async function* readLines(
  path: string,
  options: SplitLinesOptions = {},
): AsyncGenerator<string> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new DatasetNotFoundError(
        `no dataset file at ${path}`,
        "check the path (a JSONL dataset is one file, one image per line)",
      );
    }
    throw error;
  }
  // The stream closes the file when it ends or is cancelled (the consumer
  // stopping early cancels it through the for-await's return).
  const text = file.readable.pipeThrough(new TextDecoderStream());
  try {
    yield* splitLines(text, options);
  } catch (error) {
    if (!(error instanceof LineTooLongError)) throw error;
    throw new DatasetFormatError(
      { source: path, line: error.line },
      `the line is over ${error.limit} characters long`,
      "each line must be one JSON record ended by a newline: check that " +
        "the file is JSON lines and not cut or corrupt",
      { cause: error },
    );
  }
}

/**
 * Streams the images of a JSONL dataset file (format: see jsonl.ts).
 *
 * @example
 * ```ts
 * import { readJsonlDataset } from "./jsonl_files.ts";
 *
 * for await (const image of readJsonlDataset("tests/fixtures/jsonl/small.jsonl")) {
 *   console.log(image.file, image.refs.length);
 * }
 * ```
 *
 * @param path the .jsonl file
 * @param options a source name for messages (default: the path)
 * @throws {DatasetFormatError} for a malformed line, naming the line and the field
 * @throws {DatasetNotFoundError} when the file does not exist
 */
export function readJsonlDataset(
  path: string,
  options: JsonlOptions = {},
): AsyncGenerator<DatasetImage> {
  return parseJsonl(readLines(path), { source: options.source ?? path });
}
