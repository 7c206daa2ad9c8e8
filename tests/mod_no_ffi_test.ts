import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../", import.meta.url));

/**
 * The folder onnxruntime-web really lives in (Deno links
 * `node_modules/onnxruntime-web` to `node_modules/.deno/onnxruntime-web@V/...`,
 * and permissions apply to the resolved path).
 */
async function onnxruntimeWebDir(): Promise<string> {
  return await Deno.realPath(`${REPO}node_modules/onnxruntime-web`);
}

/** Runs `deno ARGS` in the repository, without colours; its output as text. */
async function deno(args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

/**
 * Runs a script with read access to onnxruntime-web's package only:
 * onnxruntime-web reads its .wasm runtime from there; nothing else is read,
 * written, loaded through FFI or taken from the env.
 */
async function runSandboxed(script: string) {
  return await deno([
    "run",
    "--no-prompt",
    `--allow-read=${await onnxruntimeWebDir()}`,
    script,
  ]);
}

Deno.test("mod.ts runs on pixels with read access to onnxruntime-web's package only", async () => {
  const ortDir = await onnxruntimeWebDir();
  assert.match(ortDir, /onnxruntime-web@[^/]+\/node_modules\/onnxruntime-web$/);
  const { code, stdout, stderr } = await runSandboxed(
    "tests/no_ffi/mod_on_pixels.ts",
  );
  assert.equal(code, 0, stderr);
  assert.deepEqual(JSON.parse(stdout), {
    redLeft: true,
    softmaxSum: 1,
    png: [40, 30],
  });
});

/** The edge files: file system and network code that mod.ts must not import. */
const EDGE = [
  /^pipeline\/models\/(cache|download|store|env|lock)\.ts$/,
  /^pipeline\/image\/(file|codec)\.ts$/,
  /^pipeline\/cli\//,
  /^pipeline\/io\.ts$/,
  /^pipeline\/datasets\/(refer_files|jsonl_files|image_files)\.ts$/,
  /^pipeline\/eval\/prediction_files\.ts$/,
];

Deno.test("mod.ts segments a scene from models held in memory, with no file system or FFI", async () => {
  const { code, stdout, stderr } = await runSandboxed(
    "tests/no_ffi/segment_in_memory.ts",
  );
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout);
  assert.ok(result.sentences > 0);
  assert.equal(result.allFound, true);
});

Deno.test("mod.ts's module graph holds none of the edge files", async () => {
  const { code, stdout, stderr } = await deno(["info", "--json", "mod.ts"]);
  assert.equal(code, 0, stderr);
  const graph = JSON.parse(stdout) as {
    modules: { specifier: string }[];
  };
  const root = new URL("./", `file://${REPO}`).href;
  const local = graph.modules
    .map((m) => m.specifier)
    .filter((s) => s.startsWith(root))
    .map((s) => s.slice(root.length));
  assert.ok(
    local.includes("pipeline/models/session.ts"),
    `the graph was read (${local.length} local modules)`,
  );
  const edge = local.filter((path) => EDGE.some((re) => re.test(path)));
  assert.deepEqual(edge, [], "mod.ts imports edge files");
});
