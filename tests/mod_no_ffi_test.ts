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

Deno.test("mod.ts runs on pixels with read access to onnxruntime-web's package only", async () => {
  const ortDir = await onnxruntimeWebDir();
  assert.match(ortDir, /onnxruntime-web@[^/]+\/node_modules\/onnxruntime-web$/);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      // onnxruntime-web reads its .wasm runtime from its package; nothing
      // else is read, written, loaded through FFI or taken from the env.
      `--allow-read=${ortDir}`,
      "tests/no_ffi/mod_on_pixels.ts",
    ],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 0, err);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), {
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
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      `--allow-read=${await onnxruntimeWebDir()}`,
      "tests/no_ffi/segment_in_memory.ts",
    ],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const result = JSON.parse(new TextDecoder().decode(stdout));
  assert.ok(result.sentences > 0);
  assert.equal(result.allFound, true);
});

Deno.test("mod.ts's module graph holds none of the edge files", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "mod.ts"],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const graph = JSON.parse(new TextDecoder().decode(stdout)) as {
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
