/**
 * The whole pipeline on the fixture models: time per image (one sentence)
 * and the cost of each extra sentence of the same image (per-image work is
 * shared). Fixture models are tiny, so this measures oris's own work: SAM
 * pre/post-processing, view kernels, parsing, selection; the real models'
 * costs are in DESIGN.md.
 */
import { generateScene } from "../pipeline/demo/scenes.ts";
import { fixtureSegmenter } from "../tests/helpers/fixture_models.ts";

const scene = generateScene(3, { width: 640, height: 480 });
const sentences = [
  "the red circle on the left",
  "a blue square",
  "the upper green triangle",
  "a white circle next to the red square",
  "the black square at the bottom",
  "the second orange triangle from the right",
];
const many = Array.from({ length: 24 }, (_, i) => sentences[i % 6]);
const SENTENCE_STAGES = ["parse", "text", "score", "select"];

for (const backend of ["wasm", "native"] as const) {
  const segmenter = await fixtureSegmenter({ backend, device: "cpu" });
  // The per-sentence stages' own timings, 1 vs 24 sentences, median of 5.
  const perSentence = async (texts: string[]) => {
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { timings } = await segmenter.segment(scene.image, texts);
      runs.push(SENTENCE_STAGES.reduce((s, k) => s + (timings[k] ?? 0), 0));
    }
    return runs.sort((a, b) => a - b)[2];
  };
  const one = await perSentence(many.slice(0, 1));
  const all = await perSentence(many);
  console.log(
    `${backend}: sentence stages ${one.toFixed(1)} ms for 1 sentence, ${
      all.toFixed(1)
    } ms for 24: ${((all - one) / 23).toFixed(2)} ms per extra sentence`,
  );
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
