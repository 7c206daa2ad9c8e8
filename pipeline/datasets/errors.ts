/**
 * Errors raised while reading datasets. Each names the place (file, line,
 * field, ref), says what was wrong and what to do.
 *
 * @module
 */

/** Where in a dataset file a problem is. */
export interface DatasetPlace {
  /** The file (or label) being read. */
  source: string;
  /** 1-based line number, for line-based formats (JSONL). */
  line?: number;
  /** The field, as a path ("sentences[1].mask"). */
  field?: string;
}

function placeText(place: DatasetPlace): string {
  const line = place.line === undefined ? "" : `:${place.line}`;
  const field = place.field === undefined ? "" : ` field "${place.field}"`;
  return `${place.source}${line}${field}`;
}

/**
 * A dataset file whose content is malformed: invalid JSON, a missing or
 * mistyped field, a pickle that is not a REFER refs file.
 *
 * @example
 * ```ts
 * import { DatasetFormatError } from "./errors.ts";
 *
 * const error = new DatasetFormatError(
 *   { source: "val.jsonl", line: 3, field: "width" },
 *   "must be a positive integer (got -1)",
 *   "fix the line",
 * );
 * console.log(error.message);
 * // 'val.jsonl:3 field "width": must be a positive integer (got -1); fix the line'
 * ```
 */
export class DatasetFormatError extends Error {
  /** The file (or label) being read. */
  readonly source: string;
  /** 1-based line number, when the format is line-based. */
  readonly line?: number;
  /** The field path, when one field is at fault. */
  readonly field?: string;
  /** What was wrong, without the place and the advice. */
  readonly reason: string;

  /**
   * Creates the error; its message is "{source}[:{line}][ field "{field}"]:
   * {reason}; {hint}".
   *
   * @param place where the problem is
   * @param reason what was wrong
   * @param hint what to do about it
   * @param options the underlying error, if any
   */
  constructor(
    place: DatasetPlace,
    reason: string,
    hint: string,
    options?: ErrorOptions,
  ) {
    super(`${placeText(place)}: ${reason}; ${hint}`, options);
    this.name = "DatasetFormatError";
    this.source = place.source;
    this.line = place.line;
    this.field = place.field;
    this.reason = reason;
  }
}

/**
 * The data asked for does not exist: an unknown dataset, a splitBy the
 * dataset does not have, a split with no refs, a missing dataset file. The
 * message lists what exists.
 *
 * @example
 * ```ts
 * import { DatasetNotFoundError } from "./errors.ts";
 *
 * try {
 *   throw new DatasetNotFoundError('unknown dataset "refclef"', "use refcocog");
 * } catch (error) {
 *   if (error instanceof DatasetNotFoundError) console.log(error.message);
 * }
 * ```
 */
export class DatasetNotFoundError extends Error {
  /**
   * Creates the error; its message is "{reason}; {hint}".
   *
   * @param reason what was asked for and why it does not exist
   * @param hint what exists / what to do
   */
  constructor(reason: string, hint: string) {
    super(`${reason}; ${hint}`);
    this.name = "DatasetNotFoundError";
  }
}

/**
 * Problems that a lenient read counts and reports but a strict read
 * (`strict`) stops on: refs whose annotation or image is missing from
 * instances.json, annotations whose segmentation is malformed, image files
 * that are missing from the images folder.
 *
 * @example
 * ```ts
 * import { DatasetIntegrityError } from "./errors.ts";
 *
 * const error = new DatasetIntegrityError(
 *   "2 refs of refcocog (umd) val point to annotations missing from instances.json",
 *   ["ref 12: ann_id 99 not found", "ref 13: ann_id 98 not found"],
 *   "check that instances.json belongs to the same dataset",
 * );
 * console.log(error.problems.length); // 2
 * ```
 */
export class DatasetIntegrityError extends Error {
  /** One line per problem (possibly the first ones only). */
  readonly problems: readonly string[];

  /**
   * Creates the error; the message holds the summary, up to 10 problems
   * and the hint.
   *
   * @param summary what was wrong, with the count
   * @param problems one line per problem
   * @param hint what to do about it
   */
  constructor(summary: string, problems: readonly string[], hint: string) {
    const shown = problems.slice(0, 10).map((p) => `\n  ${p}`).join("");
    const more = problems.length > 10
      ? `\n  ... and ${problems.length - 10} more`
      : "";
    super(`${summary}:${shown}${more}\n${hint}`);
    this.name = "DatasetIntegrityError";
    this.problems = problems;
  }
}
