import assert from "node:assert/strict";
import { commandLineMessage, resumeMessage } from "../../cli/library_errors.ts";
import { checkShards, ShardMergeError } from "../../pipeline/eval/merge.ts";
import { resumeProblem } from "../../pipeline/eval/run_settings.ts";
import { join } from "node:path";
import {
  ModelNotFoundError,
  ModelOfflineError,
} from "../../pipeline/models/errors.ts";
import { PredictionsExistError } from "../../io/prediction_files.ts";
import { readShardFiles, ShardFolderError } from "../../io/shard_files.ts";
import {
  findMissingImages,
  ImagePathError,
  resolveImagePath,
} from "../../io/image_files.ts";
import { TokenMaskMappingError } from "../../pipeline/clip/token_mask_model.ts";
import { WebGpuUnavailableError } from "../../kernels/gpu_device.ts";
import {
  BackendUnavailableError,
  ModelLoadError,
} from "../../pipeline/models/inference.ts";

Deno.test("commandLineMessage() adds the flag that applies a library error's advice", () => {
  assert.equal(
    commandLineMessage(
      new TokenMaskMappingError(
        'm.onnx cannot be token-masked (globalView "blur").',
      ),
    ),
    'm.onnx cannot be token-masked (globalView "blur"). On the command line: --global-view blur.',
  );
  assert.match(
    commandLineMessage(new WebGpuUnavailableError('no GPU: use device "cpu"')),
    /use device "cpu"\. On the command line: --device cpu\.$/,
  );
  assert.match(
    commandLineMessage(new BackendUnavailableError("webgpu", "no adapter")),
    /no adapter\. On the command line: choose another with --backend\.$/,
  );
  assert.match(
    commandLineMessage(new ModelLoadError("m.onnx", new Error("bad"))),
    /fetch it again\. On the command line: `deno task models verify`, then `deno task models pull` the model again\.$/,
  );
});

Deno.test("commandLineMessage() leaves other errors as they are", () => {
  assert.equal(commandLineMessage(new RangeError("alpha ...")), "alpha ...");
  assert.equal(commandLineMessage("plain"), "plain");
});

/** The library's message has no flag; the command line's ends with `hint`. */
function assertFlagAdded(error: Error, hint: string): void {
  assert.doesNotMatch(error.message, /--|deno task/, "library wording");
  assert.equal(
    commandLineMessage(error),
    `${error.message.replace(/\.?$/, ".")} On the command line: ${hint}.`,
  );
}

Deno.test("commandLineMessage() names --resume and --out for predictions that exist", () => {
  assertFlagAdded(
    new PredictionsExistError("out/predictions.jsonl"),
    "--resume to continue that run, or another --out",
  );
});

Deno.test("commandLineMessage() names --out, --shard and --merge for a folder that is no shard", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const error = await readShardFiles(dir).catch((e) => e);
    assert.ok(error instanceof ShardFolderError);
    assert.equal(error.problem, "not-a-shard");
    assertFlagAdded(
      error,
      'give the --out folders of "eval --shard K/N" runs to --merge',
    );
    await Deno.writeTextFile(join(dir, "run.json"), "{");
    const broken = await readShardFiles(dir).catch((e) => e);
    assert.equal(broken.problem, "invalid-json");
    assertFlagAdded(broken, "rerun that shard with --resume");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("commandLineMessage() names --images and --strict for the images folder", async () => {
  let path: unknown;
  try {
    resolveImagePath("imgs", "../a.png");
  } catch (e) {
    path = e;
  }
  assert.ok(path instanceof ImagePathError);
  assertFlagAdded(path, "the images folder is --images");
  const missing = await findMissingImages(
    [{ id: 1, file: "nowhere.png", width: 1, height: 1, refs: [] }],
    "/nonexistent/oris",
    { strict: true },
  ).catch((e) => e);
  assertFlagAdded(
    missing,
    "check --images, or run without --strict to skip these images",
  );
});

Deno.test("commandLineMessage() gives the models pull command a model error's fetch asks for", () => {
  assertFlagAdded(
    new ModelOfflineError("offline, and the cache lacks files", [], {
      repo: "acme/tiny-clip",
      kind: "clip",
      variant: "quantized",
      revision: "v2",
    }),
    "`deno task models pull acme/tiny-clip --kind clip --variant quantized --revision v2`",
  );
  assertFlagAdded(
    new ModelNotFoundError("models folder /m lacks a file", undefined, {
      fetch: { repo: "acme/tiny-clip", cacheDir: "/m" },
    }),
    "`deno task models pull acme/tiny-clip --cache /m`",
  );
  const plain = new ModelNotFoundError("repository not found");
  assert.equal(commandLineMessage(plain), plain.message);
});

Deno.test("commandLineMessage() of a merge error gives the command that makes a missing shard, and the flags of the other advice", () => {
  let error: unknown;
  try {
    checkShards([{ dir: "s1", run: { data: "x" }, lines: [] }]);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ShardMergeError);
  assert.equal(
    commandLineMessage(error),
    'cannot merge these shards:\n  - s1 is not a shard (its run.json names no shard): give the --out folders of "eval --shard K/N" runs',
  );
  const missing = new ShardMergeError([{
    kind: "missing-shard",
    fact: "shard 2/3 is missing",
    advice: "run it and merge its output folder too",
    shard: { index: 2, count: 3 },
  }, {
    kind: "unfinished",
    fact: "shard 1/3 in s1 has not finished (no metrics.json)",
    advice: "resume it",
    dir: "s1",
  }]);
  assert.equal(
    commandLineMessage(missing),
    "cannot merge these shards:\n" +
      '  - shard 2/3 is missing: run "deno task eval ... --shard 2/3 --out DIR" and give DIR to --merge too\n' +
      "  - shard 1/3 in s1 has not finished (no metrics.json): rerun its command with --resume",
  );
});

Deno.test("resumeMessage() words a resume problem with --limit and --out", () => {
  const run = { data: "x", alpha: 0.85, fingerprint: "sha256:ab" };
  assert.equal(
    resumeMessage(resumeProblem("out", run, { ...run, alpha: 0.5 })!),
    "the run in out was made with other settings (alpha: 0.85 vs 0.5; see out/run.json): resume it with the same options, or choose another --out",
  );
  assert.match(
    resumeMessage(resumeProblem("out", run, { ...run, fingerprint: "x" })!),
    /: resume it with the same data and --limit, or choose another --out$/,
  );
});
