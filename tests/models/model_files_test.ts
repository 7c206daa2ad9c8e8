import assert from "node:assert/strict";
import { join } from "node:path";
import { createSession } from "../../pipeline/models/session.ts";
import { ModelNotFoundError } from "../../pipeline/models/errors.ts";
import { ModelStore } from "../../io/model_store.ts";
import {
  fixtureRepoFiles,
  hubStore,
  startHubServer,
} from "../helpers/hub_server.ts";
import { withTemp } from "../helpers/temp.ts";
import { FIXTURE_MODELS_DIR } from "../helpers/fixture_models.ts";
import { createSegmenter } from "../../pipeline/segmenter.ts";
import {
  memorySource,
  type ModelSource,
  readDerivedFile,
} from "../../pipeline/models/source.ts";
import {
  DEMO_CLIP,
  DEMO_SAM,
  demoModelFiles,
} from "../../pipeline/demo/models.ts";
import { generateScene } from "../../pipeline/demo/scenes.ts";

const REPO = "acme/tiny-clip";
const VISION = "onnx/vision_model.onnx";
const KIND = "token-mask-v1";

Deno.test("ModelStore.file() gives the checked cached file's path, fetching it first, with the bytes read() gives", async () => {
  await using hub = startHubServer(fixtureRepoFiles(REPO, [VISION]));
  await withTemp(async (cache) => {
    const store = hubStore(hub.endpoint, cache);
    const path = await store.file(REPO, VISION);
    assert.equal(
      path,
      join(cache, "acme", "tiny-clip", "onnx", "vision_model.onnx"),
    );
    assert.deepEqual(await Deno.readFile(path), await store.read(REPO, VISION));
  });
});

Deno.test("ModelStore.file() of a --models folder is the folder's own file, and names a missing one", async () => {
  await withTemp(async (dir) => {
    await Deno.mkdir(join(dir, "acme", "tiny-clip", "onnx"), {
      recursive: true,
    });
    const at = join(dir, "acme", "tiny-clip", "onnx", "vision_model.onnx");
    await Deno.writeFile(at, new Uint8Array([1, 2, 3]));
    const store = new ModelStore({ localDir: dir });
    assert.equal(await store.file(REPO, VISION), at);
    await assert.rejects(
      () => store.file(REPO, "onnx/text_model.onnx"),
      (e) =>
        e instanceof ModelNotFoundError && /text_model\.onnx/.test(e.message),
    );
    // A --models folder keeps no derived file, so it has none to give.
    assert.equal(await store.derived?.file?.(REPO, VISION, KIND), undefined);
  });
});

Deno.test("ModelStore's derived files give a kept file's path, and none before it is kept or once its original changed", async () => {
  const files = fixtureRepoFiles(REPO, [VISION]);
  await using hub = startHubServer(files);
  await withTemp(async (cache) => {
    const store = hubStore(hub.endpoint, cache);
    assert.equal(await store.derived!.file!(REPO, VISION, KIND), undefined);
    const { bytes } = await readDerivedFile(
      store,
      REPO,
      VISION,
      KIND,
      (b) => b.slice().reverse(),
    );
    const kept = await store.derived!.file!(REPO, VISION, KIND);
    assert.ok(kept !== undefined);
    assert.deepEqual(await Deno.readFile(kept), bytes);
    // The original changes on disk: the kept file no longer matches it.
    const original = await store.file(REPO, VISION);
    await Deno.writeFile(original, new Uint8Array([9, 9, 9]));
    assert.equal(await store.derived!.file!(REPO, VISION, KIND), undefined);
  });
});

Deno.test("createSession() opens a model from a file path on native, and the other backends refuse a path with what to do", async () => {
  const path = join(
    FIXTURE_MODELS_DIR,
    "fixture",
    "color-clip",
    "onnx",
    "vision_model.onnx",
  );
  const fromFile = await createSession(path, {
    backend: "native",
    label: "vision",
  });
  const fromBytes = await createSession(await Deno.readFile(path), {
    backend: "native",
  });
  try {
    assert.deepEqual(fromFile.inputs, fromBytes.inputs);
    assert.deepEqual(fromFile.outputs, fromBytes.outputs);
  } finally {
    await fromFile.release();
    await fromBytes.release();
  }
  await assert.rejects(
    () => createSession(path, { backend: "wasm", label: "vision" }),
    /vision: the wasm backend takes a model's bytes, not a file path .*read the file first, or use the native backend/,
  );
});

Deno.test("a native segmenter opens the store's files, the token-masked tower from its kept file from the second run on, and segments as from bytes", async () => {
  const files = Object.fromEntries(demoModelFiles());
  await using hub = startHubServer(files);
  await withTemp(async (cache) => {
    const { image } = generateScene(3);
    const sentences = ["the red circle on the left", "the blue square"];
    const run = async (source: ModelSource) => {
      const derive: string[] = [];
      await using segmenter = await createSegmenter({
        source,
        clip: DEMO_CLIP,
        sam: DEMO_SAM,
        backend: "native",
        device: "cpu",
        generator: { pointsPerSide: 8 },
        onProgress: (e) => {
          if (e.kind === "derive") derive.push(e.from);
        },
      });
      const result = await segmenter.segment(image, sentences);
      return {
        derive,
        choices: result.sentences.map((s) => [s.selected, s.candidates]),
      };
    };
    const first = await run(hubStore(hub.endpoint, cache));
    const second = await run(hubStore(hub.endpoint, cache));
    const fromBytes = await run(memorySource(demoModelFiles()));
    assert.deepEqual(first.derive, ["derived"]);
    assert.deepEqual(second.derive, ["kept"]);
    assert.deepEqual(second.choices, first.choices);
    assert.deepEqual(fromBytes.choices, first.choices);
  });
});
