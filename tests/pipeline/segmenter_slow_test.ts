import assert from "node:assert/strict";
import { selectWith } from "../../pipeline/eval/ablation.ts";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import type { SegmentedJob } from "../../pipeline/segmenter.ts";
import { fromItems, type ImageJob } from "../../pipeline/stages/job.ts";
import { fixtureSegmenter } from "../helpers/fixture_models.ts";

Deno.test("Segmenter.features() is stream()'s per-image work: scored and selected on its kernels by selectWith, it gives stream()'s scores and choices", async () => {
  const segmenter = await fixtureSegmenter();
  try {
    const jobs = () =>
      fromItems(Array.from({ length: 3 }, (_, i): ImageJob => {
        const scene = generateScene(1000 + i);
        return {
          id: i,
          image: scene.image,
          sentences: scene.sentences.map((s) => s.text),
          timings: {},
        };
      }));
    const streamed: SegmentedJob[] = [];
    for await (const job of segmenter.stream(jobs())) streamed.push(job);
    let n = 0;
    for await (const job of segmenter.features(jobs())) {
      assert.ok(
        !("selections" in job),
        "features() neither scores nor selects",
      );
      const { settings } = segmenter;
      const { selections, scores } = await selectWith(job, {
        spatial: settings.spatial,
        alpha: settings.alpha,
        topK: settings.topK,
        globalView: settings.globalView,
      }, segmenter.kernels);
      assert.deepEqual(scores, streamed[n].scores, `image ${n}`);
      assert.deepEqual(selections, streamed[n].selections, `image ${n}`);
      n++;
    }
    assert.equal(n, 3);
  } finally {
    await segmenter.release();
  }
});
