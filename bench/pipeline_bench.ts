/**
 * The whole pipeline on the fixture models: time per image (one sentence)
 * and the cost of each extra sentence of the same image (per-image work is
 * shared). Fixture models are tiny, so this measures oris's own work: SAM
 * pre/post-processing, view kernels, parsing, selection.
 */
import { generateScene } from "../tests/fixtures/scenes.ts";
import { fixtureSegmenter } from "../tests/helpers/fixture_models.ts";

const scene = generateScene(3, { width: 640, height: 480 });
const sentences = [
  "the red circle on the left",
  "a blue square",
  "the upper green triangle",
  "a white circle",
  "the black square at the bottom",
  "the orange triangle",
];

for (const backend of ["wasm", "native"] as const) {
  const segmenter = await fixtureSegmenter({ backend });
  Deno.bench({
    name: `${backend}: one 640x480 image, 1 sentence`,
    group: `pipeline ${backend}`,
    baseline: true,
    n: 8,
    warmup: 1,
    async fn() {
      await segmenter.segment(scene.image, sentences.slice(0, 1));
    },
  });
  Deno.bench({
    name: `${backend}: one 640x480 image, 6 sentences`,
    group: `pipeline ${backend}`,
    n: 8,
    warmup: 1,
    async fn() {
      await segmenter.segment(scene.image, sentences);
    },
  });
}
