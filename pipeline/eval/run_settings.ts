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

/**
 * Why a run with `settings` cannot continue the run in `dir` that recorded
 * `earlier`; undefined when it can. A run recorded before runs had a data
 * fingerprint is compared without it.
 */
export function resumeProblem(
  dir: string,
  earlier: Record<string, unknown>,
  settings: Record<string, unknown>,
): string | undefined {
  const { fingerprint: was, ...earlierRest } = earlier;
  const { fingerprint: now, ...rest } = settings;
  if (was !== undefined && was !== now) {
    return `the run in ${dir} was made on other data (data fingerprint ${was}, now ${now}): resume it with the same data and --limit, or choose another --out`;
  }
  const diff = settingDifferences(earlierRest, rest);
  if (diff.length > 0) {
    return `the run in ${dir} was made with other settings (${
      diff.join("; ")
    }; see ${dir}/run.json): resume it with the same options, or choose another --out`;
  }
  return undefined;
}
