import assert from "node:assert/strict";
import {
  CandidateFileError,
  jsonErrorOffset,
  parseCandidatesJson,
  parseImageSize,
  runSpatialCommand,
  SPATIAL_USAGE,
} from "../../cli/spatial.ts";
import { ZEBRAS } from "../helpers/spatial.ts";
import { DEFAULTS } from "../../pipeline/defaults.ts";

/** Runs the command with a candidates file holding `content`. */
async function run(
  args: string[],
  content: string | null = JSON.stringify(ZEBRAS),
  stdin = "",
) {
  const dir = await Deno.makeTempDir({ prefix: "oris-spatial-" });
  try {
    const file = `${dir}/candidates.json`;
    if (content !== null) await Deno.writeTextFile(file, content);
    const stdout: string[] = [];
    let stderr = "";
    const code = await runSpatialCommand(
      args.map((a) => a === "FILE" ? file : a),
      {
        stdout: (t) => stdout.push(t),
        stderr: (t) => void (stderr += t),
        stdin: () => Promise.resolve(stdin),
      },
    );
    return { code, stdout: stdout.join("\n"), stderr, file };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const BASE = ["--candidates", "FILE", "--image-size", "640x480"];

Deno.test("spatial prints the extended choice and its rule as JSON", async () => {
  const r = await run(["--text", "the zebra on the left", ...BASE]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '{"index": 1, "rule": "extended:left among 3"}');
  assert.deepEqual(JSON.parse(r.stdout), {
    index: 1,
    rule: "extended:left among 3",
  });
});

Deno.test("spatial --spatial seed runs the paper's rule over the top 3", async () => {
  const trap = "a zebra with its left leg raised";
  const seed = await run(["--text", trap, ...BASE, "--spatial", "seed"]);
  assert.deepEqual(JSON.parse(seed.stdout), {
    index: 1,
    rule: "seed:left among top-3",
  });
  const extended = await run(["--text", trap, ...BASE]);
  assert.deepEqual(JSON.parse(extended.stdout), {
    index: 0,
    rule: "best-score",
  });
});

Deno.test("spatial --margin changes the pool, --top-k leaves a direction every instance; --explain adds the parse", async () => {
  const r = await run([
    "--text",
    "the zebra on the left",
    ...BASE,
    "--top-k",
    "2",
    "--explain",
  ]);
  const out = JSON.parse(r.stdout);
  // A direction is an extreme of every zebra, not of the two best.
  assert.equal(out.index, 1);
  assert.equal(out.rule, "extended:left among 3");
  assert.deepEqual(out.parse, { directions: ["left"], triggers: ["left"] });
  // A wide margin lets the grass into the pool: it is the bottom one.
  const bottom = ["--text", "the bottom one", ...BASE];
  assert.equal(JSON.parse((await run(bottom)).stdout).index, 1);
  const wide = await run([...bottom, "--margin", "2.2", "--top-k", "9"]);
  assert.equal(JSON.parse(wide.stdout).index, 3);
});

Deno.test("spatial reads candidates from standard input with --candidates -", async () => {
  const r = await run(
    [
      "--text",
      "the right zebra",
      "--candidates",
      "-",
      "--image-size",
      "640x480",
    ],
    null,
    JSON.stringify(ZEBRAS),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).index, 2);
});

Deno.test("spatial names the line and column of a JSON syntax error", async () => {
  const r = await run(
    ["--text", "left", ...BASE],
    '[{"box": [1, 2, 3, 4], "score": 0.3},\n {"box": [1, 2, 3, 4] "score": 1}]',
  );
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /is not valid JSON at line 2, column 23 \(character 60\)/,
  );
  assert.match(r.stderr, /Expected ',' or '}' after property value/);
  // V8 gives no position for an unexpected token: the command finds it.
  const token = await run(["--text", "left", ...BASE], '[{"box": ]');
  assert.match(token.stderr, /at line 1, column 10 \(character 9\)/);
});

