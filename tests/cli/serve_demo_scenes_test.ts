import assert from "node:assert/strict";
import { createHandler } from "../../cli/serve/handler.ts";
import { demoScenes } from "../../cli/serve/demo_scenes.ts";
import { decodeImage } from "../../io/image_codec.ts";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import { heldSegmenter } from "../helpers/serve_api.ts";

const never = () => heldSegmenter(() => new Promise(() => {})).segmenter;

Deno.test("demoScenes() gives each scene's PNG, the scene's own pixels, and its sentences", async () => {
  const [scene] = await demoScenes([7]);
  const expected = generateScene(7, { width: 480, height: 320 });
  assert.equal(scene.seed, 7);
  assert.deepEqual([scene.width, scene.height], [480, 320]);
  assert.deepEqual(scene.sentences, expected.sentences.map((s) => s.text));
  const png = Uint8Array.from(atob(scene.png), (c) => c.charCodeAt(0));
  const decoded = await decodeImage(png, "scene.png");
  assert.deepEqual(decoded.data, expected.image.data);
});

Deno.test("GET /api/demo/scenes answers the demo server's scenes, and 404 on a server without --demo", async () => {
  const demo = createHandler({
    segmenter: never(),
    log: () => {},
    demoScenes: () => demoScenes([3, 5]),
  });
  const ok = await demo(new Request("http://localhost/api/demo/scenes"));
  assert.equal(ok.status, 200);
  const { scenes } = await ok.json();
  assert.deepEqual(scenes.map((s: { seed: number }) => s.seed), [3, 5]);
  assert.ok(scenes.every((s: { sentences: string[] }) => s.sentences.length));

  const plain = createHandler({ segmenter: never(), log: () => {} });
  const missing = await plain(new Request("http://localhost/api/demo/scenes"));
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).error, /without --demo/);
});
