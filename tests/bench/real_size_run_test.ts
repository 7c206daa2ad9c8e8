import assert from "node:assert/strict";
import {
  averageReps,
  DEFAULT_CONFIGS,
  formatTable,
  type OrisReport,
  parseBenchArgs,
  parseGnuTime,
  parseVmHwm,
  PHOTOS,
  REFERENCE,
  referenceArgs,
  type RunRecord,
} from "../../bench/real_size/run.ts";

const run = (
  config: string,
  photo: string,
  wallS: number,
  extra: Partial<RunRecord> = {},
): RunRecord => ({
  config,
  photo,
  rep: 1,
  wallS,
  totalS: wallS - 0.5,
  stages: { load: 1, propose: wallS - 3, regions: 1.5, text: 0.02 },
  proposals: 36,
  peakRssBytes: 2 * 1024 ** 3,
  peakRssMethod: "wait4",
  cpuS: wallS * 1.5,
  detail: {},
  ...extra,
});

Deno.test("parseBenchArgs() defaults to the four photos, the native configurations and the reference", () => {
  const a = parseBenchArgs([]);
  assert.notEqual(a, "help");
  if (a === "help") return;
  assert.deepEqual(a.photos, Object.keys(PHOTOS));
  assert.deepEqual(a.configs, [...DEFAULT_CONFIGS]);
  assert.equal(a.models, "/tmp/oris-bench");
  assert.equal(a.source, "cache");
  assert.equal(a.reps, 1);
  assert.equal(a.reference, true);
  assert.equal(a.threads, undefined);
});

Deno.test("parseBenchArgs() reads comma-separated lists, reps, threads and --no-reference", () => {
  const a = parseBenchArgs([
    "--photos",
    "a.png, b.png,",
    "--configs",
    "wasm,wasm-quantized",
    "--reps",
    "3",
    "--threads",
    "2",
    "--no-reference",
    "--json",
    "out.json",
    "--source",
    "folder",
  ]);
  assert.notEqual(a, "help");
  if (a === "help") return;
  assert.deepEqual(a.photos, ["a.png", "b.png"]);
  assert.deepEqual(a.configs, ["wasm", "wasm-quantized"]);
  assert.equal(a.reps, 3);
  assert.equal(a.threads, 2);
  assert.equal(a.reference, false);
  assert.equal(a.json, "out.json");
  assert.equal(a.source, "folder");
  assert.equal(parseBenchArgs(["--help"]), "help");
});

Deno.test("parseBenchArgs() refuses unknown configurations, bad numbers and an empty run", () => {
  assert.throws(
    () => parseBenchArgs(["--source", "hub"]),
    /--source must be cache or folder, got "hub"/,
  );
  assert.throws(
    () => parseBenchArgs(["--configs", "default,gpu"]),
    /unknown configuration gpu/,
  );
  assert.throws(
    () => parseBenchArgs(["--reps", "0"]),
    /--reps must be a whole number/,
  );
  assert.throws(() => parseBenchArgs(["--threads", "1.5"]), /--threads/);
  assert.throws(
    () => parseBenchArgs(["--configs", "", "--no-reference"]),
    /nothing to run/,
  );
  assert.throws(() => parseBenchArgs(["--frobnicate"]));
});

Deno.test("parseVmHwm() reads the peak RSS of /proc/<pid>/status in bytes", () => {
  const status =
    "Name:\tdeno\nVmPeak:\t 9999 kB\nVmHWM:\t  123456 kB\nVmRSS:\t 100 kB\n";
  assert.equal(parseVmHwm(status), 123456 * 1024);
  assert.equal(
    parseVmHwm("Name:\tkthreadd\nState:\tS (sleeping)\n"),
    undefined,
  );
});

Deno.test("parseGnuTime() reads ru_maxrss (KiB) and user + system CPU seconds", () => {
  assert.deepEqual(parseGnuTime("2097152 10.25 1.5\n"), {
    peakRssBytes: 2 * 1024 ** 3,
    cpuS: 11.75,
  });
  // A warning line from GNU time before the figures.
  assert.equal(
    parseGnuTime("Command exited with non-zero status 1\n5 0.00 0.00\n")
      ?.peakRssBytes,
    5120,
  );
  assert.equal(parseGnuTime(""), undefined);
});

Deno.test("referenceArgs() passes the settings, parse and threads oris reported", () => {
  const report: OrisReport = {
    models: { backend: "native", variant: "fp32", threads: 2 },
    settings: { pointsPerSide: 16, pointsPerBatch: 64, prunePoints: true },
    proposals: 36,
    timings: { total: 1000 },
    sentences: [{
      nounPhrase: "the rocket",
      spatial: { relation: { anchor: "the pad" } },
    }],
  };
  const args = referenceArgs(report, "/m", "p.png", "the rocket on the pad");
  const value = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(args[0], "bench/real_size/reference.py");
  assert.equal(value("--points-per-side"), "16");
  assert.equal(value("--points-per-batch"), "64");
  assert.equal(value("--prune-points"), "on");
  assert.equal(value("--phrase"), "the rocket");
  assert.equal(value("--anchor"), "the pad");
  assert.equal(value("--threads"), "2");
  const bare = referenceArgs(
    { ...report, sentences: [{}] },
    "/m",
    "p.png",
    "x",
    4,
  );
  assert.equal(bare[bare.indexOf("--anchor") + 1], "");
  assert.equal(bare[bare.indexOf("--threads") + 1], "4");
});

Deno.test("averageReps() averages times over reps and keeps the largest peak RSS", () => {
  const [one] = averageReps([
    run("native", "a.png", 10, { peakRssBytes: 1 }),
    run("native", "a.png", 20, { rep: 2, peakRssBytes: 3 }),
  ]);
  assert.equal(one.wallS, 15);
  assert.equal(one.rep, 2);
  assert.equal(one.peakRssBytes, 3);
  assert.equal(one.stages.propose, 12);
});

Deno.test("formatTable() shows each run's ratio to the reference and each configuration's mean", () => {
  const table = formatTable([
    run("native", "photos/a.png", 10),
    run(REFERENCE, "photos/a.png", 40),
    run("native", "photos/b.png", 30),
    run(REFERENCE, "photos/b.png", 40),
  ]);
  const lines = table.split("\n");
  assert.match(
    lines[0],
    /^config\s+photo\s+wall s\s+own s\s+cpu s\s+load s\s+propose s\s+regions s\s+text s\s+proposals\s+peak GiB\s+\/ pytorch$/,
  );
  assert.match(
    table,
    /^native\s+a\s+10\.00\s+9\.50\s+15\.0\s+1\.00\s+7\.00\s+1\.50\s+0\.02\s+36\s+2\.00\s+0\.25$/m,
  );
  assert.match(table, /^pytorch\s+a\s+40\.00 .* 1\.00$/m);
  assert.match(table, /^-+/m);
  // The mean of native: (10 + 30) / 2 = 20 s against 40 s.
  assert.match(
    table,
    /^native\s+mean of 2\s+20\.00\s+19\.50\s+30\.0 .* 36\.0\s+2\.00\s+0\.50$/m,
  );
});

Deno.test("formatTable() leaves the ratio out where the reference did not run", () => {
  const table = formatTable([run("wasm", "a.png", 80)]);
  assert.match(table, /^wasm\s+a\s+80\.00 .*\s+-$/m);
  assert.match(table, /^wasm\s+mean of 1 .*\s+-$/m);
});
