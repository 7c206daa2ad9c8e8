/**
 * The real-size end-to-end bench: on each photo, each oris configuration
 * as a fresh `deno run -A cli.ts segment ... --json` process (model load
 * included), then the PyTorch reference (`reference.py`) of the same
 * per-image work with the settings the first oris run reports; prints wall
 * time, per-stage time, proposals, peak RSS and the ratio to the
 * reference, per run and per configuration.
 *
 * Run from the repository root (models: see README.md in this folder):
 *
 * ```sh
 * deno run -A bench/real_size/run.ts [--models /tmp/oris-bench]
 *   [--photos a.png,b.png] [--configs default,native,native-quantized]
 *   [--reps 1] [--json out.json]
 * ```
 *
 * Peak RSS: the child's ru_maxrss from wait4 where GNU time
 * (/usr/bin/time) is installed (exact), and VmHWM of /proc/<pid>/status
 * read every 20 ms until the child exits (the last value read) as a
 * cross-check, or alone without GNU time.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** Repository root (this file lives in bench/real_size/). */
const ROOT = new URL("../../", import.meta.url).pathname;

/** The oris configurations the bench knows: the flags each adds to `segment`. */
export const CONFIGS: Readonly<Record<string, readonly string[]>> = {
  default: [],
  native: ["--backend", "native"],
  "native-quantized": ["--backend", "native", "--variant", "quantized"],
  wasm: ["--backend", "wasm"],
  "wasm-quantized": ["--backend", "wasm", "--variant", "quantized"],
  quantized: ["--variant", "quantized"],
  "prune-on": ["--prune-points", "on"],
  "prune-off": ["--prune-points", "off"],
  "fast-encoder-off": ["--fast-encoder", "off"],
  "fast-decoder-off": ["--fast-decoder", "off"],
  "fast-off": ["--fast-encoder", "off", "--fast-decoder", "off"],
};

/** Name of the PyTorch reference's rows. */
export const REFERENCE = "pytorch";

/** Configurations run when `--configs` is not given (wasm takes 60-90 s an image). */
export const DEFAULT_CONFIGS: readonly string[] = [
  "default",
  "native",
  "native-quantized",
];

/** The reference photos, with a sentence each. */
export const PHOTOS: Readonly<Record<string, string>> = {
  "tests/fixtures/reference/photos/astronaut.png":
    "the woman in the white suit",
  "tests/fixtures/reference/photos/chelsea.png": "the cat on the left",
  "tests/fixtures/reference/photos/coffee.png":
    "the cup of coffee on the saucer",
  "tests/fixtures/reference/photos/rocket.png": "the rocket on the launch pad",
};

/** The bench's command line, parsed. */
export interface BenchArgs {
  /** Root of the exported models (export_random_models.py's OUT_DIR). */
  models: string;
  /**
   * Where `segment` reads the models: "cache", a model cache filled from a
   * local hub that serves `models` (what a user's runs read: downloaded
   * files checked by their records, the token-masked tower kept), or
   * "folder", `--models` (read-only: the tower is derived on every run).
   */
  source: "cache" | "folder";
  /** Photos, relative to the repository root or absolute. */
  photos: string[];
  /** oris configurations, names of {@linkcode CONFIGS}. */
  configs: string[];
  /** Runs of each configuration on each photo. */
  reps: number;
  /** Whether to run the PyTorch reference. */
  reference: boolean;
  /** Python with torch and transformers. */
  python: string;
  /** The sentence of every photo, instead of {@linkcode PHOTOS}'. */
  text?: string;
  /** Threads of the reference (and oris's, when given); default: what oris ran with. */
  threads?: number;
  /** Where to write every figure as JSON. */
  json?: string;
}

/** Usage text of the bench. */
export const USAGE = `deno run -A bench/real_size/run.ts [options]

  --models DIR     exported models (default /tmp/oris-bench)
  --source S       cache (default): segment runs as a user's do, on a model cache
                   filled from a local hub serving DIR (one untimed warm-up run per
                   variant keeps the derived CLIP tower); folder: --models DIR
  --photos A,B     photos (default the four of tests/fixtures/reference/photos/)
  --configs A,B    oris configurations (default ${DEFAULT_CONFIGS.join(",")});
                   any of ${Object.keys(CONFIGS).join(", ")}
  --reps N         runs of each configuration on each photo (default 1)
  --no-reference   skip the PyTorch reference
  --python PATH    python with torch and transformers (default /tmp/venv/bin/python)
  --text S         the sentence for every photo
  --threads N      threads of every run (default: oris's own; the reference gets oris's)
  --json FILE      write every figure as JSON
`;

