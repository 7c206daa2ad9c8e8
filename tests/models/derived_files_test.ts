import assert from "node:assert/strict";
import { join } from "node:path";
import { derivedFilePath, readFileMeta } from "../../pipeline/models/cache.ts";
import { readDerivedFile } from "../../pipeline/models/source.ts";
import { ModelStore } from "../../pipeline/models/store.ts";
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
    (e) => errors.push((e as Error).message),
  );
  assert.deepEqual([got.from, got.stored, [...got.bytes]], ["derived", false, [
    2,
    1,
  ]]);
  assert.deepEqual(errors, ["No space left on device"]);
});
