/**
 * Orientation on real sentences: prints random / seed / extended accuracy
 * with n under each way candidates reach the spatial selector (see
 * `pipeline/eval/spatial_orientation.ts`), on the RefCOCOg val expressions
 * in `../shared/data/refcocog_umd_val.json`, beside the repository. Where
 * the file is absent it says so and exits 0.
 *
 * Run: `deno task spatial:eval` (add `--failures` for the most frequent
 * failure patterns of the extended selector, `--examples N` for N
 * sentences each instead of 3).
 *
 * @module
 */

import {
  extendedSelector,
  failurePatterns,
  formatOrientationTable,
  orientationCases,
  type OrientationData,
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

if (import.meta.main) {
  const data = await readOrientationData();
  if (data) {
    console.log(
      "RefCOCOg val, images with >= 2 referred objects, sentences with a location word:",
    );
    console.log(formatOrientationTable(scoreOrientation(data)));
    console.log(
      "\nThe same, every sentence the spatial parser reads (with on / next to / far from):",
    );
    console.log(
      formatOrientationTable(scoreOrientation(data, undefined, "any")),
    );
    if (Deno.args.includes("--failures")) {
      console.log(
        "\nThe extended selector's 10 most frequent failure patterns (equal scores, every parsed sentence):",
      );
      const cases = orientationCases(data, "equal", "any");
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
          }  ${f.pattern}\n        e.g. ${f.examples.join("\n             ")}`,
        );
      }
    }
  }
}
