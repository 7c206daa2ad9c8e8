/**
 * Progress reporting for downloads and long runs. On a terminal one line is
 * redrawn in place (bar, done/total, rate, ETA); elsewhere (logs, CI) plain
 * lines are written at each tenth of the work or every few seconds.
 *
 * @example
 * ```ts
 * const bar = new ProgressReporter({ label: "vision_model.onnx", total: 352_000_000, unit: "bytes" });
 * bar.update(120_000_000);
 * bar.finish();
 *
 * const evalBar = new ProgressReporter({ label: "eval", total: 4896, unit: "items" });
 * evalBar.update(1200, "mIoU 34.2");
 * ```
 *
 * @module
 */

/** Where progress goes. */
export interface ProgressOutput {
  /** Writes text as is. */
  write(text: string): void;
  /** True for an interactive terminal: the line is redrawn in place. */
  isTerminal: boolean;
  /** Terminal width, to keep the redrawn line on one row. */
  columns?: number;
}

/** Units of the counted work: bytes are shown as kB/MB/GB. */
export type ProgressUnit = "bytes" | "items";

/** Options of {@linkcode ProgressReporter}. */
export interface ProgressOptions {
  /** Text before the figures, e.g. a file name. */
  label?: string;
  /** Total amount of work, when known. */
  total?: number;
  /** Unit of `done` and `total` (default `"items"`). */
  unit?: ProgressUnit;
  /** Name of one item for the `items` unit (default `"items"`), e.g. `"expressions"`. */
  itemName?: string;
  /** Output (default: standard error). */
  output?: ProgressOutput;
  /** Clock in ms (default `performance.now`). */
  now?: () => number;
  /** Least time between redraws on a terminal (default 100 ms). */
  redrawMs?: number;
  /** Time after which a plain line is written even without a new tenth (default 5000 ms). */
  lineMs?: number;
  /** Width of the bar in characters (default 24). */
  barWidth?: number;
  /** Amount already done before this run (a resumed download); not counted in the rate. */
  initial?: number;
}

const BYTE_UNITS = ["B", "kB", "MB", "GB", "TB"];

/**
 * Formats a byte count with decimal units, as the hub lists file sizes.
 *
 * @example
 * ```ts
 * formatBytes(999); // "999 B"
 * formatBytes(352_000_000); // "352.0 MB"
 * ```
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "? B";
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  if (value >= 999.95 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/**
 * Formats seconds as `m:ss` or `h:mm:ss`; `--:--` when unknown.
 *
 * @example
 * ```ts
 * formatDuration(65); // "1:05"
 * formatDuration(3723); // "1:02:03"
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * A bar of `width` cells filled to `fraction` (clamped to 0..1).
 *
 * @example
 * ```ts
 * renderBar(0.5, 8); // "████░░░░"
 * ```
 */
export function renderBar(fraction: number, width: number): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = Math.floor(f * width + 1e-9);
  return "█".repeat(filled) + "░".repeat(Math.max(0, width - filled));
}

/** Formats an amount of `unit`. */
export function formatAmount(
  amount: number,
  unit: ProgressUnit,
  itemName = "items",
): string {
  return unit === "bytes"
    ? formatBytes(amount)
    : `${Math.round(amount)} ${itemName}`;
}

/**
 * Formats a rate per second of `unit`, e.g. `"12.3 MB/s"` or `"3.4 items/s"`.
 */
export function formatRate(
  perSecond: number,
  unit: ProgressUnit,
  itemName = "items",
): string {
  if (!Number.isFinite(perSecond) || perSecond < 0) return "?";
  if (unit === "bytes") return `${formatBytes(perSecond)}/s`;
  const digits = perSecond >= 100 ? 0 : perSecond >= 10 ? 1 : 2;
  return `${perSecond.toFixed(digits)} ${itemName}/s`;
}

