import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import {
  cachedFilePath,
  checkCachedFile,
  describeFileState,
  listCachedModels,
  metadataPath,
  modelDir,
  removeCachedFile,
  resolveCacheDir,
  sha256File,
  verifyModel,
} from "../../io/model_cache.ts";
import { ModelStore } from "../../io/model_store.ts";
import { fixtureRepoFiles, startHubServer } from "../helpers/hub_server.ts";
import { listDir, withTemp } from "../helpers/temp.ts";

Deno.test("resolveCacheDir() prefers ORIS_CACHE, then XDG_CACHE_HOME, then ~/.cache", () => {
  assert.equal(
    resolveCacheDir({ ORIS_CACHE: "/a", XDG_CACHE_HOME: "/b", HOME: "/h" }),
    "/a",
  );
  assert.equal(
    resolveCacheDir({ XDG_CACHE_HOME: "/b", HOME: "/h" }),
    "/b/oris",
  );
  assert.equal(resolveCacheDir({ HOME: "/h" }), "/h/.cache/oris");
  assert.equal(resolveCacheDir({ ORIS_CACHE: "rel" }), resolve("rel"));
  assert.throws(() => resolveCacheDir({}), /set ORIS_CACHE/);
});

Deno.test("cachedFilePath() lays files out as {cache}/{owner}/{name}/{path}", () => {
  assert.equal(
    cachedFilePath("/c", "Xenova/sam-vit-base", "onnx/vision_encoder.onnx"),
    join("/c", "Xenova", "sam-vit-base", "onnx", "vision_encoder.onnx"),
  );
  assert.equal(modelDir("/c", "a/b"), join("/c", "a", "b"));
  assert.equal(
    metadataPath("/c", "a/b", "onnx/x.onnx"),
    join("/c", "a", "b", ".oris", "onnx", "x.onnx.json"),
  );
});

Deno.test("cachedFilePath() rejects paths that escape the model folder", () => {
  for (
    const bad of ["../x", "onnx/../../x", "/etc/passwd", "a//b", "a\\b", ""]
  ) {
    assert.throws(() => cachedFilePath("/c", "a/b", bad), TypeError, bad);
  }
  assert.throws(() => cachedFilePath("/c", "../b", "x"), /invalid model id/);
});

Deno.test("describeFileState() words a truncated file", () => {
  assert.equal(
    describeFileState({
      state: "size-mismatch",
      localPath: "/x",
      size: 12,
      meta: {
        repo: "a/b",
        path: "x",
        revision: "main",
        size: 300,
        sha256: "",
        downloadedAt: "",
      },
    }),
    "truncated (got 12 of 300 bytes)",
  );
});

Deno.test("listCachedModels() lists models, files, sizes and partial downloads", async () => {
  const files = {
    ...fixtureRepoFiles("acme/one", [
      "config.json",
      "onnx/vision_encoder.onnx",
    ]),
    ...fixtureRepoFiles("acme/two", ["tokenizer.json"]),
  };
  await using hub = startHubServer(files);
  await withTemp(async (cache) => {
    const store = new ModelStore({
      cacheDir: cache,
      endpoint: hub.endpoint,
      env: {},
    });
    await store.read("acme/one", "config.json");
    await store.read("acme/one", "onnx/vision_encoder.onnx");
    await store.read("acme/two", "tokenizer.json");
    await Deno.writeFile(
      join(cache, "acme", "two", "onnx.part"),
      new Uint8Array(5),
    );
    // A download in progress elsewhere holds a lock: not a model file.
    await Deno.writeTextFile(join(cache, "acme", "two", "onnx.lock"), "{}");
    const models = await listCachedModels(cache);
    assert.deepEqual(models.map((m) => m.id), ["acme/one", "acme/two"]);
    const one = models[0];
    assert.deepEqual(one.files.map((f) => f.path), [
      "config.json",
      "onnx/vision_encoder.onnx",
    ]);
    assert.equal(
      one.size,
      files["acme/one/config.json"].length +
        files["acme/one/onnx/vision_encoder.onnx"].length,
    );
    assert.ok(one.files.every((f) => f.meta !== undefined));
    assert.deepEqual(models[1].partial, [{ path: "onnx", size: 5 }]);
    assert.deepEqual(models[1].files.map((f) => f.path), ["tokenizer.json"]);
    assert.deepEqual(await listCachedModels(join(cache, "nowhere")), []);
  });
});

Deno.test("verifyModel() hashes again and deletes a file altered in place", async () => {
  const files = fixtureRepoFiles("acme/one", [
    "config.json",
    "onnx/vision_encoder.onnx",
  ]);
  await using hub = startHubServer(files);
  await withTemp(async (cache) => {
    const store = new ModelStore({
      cacheDir: cache,
      endpoint: hub.endpoint,
      env: {},
    });
    await store.read("acme/one", "config.json");
    const encoder = await store.read("acme/one", "onnx/vision_encoder.onnx");
    const healthy = await verifyModel(cache, "acme/one");
    assert.equal(healthy.ok, true);
    assert.deepEqual(healthy.files.map((f) => f.state), ["ok", "ok"]);

    const local = store.filePath("acme/one", "onnx/vision_encoder.onnx");
    const meta = JSON.parse(
      await Deno.readTextFile(
        metadataPath(cache, "acme/one", "onnx/vision_encoder.onnx"),
      ),
    );
    const bad = encoder.slice();
    bad[0] ^= 0xff;
    await Deno.writeFile(local, bad);
    // Same size, and the recorded mtime restored: only a full hash can tell.
    await Deno.utime(local, meta.mtimeMs / 1000, meta.mtimeMs / 1000);
    assert.equal(
      (await checkCachedFile(cache, "acme/one", "onnx/vision_encoder.onnx"))
        .state,
      "ok",
    );

    const report = await verifyModel(cache, "acme/one", { remove: true });
    assert.equal(report.ok, false);
    const damaged = report.files.find((f) =>
      f.path === "onnx/vision_encoder.onnx"
    )!;
    assert.equal(damaged.state, "hash-mismatch");
    assert.equal(damaged.removed, true);
    await assert.rejects(Deno.stat(local), Deno.errors.NotFound);
    assert.equal(
      (await checkCachedFile(cache, "acme/one", "onnx/vision_encoder.onnx"))
        .state,
      "missing",
    );
  });
});

Deno.test("sha256File() streams a file through SHA-256", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "abc");
    await Deno.writeTextFile(path, "abc");
    assert.equal(
      await sha256File(path),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

Deno.test("removeCachedFile() deletes file, record and partial file, or keeps the partial one on request", async () => {
  await withTemp(async (cache) => {
    const repo = "acme/one";
    const file = cachedFilePath(cache, repo, "onnx/a.onnx");
    const record = metadataPath(cache, repo, "onnx/a.onnx");
    const make = async () => {
      await Deno.mkdir(dirname(record), { recursive: true });
      await Deno.mkdir(dirname(file), { recursive: true });
      for (const path of [file, `${file}.part`, record]) {
        await Deno.writeTextFile(path, "x");
      }
    };
    await make();
    await removeCachedFile(cache, repo, "onnx/a.onnx", { keepPartial: true });
    assert.deepEqual(await listDir(dirname(file)), ["a.onnx.part"]);
    await assert.rejects(Deno.stat(record), Deno.errors.NotFound);
    await make();
    await removeCachedFile(cache, repo, "onnx/a.onnx");
    assert.deepEqual(await listDir(dirname(file)), []);
    await assert.rejects(Deno.stat(record), Deno.errors.NotFound);
    await removeCachedFile(cache, repo, "onnx/a.onnx"); // nothing left: no error
  });
});
