import assert from "node:assert/strict";
import { join } from "node:path";
import { derivedFilePath, readFileMeta } from "../../io/model_cache.ts";
import { ModelIntegrityError } from "../../pipeline/models/errors.ts";
import { readDerivedFile } from "../../pipeline/models/source.ts";
import { ModelStore } from "../../io/model_store.ts";
import {
  fixtureRepoFiles,
  hubStore,
  startHubServer,
} from "../helpers/hub_server.ts";
import { listDir, withTemp } from "../helpers/temp.ts";

const REPO = "acme/tiny-clip";
const VISION = "onnx/vision_model.onnx";
const KIND = "token-mask-v1";

/** A derivation that counts its calls: the bytes reversed. */
function counter() {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    derive: (bytes: Uint8Array) => {
      calls++;
      return bytes.slice().reverse();
    },
  };
}

Deno.test("derivedFilePath() names a derived file after its original, its kind and the original's hash", () => {
  assert.equal(
    derivedFilePath(VISION, KIND, "0123456789abcdef0123"),
    "onnx/vision_model.token-mask-v1.0123456789abcdef.onnx",
  );
  assert.equal(derivedFilePath("model", "x", "ab"), "model.x.ab");
  assert.throws(() => derivedFilePath(VISION, "../up", "ab"), RangeError);
});

Deno.test("readDerivedFile() derives once, keeps the result next to the original keyed by its SHA-256, and reads it back", async () => {
  await using hub = startHubServer(fixtureRepoFiles(REPO, [VISION]));
  await withTemp(async (cache) => {
    const store = hubStore(hub.endpoint, cache);
    const original = await store.read(REPO, VISION);
    const c = counter();
    const first = await readDerivedFile(store, REPO, VISION, KIND, c.derive);
    assert.deepEqual([first.from, first.stored, c.calls], ["derived", true, 1]);
    assert.deepEqual(first.bytes, original.slice().reverse());
    const sha = (await readFileMeta(cache, REPO, VISION))!.sha256;
    const path = derivedFilePath(VISION, KIND, sha);
    const meta = await readFileMeta(cache, REPO, path);
    assert.deepEqual(meta?.derivedFrom, {
      path: VISION,
      sha256: sha,
      kind: KIND,
    });
    assert.deepEqual(
      await Deno.readFile(join(cache, "acme", "tiny-clip", ...path.split("/"))),
      first.bytes,
    );
    const again = await readDerivedFile(store, REPO, VISION, KIND, c.derive);
    assert.deepEqual([again.from, c.calls], ["kept", 1]);
    assert.deepEqual(again.bytes, first.bytes);
  });
});

Deno.test("readDerivedFile() derives again when the kept file is damaged or its original changed, and drops the stale one", async () => {
  await using hub = startHubServer(fixtureRepoFiles(REPO, [VISION]));
  await withTemp(async (cache) => {
    const store = hubStore(hub.endpoint, cache);
    const c = counter();
    await readDerivedFile(store, REPO, VISION, KIND, c.derive);
    const folder = join(cache, "acme", "tiny-clip", "onnx");
    const [kept] = (await listDir(folder)).filter((f) => f.includes(KIND));
    // Damaged: one byte flipped.
    const bytes = await Deno.readFile(join(folder, kept));
    bytes[0] ^= 0xff;
    await Deno.writeFile(join(folder, kept), bytes);
    const repaired = await readDerivedFile(store, REPO, VISION, KIND, c.derive);
    assert.deepEqual([repaired.from, c.calls], ["derived", 2]);
    // The original changes (a new download): the old derived file goes.
    const vision = join(folder, "vision_model.onnx");
    await Deno.remove(vision);
    hub.setFile(`${REPO}/${VISION}`, new Uint8Array(64).fill(7));
    await store.read(REPO, VISION);
    await readDerivedFile(store, REPO, VISION, KIND, c.derive);
    const derived = (await listDir(folder)).filter((f) => f.includes(KIND));
    assert.equal(derived.length, 1, `${derived}`);
  });
});

