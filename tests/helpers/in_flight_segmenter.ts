/**
 * The in-flight check of `Segmenter.stream()`, shared by
 * tests/pipeline/segmenter_test.ts (wasm) and segmenter_slow_test.ts
 * (webgpu, views and logits on the GPU).
 *
 * @module
 */

import assert from "node:assert/strict";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import { fromItems } from "../../pipeline/stages/job.ts";
import { fixtureSegmenter } from "./fixture_models.ts";

/**
 * Asserts that `Segmenter.stream()` on `backend` with two images in flight
 * starts the next image before yielding the first and gives one image at a
 * time's results, in order. On webgpu the GPU kernels share the models'
 * device, so views and SAM's logits of several images are on it at once.
 */
export async function checkImagesInFlight(
  backend: "wasm" | "webgpu",
): Promise<void> {
  const scenes = [1005, 1006, 1007].map((seed) => generateScene(seed));
  const jobs = () =>
    fromItems(scenes.map((s, i) => ({
      id: i,
      image: s.image,
      sentences: s.sentences.map((x) => x.text),
      timings: {},
    })));
  const run = async (inFlight: number) => {
    const events: string[] = [];
    const segmenter = await fixtureSegmenter({
      backend,
      // On webgpu the GPU kernels share the models' device: views and
      // SAM's logits of several images are on it at once.
      device: backend === "webgpu" ? "gpu" : "cpu",
      inFlight,
      generator: { pointsPerSide: 4 },
      onProgress: (e) => {
        if (e.kind === "propose") events.push(`propose ${e.id}`);
      },
    });
    const done = [];
    try {
      assert.equal(segmenter.viewsOnDevice, backend === "webgpu");
      for await (const job of segmenter.stream(jobs())) {
        events.push(`yield ${job.id}`);
        done.push(job);
      }
    } finally {
      await segmenter.release();
    }
    return { events, done };
  };
  const one = await run(1);
  const two = await run(2);
  assert.deepEqual(two.done.map((j) => j.id), [0, 1, 2], backend);
  assert.ok(
    two.events.indexOf("propose 1") < two.events.indexOf("yield 0"),
    `${backend}: image 1 started before image 0 was yielded`,
  );
  assert.ok(
    one.events.indexOf("propose 1") > one.events.indexOf("yield 0"),
    `${backend}: one at a time`,
  );
  two.done.forEach((job, i) =>
    assert.deepEqual(job.selections, one.done[i].selections, backend)
  );
}
