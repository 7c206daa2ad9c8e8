import assert from "node:assert/strict";
import { createRgbaImage } from "../../pipeline/image/rgba.ts";
import {
  type Metrics,
  MetricsAccumulator,
  SplitMetricsAccumulator,
} from "../../pipeline/eval/metrics.ts";
import {
  markdownTable,
  renderExampleGrid,
  renderReport,
  type ReportContent,
  resizeRgba,
  splitRows,
  textTable,
} from "../../pipeline/eval/report.ts";
import { renderMaskPair } from "../../pipeline/render/overlay.ts";

const M: Metrics = {
  oIoU: 61.9,
  mIoU: 67.5,
  "Pr@0.5": 50,
  "Pr@0.6": 50,
  "Pr@0.7": 50,
  "Pr@0.8": 50,
  "Pr@0.9": 25,
  n: 4,
};
const ZERO = new MetricsAccumulator().metrics();

Deno.test("markdownTable() writes a header, a right-aligned rule and one row per entry, two decimals", () => {
  assert.equal(
    markdownTable([{ name: "all", metrics: M }, {
      name: "none",
      metrics: ZERO,
    }]),
    [
      "| | n | oIoU | mIoU | Pr@0.5 | Pr@0.6 | Pr@0.7 | Pr@0.8 | Pr@0.9 |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
      "| all | 4 | 61.90 | 67.50 | 50.00 | 50.00 | 50.00 | 50.00 | 25.00 |",
      "| none | 0 | 0.00 | 0.00 | 0.00 | 0.00 | 0.00 | 0.00 | 0.00 |",
    ].join("\n"),
  );
});

Deno.test("textTable() aligns names left and numbers right, two spaces apart", () => {
  const text = textTable([
    { name: "all", metrics: M },
    { name: "non-spatial", metrics: { ...M, n: 1234, oIoU: 5 } },
  ]);
  assert.equal(
    text,
    [
      "                n   oIoU   mIoU  Pr@0.5  Pr@0.6  Pr@0.7  Pr@0.8  Pr@0.9",
      "all             4  61.90  67.50   50.00   50.00   50.00   50.00   25.00",
      "non-spatial  1234   5.00  67.50   50.00   50.00   50.00   50.00   25.00",
    ].join("\n"),
  );
});

Deno.test("splitRows() gives all, spatial and non-spatial, with a prefix", () => {
  const acc = new SplitMetricsAccumulator();
  acc.add(1, 2, true);
  acc.add(0, 2, false);
  acc.add(2, 2, false);
  const m = acc.metrics();
  assert.deepEqual(splitRows(m, "val "), [
    { name: "val all", metrics: m.all },
    { name: "val spatial", metrics: m.spatial },
    { name: "val non-spatial", metrics: m.nonSpatial },
  ]);
  assert.deepEqual(splitRows(m).map((r) => r.name), [
    "all",
    "spatial",
    "non-spatial",
  ]);
});

function content(overrides: Partial<ReportContent> = {}): ReportContent {
  return {
    title: "RefCOCOg val",
    metrics: { all: M, spatial: M, nonSpatial: ZERO },
    settings: { alpha: 0.85, spatial: "extended" },
    counts: { images: 12, sentences: 40 },
    missingImages: [],
    timings: { propose: 12345, text: 40 },
    ...overrides,
  };
}

Deno.test("renderReport() writes title, metrics table, run settings and stage times in seconds", () => {
  const md = renderReport(content());
  assert.ok(md.startsWith("# RefCOCOg val\n"));
  assert.ok(md.includes(markdownTable(splitRows(content().metrics))));
  assert.ok(
    md.includes(
      '## Run\n\n- images: 12\n- sentences: 40\n- alpha: 0.85\n- spatial: "extended"\n',
    ),
  );
  assert.ok(md.includes("- propose: 12.3\n- text: 0.0\n"));
  for (
    const absent of [
      "## Ablation",
      "## Missing images",
      "## Best and worst",
      "![examples]",
    ]
  ) {
    assert.ok(!md.includes(absent), absent);
  }
});

Deno.test("renderReport() adds the ablation table and the examples grid when given", () => {
  const ablation = [{ name: "spatial=off alpha=0.85 top-k=3", metrics: M }];
  const md = renderReport(content({ ablation, grid: "examples.png" }));
  assert.ok(md.includes("## Ablation\n\n" + markdownTable(ablation) + "\n"));
  assert.ok(md.includes("## Best and worst examples"));
  assert.ok(md.includes("![examples](examples.png)"));
  assert.ok(md.indexOf("## Ablation") < md.indexOf("## Run"));
  assert.ok(!renderReport(content({ ablation: [] })).includes("## Ablation"));
});