/** A comma-separated list, without empty items. */
function list(value: string): string[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

/** A whole number >= 1, or a RangeError naming the option. */
function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(
      `--${name} must be a whole number >= 1, got "${value}".`,
    );
  }
  return n;
}

/**
 * Parses the bench's command line; "help" for --help. Throws on an unknown
 * option or configuration and on a bad number.
 *
 * @example
 * ```ts
 * const a = parseBenchArgs(["--configs", "default,wasm", "--reps", "2"]);
 * if (a !== "help") a.configs; // ["default", "wasm"]
 * ```
 */
export function parseBenchArgs(argv: string[]): BenchArgs | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      models: { type: "string", default: "/tmp/oris-bench" },
      source: { type: "string", default: "cache" },
      photos: { type: "string" },
      configs: { type: "string" },
      reps: { type: "string", default: "1" },
      "no-reference": { type: "boolean", default: false },
      python: { type: "string", default: "/tmp/venv/bin/python" },
      text: { type: "string" },
      threads: { type: "string" },
      json: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  const configs = values.configs === undefined
    ? [...DEFAULT_CONFIGS]
    : list(values.configs);
  const unknown = configs.filter((c) => !(c in CONFIGS));
  if (unknown.length > 0) {
    throw new RangeError(
      `unknown configuration ${unknown.join(", ")}; choose from ${
        Object.keys(CONFIGS).join(", ")
      }.`,
    );
  }
  const photos = values.photos === undefined
    ? Object.keys(PHOTOS)
    : list(values.photos);
  if (photos.length === 0) throw new RangeError("--photos names no photo.");
  const reference = !values["no-reference"];
  if (configs.length === 0 && !reference) {
    throw new RangeError("nothing to run: no configuration and no reference.");
  }
  if (values.source !== "cache" && values.source !== "folder") {
    throw new RangeError(
      `--source must be cache or folder, got "${values.source}".`,
    );
  }
  return {
    models: values.models,
    source: values.source,
    photos,
    configs,
    reps: positive("reps", values.reps),
    reference,
    python: values.python,
    text: values.text,
    threads: values.threads === undefined
      ? undefined
      : positive("threads", values.threads),
    json: values.json,
  };
}

/**
 * Peak resident memory in bytes from the text of /proc/<pid>/status (its
 * VmHWM line, in kB); undefined when the line is missing (a zombie or a
 * kernel thread).
 *
 * @example
 * ```ts
 * parseVmHwm("Name:\tdeno\nVmHWM:\t  2048 kB\n"); // 2097152
 * ```
 */
