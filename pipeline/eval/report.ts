/**
 * The human-readable side of an evaluation: metric tables (Markdown and
 * plain text), report.md, and a picture grid of the best and worst
 * examples (prediction beside ground truth).
 *
 * @module
 */

import { drawText } from "../render/_font.ts";
import { renderMaskPair } from "../render/overlay.ts";
import type { RgbaImage } from "../image/rgba.ts";
import { resampleRgbToPlanar } from "../image/resample.ts";
import { createRgbaImage } from "../image/rgba.ts";
import type { Metrics, SplitMetrics } from "./metrics.ts";

/** The columns of a metrics table. */
const COLUMNS = [
  "n",
  "oIoU",
  "mIoU",
  "Pr@0.5",
  "Pr@0.6",
  "Pr@0.7",
  "Pr@0.8",
  "Pr@0.9",
] as const;

/** A named row of a metrics table. */
export interface MetricsRow {
  /** The row's label, e.g. "all" or a configuration name. */
  readonly name: string;
  /** The row's metrics, in percent. */
  readonly metrics: Metrics;
}

/**
 * A Markdown table of metrics rows.
 *
 * @example
 * ```ts
 * import { MetricsAccumulator } from "./metrics.ts";
 *
 * const all = new MetricsAccumulator();
 * all.add(50, 100); // I and U of each expression
 * all.add(0, 20);
 * markdownTable([{ name: "all", metrics: all.metrics() }]);
 * // | | n | oIoU | mIoU | Pr@0.5 | ...
 * // | all | 2 | 41.67 | 25.00 | 0.00 | ...
 * ```
 */
export function markdownTable(rows: readonly MetricsRow[]): string {
  const head = `| | ${COLUMNS.join(" | ")} |`;
  const rule = `|---|${COLUMNS.map(() => "---:").join("|")}|`;
  const body = rows.map((r) =>
    `| ${r.name} | ${COLUMNS.map((c) => format(c, r.metrics[c])).join(" | ")} |`
  );
  return [head, rule, ...body].join("\n");
}

/** A plain-text table of metrics rows, aligned, for a terminal. */
export function textTable(rows: readonly MetricsRow[]): string {
  const cells = [
    ["", ...COLUMNS],
    ...rows.map((
      r,
    ) => [r.name, ...COLUMNS.map((c) => format(c, r.metrics[c]))]),
  ];
  const widths = cells[0].map((_, i) =>
    Math.max(...cells.map((row) => row[i].length))
  );
  return cells.map((row) =>
    row.map((cell, i) =>
      i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])
    )
      .join("  ")
  ).join("\n");
}

function format(column: string, value: number): string {
  return column === "n" ? String(value) : value.toFixed(2);
}

/** The rows of a split's metrics: all, spatial, non-spatial. */
export function splitRows(m: SplitMetrics, prefix = ""): MetricsRow[] {
  return [
    { name: `${prefix}all`, metrics: m.all },
    { name: `${prefix}spatial`, metrics: m.spatial },
    { name: `${prefix}non-spatial`, metrics: m.nonSpatial },
  ];
}

/** What report.md says. */
export interface ReportContent {
  /** The report's heading. */
  readonly title: string;
  /** The main configuration's metrics, overall and split by spatial words. */
  readonly metrics: SplitMetrics;
  /** One row per configuration when ablating. */
  readonly ablation?: readonly MetricsRow[];
  /** The run's settings, listed as `name: JSON value`. */
  readonly settings: Record<string, unknown>;
  /** The run's counts (images, sentences...), listed as `name: count`. */
  readonly counts: Record<string, number>;
  /** File names of the missing images (the first 50 are listed). */
  readonly missingImages: readonly string[];
  /** Unreadable images, as "file: reason" (the first 50 are listed). */
  readonly unreadableImages?: readonly string[];
  /** Milliseconds per stage, summed over images. */
  readonly timings: Record<string, number>;
  /** File name of the examples grid, when one was written. */
  readonly grid?: string;
}

/** A report section listing up to 50 images; nothing when there are none. */
function imageList(title: string, items: readonly string[]): string[] {
  if (items.length === 0) return [];
  return [
    `## ${title} (${items.length})`,
    "",
    ...items.slice(0, 50).map((f) => `- ${f}`),
    ...(items.length > 50 ? [`- ... and ${items.length - 50} more`] : []),
    "",
  ];
}

