/**
 * Reading a Hugging Face `tokenizer.json`: the error raised when a field is
 * missing or wrong, checked accessors that name the field's JSON path, and
 * the translation of its Rust regular expressions to JavaScript.
 *
 * @module
 */

const PULL_HINT =
  "use the tokenizer.json of a CLIP model (e.g. the one of Xenova/clip-vit-base-patch32 on the hub)";

/**
 * A `tokenizer.json` that oris cannot use: a field is missing, has the wrong
 * type, or names a component oris does not implement (often the file of
 * another kind of model).
 */
export class TokenizerFormatError extends Error {
  /** JSON path of the offending field, e.g. `model.merges[12]`. */
  readonly field: string;

  /** Creates the error for `field`; `problem` says what is wrong with it. */
  constructor(field: string, problem: string, options?: ErrorOptions) {
    super(
      `tokenizer.json: ${field} ${problem}; ${PULL_HINT}.`,
      options,
    );
    this.name = "TokenizerFormatError";
    this.field = field;
  }
}

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Whether `v` is a JSON object (not null, not an array). */
export function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A short description of a JSON value's type for error messages; a string
 * is described by its length, never quoted (error messages do not echo a
 * file's content).
 */
export function describe(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `a string of ${v.length} characters`;
  return `${typeof v} ${typeof v === "object" ? "" : String(v)}`.trim();
}

/** `parent[key]` as an object; throws naming `path` otherwise. */
export function objectAt(parent: Json, key: string, path: string): Json {
  const v = parent[key];
  if (!isObject(v)) {
    throw new TokenizerFormatError(
      path,
      v === undefined ? "is missing" : `must be an object (got ${describe(v)})`,
    );
  }
  return v;
}

/** `parent[key]` as a string; throws naming `path` otherwise. */
export function stringAt(parent: Json, key: string, path: string): string {
  const v = parent[key];
  if (typeof v !== "string") {
    throw new TokenizerFormatError(
      path,
      v === undefined ? "is missing" : `must be a string (got ${describe(v)})`,
    );
  }
  return v;
}

/** `parent[key]` as a string, "" when absent or null; throws naming `path` otherwise. */
export function optionalString(
  parent: Json,
  key: string,
  path: string,
): string {
  const v = parent[key];
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") {
    throw new TokenizerFormatError(
      path,
      `must be a string (got ${describe(v)})`,
    );
  }
  return v;
}

/** `v` as a token id (non-negative integer); throws naming `path` otherwise. */
export function idAt(v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new TokenizerFormatError(
      path,
      v === undefined
        ? "is missing"
        : `must be a non-negative integer id (got ${describe(v)})`,
    );
  }
  return v;
}

/** The `type` field of a component; throws naming `path` otherwise. */
export function typeOf(node: Json, path: string): string {
  return stringAt(node, "type", `${path}.type`);
}

// ---------------------------------------------------------------------------
// Regular expressions: tokenizer.json patterns use Rust's regex syntax, whose
// `\s` and `\d` are Unicode-aware. JavaScript's `\s` is a different set, so
// translate the shorthands to the Unicode properties Rust uses.

/**
 * Translates a Rust regex to JavaScript: `\s`, `\S`, `\d`, `\D` become the
 * Unicode properties Rust gives them (JavaScript's `\s` is another set).
 *
 * @example
 * ```ts
 * rustPatternToJs("[^\\s\\p{L}]+"); // "[^\\p{White_Space}\\p{L}]+"
 * ```
 */
export function rustPatternToJs(pattern: string): string {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c !== "\\" || i + 1 >= pattern.length) {
      out += c;
      continue;
    }
    const n = pattern[++i];
    if (n === "s") out += "\\p{White_Space}";
    else if (n === "S") out += "\\P{White_Space}";
    else if (n === "d") out += "\\p{Nd}";
    else if (n === "D") out += "\\P{Nd}";
    else out += c + n;
  }
  return out;
}

/** `text` escaped to match itself in a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/**
 * The `pattern` of a Split or Replace component (`{Regex}` or `{String}`),
 * compiled as a global Unicode RegExp.
 */
export function patternAt(node: Json, path: string): RegExp {
  const pattern = objectAt(node, "pattern", `${path}.pattern`);
  let source: string;
  if (typeof pattern.Regex === "string") {
    source = rustPatternToJs(pattern.Regex);
  } else if (typeof pattern.String === "string") {
    source = escapeRegExp(pattern.String);
  } else {
    throw new TokenizerFormatError(
      `${path}.pattern`,
      `must be {"Regex": …} or {"String": …} (got keys ${
        Object.keys(pattern).join(", ") || "none"
      })`,
    );
  }
  try {
    return new RegExp(source, "gu");
  } catch (cause) {
    throw new TokenizerFormatError(
      `${path}.pattern`,
      `is a regular expression JavaScript cannot compile (${
        // V8 quotes the pattern ("Invalid regular expression: /…/gu: …"):
        // keep only what is wrong.
        (cause as Error).message.replace(
          /^Invalid regular expression: \/.*\/[a-z]*: /s,
          "",
        )})`,
      { cause },
    );
  }
}
