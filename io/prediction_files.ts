/**
 * Files of an evaluation run (edge code: file system): predictions.jsonl
 * opened for appending or resuming (the whole-file writes of a run's other
 * files are io/atomic_write.ts's, re-exported here).
 *
 * @module
 */

import { dirname } from "node:path";
import {
  formatPredictionLines,
  parsePredictionLine,
  type PredictionLine,
  type ResumedLine,
  resumedLine,
  wholeLines,
} from "../pipeline/eval/predictions.ts";

export { writeFileAtomic } from "./atomic_write.ts";

/** An open predictions file. */
export interface PredictionsFile {
  /**
   * What the lines of an earlier run hold (when resuming), each key once:
   * a line repeated by an earlier resume counts once.
   */
  readonly previous: readonly ResumedLine[];
  /** Appends lines in one write. */
  append(lines: readonly PredictionLine[]): Promise<void>;
  /** Closes the file; call it once, after the last append. */
  close(): void;
}

/** Thrown when a predictions file exists and the run does not resume it. */
export class PredictionsExistError extends Error {
  /** Creates the error for `path`. */
  constructor(path: string) {
    super(
      `${path} already holds predictions: resume to continue that run (the resume option), or choose another output folder.`,
    );
    this.name = "PredictionsExistError";
  }
}

/**
 * Opens `path` for a run. Resuming keeps every whole line, cuts a trailing
 * partial line (a run killed while writing) and returns the kept lines; a
 * new run refuses to overwrite a non-empty file.
 */
export async function openPredictions(
  path: string,
  resume: boolean,
): Promise<PredictionsFile> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const previous: ResumedLine[] = [];
  let existing: Uint8Array | null = null;
  try {
    existing = await Deno.readFile(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const size = existing?.length ?? 0;
  if (size > 0 && !resume) {
    throw new PredictionsExistError(path);
  }
  if (existing && resume) {
    const { lines, wholeBytes } = wholeLines(existing);
    const seen = new Set<string>();
    lines.forEach((text, i) => {
      const line = resumedLine(
        parsePredictionLine(text, path, i + 1),
        path,
        i + 1,
      );
      if (seen.has(line.key)) return;
      seen.add(line.key);
      previous.push(line);
    });
    existing = null; // the lines' masks are not kept
    if (wholeBytes < size) await Deno.truncate(path, wholeBytes);
  }
  const file = await Deno.open(path, {
    write: true,
    create: true,
    append: true,
  });
  const encoder = new TextEncoder();
  return {
    previous,
    async append(lines) {
      if (lines.length === 0) return;
      const bytes = encoder.encode(formatPredictionLines(lines));
      let written = 0;
      while (written < bytes.length) {
        written += await file.write(bytes.subarray(written));
      }
    },
    close: () => file.close(),
  };
}
