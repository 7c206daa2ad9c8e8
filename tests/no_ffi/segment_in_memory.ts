/**
 * Creates a segmenter through mod.ts from model bytes held in memory (the
 * fixture models, generated on the spot) and segments a synthetic scene:
 * the whole method with no file system, on the default backend (auto,
 * which falls back to wasm). tests/mod_no_ffi_test.ts runs this without
 * --allow-ffi and --allow-write. Prints one JSON line.
 *
 * @module
 */

import { createSegmenter, memorySource } from "../../mod.ts";
import { maskIou } from "../../kernels/mod.ts";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import { demoModelFiles } from "../../pipeline/demo/models.ts";

const source = memorySource(demoModelFiles());
const fallbacks: string[] = [];
const segmenter = await createSegmenter({
  source,
  clip: "fixture/color-clip",
  sam: "fixture/color-sam",
  device: "cpu",
  generator: { pointsPerSide: 8 },
  onProgress: (e) => {
    if (e.kind === "backend" && e.fallback) fallbacks.push(e.fallback);
  },
});
const scene = generateScene(3);
const result = await segmenter.segment(
  scene.image,
  scene.sentences.map((s) => s.text),
);
await segmenter.release();
console.log(JSON.stringify({
  backend: segmenter.models.backend,
  requestedBackend: segmenter.models.requestedBackend,
  fallbacks,
  sentences: result.sentences.length,
  allFound: result.sentences.every((r, e) =>
    maskIou(r.mask, scene.shapes[scene.sentences[e].target].mask).iou >= 0.9
  ),
}));
