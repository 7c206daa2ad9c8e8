import assert from "node:assert/strict";
import { join } from "node:path";
import {
  checkCachedFile,
  metadataPath,
  readFileMeta,
} from "../../io/model_cache.ts";
import {
  ModelIntegrityError,
  ModelNotFoundError,
  ModelOfflineError,
} from "../../pipeline/models/errors.ts";
import {
  modelFiles,
  resolveModelSpec,
} from "../../pipeline/models/registry.ts";
import { ModelStore } from "../../io/model_store.ts";
import {
  fixtureRepoFiles,
  hubStore,
  startHubServer,
} from "../helpers/hub_server.ts";
import { withTemp } from "../helpers/temp.ts";

const REPO = "acme/tiny-clip";
const SPEC = resolveModelSpec(REPO, "clip");
const PATHS = [
  ...modelFiles(SPEC, "fp32").map((f) => f.path),
  "onnx/vision_model_quantized.onnx",
  "onnx/text_model_quantized.onnx",
];
const FILES = fixtureRepoFiles(REPO, PATHS);
const VISION = "onnx/vision_model.onnx";

const noNetwork = () =>
  Promise.reject(new Error("the network must not be used"));

Deno.test("ModelStore.ensure() downloads the files of a variant once, then uses the cache", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (cache) => {
    const store = hubStore(hub.endpoint, cache);
    const first = await store.ensure(SPEC, "fp32");
    assert.deepEqual(
      first.map((f) => [f.path, f.status]),
      modelFiles(SPEC, "fp32").map((f) => [f.path, "downloaded"]),
    );
    for (const file of first) {
      assert.equal(
        file.localPath,
        join(cache, "acme", "tiny-clip", ...file.path.split("/")),
      );
      assert.deepEqual(
        await Deno.readFile(file.localPath),
        FILES[`${REPO}/${file.path}`],
      );
      const meta = await readFileMeta(cache, REPO, file.path);
      assert.equal(meta?.size, file.size);
      assert.equal(meta?.revision, "main");
    }
    const requests = hub.count();
    const second = await store.ensure(SPEC, "fp32");
    assert.ok(second.every((f) => f.status === "cached"));
    assert.equal(hub.count(), requests, "cached files cause no request");
  });
});

Deno.test("ModelStore.read() detects a truncated cached file and fetches it again", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (cache) => {
    const store = hubStore(hub.endpoint, cache);
    await store.read(REPO, VISION);
    const local = store.filePath(REPO, VISION);
    await Deno.truncate(local, 100);
    const before = hub.count();
    const bytes = await store.read(REPO, VISION);
    assert.deepEqual(bytes, FILES[`${REPO}/${VISION}`]);
    assert.ok(hub.count() > before, "the file was fetched again");
    assert.equal(
      (await checkCachedFile(cache, REPO, VISION, { hash: "always" })).state,
      "ok",
    );
  });
});

Deno.test("ModelStore.read() detects a cached file altered in place and fetches it again", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (cache) => {
    const store = hubStore(hub.endpoint, cache);
    const good = await store.read(REPO, VISION);
    const local = store.filePath(REPO, VISION);
    const bad = good.slice();
    bad[10] ^= 1;
    await Deno.writeFile(local, bad);
    await Deno.utime(local, 1_000, 1_000); // a different mtime than recorded
    const before = hub.count();
    assert.deepEqual(await store.read(REPO, VISION), good);
    assert.ok(hub.count() > before);
  });
});

Deno.test("ModelStore.read() leaves the recorded mtime valid, so checkCachedFile() skips hashing", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (cache) => {
    const store = hubStore(hub.endpoint, cache);
    await store.read(REPO, VISION);
    const status = await checkCachedFile(cache, REPO, VISION);
    assert.equal(status.state, "ok");
    assert.equal(
      status.sha256,
      undefined,
      "recorded mtime matches: no hashing",
    );
  });
});

