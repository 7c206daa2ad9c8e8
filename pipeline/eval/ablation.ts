/**
 * Ablation configurations: variants of the method that share the per-image
 * work (SAM proposals, CLIP region and text features) and differ only in
 * how proposals are scored and selected; and one that changes the
 * proposals (the generator's `prunePoints`), whose per-image work is its own.
 *
 * @module
 */

import type { Kernels } from "../../kernels/kernels.ts";
import { DEFAULTS } from "../defaults.ts";
import type { FeaturedJob } from "../segmenter.ts";
import type { SegmenterSettings } from "../settings.ts";
import { GLOBAL_VIEWS, type GlobalView } from "../stages/regions.ts";
import { scoreMatrices } from "../stages/score.ts";
import {
  defaultTopK,
  selectAll,
  type SentenceSelection,
  SPATIAL_MODES,
} from "../stages/select.ts";

/**
 * One configuration: the segmenter settings an ablation varies (the
 * spatial rule, its top-k, the global view and its weight), and, only
 * where it differs from the run's, the generator's `prunePoints`.
 */
export type AblationConfig = Readonly<
  & Pick<SegmenterSettings, "spatial" | "alpha" | "topK" | "globalView">
  & {
    /**
     * The generator's prompt pruning, given only where it differs from the
     * run's: such a configuration's proposals, CLIP views and sentences
     * come from a second per-image pass (SAM and CLIP again), its own cost.
     */
    prunePoints?: boolean;
  }
>;

/**
 * The name of a configuration, as written in predictions and tables;
 * `prune-points=on|off` ends it only where the configuration gives it.
 *
 * @example
 * ```ts
 * const base = { spatial: "seed", alpha: 0.85, topK: 3, globalView: "blur" } as const;
 * configName(base); // "spatial=seed alpha=0.85 top-k=3 global=blur"
 * configName({ ...base, prunePoints: true }); // "spatial=seed alpha=0.85 top-k=3 global=blur prune-points=on"
 * ```
 */
export function configName(c: AblationConfig): string {
  const name =
    `spatial=${c.spatial} alpha=${c.alpha} top-k=${c.topK} global=${c.globalView}`;
  return c.prunePoints === undefined
    ? name
    : `${name} prune-points=${c.prunePoints ? "on" : "off"}`;
}

/** The alphas an ablation compares by default: `DEFAULTS.ablationAlphas`. */
export const ABLATION_ALPHAS: readonly number[] = DEFAULTS.ablationAlphas;

/**
 * The default ablation grid: every spatial mode (with its default top-k) at
 * the given alpha, every alpha of {@linkcode ABLATION_ALPHAS} with the
 * given spatial mode, and every other global view with the base settings;
 * the base configuration comes first. Given the run's `prunePoints`, a
 * last row has the base settings with it flipped (a second per-image
 * pass).
 */
export function ablationGrid(
  base: AblationConfig,
  run: { prunePoints?: boolean } = {},
): AblationConfig[] {
  const out: AblationConfig[] = [base];
  const add = (c: AblationConfig) => {
    if (!out.some((o) => configName(o) === configName(c))) out.push(c);
  };
  for (const spatial of SPATIAL_MODES) {
    add({ ...base, spatial, topK: defaultTopK(spatial) });
  }
  for (const alpha of ABLATION_ALPHAS) add({ ...base, alpha });
  for (const globalView of GLOBAL_VIEWS) add({ ...base, globalView });
  if (run.prunePoints !== undefined) {
    add({ ...base, prunePoints: !run.prunePoints });
  }
  return out;
}

/** The global views a set of configurations needs computed. */
export function globalViewsOf(
  configs: readonly AblationConfig[],
): GlobalView[] {
  return [...new Set(configs.map((c) => c.globalView))];
}

/**
 * Selections of every sentence of a job under a configuration, and the
 * E x N scores they came from: the score and select stages' functions
 * (`scoreMatrices`, `selectAll`) on the given kernels, i.e. on the device
 * the segmenter's per-image work ran on.
 */
export async function selectWith(
  job: FeaturedJob,
  config: AblationConfig,
  kernels: Pick<Kernels, "cosineSimilarity">,
): Promise<{ selections: SentenceSelection[]; scores: Float32Array }> {
  const global = job.regions.globals[config.globalView];
  if (!global) {
    throw new RangeError(
      `The ${config.globalView} global view of this job was not computed: ask the segmenter for it (extraGlobalViews).`,
    );
  }
  const matrices = await scoreMatrices(
    { ...job, regions: { ...job.regions, global } },
    config.alpha,
    (input) => kernels.cosineSimilarity(input),
  );
  return {
    selections: selectAll(job, matrices, {
      spatial: config.spatial,
      topK: config.topK,
    }),
    scores: matrices.scores,
  };
}
