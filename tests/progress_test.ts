import assert from "node:assert/strict";
import {
  formatBytes,
  formatDuration,
  formatRate,
  type ProgressOutput,
  ProgressReporter,
  renderBar,
  renderProgressLine,
} from "../io/progress.ts";

function capture(
  isTerminal: boolean,
  columns?: number,
): ProgressOutput & { text: () => string } {
  const chunks: string[] = [];
  return {
    isTerminal,
    columns,
    write: (t) => chunks.push(t),
    text: () => chunks.join(""),
  };
}

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

Deno.test("formatBytes() uses decimal units with one decimal", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(1500), "1.5 kB");
  assert.equal(formatBytes(352_000_000), "352.0 MB");
  assert.equal(formatBytes(999_960), "1.0 MB");
  assert.equal(formatBytes(2_500_000_000), "2.5 GB");
  assert.equal(formatBytes(-1), "? B");
});

Deno.test("formatDuration() writes m:ss and h:mm:ss, --:-- when unknown", () => {
  assert.equal(formatDuration(0), "0:00");
  assert.equal(formatDuration(65), "1:05");
  assert.equal(formatDuration(3723), "1:02:03");
  assert.equal(formatDuration(Infinity), "--:--");
  assert.equal(formatDuration(NaN), "--:--");
});

Deno.test("renderBar() fills the share of cells and clamps", () => {
  assert.equal(renderBar(0.5, 8), "████░░░░");
  assert.equal(renderBar(0, 4), "░░░░");
  assert.equal(renderBar(1.7, 4), "████");
  assert.equal(renderBar(NaN, 3), "░░░");
});

Deno.test("formatRate() formats bytes and items per second", () => {
  assert.equal(formatRate(12_300_000, "bytes"), "12.3 MB/s");
  assert.equal(formatRate(3.456, "items", "expressions"), "3.46 expressions/s");
  assert.equal(formatRate(250, "items"), "250 items/s");
});

Deno.test("renderProgressLine() renders bar and plain lines with rate, ETA and extra text", () => {
  const snap = {
    label: "a.onnx",
    done: 50_000_000,
    total: 200_000_000,
    unit: "bytes" as const,
    rate: 10_000_000,
  };
  assert.equal(
    renderProgressLine(snap, "bar", 8),
    "a.onnx  ██░░░░░░  25%  50.0 MB / 200.0 MB  10.0 MB/s  ETA 0:15",
  );
  assert.equal(
    renderProgressLine(snap, "plain"),
    "a.onnx: 25% (50.0 MB of 200.0 MB, 10.0 MB/s, ETA 0:15)",
  );
  assert.equal(
    renderProgressLine(
      {
        label: "eval",
        done: 1200,
        total: 4896,
        unit: "items",
        itemName: "expressions",
        extra: "mIoU 34.2",
      },
      "bar",
      4,
    ),
    "eval  ░░░░  24%  1200/4896 expressions  ETA --:--  mIoU 34.2",
  );
  assert.equal(
    renderProgressLine({ done: 2_000, unit: "bytes", rate: 1_000 }, "plain"),
    "2.0 kB, 1.0 kB/s",
  );
});

Deno.test("ProgressReporter redraws one line on a terminal, at most every redrawMs", () => {
  const out = capture(true);
  const c = clock();
  const bar = new ProgressReporter({
    label: "f",
    total: 100,
    unit: "bytes",
    output: out,
    now: c.now,
    barWidth: 4,
  });
  c.advance(1000);
  bar.update(10);
  bar.update(20); // same instant: skipped
  c.advance(1000);
  bar.update(50);
  bar.finish();
  const writes = out.text().split("\r").filter(Boolean);
  assert.equal(writes.length, 3);
  assert.ok(writes.every((w) => w.includes("\x1b[K")));
  assert.ok(
    writes[0].startsWith("f  ░░░░  10%  10 B / 100 B  10 B/s  ETA 0:09"),
    writes[0],
  );
  assert.ok(
    writes[1].includes("50%  50 B / 100 B  25 B/s  ETA 0:02"),
    writes[1],
  );
  assert.ok(out.text().endsWith("\n"));
  bar.update(99);
  assert.equal(
    out.text().split("\r").filter(Boolean).length,
    3,
    "updates after finish are ignored",
  );
});

Deno.test("ProgressReporter narrows the bar, then cuts the line, to fit the terminal", () => {
  const fits = capture(true, 90);
  const c = clock();
  const bar = new ProgressReporter({
    label: "onnx/prompt_encoder_mask_decoder.onnx",
    total: 10,
    unit: "bytes",
    output: fits,
    now: c.now,
  });
  c.advance(1000);
  bar.update(5);
  const line = fits.text().slice(1, fits.text().indexOf("\x1b"));
  assert.ok(line.length <= 89, line);
  assert.match(line, /ETA 0:01$/);
  assert.equal((line.match(/[█░]/g) ?? []).length, 16);

  const narrow = capture(true, 20);
  const cut = new ProgressReporter({
    label: "a-very-long-label-indeed",
    total: 10,
    output: narrow,
    now: () => 0,
  });
  cut.update(5);
  assert.equal(
    narrow.text().slice(1, narrow.text().indexOf("\x1b")).length,
    19,
  );
});

Deno.test("ProgressReporter writes plain lines at each tenth and every lineMs", () => {
  const out = capture(false);
  const c = clock();
  const bar = new ProgressReporter({
    label: "eval",
    total: 100,
    output: out,
    now: c.now,
    lineMs: 5000,
  });
  for (let i = 0; i <= 100; i++) {
    c.advance(10);
    bar.update(i, `mIoU ${i}`);
  }
  bar.finish();
  const lines = out.text().trimEnd().split("\n");
  // One line per new tenth (10..100%); the final line would repeat the last one.
  assert.equal(lines.length, 10);
  assert.match(lines[0], /^eval: 10% \(10 items of 100 items, .*\) mIoU 10$/);
  assert.match(lines.at(-1)!, /^eval: 100% .* mIoU 100$/);

  const slow = capture(false);
  const c2 = clock();
  const unknown = new ProgressReporter({
    label: "x",
    output: slow,
    now: c2.now,
    lineMs: 5000,
  });
  unknown.update(1);
  assert.equal(slow.text(), "", "plain lines wait for a tenth or lineMs");
  c2.advance(1000);
  unknown.update(2);
  c2.advance(5000);
  unknown.update(3);
  assert.equal(slow.text(), "x: 3 items, 0.50 items/s\n");
  unknown.finish("done");
  assert.equal(slow.text().trimEnd().split("\n").length, 2);
});

Deno.test("ProgressReporter does not count resumed work in its rate", () => {
  const c = clock();
  const bar = new ProgressReporter({
    total: 100,
    initial: 60,
    output: capture(false),
    now: c.now,
  });
  c.advance(2000);
  bar.update(80);
  assert.equal(bar.rate(), 10);
});