Deno.test("spatial errors on a candidates file never echo its text", async () => {
  for (
    const text of [
      "SECRET-not-json",
      '[{"box": [1, 2, 3, 4], "score": SECRET}]',
      '[{"box": ["SECRET", 2, 3, 4], "score": 1}]',
      '[{"box": [1, 2, 3, 4], "score": "SECRET"}]',
    ]
  ) {
    const r = await run(["--text", "left", ...BASE], text);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /candidate|not valid JSON/);
    assert.ok(!/SECRET|Unexpected token/.test(r.stderr), r.stderr);
  }
});

Deno.test("spatial rejects an empty candidate list, and bad fields by index", async () => {
  const empty = await run(["--text", "left", ...BASE], "[]");
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /holds no candidates: give at least one/);
  const box = await run(
    ["--text", "left", ...BASE],
    '[{"box": [0, 0, 1, 1], "score": 1}, {"box": [0, 0, 1], "score": 1}]',
  );
  assert.equal(box.code, 1);
  assert.match(
    box.stderr,
    /candidate 1: "box" must be \[x, y, width, height\]/,
  );
  const score = await run(
    ["--text", "left", ...BASE],
    '[{"box": [0, 0, 1, 1], "score": "high"}]',
  );
  assert.match(
    score.stderr,
    /candidate 0: "score" must be a number; got a string of 4 characters/,
  );
  const notArray = await run(["--text", "left", ...BASE], '{"box": []}');
  assert.match(notArray.stderr, /must hold a JSON array of candidates/);
});

Deno.test("spatial says when the candidates file is missing", async () => {
  const r = await run(["--text", "left", ...BASE], null);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /candidates\.json does not exist/);
});

Deno.test("spatial rejects a bad --image-size or --spatial, --mode (the old name) or a missing option with its usage", async () => {
  for (
    const [args, pattern] of [
      [
        ["--text", "left", "--candidates", "FILE", "--image-size", "640"],
        /--image-size must be WIDTHxHEIGHT/,
      ],
      [
        ["--text", "left", "--candidates", "FILE", "--image-size", "0x480"],
        /--image-size must be WIDTHxHEIGHT/,
      ],
      [
        ["--text", "left", ...BASE, "--spatial", "fancy"],
        /--spatial must be one of extended, seed/,
      ],
      [
        ["--text", "left", ...BASE, "--mode", "seed"],
        /Unknown option '--mode'/,
      ],
      [
        ["--text", "left", ...BASE, "--top-k", "0"],
        /--top-k must be a whole number >= 1; got "0"/,
      ],
      [
        ["--text", "left", ...BASE, "--top-k", "many"],
        /--top-k must be a whole number >= 1; got "many"/,
      ],
      [["--text", "left", ...BASE, "--k", "2"], /Unknown option '--k'/],
      [["--text", "left", ...BASE, "--margin=-1"], /--margin must be a number/],
      [
        ["--candidates", "FILE", "--image-size", "640x480"],
        /--text is required/,
      ],
      [
        ["--text", "left", "--image-size", "640x480"],
        /--candidates FILE.json is required/,
      ],
      [
        ["--text", "left", "--candidates", "FILE"],
        /--image-size WxH is required/,
      ],
    ] as [string[], RegExp][]
  ) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, pattern);
    assert.ok(r.stderr.includes("Usage: deno task spatial"));
  }
});

Deno.test("spatial --help prints the usage", async () => {
  const r = await run(["--help"]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, SPATIAL_USAGE);
});

Deno.test("spatial's usage names --top-k and shows the defaults of DEFAULTS", () => {
  assert.match(
    SPATIAL_USAGE,
    new RegExp(
      `--top-k K .*\\(default ${DEFAULTS.topK.extended} for extended, ${DEFAULTS.topK.seed} for seed\\)`,
    ),
  );
  assert.ok(
    SPATIAL_USAGE.includes(`(default ${DEFAULTS.selector.margin})`),
    SPATIAL_USAGE,
  );
  assert.ok(!/--k\b/.test(SPATIAL_USAGE), "no --k left in the usage");
});

Deno.test("parseImageSize() reads WIDTHxHEIGHT", () => {
  assert.deepEqual(parseImageSize("640x480"), { width: 640, height: 480 });
  assert.deepEqual(parseImageSize(" 1024 X 768 "), {
    width: 1024,
    height: 768,
  });
  assert.throws(() => parseImageSize("640,480"), /WIDTHxHEIGHT/);
});