export function parseVmHwm(status: string): number | undefined {
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

/**
 * What GNU time's `-f "%M %U %S"` wrote: peak RSS in bytes (ru_maxrss,
 * KiB) and CPU seconds (user + system); undefined when unreadable.
 *
 * @example
 * ```ts
 * parseGnuTime("1024 3.50 0.25\n"); // { peakRssBytes: 1048576, cpuS: 3.75 }
 * ```
 */
export function parseGnuTime(
  text: string,
): { peakRssBytes: number; cpuS: number } | undefined {
  const line = text.trim().split("\n").at(-1) ?? "";
  const m = /^(\d+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(line);
  if (!m) return undefined;
  return {
    peakRssBytes: Number(m[1]) * 1024,
    cpuS: Math.round((Number(m[2]) + Number(m[3])) * 100) / 100,
  };
}

/** The stages the table shows, as oris's timings name them. */
export const STAGES = ["load", "propose", "regions", "text"] as const;

/** One run of oris or of the reference on one photo. */
export interface RunRecord {
  /** A name of {@linkcode CONFIGS}, or {@linkcode REFERENCE}. */
  config: string;
  /** The photo's path as given. */
  photo: string;
  /** 1-based repetition. */
  rep: number;
  /** Wall seconds the driver saw, spawn to exit. */
  wallS: number;
  /** The child's own total, seconds. */
  totalS: number;
  /** The child's stage times, seconds, by {@linkcode STAGES}. */
  stages: Record<string, number>;
  /** Proposals kept. */
  proposals: number;
  /** Peak RSS in bytes (exact where `peakRssMethod` says so). */
  peakRssBytes: number;
  /** How `peakRssBytes` was measured. */
  peakRssMethod: "wait4" | "VmHWM";
  /** The last VmHWM read while the child ran, bytes. */
  polledHwmBytes?: number;
  /** User + system CPU seconds of the child (GNU time only). */
  cpuS?: number;
  /** What the child reported besides (settings, backend, parts). */
  detail: Record<string, unknown>;
}

/** Mean of the numbers. */
function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Rounds to `digits` decimals, as text. */
function fixed(x: number | undefined, digits: number): string {
  return x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(digits);
}

/** Bytes per GiB. */
const GIB = 1024 ** 3;

/**
 * The runs grouped by (config, photo), reps averaged (peak RSS: the
 * largest), in first-seen order.
 */
export function averageReps(runs: readonly RunRecord[]): RunRecord[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const key = `${r.config}\u0000${r.photo}`;
    groups.set(key, [...groups.get(key) ?? [], r]);
  }
  return [...groups.values()].map((rs) => ({
    ...rs[0],
    rep: rs.length,
    wallS: mean(rs.map((r) => r.wallS)),
    totalS: mean(rs.map((r) => r.totalS)),
    cpuS: mean(rs.map((r) => r.cpuS ?? NaN)),
    stages: Object.fromEntries(
      STAGES.map((s) => [s, mean(rs.map((r) => r.stages[s] ?? NaN))]),
    ),
    peakRssBytes: Math.max(...rs.map((r) => r.peakRssBytes)),
  }));
}

/** The photo's file name without folder and extension. */
function photoName(path: string): string {
  return path.replace(/^.*\//, "").replace(/\.[^.]*$/, "");
}

/**
 * The table of the runs (reps averaged): config, photo, wall seconds (the
 * driver's and the child's own), CPU seconds (user + system, with GNU
 * time), stage seconds, proposals, peak RSS in GiB
 * and the ratio of the wall to the reference's on the same photo; then
 * per configuration the mean over the photos (the ratio: of the means over
 * the photos both ran).
 *
 * @example
 * ```ts
 * console.log(formatTable(runs));
 * ```
 */
export function formatTable(runs: readonly RunRecord[]): string {
  const rows = averageReps(runs);
  const reference = new Map(
    rows.filter((r) => r.config === REFERENCE).map((r) => [r.photo, r.wallS]),
  );
  const header = [
    "config",
    "photo",
    "wall s",
    "own s",
    "cpu s",
    ...STAGES.map((s) => `${s} s`),
    "proposals",
    "peak GiB",
    `/ ${REFERENCE}`,
  ];
  const line = (
    config: string,
    photo: string,
    r: Pick<
      RunRecord,
      "wallS" | "totalS" | "cpuS" | "stages" | "peakRssBytes"
    >,
    proposals: string,
    ratio: number | undefined,
  ) => [
    config,
    photo,
    fixed(r.wallS, 2),
    fixed(r.totalS, 2),
    fixed(r.cpuS, 1),
    ...STAGES.map((s) => fixed(r.stages[s], 2)),
    proposals,
    fixed(r.peakRssBytes / GIB, 2),
    fixed(ratio, 2),
  ];
  const body = rows.map((r) => {
    const ref = reference.get(r.photo);
    return line(
      r.config,
      photoName(r.photo),
      r,
      String(r.proposals),
      ref ? r.wallS / ref : undefined,
    );
  });
  const configs = [...new Set(rows.map((r) => r.config))];
  const means = configs.map((config) => {
    const rs = rows.filter((r) => r.config === config);
    const paired = rs.filter((r) => reference.has(r.photo));
    const ratio = paired.length > 0
      ? mean(paired.map((r) => r.wallS)) /
        mean(paired.map((r) => reference.get(r.photo)!))
      : undefined;
    return line(
      config,
      `mean of ${rs.length}`,
      {
        wallS: mean(rs.map((r) => r.wallS)),
        totalS: mean(rs.map((r) => r.totalS)),
        cpuS: mean(rs.map((r) => r.cpuS ?? NaN)),
        stages: Object.fromEntries(
          STAGES.map((s) => [s, mean(rs.map((r) => r.stages[s]))]),
        ),
        peakRssBytes: Math.max(...rs.map((r) => r.peakRssBytes)),
      },
      fixed(mean(rs.map((r) => r.proposals)), 1),
      ratio,
    );
  });
  return alignTable([header, ...body], means);
}

/** Columns padded (text left, numbers right), the means after a rule. */
function alignTable(rows: string[][], after: string[][]): string {
  const all = [...rows, ...after];
  const widths = all[0].map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const render = (r: string[]) =>
    r.map((cell, c) =>
      c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])
    )
      .join("  ").trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [...rows.map(render), rule, ...after.map(render)].join("\n");
}

