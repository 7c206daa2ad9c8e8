/**
 * Summarises `deno bench --json` files as one table per group: each
 * benchmark's mean time and how many times faster than the group's
 * baseline it ran (above 1: faster). For the GPU host run (run.sh), where
 * the ratio of the GPU kernels to their CPU twins is the figure wanted.
 *
 *     deno run --allow-read bench/gpu_host/summary.ts kernels.json views.json
 *
 * @module
 */

/** One benchmark of a `deno bench --json` report. */
interface BenchEntry {
  readonly group?: string | null;
  readonly name: string;
  readonly baseline: boolean;
  readonly results: readonly { ok?: { avg: number; n: number } }[];
}

/** A markdown table per group: name, mean in ms, runs, times the baseline's speed. */
export function summarise(benches: readonly BenchEntry[]): string {
  const groups = new Map<string, BenchEntry[]>();
  for (const b of benches) {
    const key = b.group ?? "(no group)";
    groups.set(key, [...(groups.get(key) ?? []), b]);
  }
  const out: string[] = [];
  for (const [group, entries] of groups) {
    const mean = (b: BenchEntry) => b.results[0]?.ok?.avg;
    const base = entries.find((b) => b.baseline);
    const baseMean = base && mean(base);
    out.push(
      `### ${group}`,
      "",
      `| benchmark | mean | runs | vs ${base?.name ?? "baseline"} |`,
      "| --- | ---: | ---: | ---: |",
    );
    for (const b of entries) {
      const m = mean(b);
      const runs = b.results[0]?.ok?.n ?? 0;
      const ratio = m && baseMean ? `${(baseMean / m).toFixed(2)}x` : "";
      const ms = m === undefined ? "failed" : `${(m / 1e6).toFixed(2)} ms`;
      out.push(`| ${b.name} | ${ms} | ${runs} | ${ratio} |`);
    }
    out.push("");
  }
  return out.join("\n");
}

if (import.meta.main) {
  const benches: BenchEntry[] = [];
  for (const file of Deno.args) {
    try {
      const text = await Deno.readTextFile(file);
      benches.push(...JSON.parse(text.slice(text.indexOf("{"))).benches);
    } catch (e) {
      console.log(`${file}: no results (${(e as Error).message})\n`);
    }
  }
  console.log(summarise(benches));
}
