/**
 * Ablation configurations: variants of the method that share the per-image
 * work (SAM proposals, CLIP region and text features) and differ only in
 * how proposals are scored and selected.
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
 * spatial rule, its top-k, the global view and its weight).
 */
export type AblationConfig = Readonly<
  Pick<SegmenterSettings, "spatial" | "alpha" | "topK" | "globalView">
>;

/** The name of a configuration, as written in predictions and tables. */
export function configName(c: AblationConfig): string {
  return `spatial=${c.spatial} alpha=${c.alpha} top-k=${c.topK} global=${c.globalView}`;
}

/** The alphas an ablation compares by default: `DEFAULTS.ablationAlphas`. */
export const ABLATION_ALPHAS: readonly number[] = DEFAULTS.ablationAlphas;

/**
 * The default ablation grid: every spatial mode (with its default top-k) at
 * the given alpha, every alpha of {@linkcode ABLATION_ALPHAS} with the
 * given spatial mode, and every other global view with the base settings;
 * the base configuration comes first.
 */
export function ablationGrid(base: AblationConfig): AblationConfig[] {
  const out: AblationConfig[] = [base];
  const add = (c: AblationConfig) => {
    if (!out.some((o) => configName(o) === configName(c))) out.push(c);
  };
  for (const spatial of SPATIAL_MODES) {
    add({ ...base, spatial, topK: defaultTopK(spatial) });
  }
  for (const alpha of ABLATION_ALPHAS) add({ ...base, alpha });
  for (const globalView of GLOBAL_VIEWS) add({ ...base, globalView });
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