/**
 * The arguments of reference.py for a photo, from what oris's --json
 * reported it ran with (settings, the first sentence's noun phrase and
 * anchor, the threads).
 *
 * @example
 * ```ts
 * referenceArgs(orisJson, "/tmp/oris-bench", "photo.png", "the cat");
 * // ["bench/real_size/reference.py", "--models", "/tmp/oris-bench", ...]
 * ```
 */
export function referenceArgs(
  oris: OrisReport,
  models: string,
  photo: string,
  text: string,
  threads?: number,
): string[] {
  const s = oris.settings;
  const parsed = oris.sentences?.[0];
  return [
    "bench/real_size/reference.py",
    "--models",
    models,
    "--image",
    photo,
    "--text",
    text,
    "--phrase",
    parsed?.nounPhrase ?? "",
    "--anchor",
    parsed?.spatial?.relation?.anchor ?? "",
    "--points-per-side",
    String(s.pointsPerSide),
    "--points-per-batch",
    String(s.pointsPerBatch),
    "--prune-points",
    s.prunePoints ? "on" : "off",
    "--threads",
    String(threads ?? oris.models.threads),
  ];
}

/** The parts of `segment --json`'s report the bench reads. */
export interface OrisReport {
  /** Models, backend and threads that ran. */
  models: { backend: string; variant: string; threads: number };
  /** The settings that ran. */
  settings: {
    pointsPerSide: number;
    pointsPerBatch: number;
    prunePoints: boolean;
    [key: string]: unknown;
  };
  /** Proposals kept. */
  proposals: number;
  /** Stage times in ms. */
  timings: Record<string, number>;
  /** Per sentence, what the parser found. */
  sentences?: {
    nounPhrase?: string;
    spatial?: { relation?: { anchor?: string } };
  }[];
}

/** What the reference prints (one JSON line). */
interface ReferenceReport {
  proposals: number;
  prompts: number;
  timings: Record<string, number>;
  [key: string]: unknown;
}

/** What one child process did. */
interface ChildResult {
  stdout: string;
  wallS: number;
  peakRssBytes: number;
  peakRssMethod: "wait4" | "VmHWM";
  polledHwmBytes?: number;
  cpuS?: number;
}

const GNU_TIME = "/usr/bin/time";

/** Whether a file exists. */
async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The last `n` lines of a text. */
function tail(text: string, n: number): string {
  return text.trimEnd().split("\n").slice(-n).join("\n");
}

/** VmHWM of a process, or undefined when it is gone. */
async function readVmHwm(pid: number): Promise<number | undefined> {
  try {
    return parseVmHwm(await Deno.readTextFile(`/proc/${pid}/status`));
  } catch {
    return undefined;
  }
}

