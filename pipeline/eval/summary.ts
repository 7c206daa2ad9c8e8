/**
 * What an evaluation run ends with, assembled without the file system:
 * the main and ablation metrics, the counts and timings, metrics.json's
 * text, report.md's text, the table printed on the terminal and the
 * examples picture. One run and a merge of shards both end here.
 *
 * @module
 */

import type { SplitMetrics, SplitMetricsAccumulator } from "./metrics.ts";
import {
  type GridExample,
  type MetricsRow,
  renderExampleGrid,
  renderReport,
  splitRows,
  textTable,
} from "./report.ts";
import type { RgbaImage } from "../image/rgba.ts";
import {
  annotationToMask,
  decodeRle,
  decompressRle,
} from "../datasets/coco_mask.ts";
import type { EvalExample } from "./run.ts";

/** What {@linkcode summarizeRun} needs. */
export interface RunTotals {
  /** The data's title, e.g. "refcocog (umd) val". */
  readonly title: string;
  /** Configuration names, the main one first. */
  readonly configs: readonly string[];
  /** Metrics per configuration name. */
  readonly metrics: ReadonlyMap<string, SplitMetricsAccumulator>;
  /** Whether the run was an ablation (one row per configuration). */
  readonly ablate: boolean;
  /** The settings reported (run.json's, with the backend and device). */
  readonly settings: Record<string, unknown>;
  /** Images segmented by this run (or by all shards of a merge). */
  readonly imagesThisRun: number;
  /** File names of the missing images, in the data's order. */
  readonly missingImages: readonly string[];
  /** Images that could not be decoded, as "file: reason" (default none). */
  readonly unreadableImages?: readonly string[];
  /** Refs left out, one line each. */
  readonly skippedRefs: readonly string[];
  /** Milliseconds per stage, summed over images. */
  readonly stageTimings: Readonly<Record<string, number>>;
  /** Wall-clock milliseconds of the run (summed over shards). */
  readonly wallMs: number;
}

/** A finished run's results, as metrics.json and report.md hold them. */
export interface RunSummary {
  /** The data's title. */
  readonly title: string;
  /** The main configuration's metrics. */
  readonly main: SplitMetrics;
  /** One entry per configuration when ablating. */
  readonly ablation?: readonly { config: string; metrics: SplitMetrics }[];
  /** The settings reported. */
  readonly settings: Record<string, unknown>;
  /** Images, sentences, missing images, skipped refs. */
  readonly counts: Record<string, number>;
  /** File names of the missing images. */
  readonly missingImages: readonly string[];
  /** Images that could not be decoded, as "file: reason". */
  readonly unreadableImages: readonly string[];
  /** Refs left out. */
  readonly skippedRefs: readonly string[];
  /** Milliseconds per stage, wall and per image, rounded. */
  readonly timings: Record<string, number>;
}

/** Sums up a run's totals into its {@linkcode RunSummary}. */
export function summarizeRun(t: RunTotals): RunSummary {
  const metricsOf = (name: string) => {
    const m = t.metrics.get(name);
    if (!m) throw new RangeError(`No metrics for configuration "${name}".`);
    return m.metrics();
  };
  const main = metricsOf(t.configs[0]);
  const timings = {
    ...Object.fromEntries(
      Object.entries(t.stageTimings).map(([k, v]) => [k, Math.round(v)]),
    ),
    wall: Math.round(t.wallMs),
    perImage: t.imagesThisRun ? Math.round(t.wallMs / t.imagesThisRun) : 0,
  };
  return {
    title: t.title,
    main,
    ...(t.ablate
      ? {
        ablation: t.configs.map((config) => ({
          config,
          metrics: metricsOf(config),
        })),
      }
      : {}),
    settings: t.settings,
    counts: {
      imagesThisRun: t.imagesThisRun,
      sentences: main.all.n,
      missingImages: t.missingImages.length,
      unreadableImages: t.unreadableImages?.length ?? 0,
      skippedRefs: t.skippedRefs.length,
    },
    missingImages: t.missingImages,
    unreadableImages: t.unreadableImages ?? [],
    skippedRefs: t.skippedRefs,
    timings,
  };
}

/** The ablation's table rows: each configuration's metrics over all sentences. */
function ablationRows(s: RunSummary): MetricsRow[] | undefined {
  return s.ablation?.map((r) => ({ name: r.config, metrics: r.metrics.all }));
}

/**
 * The first keys of every metrics.json, a run's or a scored file's: the
 * main configuration's metrics, the ablation's (when there is one), then
 * the settings.
 */
export function metricsHead(
  s: Pick<RunSummary, "main" | "ablation"> & { readonly settings: unknown },
): Record<string, unknown> {
  return {
    ...s.main,
    ...(s.ablation
      ? {
        ablation: s.ablation.map((r) => ({ config: r.config, ...r.metrics })),
      }
      : {}),
    settings: s.settings,
  };
}

/** The text of metrics.json. */
export function metricsJson(s: RunSummary): string {
  return JSON.stringify(
    {
      ...metricsHead(s),
      counts: s.counts,
      missingImages: s.missingImages,
      unreadableImages: s.unreadableImages,
      skippedRefs: s.skippedRefs,
      timings: s.timings,
    },
    null,
    2,
  ) + "\n";
}

/** The text of report.md; `grid` names the examples picture, when there is one. */
export function reportMarkdown(s: RunSummary, grid?: string): string {
  return renderReport({
    title: `oris on ${s.title}`,
    metrics: s.main,
    ablation: ablationRows(s),
    settings: s.settings,
    counts: s.counts,
    missingImages: s.missingImages,
    unreadableImages: s.unreadableImages,
    timings: s.timings,
    grid,
  });
}

/** The table printed at the end of a run: the main split, then the ablation. */
export function summaryTable(s: RunSummary): string {
  return textTable([...splitRows(s.main), ...(ablationRows(s) ?? [])]);
}

/**
 * The examples picture: one row per example whose pixels `load` finds
 * (null: the image is missing and its row is left out); undefined when
 * there are no examples.
 */
export async function examplesPicture<E>(
  examples: readonly E[],
  load: (example: E) => Promise<GridExample | null>,
): Promise<RgbaImage | undefined> {
  if (examples.length === 0) return undefined;
  const rows: GridExample[] = [];
  for (const e of examples) {
    const row = await load(e);
    if (row) rows.push(row);
  }
  return renderExampleGrid(rows);
}

/** The examples a report shows: the best, then the worst not among them. */
export function reportExamples(
  best: readonly EvalExample[],
  worst: readonly EvalExample[],
): EvalExample[] {
  return [...best, ...worst.filter((w) => !best.includes(w))];
}

/** One row of the examples picture: the prediction beside the ground truth. */
export function gridExample(e: EvalExample, pixels: RgbaImage): GridExample {
  const { image } = e;
  return {
    image: pixels,
    predicted: decodeRle(
      decompressRle({
        size: [e.mask.size[0], e.mask.size[1]],
        counts: e.mask.counts,
      }),
    ),
    truth: annotationToMask(e.ref.segmentation, image.width, image.height),
    caption: `IoU ${e.iou.toFixed(2)}  ${e.sentence}`,
  };
}
