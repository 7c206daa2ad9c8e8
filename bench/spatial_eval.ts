/**
 * Orientation on real sentences: prints random / seed / extended accuracy
 * with n under each way candidates reach the spatial selector (see
 * `pipeline/eval/spatial_orientation.ts`), on the RefCOCOg val expressions
 * in `../shared/data/refcocog_umd_val.json`, beside the repository. Where
 * the file is absent it says so and exits 0.
 *
 * Three sets of sentences (scopes), each under the three conditions:
 * those where the extended parser finds a location word, those holding one
 * of the data README's location words as a whole word, and every sentence
 * the parser reads.
 *
 * Run: `deno task spatial:eval` (add `--failures` for the most frequent
 * failure patterns of the extended selector, `--examples N` for N
 * sentences each instead of 3, `--scope orientation|readme|any` for the
 * set they come from, every parsed sentence without it; `--ceiling` for
 * the ceiling of one simple geometric pick per kind of sentence, tuned to
 * val on purpose, see `pipeline/eval/spatial_ceiling.ts`, with the groups
 * of `--scope`).
 *
 * @module
 */

import {
  formatCeilingGroups,
  orientationCeiling,
} from "../pipeline/eval/spatial_ceiling.ts";
import {
  extendedSelector,
  failurePatterns,
  formatOrientationTable,
  ORIENTATION_CONDITIONS,
  ORIENTATION_SCOPES,
  orientationCases,
  type OrientationData,
  type OrientationScope,
  scoreOrientation,
} from "../pipeline/eval/spatial_orientation.ts";

/** Where the val file lies, relative to this script (../shared/data). */
export const REFCOCOG_VAL = new URL(
  "../../shared/data/refcocog_umd_val.json",
  import.meta.url,
);

/** Reads the val file, or null (with a notice) when it is absent. */
export async function readOrientationData(
  url: URL = REFCOCOG_VAL,
): Promise<OrientationData | null> {
  try {
    return JSON.parse(await Deno.readTextFile(url)) as OrientationData;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      console.warn(
        "skipping: ../shared/data/refcocog_umd_val.json is absent (it exists only beside the development checkout)",
      );
      return null;
    }
    throw e;
  }
}

/**
 * How many failing sentences to print per pattern: the number after
 * `--examples` (3 without it, or when it isn't a whole number >= 0).
 *
 * @example
 * ```ts
 * examplesArg(["--failures", "--examples", "20"]); // 20
 * examplesArg(["--failures"]); // 3
 * ```
 */
export function examplesArg(args: readonly string[]): number {
  const i = args.indexOf("--examples");
  const n = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : 3;
}

/**
 * The set of sentences whose failures `--failures` lists: the scope after
 * `--scope` (`"any"` without it, or when it names no scope).
 *
 * @example
 * ```ts
 * scopeArg(["--failures", "--scope", "readme"]); // "readme"
 * scopeArg(["--failures"]); // "any"
 * ```
 */
export function scopeArg(args: readonly string[]): OrientationScope {
  const i = args.indexOf("--scope");
  const s = i >= 0 ? args[i + 1] : undefined;
  return ORIENTATION_SCOPES.find((x) => x === s) ?? "any";
}

/** The heading printed above each scope's table. */
export const SCOPE_HEADINGS: Readonly<Record<OrientationScope, string>> = {
  orientation:
    "RefCOCOg val, images with >= 2 referred objects, sentences where the parser finds a location word:",
  readme:
    "The same, sentences holding one of the data README's location words (whole words: left, right, top, upper, above, bottom, lower, below, middle, center, front, closest, nearest, back, behind, farthest):",
  any:
    "The same, every sentence the spatial parser reads (with on / next to / far from):",
};

/**
 * Prints, for every set and condition, the extended selector's accuracy
 * beside the ceiling of one geometric pick per group of sentences, then
 * the groups of `--scope` (equal scores) with 10 sentences or more.
 */
function printCeiling(data: OrientationData, args: readonly string[]): void {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  console.log(
    "\nCeiling: each group of sentences (by the rule that decided) takes whichever simple geometric pick is right most often on it, chosen with the answers in view:",
  );
  console.log(
    `${"sentences".padEnd(13)}${"condition".padEnd(12)}${"n".padStart(5)}${
      "extended".padStart(10)
    }${"ceiling".padStart(9)}`,
  );
  for (const scope of ORIENTATION_SCOPES) {
    for (const condition of ORIENTATION_CONDITIONS) {
      const c = orientationCeiling(orientationCases(data, condition, scope));
      console.log(
        `${scope.padEnd(13)}${condition.padEnd(12)}${String(c.n).padStart(5)}${
          pct(c.selector).padStart(10)
        }${pct(c.ceiling).padStart(9)}`,
      );
    }
  }
  const scope = scopeArg(args);
  console.log(
    `\nThe groups of ${scope} (equal scores), 10 sentences or more: right by the extended selector, right by the group's best pick:`,
  );
  console.log(
    formatCeilingGroups(
      orientationCeiling(orientationCases(data, "equal", scope)),
      10,
    ),
  );
}

if (import.meta.main) {
  const data = await readOrientationData();
  if (data) {
    ORIENTATION_SCOPES.forEach((scope, i) => {
      console.log(`${i > 0 ? "\n" : ""}${SCOPE_HEADINGS[scope]}`);
      console.log(
        formatOrientationTable(scoreOrientation(data, undefined, scope)),
      );
    });
    if (Deno.args.includes("--ceiling")) printCeiling(data, Deno.args);
    if (Deno.args.includes("--failures")) {
      const scope = scopeArg(Deno.args);
      console.log(
        `\nThe extended selector's 10 most frequent failure patterns (equal scores, scope ${scope}):`,
      );
      const cases = orientationCases(data, "equal", scope);
      const examples = examplesArg(Deno.args);
      for (
        const f of failurePatterns(cases, extendedSelector, examples).slice(
          0,
          10,
        )
      ) {
        console.log(
          `${String(f.failures).padStart(4)} of ${
            String(f.total).padStart(4)
          }  ${f.pattern}${
            f.examples.length > 0
              ? `\n        e.g. ${f.examples.join("\n             ")}`
              : ""
          }`,
        );
      }
    }
  }
}