/** The first child of a process (the command GNU time runs), if any yet. */
async function firstChild(pid: number): Promise<number | undefined> {
  try {
    const text = await Deno.readTextFile(`/proc/${pid}/task/${pid}/children`);
    const first = Number(text.trim().split(/\s+/)[0]);
    return first > 0 ? first : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs a command from the repository root, polling its VmHWM every 20 ms;
 * under GNU time where it is installed. Throws with the stderr's tail on a
 * non-zero exit.
 */
async function runChild(
  label: string,
  command: string,
  args: string[],
  gnuTime: boolean,
  env: Record<string, string> = {},
): Promise<ChildResult> {
  const timeFile = gnuTime ? await Deno.makeTempFile() : undefined;
  const [cmd, cmdArgs] = timeFile
    ? [GNU_TIME, ["-f", "%M %U %S", "-o", timeFile, command, ...args]]
    : [command, args];
  const start = performance.now();
  const child = new Deno.Command(cmd, {
    args: cmdArgs,
    cwd: ROOT,
    env: { XDG_RUNTIME_DIR: "/tmp", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let finished = false;
  const output = child.output().finally(() => finished = true);
  let polled: number | undefined;
  let watched = timeFile ? undefined : child.pid;
  while (!finished) {
    watched ??= await firstChild(child.pid);
    const hwm = watched === undefined ? undefined : await readVmHwm(watched);
    if (hwm !== undefined) polled = hwm;
    await new Promise((r) => setTimeout(r, 20));
  }
  const { code, stdout, stderr } = await output;
  const wallS = (performance.now() - start) / 1000;
  const decoder = new TextDecoder();
  if (code !== 0) {
    throw new Error(
      `${label} exited with status ${code}; its stderr ends:\n${
        tail(decoder.decode(stderr), 20)
      }`,
    );
  }
  const exact = timeFile
    ? parseGnuTime(await Deno.readTextFile(timeFile))
    : undefined;
  if (timeFile) await Deno.remove(timeFile);
  return {
    stdout: decoder.decode(stdout),
    wallS,
    peakRssBytes: exact?.peakRssBytes ?? polled ?? NaN,
    peakRssMethod: exact ? "wait4" : "VmHWM",
    polledHwmBytes: polled,
    cpuS: exact?.cpuS,
  };
}

/** Stage times in seconds from a report's ms. */
function stageSeconds(timings: Record<string, number>): Record<string, number> {
  return Object.fromEntries(STAGES.map((s) => [s, (timings[s] ?? NaN) / 1000]));
}

/** The record of a child run: its own report's timings and proposals, the driver's measures. */
function runRecord(
  config: string,
  photo: string,
  rep: number,
  child: ChildResult,
  report: { timings: Record<string, number>; proposals: number },
  detail: RunRecord["detail"],
): RunRecord {
  return {
    config,
    photo,
    rep,
    wallS: child.wallS,
    totalS: report.timings.total / 1000,
    stages: stageSeconds(report.timings),
    proposals: report.proposals,
    peakRssBytes: child.peakRssBytes,
    peakRssMethod: child.peakRssMethod,
    polledHwmBytes: child.polledHwmBytes,
    cpuS: child.cpuS,
    detail,
  };
}

/** `cli.ts segment`'s arguments for `photo` and `text`, then `extra`. */
function segmentArgs(photo: string, text: string, extra: string[]): string[] {
  return [
    "run",
    "-A",
    "cli.ts",
    "segment",
    "--image",
    photo,
    "--text",
    text,
    ...extra,
  ];
}

/** One `segment` run of a configuration on a photo. */
async function runOris(
  a: BenchArgs,
  config: string,
  photo: string,
  text: string,
  rep: number,
  gnuTime: boolean,
  cache?: ModelCache,
): Promise<{ record: RunRecord; report: OrisReport }> {
  const out = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const child = await runChild(
      `oris ${config} on ${photo}`,
      Deno.execPath(),
      segmentArgs(photo, text, [
        ...(cache ? [] : ["--models", a.models]),
        "--json",
        out,
        ...CONFIGS[config],
        ...(a.threads === undefined ? [] : ["--threads", String(a.threads)]),
      ]),
      gnuTime,
      cache?.env,
    );
    const report = JSON.parse(await Deno.readTextFile(out)) as OrisReport;
    return {
      report,
      record: runRecord(config, photo, rep, child, report, {
        models: report.models,
        settings: report.settings,
        timings: report.timings,
      }),
    };
  } finally {
    await Deno.remove(out);
  }
}

/** One reference run on a photo, with the settings of an oris report. */
async function runReference(
  a: BenchArgs,
  oris: OrisReport,
  photo: string,
  text: string,
  rep: number,
  gnuTime: boolean,
): Promise<RunRecord> {
  const child = await runChild(
    `the reference on ${photo}`,
    a.python,
    referenceArgs(oris, a.models, photo, text, a.threads),
    gnuTime,
  );
  const report = JSON.parse(tail(child.stdout, 1)) as ReferenceReport;
  return runRecord(REFERENCE, photo, rep, child, report, report);
}

/**
 * What is missing for a run of the configurations, as messages that say
 * how to make it; empty when everything is there.
 */
async function missingModels(a: BenchArgs): Promise<string[]> {
  const variants = new Set(
    a.configs.map((c) => variantOf(c) === "fp32" ? "" : `_${variantOf(c)}`),
  );
  const files = [
    ...[...variants].flatMap((v) => [
      `Xenova/clip-vit-base-patch32/onnx/vision_model${v}.onnx`,
      `Xenova/clip-vit-base-patch32/onnx/text_model${v}.onnx`,
      `Xenova/slimsam-77-uniform/onnx/vision_encoder${v}.onnx`,
      `Xenova/slimsam-77-uniform/onnx/prompt_encoder_mask_decoder${v}.onnx`,
    ]),
    "Xenova/clip-vit-base-patch32/tokenizer.json",
    ...(a.reference
      ? [
        "pytorch/clip-vit-base-patch32/model.safetensors",
        "pytorch/slimsam-77-uniform/model.safetensors",
      ]
      : []),
  ];
  const missing: string[] = [];
  for (const f of files) {
    if (!await exists(`${a.models}/${f}`)) missing.push(f);
  }
  if (missing.length === 0) return [];
  const export_ =
    `/tmp/venv/bin/python bench/real_size/export_random_models.py ${a.models} --scene-decoder`;
  const onlyTorch = missing.every((f) => f.startsWith("pytorch/"));
  return [
    `${a.models} lacks ${missing.join(", ")}.`,
    onlyTorch
      ? `Make the torch models (seconds): ${export_} --only pytorch`
      : `Make the models (about 2.5 min; CLIP's BPE file first: bash tests/fixtures/fetch_clip_bpe.sh): ${export_}`,
  ];
}

/** A model cache that `segment` fills from a local hub serving the exports. */
interface ModelCache {
  /** HF_ENDPOINT and ORIS_CACHE for the `segment` runs. */
  env: Record<string, string>;
  /** Stops the hub and deletes the cache. */
  close(): Promise<void>;
}

/** The value a configuration gives `flag`, else `fallback`. */
function flagOf(config: string, flag: string, fallback: string): string {
  const flags = CONFIGS[config];
  const at = flags.indexOf(flag);
  return at < 0 ? fallback : flags[at + 1];
}

/** The ONNX variant a configuration runs ("fp32" or "quantized"). */
function variantOf(config: string): string {
  return flagOf(config, "--variant", "fp32");
}

/** The files of `dir` (recursively), as paths relative to it. */
async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    const info = await Deno.stat(`${dir}/${rel}`); // follows symlinks
    if (info.isDirectory) out.push(...await filesUnder(dir, rel));
    else if (info.isFile) out.push(rel);
  }
  return out;
}

/**
 * Serves the exported Xenova repositories (the variants `configs` run) on a
 * local hub and makes an empty cache; then, untimed, pulls each variant and
 * runs `segment` once on `photo` so the cache keeps the derived CLIP tower,
 * as a user's first run does.
 */
async function openModelCache(
  a: BenchArgs,
  photo: string,
): Promise<ModelCache> {
  const { startHubServer } = await import("../../tests/helpers/hub_server.ts");
  const variants = [...new Set(a.configs.map(variantOf))];
  const wanted = (path: string) =>
    !path.endsWith(".onnx") ||
    variants.some((v) =>
      v === "fp32"
        ? !/_(quantized|fp16)\.onnx$/.test(path)
        : path.endsWith(`_${v}.onnx`)
    );
  const files: Record<string, Uint8Array> = {};
  for (const path of await filesUnder(a.models, "Xenova")) {
    if (wanted(path)) files[path] = await Deno.readFile(`${a.models}/${path}`);
  }
  const hub = startHubServer(files);
  const dir = await Deno.makeTempDir({ prefix: "oris-bench-cache-" });
  const env = { HF_ENDPOINT: hub.endpoint, ORIS_CACHE: dir };
  const close = async () => {
    await hub[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  };
  try {
    // One run per variant and backend: the fast decoder is checked on each
    // backend it runs on, once, before the timed runs.
    const warmUps = new Set(
      a.configs.map((c) =>
        `${variantOf(c)} ${flagOf(c, "--backend", "native")}`
      ),
    );
    for (const pair of warmUps) {
      const [variant, backend] = pair.split(" ");
      console.error(
        `warm-up: pulling ${variant}, deriving the CLIP tower and the fast encoder and decoder (${backend})`,
      );
      await runChild(
        `the warm-up run (${variant}, ${backend})`,
        Deno.execPath(),
        segmentArgs(photo, "warm-up", [
          "--variant",
          variant,
          "--backend",
          backend,
        ]),
        false,
        env,
      );
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { env, close };
}

/** Whether the SAM export is a scene decoder's (see scene_decoder.py). */
async function isSceneExport(models: string): Promise<boolean> {
  try {
    const config = JSON.parse(
      await Deno.readTextFile(
        `${models}/Xenova/slimsam-77-uniform/config.json`,
      ),
    );
    return "oris_scene_decoder" in config;
  } catch {
    return false;
  }
}

/** Runs the bench; the exit status. */
export async function main(argv: string[]): Promise<number> {
  let a: BenchArgs | "help";
  try {
    a = parseBenchArgs(argv);
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (a === "help") {
    console.log(USAGE);
    return 0;
  }
  const missing = await missingModels(a);
  if (missing.length > 0) {
    console.error(missing.join("\n"));
    return 1;
  }
  if (!await isSceneExport(a.models)) {
    console.error(
      `warning: ${a.models}'s SAM is not a scene export (--scene-decoder): a random decoder proposes next to nothing, so CLIP's work is not timed.`,
    );
  }
  const gnuTime = await exists(GNU_TIME);
  const runs: RunRecord[] = [];
  const log = (r: RunRecord) => {
    runs.push(r);
    console.error(
      `${r.config} ${photoName(r.photo)} #${r.rep}: ${
        r.wallS.toFixed(1)
      } s, ${r.proposals} proposals, ${(r.peakRssBytes / GIB).toFixed(2)} GiB`,
    );
  };
  let cache: ModelCache | undefined;
  try {
    if (a.source === "cache" && a.configs.length > 0) {
      cache = await openModelCache(a, a.photos[0]);
    }
    for (const photo of a.photos) {
      const text = a.text ?? PHOTOS[photo] ?? "the object in the middle";
      for (let rep = 1; rep <= a.reps; rep++) {
        let settingsFrom: OrisReport | undefined;
        for (const config of a.configs) {
          const { record, report } = await runOris(
            a,
            config,
            photo,
            text,
            rep,
            gnuTime,
            cache,
          );
          log(record);
          if (config === "default" || settingsFrom === undefined) {
            settingsFrom = report;
          }
        }
        if (a.reference) {
          // Without an oris run, the reference takes oris's current defaults.
          settingsFrom ??=
            (await runOris(a, "default", photo, text, rep, gnuTime, cache))
              .report;
          log(await runReference(a, settingsFrom, photo, text, rep, gnuTime));
        }
      }
    }
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return 1;
  } finally {
    await cache?.close();
  }
  console.log(formatTable(runs));
  console.log(
    `\npeak RSS: ${
      gnuTime ? "ru_maxrss from wait4 (GNU time)" : "VmHWM polled every 20 ms"
    }; ${navigator.hardwareConcurrency} cores`,
  );
  if (a.json) {
    await Deno.writeTextFile(
      a.json,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          cores: navigator.hardwareConcurrency,
          args: a,
          runs,
          averaged: averageReps(runs),
        },
        null,
        1,
      ) + "\n",
    );
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
