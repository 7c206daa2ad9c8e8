/**
 * What is wrong with text that `JSON.parse` refused, and where, without
 * quoting the text: V8's messages can carry a snippet of the file (its
 * first bytes, or the bytes around the fault), which must not reach an
 * error message.
 *
 * @module
 */

/** Characters that may start a JSON value. */
const VALUE_START = /[{["0-9tfn-]/;

/** "character N (line L, column C)" of `offset` in `text` (both 1-based). */
function place(text: string, offset: number): string {
  let line = 1, lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return `character ${offset + 1} (line ${line}, column ${
    offset - lineStart + 1
  })`;
}

/**
 * Says what `JSON.parse(text)` found wrong and where (character, line,
 * column), from the error it threw; never quotes the text.
 *
 * @example
 * ```ts
 * import { jsonSyntaxProblem } from "./json_problem.ts";
 *
 * const text = "<html>secret</html>";
 * try {
 *   JSON.parse(text);
 * } catch (error) {
 *   jsonSyntaxProblem(error, text);
 *   // "the text does not start with a JSON value at character 1 (line 1,
 *   //  column 1): it is not JSON (an HTML page, a binary file?)"
 * }
 * ```
 *
 * @param error what JSON.parse threw
 * @param text the text it was given
 * @returns one clause, without the file's name
 */
export function jsonSyntaxProblem(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const start = text.search(/[^ \t\n\r]/);
  if (start < 0) return "it is empty (no JSON value at all)";
  if (!VALUE_START.test(text[start])) {
    return `the text does not start with a JSON value at ${
      place(text, start)
    }: it is not JSON (an HTML page, a binary file?)`;
  }
  if (/^Unexpected end of JSON input/.test(message)) {
    return `it ends in the middle of a value at ${
      place(text, text.length)
    }: the file is truncated`;
  }
  const at = /(?: in JSON)? at position (\d+)/.exec(message);
  if (at !== null) {
    // V8's reason ("Expected ',' or '}' after property value") names the
    // grammar, not the text.
    const reason = message.slice(0, at.index).trim();
    return `${reason[0].toLowerCase()}${reason.slice(1)} at ${
      place(text, Number(at[1]))
    }`;
  }
  return "a character that does not belong where it is (a missing comma, " +
    "quote or bracket, or a stray word)";
}

/**
 * A value read from a file, described for an error message without echoing
 * free text: a string by its length, a number or boolean as it is (what a
 * size or an id was), containers by their kind.
 *
 * @example
 * ```ts
 * import { describeFileValue } from "./json_problem.ts";
 *
 * describeFileValue("hunter2"); // "a string of 7 characters"
 * describeFileValue(-1); // "-1"
 * describeFileValue([1, -2]); // "[1, -2]"
 * describeFileValue(["a", 2]); // "a list of 2 items"
 * ```
 */
export function describeFileValue(value: unknown): string {
  if (value === undefined) return "nothing (the field is missing)";
  if (value === null) return "null";
  if (typeof value === "string") {
    return value === ""
      ? "an empty string"
      : `a string of ${
        value.length === 1 ? "1 character" : `${value.length} characters`
      }`;
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  if (typeof value === "bigint") return `the integer ${value}`;
  if (Array.isArray(value)) {
    // A few numbers (a box, a point) are shown: they say what was wrong.
    if (value.length <= 8 && value.every((v) => typeof v === "number")) {
      return `[${value.join(", ")}]`;
    }
    return `a list of ${value.length} item${value.length === 1 ? "" : "s"}`;
  }
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (value instanceof Map || value instanceof Set) {
    return value instanceof Map ? "a dict" : "a set";
  }
  return typeof value === "object" ? "an object" : typeof value;
}
