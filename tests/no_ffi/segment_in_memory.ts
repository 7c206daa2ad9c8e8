/**
 * Creates a segmenter through mod.ts from model bytes held in memory (the
 * fixture models, generated on the spot) and segments a synthetic scene:
 * the whole method with no file system. tests/mod_no_ffi_test.ts runs this
 * without --allow-ffi and --allow-write. Prints one JSON line.
 *
 * @module
 */

import { createSegmenter, maskIou, type ModelSource } from "../../mod.ts";
import { fixtureFiles } from "../fixtures/generate.ts";
import { generateScene } from "../fixtures/scenes.ts";

const files = new Map(fixtureFiles());
const source: ModelSource = {
  read(repo, path) {
    const bytes = files.get(`${repo}/${path}`);
    if (!bytes) throw new Error(`no ${repo}/${path} in memory`);
    return Promise.resolve(bytes);
  },
  describe: (repo, path) => `memory:${repo}/${path}`,
};
const segmenter = await createSegmenter({
  source,
  clip: "fixture/color-clip",
  sam: "fixture/color-sam",
  device: "cpu",
  generator: { pointsPerSide: 8 },
});
const scene = generateScene(3);
const result = await segmenter.segment(
  scene.image,
  scene.sentences.map((s) => s.text),
);
await segmenter.release();
console.log(JSON.stringify({
  sentences: result.sentences.length,
  allFound: result.sentences.every((r, e) =>
    maskIou(r.mask, scene.shapes[scene.sentences[e].target].mask).iou >= 0.9
  ),
}));