Deno.test("ModelStore offline reads the cache and names the pull command for missing files", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (cache) => {
    await hubStore(hub.endpoint, cache).ensure(SPEC, "fp32");
    const offline = new ModelStore({
      cacheDir: cache,
      offline: true,
      fetch: noNetwork,
      env: {},
    });
    assert.equal(offline.offline, true);
    const files = await offline.ensure(SPEC, "fp32");
    assert.ok(files.every((f) => f.status === "cached"));
    assert.deepEqual(
      await offline.read(REPO, VISION),
      FILES[`${REPO}/${VISION}`],
    );
    await assert.rejects(
      offline.ensure(SPEC, "quantized"),
      (e: unknown) =>
        e instanceof ModelOfflineError && e.missing.length === 2 &&
        e.message.includes("onnx/vision_model_quantized.onnx") &&
        e.message.includes("onnx/text_model_quantized.onnx") &&
        e.message.includes("Fetch the model") &&
        !/deno task|--/.test(e.message) &&
        e.fetch?.repo === "acme/tiny-clip" && e.fetch.kind === "clip" &&
        e.fetch.variant === "quantized",
    );
    await assert.rejects(
      offline.read("Xenova/sam-vit-base", "onnx/vision_encoder_fp16.onnx"),
      (e: unknown) =>
        e instanceof ModelOfflineError &&
        !/deno task|--/.test(e.message) &&
        e.fetch?.repo === "Xenova/sam-vit-base" && e.fetch.variant === "fp16",
    );
  });
});

Deno.test("ModelStore offline refuses a truncated cached file", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (cache) => {
    await hubStore(hub.endpoint, cache).read(REPO, VISION);
    await Deno.truncate(
      join(cache, "acme", "tiny-clip", "onnx", "vision_model.onnx"),
      10,
    );
    const offline = new ModelStore({
      env: { ORIS_CACHE: cache, HF_HUB_OFFLINE: "1" },
      fetch: noNetwork,
    });
    assert.equal(offline.offline, true);
    await assert.rejects(
      offline.read(REPO, VISION),
      (e: unknown) =>
        e instanceof ModelOfflineError &&
        /truncated \(got 10 of \d+ bytes\)/.test(e.message),
    );
  });
});

Deno.test("ModelStore with localDir reads that folder and never the network", async () => {
  await withTemp(async (dir) => {
    const local = join(dir, "acme", "tiny-clip", "onnx");
    await Deno.mkdir(local, { recursive: true });
    await Deno.writeFile(
      join(local, "vision_model.onnx"),
      FILES[`${REPO}/${VISION}`],
    );
    const store = new ModelStore({ localDir: dir, fetch: noNetwork, env: {} });
    assert.equal(store.offline, true);
    assert.deepEqual(
      await store.read(REPO, VISION),
      FILES[`${REPO}/${VISION}`],
    );
    assert.equal(
      store.describe(REPO, VISION),
      join(local, "vision_model.onnx"),
    );
    await assert.rejects(
      store.read(REPO, "onnx/text_model.onnx"),
      (e: unknown) =>
        e instanceof ModelNotFoundError &&
        e.message.includes(join(local, "text_model.onnx")) &&
        e.message.includes("(localDir)") &&
        !/deno task|--/.test(e.message) &&
        e.fetch?.repo === REPO && e.fetch.cacheDir === dir,
    );
    await assert.rejects(store.ensure(SPEC, "fp32"), ModelNotFoundError);
  });
});

Deno.test("ModelStore sends HF_TOKEN and uses HF_ENDPOINT and ORIS_CACHE from the environment", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (cache) => {
    const store = new ModelStore({
      env: { HF_TOKEN: "hf_abc", HF_ENDPOINT: hub.endpoint, ORIS_CACHE: cache },
    });
    assert.equal(store.cacheDir, cache);
    await store.read(REPO, "config.json");
    assert.equal(hub.requests[0].authorization, "Bearer hf_abc");
  });
});

Deno.test("ModelStore.read() shares one download between concurrent reads", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (cache) => {
    const store = hubStore(hub.endpoint, cache);
    const [a, b] = await Promise.all([
      store.read(REPO, VISION),
      store.read(REPO, VISION),
    ]);
    assert.deepEqual(a, b);
    assert.equal(hub.count((r) => r.path.startsWith("/cdn/")), 1);
  });
});

Deno.test("ModelStore with a revision fetches again a file cached at another revision", async () => {
  await using hub = startHubServer(FILES, { revisions: ["main", "v2"] });
  await withTemp(async (cache) => {
    await hubStore(hub.endpoint, cache).read(REPO, "config.json");
    const pinned = hubStore(hub.endpoint, cache, { revision: "v2" });
    await pinned.read(REPO, "config.json");
    assert.equal(hub.count((r) => r.path.includes("/resolve/v2/")), 1);
    assert.equal(
      (await readFileMeta(cache, REPO, "config.json"))?.revision,
      "v2",
    );
  });
});