/** A snapshot to render with {@linkcode renderProgressLine}. */
export interface ProgressSnapshot {
  /** Text before the figures. */
  label?: string;
  /** Amount done. */
  done: number;
  /** Total, when known. */
  total?: number;
  /** Unit. */
  unit: ProgressUnit;
  /** Name of one item. */
  itemName?: string;
  /** Rate per second (undefined while unknown). */
  rate?: number;
  /** Extra text, e.g. `"mIoU 34.2"`. */
  extra?: string;
}

/**
 * Renders one progress line; `style` `"bar"` is the terminal line, `"plain"`
 * the log line.
 *
 * @example
 * ```ts
 * renderProgressLine({ label: "a.onnx", done: 50, total: 100, unit: "bytes", rate: 10 }, "plain");
 * // "a.onnx: 50% (50 B of 100 B, 10 B/s, ETA 0:05)"
 * ```
 */
export function renderProgressLine(
  snap: ProgressSnapshot,
  style: "bar" | "plain",
  barWidth = 24,
): string {
  const amount = (n: number) => formatAmount(n, snap.unit, snap.itemName);
  const known = snap.total !== undefined && snap.total > 0;
  const fraction = known ? snap.done / snap.total! : undefined;
  const remaining = known ? Math.max(0, snap.total! - snap.done) : undefined;
  const eta =
    remaining !== undefined && snap.rate !== undefined && snap.rate > 0
      ? formatDuration(remaining / snap.rate)
      : remaining === 0
      ? formatDuration(0)
      : "--:--";
  const rate = snap.rate !== undefined
    ? formatRate(snap.rate, snap.unit, snap.itemName)
    : undefined;
  const percent = fraction !== undefined
    ? `${Math.floor(Math.min(1, fraction) * 100)}%`
    : undefined;
  const figures = known
    ? snap.unit === "bytes"
      ? `${amount(snap.done)} / ${amount(snap.total!)}`
      : `${Math.round(snap.done)}/${amount(snap.total!)}`
    : amount(snap.done);
  if (style === "bar") {
    const parts = [
      snap.label,
      known
        ? `${renderBar(fraction!, barWidth)} ${percent!.padStart(4)}`
        : undefined,
      figures,
      rate,
      known ? `ETA ${eta}` : undefined,
      snap.extra,
    ];
    return parts.filter((p) => p !== undefined && p !== "").join("  ");
  }
  const details = [
    known ? `${amount(snap.done)} of ${amount(snap.total!)}` : figures,
    rate,
    known ? `ETA ${eta}` : undefined,
  ].filter((p) => p !== undefined);
  const head = snap.label ? `${snap.label}: ` : "";
  const body = known
    ? `${percent} (${details.join(", ")})`
    : details.join(", ");
  return `${head}${body}${snap.extra ? ` ${snap.extra}` : ""}`;
}

/** Output to a standard stream of the process, terminal-aware; a no-op where there is none. */
function streamOutput(name: "stdout" | "stderr"): ProgressOutput {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (!deno) return { write() {}, isTerminal: false };
  const stream = deno[name];
  const encoder = new TextEncoder();
  let isTerminal = false;
  let columns: number | undefined;
  try {
    isTerminal = stream.isTerminal();
    if (isTerminal) columns = deno.consoleSize().columns;
  } catch {
    // No terminal size: keep the defaults.
  }
  return {
    isTerminal,
    columns,
    write(text) {
      const bytes = encoder.encode(text);
      let at = 0;
      while (at < bytes.length) at += stream.writeSync(bytes.subarray(at));
    },
  };
}

/** Progress output to standard error (terminal-aware); a no-op where there is none. */
export function stderrOutput(): ProgressOutput {
  return streamOutput("stderr");
}

/**
 * Output to standard output (terminal-aware), for results; a no-op where
 * there is none.
 *
 * @example
 * ```ts
 * stdoutOutput().write("done\n");
 * ```
 */
export function stdoutOutput(): ProgressOutput {
  return streamOutput("stdout");
}

/**
 * Reports the progress of one piece of work (a download, an evaluation).
 * Rates count only the work done since the reporter was created.
 */
