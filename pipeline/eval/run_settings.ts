/**
 * Comparing the settings of runs (run.json): a resumed run with the run it
 * continues, a shard with the other shards. Predictions made with other
 * settings or on other data must not be mixed into one set of metrics.
 *
 * @module
 */

/** The settings whose values differ between two runs, as "name: a vs b". */
export function settingDifferences(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.flatMap((k) => {
    const x = JSON.stringify(a[k]), y = JSON.stringify(b[k]);
    return x === y ? [] : [`${k}: ${x ?? "(none)"} vs ${y ?? "(none)"}`];
  });
}

/** Why a run cannot continue an earlier one: what differs, and what to do. */
export interface ResumeProblem {
  /** Other data (another fingerprint) or other settings. */
  readonly kind: "other-data" | "other-settings";
  /** What differs, e.g. "the run in out/a was made with other settings (alpha: 0.85 vs 0.5; ...)". */
  readonly fact: string;
  /** What to do, in the library's terms. */
  readonly advice: string;
}

/** A resume problem's sentence: what differs, then what to do. */
export function resumeProblemText(
  p: ResumeProblem,
  advice = p.advice,
): string {
  return `${p.fact}: ${advice}`;
}

/**
 * Why a run with `settings` cannot continue the run in `dir` that recorded
 * `earlier`; undefined when it can. A run recorded before runs had a data
 * fingerprint is compared without it.
 */
export function resumeProblem(
  dir: string,
  earlier: Record<string, unknown>,
  settings: Record<string, unknown>,
): ResumeProblem | undefined {
  const { fingerprint: was, ...earlierRest } = earlier;
  const { fingerprint: now, ...rest } = settings;
  if (was !== undefined && was !== now) {
    return {
      kind: "other-data",
      fact:
        `the run in ${dir} was made on other data (data fingerprint ${was}, now ${now})`,
      advice:
        "resume it with the same data and limit, or choose another output folder",
    };
  }
  const diff = settingDifferences(earlierRest, rest);
  if (diff.length > 0) {
    return {
      kind: "other-settings",
      fact: `the run in ${dir} was made with other settings (${
        diff.join("; ")
      }; see ${dir}/run.json)`,
      advice:
        "resume it with the same settings, or choose another output folder",
    };
  }
  return undefined;
}
