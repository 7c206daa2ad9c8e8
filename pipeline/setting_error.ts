/**
 * The error of a setting outside its range or choices, and the checks that
 * throw it. The message names the setting, what it must be and what it
 * got, in the library's terms (`alpha`, `generator.pointsPerSide`); a
 * command line can map {@linkcode SettingError.setting} to its flag.
 *
 * @module
 */

/** A setting's value is outside its range or not one of its choices. */
export class SettingError extends RangeError {
  /** The setting, e.g. "alpha" or "generator.pointsPerSide". */
  readonly setting: string;
  /** What it must be, e.g. "a number from 0 to 1" or "one of wasm, webgpu, native". */
  readonly expected: string;
  /** The value given. */
  readonly value: unknown;

  /** Creates the error for `setting`, which must be `expected` but is `value`. */
  constructor(setting: string, expected: string, value: unknown) {
    super(
      `${setting} must be ${expected}, got ${
        typeof value === "string" ? JSON.stringify(value) : String(value)
      }.`,
    );
    this.name = "SettingError";
    this.setting = setting;
    this.expected = expected;
    this.value = value;
  }
}

/** A rule a setting's value must meet: a test and its wording. */
export interface SettingRule {
  /** Whether the value meets the rule. */
  readonly test: (value: unknown) => boolean;
  /** What the value must be, e.g. "a number from 0 to 1". */
  readonly expected: string;
}

/**
 * A number from `min` to `max`, both included.
 *
 * @example
 * ```ts
 * numberIn(0, 1).test(0.5); // true
 * ```
 */
export function numberIn(min: number, max: number): SettingRule {
  return {
    test: (v) => typeof v === "number" && v >= min && v <= max,
    expected: `a number from ${min} to ${max}`,
  };
}

/**
 * A number of at least `min`.
 *
 * @example
 * ```ts
 * numberAtLeast(0).test(-1); // false
 * ```
 */
export function numberAtLeast(min: number): SettingRule {
  return {
    test: (v) => typeof v === "number" && v >= min,
    expected: `a number >= ${min}`,
  };
}

/**
 * A whole number of at least `min`, and at most `max` when given.
 *
 * @example
 * ```ts
 * wholeNumber(1, 128).expected; // "a whole number from 1 to 128"
 * ```
 */
export function wholeNumber(min: number, max?: number): SettingRule {
  return {
    test: (v) =>
      Number.isInteger(v) && (v as number) >= min &&
      (max === undefined || (v as number) <= max),
    expected: max === undefined
      ? `a whole number >= ${min}`
      : `a whole number from ${min} to ${max}`,
  };
}

/**
 * A boolean.
 *
 * @example
 * ```ts
 * trueOrFalse().test("on"); // false
 * ```
 */
export function trueOrFalse(): SettingRule {
  return {
    test: (v) => typeof v === "boolean",
    expected: "true or false",
  };
}

/**
 * One of `choices`.
 *
 * @example
 * ```ts
 * oneOf(["cpu", "gpu"]).expected; // "one of cpu, gpu"
 * ```
 */
export function oneOf(choices: readonly string[]): SettingRule {
  return {
    test: (v) => typeof v === "string" && choices.includes(v),
    expected: `one of ${choices.join(", ")}`,
  };
}

/**
 * `rule`, or one of the words `words` (such as "auto").
 *
 * @example
 * ```ts
 * const threads = orWords(wholeNumber(0), ["auto"]);
 * threads.test("auto"); // true
 * threads.expected; // 'a whole number >= 0 or "auto"'
 * ```
 */
export function orWords(
  rule: SettingRule,
  words: readonly string[],
): SettingRule {
  return {
    test: (v) => (typeof v === "string" && words.includes(v)) || rule.test(v),
    expected: `${rule.expected} or ${
      words.map((w) => JSON.stringify(w)).join(" or ")
    }`,
  };
}

/**
 * Throws {@linkcode SettingError} unless `value` meets `rule`; an
 * undefined value (a setting not given) passes.
 *
 * @example
 * ```ts
 * import { checkSetting, numberIn } from "./setting_error.ts";
 *
 * checkSetting("alpha", 0.5, numberIn(0, 1)); // passes
 * try {
 *   checkSetting("alpha", 2, numberIn(0, 1));
 * } catch (e) {
 *   console.log((e as Error).message); // "alpha must be a number from 0 to 1, got 2."
 * }
 * ```
 */
export function checkSetting(
  setting: string,
  value: unknown,
  rule: SettingRule,
): void {
  if (value !== undefined && !rule.test(value)) {
    throw new SettingError(setting, rule.expected, value);
  }
}