export class ProgressReporter {
  #label?: string;
  #total?: number;
  #unit: ProgressUnit;
  #itemName?: string;
  #out: ProgressOutput;
  #now: () => number;
  #redrawMs: number;
  #lineMs: number;
  #barWidth: number;
  #start: number;
  #initial: number;
  #done: number;
  #extra?: string;
  #lastDraw = -Infinity;
  #lastTenth = 0;
  #lastLine?: string;
  #finished = false;

  /** Creates a reporter; nothing is written until the first update. */
  constructor(options: ProgressOptions = {}) {
    this.#label = options.label;
    this.#total = options.total;
    this.#unit = options.unit ?? "items";
    this.#itemName = options.itemName;
    this.#out = options.output ?? stderrOutput();
    this.#now = options.now ?? (() => performance.now());
    this.#redrawMs = options.redrawMs ?? 100;
    this.#lineMs = options.lineMs ?? 5000;
    this.#barWidth = options.barWidth ?? 24;
    this.#start = this.#now();
    this.#initial = options.initial ?? 0;
    this.#done = this.#initial;
    // Plain lines start after a tenth of the work or lineMs, not at once.
    if (!this.#out.isTerminal) this.#lastDraw = this.#start;
  }

  /** Amount done so far. */
  get done(): number {
    return this.#done;
  }

  /** Sets (or corrects) the total. */
  setTotal(total: number | undefined): void {
    this.#total = total;
  }

  /** Sets the amount done (and the extra text, if given) and redraws when due. */
  update(done: number, extra?: string): void {
    if (this.#finished) return;
    this.#done = done;
    if (extra !== undefined) this.#extra = extra;
    this.#maybeDraw(false);
  }

  /** Adds `amount` to the amount done. */
  increment(amount = 1, extra?: string): void {
    this.update(this.#done + amount, extra);
  }

  /** Writes the final line; later updates are ignored. */
  finish(extra?: string): void {
    if (this.#finished) return;
    if (extra !== undefined) this.#extra = extra;
    this.#maybeDraw(true);
    this.#finished = true;
  }

  /** Rate per second since the start, undefined until some time has passed. */
  rate(): number | undefined {
    const seconds = (this.#now() - this.#start) / 1000;
    if (seconds <= 0) return undefined;
    return (this.#done - this.#initial) / seconds;
  }

  /** The current snapshot. */
  snapshot(): ProgressSnapshot {
    return {
      label: this.#label,
      done: this.#done,
      total: this.#total,
      unit: this.#unit,
      itemName: this.#itemName,
      rate: this.rate(),
      extra: this.#extra,
    };
  }

  #maybeDraw(final: boolean): void {
    const now = this.#now();
    if (this.#out.isTerminal) {
      if (!final && now - this.#lastDraw < this.#redrawMs) return;
      const snap = this.snapshot();
      let line = renderProgressLine(snap, "bar", this.#barWidth);
      const columns = this.#out.columns;
      if (columns && columns > 1 && line.length > columns - 1) {
        // Narrow the bar first (down to 8 cells), then cut the line.
        const width = Math.max(8, this.#barWidth - (line.length - columns + 1));
        line = renderProgressLine(snap, "bar", width).slice(0, columns - 1);
      }
      this.#out.write(`\r${line}\x1b[K${final ? "\n" : ""}`);
      this.#lastDraw = now;
      return;
    }
    const total = this.#total;
    const tenth = total !== undefined && total > 0
      ? Math.floor(Math.min(1, this.#done / total) * 10)
      : -1;
    const due = final || tenth > this.#lastTenth ||
      now - this.#lastDraw >= this.#lineMs;
    if (!due) return;
    this.#lastTenth = Math.max(this.#lastTenth, tenth);
    this.#lastDraw = now;
    const snap = this.snapshot();
    // The final line repeats nothing already written.
    const key = `${snap.done}|${snap.total}|${snap.extra}`;
    if (final && key === this.#lastLine) return;
    this.#lastLine = key;
    this.#out.write(renderProgressLine(snap, "plain") + "\n");
  }
}