Deno.test("renderReport() lists missing images, the first 50 of them", () => {
  const few = renderReport(content({ missingImages: ["a.jpg", "b.jpg"] }));
  assert.ok(few.includes("## Missing images (2)\n\n- a.jpg\n- b.jpg\n"));
  const many = Array.from({ length: 53 }, (_, i) => `img${i}.jpg`);
  const md = renderReport(content({ missingImages: many }));
  assert.ok(md.includes("## Missing images (53)"));
  assert.ok(md.includes("- img49.jpg\n- ... and 3 more\n"));
  assert.ok(!md.includes("img50.jpg"));
});

function filled(
  width: number,
  height: number,
  paint: (x: number, y: number) => [number, number, number, number],
) {
  const image = createRgbaImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      image.data.set(paint(x, y), 4 * (y * width + x));
    }
  }
  return image;
}

Deno.test("resizeRgba() gives the asked size, keeps flat colours, and is opaque", () => {
  const image = filled(
    8,
    4,
    (x) => x < 4 ? [200, 10, 30, 0] : [5, 100, 250, 77],
  );
  const out = resizeRgba(image, 4, 2);
  assert.equal(out.width, 4);
  assert.equal(out.height, 2);
  assert.equal(out.data.length, 4 * 4 * 2);
  const px = (x: number, y: number) =>
    Array.from(out.data.subarray(4 * (y * 4 + x), 4 * (y * 4 + x) + 4));
  assert.deepEqual(px(0, 0), [200, 10, 30, 255]);
  assert.deepEqual(px(3, 1), [5, 100, 250, 255]);
  // Upscaling a flat image keeps its colour everywhere.
  const up = resizeRgba(filled(2, 2, () => [9, 99, 199, 255]), 5, 3);
  for (let i = 0; i < 15; i++) {
    assert.deepEqual(Array.from(up.data.subarray(4 * i, 4 * i + 4)), [
      9,
      99,
      199,
      255,
    ]);
  }
});

Deno.test("renderExampleGrid() stacks one captioned row per example at the given width", () => {
  const image = filled(40, 30, () => [128, 128, 128, 255]);
  const predicted = new Uint8Array(40 * 30).fill(1, 0, 400);
  const truth = new Uint8Array(40 * 30).fill(1, 200, 800);
  const pair = renderMaskPair(image, predicted, truth);
  const width = 120;
  const rowHeight = Math.round(pair.height * width / pair.width);
  const caption = 2 * 7 + 8;
  const examples = [
    { image, predicted, truth, caption: "IoU 0.50 the dog" },
    { image, predicted: truth, truth, caption: "IoU 1.00 the cat" },
  ];
  const grid = renderExampleGrid(examples, width);
  assert.equal(grid.width, width);
  assert.equal(grid.height, 2 * (caption + rowHeight));
  // The first caption band is white paper with dark text on it.
  const band = grid.data.subarray(0, 4 * width * caption);
  assert.ok(band.some((v, i) => i % 4 !== 3 && v < 100), "caption text drawn");
  assert.equal(band[4 * (width - 1)], 255, "white margin");
  // The first row holds the resized pair.
  const row = grid.data.subarray(
    4 * width * caption,
    4 * width * (caption + rowHeight),
  );
  assert.deepEqual(row, resizeRgba(pair, width, rowHeight).data);
});

Deno.test("renderExampleGrid() fits a very tall or very wide image's row within width x width", () => {
  const width = 120;
  const caption = 2 * 7 + 8;
  for (const [w, h] of [[10, 30000], [30000, 10], [1, 3000]]) {
    const image = filled(w, h, () => [128, 128, 128, 255]);
    const mask = new Uint8Array(w * h).fill(1, 0, (w * h) >> 1);
    const started = performance.now();
    const grid = renderExampleGrid(
      [{ image, predicted: mask, truth: mask, caption: "IoU 1.00 the strip" }],
      width,
    );
    assert.equal(grid.width, width);
    assert.ok(grid.height >= caption + 1, `${w}x${h}: ${grid.height}`);
    assert.ok(grid.height <= caption + width, `${w}x${h}: ${grid.height}`);
    assert.ok(performance.now() - started < 10_000, `${w}x${h} took too long`);
  }
});

Deno.test("renderExampleGrid() of no examples is a blank line of the given width", () => {
  const grid = renderExampleGrid([], 16);
  assert.equal(grid.width, 16);
  assert.equal(grid.height, 1);
  assert.ok(grid.data.every((v) => v === 255));
});