Deno.test("readDerivedFile() derives on every read from a --models folder, which it never writes", async () => {
  await withTemp(async (dir) => {
    const file = join(dir, "acme", "tiny-clip", "onnx", "vision_model.onnx");
    await Deno.mkdir(join(dir, "acme", "tiny-clip", "onnx"), {
      recursive: true,
    });
    await Deno.writeFile(file, Uint8Array.from([1, 2, 3]));
    const store = new ModelStore({ localDir: dir });
    assert.equal(store.derived, undefined);
    const c = counter();
    for (let i = 1; i <= 2; i++) {
      const got = await readDerivedFile(store, REPO, VISION, KIND, c.derive);
      assert.deepEqual([got.from, got.stored, c.calls], ["derived", false, i]);
      assert.deepEqual(got.bytes, Uint8Array.from([3, 2, 1]));
    }
    assert.deepEqual(await listDir(join(dir, "acme", "tiny-clip", "onnx")), [
      "vision_model.onnx",
    ]);
  });
});

Deno.test("readDerivedFile() still returns what it derived when keeping it fails, and says why", async () => {
  const source = {
    read: () => Promise.resolve(Uint8Array.from([1, 2])),
    describe: () => "mem",
    derived: {
      read: () => Promise.resolve(undefined),
      write: () => Promise.reject(new Error("No space left on device")),
    },
  };
  const errors: string[] = [];
  const got = await readDerivedFile(
    source,
    REPO,
    VISION,
    KIND,
    (b) => b.slice().reverse(),
    { onKeepError: (e) => errors.push((e as Error).message) },
  );
  assert.deepEqual([got.from, got.stored, [...got.bytes]], ["derived", false, [
    2,
    1,
  ]]);
  assert.deepEqual(errors, ["No space left on device"]);
});

Deno.test("readDerivedFile() returns without keeping what its caller's keep refuses (a result for this run only)", async () => {
  const writes: Uint8Array[] = [];
  const source = {
    read: () => Promise.resolve(Uint8Array.from([1, 2])),
    describe: () => "mem",
    derived: {
      read: () => Promise.resolve(undefined),
      write: (_r: string, _p: string, _k: string, b: Uint8Array) => {
        writes.push(b);
        return Promise.resolve();
      },
    },
  };
  const refused = await readDerivedFile(
    source,
    REPO,
    VISION,
    KIND,
    (b) => b.slice().reverse(),
    { keep: (b) => b[0] !== 2 },
  );
  assert.deepEqual([refused.from, refused.stored, [...refused.bytes]], [
    "derived",
    false,
    [2, 1],
  ]);
  assert.equal(writes.length, 0);
  const kept = await readDerivedFile(source, REPO, VISION, KIND, (b) => b, {
    keep: (b) => b[0] !== 2,
  });
  assert.equal(kept.stored, true);
  assert.equal(writes.length, 1);
});

Deno.test("readDerivedFile() replaces a kept file its caller refuses (made for other settings)", async () => {
  await using hub = startHubServer(fixtureRepoFiles(REPO, [VISION]));
  await withTemp(async (cache) => {
    const store = hubStore(hub.endpoint, cache);
    const c = counter();
    await readDerivedFile(store, REPO, VISION, KIND, c.derive);
    const refused = await readDerivedFile(store, REPO, VISION, KIND, c.derive, {
      accept: () => false,
    });
    assert.deepEqual([refused.from, refused.stored, c.calls], [
      "derived",
      true,
      2,
    ]);
  });
});

