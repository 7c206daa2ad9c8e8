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

Deno.test("mod.ts segments a scene from models held in memory, with no file system or FFI", async () => {
  const { code, stdout, stderr } = await runSandboxed(
    "tests/no_ffi/segment_in_memory.ts",
  );
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout);
  assert.ok(result.sentences > 0);
  assert.equal(result.allFound, true);
  assert.equal(result.requestedBackend, "auto");
  assert.equal(result.backend, "wasm");
  assert.deepEqual(result.fallbacks, [
    "no permission to load native code: run with --allow-ffi, or use the wasm backend.",
  ]);
});

Deno.test("the default backend, auto, resolves to wasm without FFI permission, silently and without a prompt", async () => {
  const { code, stdout, stderr } = await runSandboxed(
    "tests/no_ffi/auto_backend.ts",
  );
  assert.equal(code, 0, stderr);
  assert.equal(stderr, "");
  const result = JSON.parse(stdout);
  assert.equal(result.default, "auto");
  assert.equal(result.resolution.backend, "wasm");
  assert.match(result.resolution.fallback, /--allow-ffi/);
  assert.equal(result.session, "wasm");
});

/** The package's entry points (deno.json's exports), keyed by subpath. */
async function packageExports(): Promise<Record<string, string>> {
  const config = JSON.parse(await Deno.readTextFile(`${REPO}deno.json`));
  return config.exports;
}

/** The repository's own modules in the module graph of `entry`, as paths. */
async function localModules(entry: string): Promise<string[]> {
  const { code, stdout, stderr } = await deno(["info", "--json", entry]);
  assert.equal(code, 0, stderr);
  const graph = JSON.parse(stdout) as { modules: { specifier: string }[] };
  const root = new URL("./", `file://${REPO}`).href;
  return graph.modules
    .map((m) => m.specifier)
    .filter((s) => s.startsWith(root))
    .map((s) => s.slice(root.length));
}

Deno.test("no entry point but ./io has a module under cli/ or io/ in its graph", async () => {
  const exports = await packageExports();
  assert.equal(exports["."], "./mod.ts");
  assert.equal(exports["./io"], "./io/mod.ts");
  for (const [subpath, entry] of Object.entries(exports)) {
    if (subpath === "./io") continue;
    const local = await localModules(entry);
    assert.ok(
      local.includes(entry.slice(2)),
      `the graph of ${entry} was read (${local.length} local modules)`,
    );
    const edge = local.filter((path) => /^(cli|io)\//.test(path));
    assert.deepEqual(edge, [], `${subpath} (${entry}) imports the edge`);
  }
});

Deno.test("mod.ts's module graph reaches the segmenter and the model sessions", async () => {
  const local = await localModules("mod.ts");
  for (const core of ["pipeline/segmenter.ts", "pipeline/models/session.ts"]) {
    assert.ok(local.includes(core), `${core} is in mod.ts's graph`);
  }
  assert.ok(
    (await localModules("io/mod.ts")).includes("io/model_store.ts"),
    "the check above would see an edge module if one were imported",
  );
});