Deno.test("jsonErrorOffset() finds the first syntax error, -1 when there is none", () => {
  assert.equal(jsonErrorOffset('[{"a": 1}, {"b": [true, null, -1.5e3]}]'), -1);
  assert.equal(jsonErrorOffset('[{"a": 1,}]'), 9);
  assert.equal(jsonErrorOffset("[1, 2"), 5);
  assert.equal(jsonErrorOffset('["\\x"]'), 3);
  assert.equal(jsonErrorOffset("[1] x"), 4);
  assert.equal(jsonErrorOffset(""), 0);
});

Deno.test("parseCandidatesJson() keeps the optional fields", () => {
  assert.deepEqual(
    parseCandidatesJson(
      '[{"box": [1, 2, 3, 4], "score": 0.5, "area": 9, "centroid": [2, 3], "anchorScore": 0.1, "nounScore": 0.2, "label": "x"}]',
      "f.json",
    ),
    [{
      box: [1, 2, 3, 4],
      score: 0.5,
      area: 9,
      centroid: [2, 3],
      anchorScore: 0.1,
      nounScore: 0.2,
    }],
  );
  assert.throws(
    () =>
      parseCandidatesJson(
        '[{"box": [1, 2, 3, 4], "score": 1, "centroid": [1]}]',
        "f.json",
      ),
    CandidateFileError,
  );
});

/** A batch-mode line for `text` over the zebras. */
const caseLine = (text: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    text,
    candidates: ZEBRAS,
    image_size: [640, 480],
    ...extra,
  });

Deno.test("spatial --jsonl writes one result a line in input order", async () => {
  const lines = [
    caseLine("the zebra on the left"),
    caseLine("the rightmost zebra"),
    caseLine("a zebra"),
  ];
  const r = await run(["--jsonl", "FILE"], lines.join("\n") + "\n");
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split("\n").map((l) => JSON.parse(l)), [
    { index: 1, rule: "extended:left among 3" },
    { index: 2, rule: "extended:right among 3" },
    { index: 0, rule: "best-score" },
  ]);
});

Deno.test("spatial --jsonl answers a bad line with its line number and goes on", async () => {
  const lines = [
    caseLine("the zebra on the left"),
    "{not json",
    caseLine("left", { image_size: [0, 480] }),
    "",
    caseLine("left", { candidates: [{ box: [1, 2, 3], score: 1 }] }),
    caseLine("the rightmost zebra"),
  ];
  const r = await run(["--jsonl", "FILE"], lines.join("\r\n"));
  assert.equal(r.code, 1);
  const out = r.stdout.split("\n").map((l) => JSON.parse(l));
  assert.equal(out.length, 6);
  assert.deepEqual(out[0], { index: 1, rule: "extended:left among 3" });
  assert.match(out[1].error, /^line 2 is not valid JSON \(column 2\)/);
  assert.match(out[2].error, /^line 3: "image_size" must be \[width, height\]/);
  assert.match(out[3].error, /^line 4 is empty/);
  assert.match(out[4].error, /^line 5: candidate 0: "box" must be/);
  assert.deepEqual(out[5], { index: 2, rule: "extended:right among 3" });
  assert.match(r.stderr, /4 lines could not be read/);
});

Deno.test("spatial --jsonl takes --spatial, --top-k and standard input like a single sentence", async () => {
  const text = "a zebra with its left leg raised";
  const r = await run(
    ["--jsonl", "-", "--spatial", "seed", "--top-k", "2"],
    null,
    caseLine(text) + "\n",
  );
  assert.equal(r.code, 0, r.stderr);
  const single = await run(
    ["--text", text, ...BASE, "--spatial", "seed", "--top-k", "2"],
  );
  assert.deepEqual(JSON.parse(r.stdout), JSON.parse(single.stdout));
  assert.deepEqual(JSON.parse(r.stdout), {
    index: 0,
    rule: "seed:left among top-2",
  });
});

Deno.test("spatial --jsonl refuses --text, --candidates or --image-size beside it", async () => {
  const r = await run(["--jsonl", "FILE", "--text", "left"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--jsonl reads the sentence.*drop --text/);
  const missing = await run(["--jsonl", "FILE"], null);
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /does not exist: give the path of a JSON Lines file/,
  );
});