Deno.test("ModelStore reports download progress from start to done", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (cache) => {
    const events: string[] = [];
    const store = hubStore(hub.endpoint, cache, {
      onProgress: (e: { type: string; received: number; total?: number }) =>
        events.push(`${e.type}:${e.received}/${e.total}`),
    });
    await store.read(REPO, VISION);
    const size = FILES[`${REPO}/${VISION}`].length;
    assert.equal(events[0], `start:0/${size}`);
    assert.equal(events.at(-1), `done:${size}/${size}`);
  });
});

/** Flips one byte of a cached file in place, keeping its size and mtime. */
async function corruptInPlace(cache: string, path: string): Promise<void> {
  const meta = await readFileMeta(cache, REPO, path);
  assert.ok(meta?.mtimeMs !== undefined, "the download recorded an mtime");
  const local = join(cache, ...REPO.split("/"), ...path.split("/"));
  const bytes = await Deno.readFile(local);
  bytes[bytes.length >> 1] ^= 0x01;
  await Deno.writeFile(local, bytes);
  const mtime = new Date(meta.mtimeMs);
  await Deno.utime(local, mtime, mtime);
  assert.equal((await Deno.stat(local)).mtime?.getTime(), meta.mtimeMs);
}

Deno.test("ModelStore.read() fetches again a file corrupted in place with its size and mtime kept", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (cache) => {
    const store = hubStore(hub.endpoint, cache);
    const good = await store.read(REPO, VISION);
    await corruptInPlace(cache, VISION);
    const before = hub.count();
    assert.deepEqual(await store.read(REPO, VISION), good);
    assert.ok(hub.count() > before, "the file was fetched again");
    assert.deepEqual(await Deno.readFile(store.filePath(REPO, VISION)), good);
  });
});

Deno.test("ModelStore.read() offline refuses a file corrupted in place with its size and mtime kept", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (cache) => {
    await hubStore(hub.endpoint, cache).read(REPO, VISION);
    await corruptInPlace(cache, VISION);
    const offline = new ModelStore({
      cacheDir: cache,
      offline: true,
      fetch: noNetwork,
      env: {},
    });
    await assert.rejects(
      offline.read(REPO, VISION),
      (e: unknown) =>
        e instanceof ModelOfflineError && /corrupt \(SHA-256/.test(e.message),
    );
  });
});

Deno.test("ModelStore.ensure() leaves no file, partial file or record when the hub sends wrong bytes", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (cache) => {
    const store = hubStore(hub.endpoint, cache);
    await store.ensure(SPEC, "fp32");
    // The cached copy is damaged, and the hub now serves wrong bytes too.
    await Deno.truncate(store.filePath(REPO, VISION), 100);
    hub.setFault(`${REPO}/${VISION}`, { wrongBytes: true });
    await assert.rejects(store.ensure(SPEC, "fp32"), ModelIntegrityError);
    const local = store.filePath(REPO, VISION);
    for (const path of [local, `${local}.part`, `${local}.lock`]) {
      await assert.rejects(Deno.stat(path), Deno.errors.NotFound, path);
    }
    await assert.rejects(
      Deno.stat(metadataPath(cache, REPO, VISION)),
      Deno.errors.NotFound,
    );
  });
});

Deno.test("two ModelStores sharing a cache download a file once: the second waits for the first", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (cache) => {
    const waits: string[] = [];
    const onLockWait = (w: { path: string; lock: { path: string } }) =>
      waits.push(`${w.path} ${w.lock.path}`);
    const a = hubStore(hub.endpoint, cache, { onLockWait });
    const b = hubStore(hub.endpoint, cache, { onLockWait });
    const [x, y] = await Promise.all([
      a.read(REPO, VISION),
      b.read(REPO, VISION),
    ]);
    assert.deepEqual(x, FILES[`${REPO}/${VISION}`]);
    assert.deepEqual(y, x);
    assert.deepEqual(waits, [`${VISION} ${a.filePath(REPO, VISION)}.lock`]);
    assert.equal(hub.count((r) => r.path.startsWith("/cdn/")), 1);
  });
});