/** Renders report.md. */
export function renderReport(c: ReportContent): string {
  const lines = [
    `# ${c.title}`,
    "",
    "IoUs and precisions in percent. oIoU = 100 * sum(I) / sum(U); mIoU = 100 * mean(I / U);",
    "Pr@X = share of expressions with IoU > X. Spatial = sentences holding a direction word.",
    "",
    markdownTable(splitRows(c.metrics)),
    "",
  ];
  if (c.ablation && c.ablation.length > 0) {
    lines.push("## Ablation", "", markdownTable(c.ablation), "");
  }
  lines.push(
    "## Run",
    "",
    ...Object.entries(c.counts).map(([k, v]) => `- ${k}: ${v}`),
    ...Object.entries(c.settings).map(([k, v]) =>
      `- ${k}: ${JSON.stringify(v)}`
    ),
    "",
    "Time per stage (seconds, summed over images):",
    "",
    ...Object.entries(c.timings).map(([k, v]) =>
      `- ${k}: ${(v / 1000).toFixed(1)}`
    ),
    "",
  );
  lines.push(...imageList("Missing images", c.missingImages));
  lines.push(...imageList("Unreadable images", c.unreadableImages ?? []));
  if (c.grid) {
    lines.push(
      "## Best and worst examples",
      "",
      "Each row: the prediction (left) beside the ground truth (right), with the sentence and IoU.",
      "",
      `![examples](${c.grid})`,
      "",
    );
  }
  return lines.join("\n");
}

/** Resizes an RGBA image (antialiased bilinear), keeping it opaque. */
export function resizeRgba(
  image: RgbaImage,
  width: number,
  height: number,
): RgbaImage {
  const planes = resampleRgbToPlanar(
    image,
    { x: 0, y: 0, width: image.width, height: image.height },
    width,
    height,
  );
  const out = createRgbaImage(width, height);
  const n = width * height;
  for (let i = 0; i < n; i++) {
    out.data[i * 4] = planes[i];
    out.data[i * 4 + 1] = planes[n + i];
    out.data[i * 4 + 2] = planes[2 * n + i];
    out.data[i * 4 + 3] = 255;
  }
  return out;
}

/** One example of the grid: the image, both masks and a caption. */
export interface GridExample {
  /** The image's RGBA pixels. */
  readonly image: RgbaImage;
  /** The predicted mask at the image's size (1 inside). */
  readonly predicted: Uint8Array;
  /** The ground-truth mask at the image's size (1 inside). */
  readonly truth: Uint8Array;
  /** Text drawn above the row, e.g. the sentence and its IoU. */
  readonly caption: string;
}

/**
 * The size a picture of `width` x `height` is drawn at in a box of `box` x
 * `box`: as large as fits, keeping its aspect ratio, at least one pixel
 * each way. A very tall image (10 x 30000) stays `box` high instead of
 * growing to millions of rows.
 *
 * @example
 * ```ts
 * import { fitInSquare } from "./report.ts";
 * fitInSquare(400, 100, 960); // { width: 960, height: 240 }
 * fitInSquare(10, 30000, 960); // { width: 1, height: 960 }
 * ```
 */
export function fitInSquare(
  width: number,
  height: number,
  box: number,
): { width: number; height: number } {
  const scale = Math.min(box / width, box / height);
  return {
    width: Math.min(box, Math.max(1, Math.round(width * scale))),
    height: Math.min(box, Math.max(1, Math.round(height * scale))),
  };
}

/**
 * Stacks examples (prediction beside ground truth) into one picture, each
 * row scaled to `width` (a pair taller than wide: to `width` high, at the
 * left) and captioned above.
 */
export function renderExampleGrid(
  examples: readonly GridExample[],
  width = 960,
): RgbaImage {
  const scale = 2;
  const captionHeight = 7 * scale + 8;
  const rows = examples.map((e) => {
    const pair = renderMaskPair(e.image, e.predicted, e.truth);
    const size = fitInSquare(pair.width, pair.height, width);
    return {
      pair: resizeRgba(pair, size.width, size.height),
      caption: e.caption,
    };
  });
  const height = rows.reduce((s, r) => s + r.pair.height + captionHeight, 0);
  const out = createRgbaImage(width, Math.max(1, height));
  out.data.fill(255);
  let y = 0;
  for (const r of rows) {
    drawText(
      out,
      4,
      y + 4,
      r.caption.slice(0, Math.floor((width - 8) / (6 * scale))),
      [0, 0, 0],
      {
        scale,
      },
    );
    y += captionHeight;
    const src = r.pair;
    const rowBytes = r.pair.width * 4;
    for (let row = 0; row < r.pair.height; row++) {
      out.data.set(
        src.data.subarray(row * rowBytes, (row + 1) * rowBytes),
        (y + row) * width * 4,
      );
    }
    y += r.pair.height;
  }
  return out;
}