Deno.test("ModelStore keeps one derived file per derivation: older versions and an hour-old temporary file go", async () => {
  await using hub = startHubServer(fixtureRepoFiles(REPO, [VISION]));
  await withTemp(async (cache) => {
    const store = hubStore(hub.endpoint, cache);
    await store.read(REPO, VISION);
    const folder = join(cache, "acme", "tiny-clip", "onnx");
    const old = "vision_model.token-mask-v0.0123456789abcdef.onnx";
    const stale =
      "vision_model.token-mask-v1.0123456789abcdef.onnx.1a2b3c4d.tmp";
    const fresh =
      "vision_model.token-mask-v1.fedcba9876543210.onnx.5e6f7a8b.tmp";
    for (const f of [old, stale, fresh]) {
      await Deno.writeFile(join(folder, f), new Uint8Array(8));
    }
    const hoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await Deno.utime(join(folder, stale), hoursAgo, hoursAgo);
    // Another derivation's files are not this one's to remove.
    const other = "vision_model.other-v1.0123456789abcdef.onnx";
    await Deno.writeFile(join(folder, other), new Uint8Array(8));
    await readDerivedFile(
      store,
      REPO,
      VISION,
      KIND,
      (b) => b.slice().reverse(),
    );
    const names = await listDir(folder);
    assert.ok(!names.includes(old) && !names.includes(stale), `${names}`);
    assert.ok(names.includes(fresh) && names.includes(other), `${names}`);
    assert.equal(
      names.filter((n) => n.includes(`.${KIND}.`) && n.endsWith(".onnx"))
        .length,
      1,
    );
  });
});

Deno.test("ModelStore refuses to keep a derived file of an original it has no checked hash for", async () => {
  await withTemp(async (cache) => {
    const store = new ModelStore({ cacheDir: cache, offline: true, env: {} });
    await assert.rejects(
      () => store.derived!.write(REPO, VISION, KIND, new Uint8Array(4)),
      (e: unknown) =>
        e instanceof ModelIntegrityError &&
        /no recorded SHA-256 to key a derived file on/.test(e.message),
    );
  });
});

Deno.test("readDerivedFile() through two stores at once on one cache keeps one whole derived file", async () => {
  await using hub = startHubServer(fixtureRepoFiles(REPO, [VISION]));
  await withTemp(async (cache) => {
    const [a, b] = [
      hubStore(hub.endpoint, cache),
      hubStore(hub.endpoint, cache),
    ];
    await a.read(REPO, VISION);
    const derive = (bytes: Uint8Array) => bytes.slice().reverse();
    const [x, y] = await Promise.all([
      readDerivedFile(a, REPO, VISION, KIND, derive),
      readDerivedFile(b, REPO, VISION, KIND, derive),
    ]);
    assert.deepEqual(x.bytes, y.bytes);
    const c = counter();
    const kept = await readDerivedFile(
      hubStore(hub.endpoint, cache),
      REPO,
      VISION,
      KIND,
      c.derive,
    );
    assert.deepEqual([kept.from, c.calls], ["kept", 0]);
    assert.deepEqual(kept.bytes, x.bytes);
    const names = await listDir(join(cache, "acme", "tiny-clip", "onnx"));
    assert.equal(names.filter((n) => n.includes(KIND)).length, 1, `${names}`);
  });
});

Deno.test("readDerivedFile() still gives the derived bytes when the cache refuses them, and says why they were not kept", async () => {
  await using hub = startHubServer(fixtureRepoFiles(REPO, [VISION]));
  await withTemp(async (cache) => {
    const store = hubStore(hub.endpoint, cache);
    await store.read(REPO, VISION);
    // A folder where the derived file should go: the rename into it fails
    // (as it would on a full or read-only disk), whoever runs the test.
    const sha = (await readFileMeta(cache, REPO, VISION))!.sha256;
    const path = derivedFilePath(VISION, KIND, sha);
    await Deno.mkdir(join(cache, "acme", "tiny-clip", ...path.split("/")));
    const errors: string[] = [];
    const got = await readDerivedFile(
      store,
      REPO,
      VISION,
      KIND,
      (b) => b.slice(0, 3),
      { onKeepError: (e) => errors.push(String(e)) },
    );
    assert.deepEqual([got.from, got.stored, got.bytes.length], [
      "derived",
      false,
      3,
    ]);
    assert.equal(errors.length, 1);
    // No temporary file is left behind.
    const names = await listDir(join(cache, "acme", "tiny-clip", "onnx"));
    assert.ok(!names.some((n) => n.endsWith(".tmp")), `${names}`);
  });
});
