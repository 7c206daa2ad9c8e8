import assert from "node:assert/strict";
import { createSegmenter, memorySource } from "../../mod.ts";
import type { Segmenter, SegmenterProgress } from "../../mod.ts";
import {
  DEMO_CLIP,
  DEMO_SAM,
  demoModelFiles,
} from "../../pipeline/demo/models.ts";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import { fromItems, type ImageJob } from "../../pipeline/stages/job.ts";

const FILES = demoModelFiles();
const SCENE = generateScene(7);
const SENTENCES = SCENE.sentences.map((s) => s.text);

/** A segmenter on the demo models held in memory; progress to `onProgress`. */
function demoSegmenter(
  options: {
    inFlight?: number;
    onProgress?: (event: SegmenterProgress) => void;
  } = {},
): Promise<Segmenter> {
  return createSegmenter({
    source: memorySource(FILES),
    clip: DEMO_CLIP,
    sam: DEMO_SAM,
    device: "cpu",
    generator: { pointsPerSide: 8, pointsPerBatch: 16 },
    ...options,
  });
}

/** Jobs of generated scenes, one per seed. */
function jobs(seeds: readonly number[]): ImageJob[] {
  return seeds.map((seed) => {
    const scene = generateScene(seed);
    return {
      id: seed,
      image: scene.image,
      sentences: scene.sentences.map((s) => s.text),
      timings: {},
    };
  });
}

/** The parts of a result that must not depend on an earlier aborted run. */
function outcome(result: Awaited<ReturnType<Segmenter["segment"]>>) {
  return {
    proposals: result.proposals.map((p) => p.box),
    sentences: result.sentences.map((s) => ({
      rule: s.rule,
      selected: s.selected,
      candidates: s.candidates,
    })),
  };
}

const fresh = await (async () => {
  await using segmenter = await demoSegmenter();
  return outcome(await segmenter.segment(SCENE.image, SENTENCES));
})();

Deno.test("segment() with a signal aborted before the call rejects with its reason and runs no stage", async () => {
  const events: SegmenterProgress[] = [];
  await using segmenter = await demoSegmenter({
    onProgress: (e) => events.push(e),
  });
  events.length = 0;
  const reason = new Error("stopped by the caller");
  await assert.rejects(
    segmenter.segment(SCENE.image, SENTENCES, {
      signal: AbortSignal.abort(reason),
    }),
    (e) => e === reason,
  );
  assert.deepEqual(events, []);
});

Deno.test("segment() aborted without a reason rejects with a DOMException named AbortError", async () => {
  await using segmenter = await demoSegmenter();
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    segmenter.segment(SCENE.image, SENTENCES, { signal: controller.signal }),
    (e) => e instanceof DOMException && e.name === "AbortError",
  );
});

Deno.test("segment() aborted mid-run stops before the filters, and the next call gives a fresh run's result", async () => {
  const controller = new AbortController();
  const steps: string[] = [];
  await using segmenter = await demoSegmenter({
    onProgress: (e) => {
      if (e.kind !== "propose") return;
      steps.push(e.progress.stage);
      // Abort after the first decoder call of the first run.
      if (e.progress.stage === "decode") controller.abort();
    },
  });
  await assert.rejects(
    segmenter.segment(SCENE.image, SENTENCES, { signal: controller.signal }),
    (e) => e instanceof DOMException && e.name === "AbortError",
  );
  // Only the progress of the points pruning skips may follow the abort.
  assert.deepEqual(steps.slice(0, 3), ["encode", "encode", "decode"]);
  assert.ok(steps.length <= 4 && !steps.includes("filter"), String(steps));
  const again = await segmenter.segment(SCENE.image, SENTENCES);
  assert.deepEqual(outcome(again), fresh);
});

Deno.test("stream() with images in flight stops every image on abort and the segmenter streams again", async () => {
  const controller = new AbortController();
  const started = new Set<string | number>();
  const filtered = new Set<string | number>();
  await using segmenter = await demoSegmenter({
    inFlight: 2,
    onProgress: (e) => {
      if (e.kind !== "propose") return;
      started.add(e.id);
      if (e.progress.stage === "filter") filtered.add(e.id);
      if (started.size === 2) controller.abort();
    },
  });
  const seeds = [11, 12, 13, 14];
  const yielded: (string | number)[] = [];
  await assert.rejects(
    async () => {
      for await (
        const job of segmenter.stream(fromItems(jobs(seeds)), {
          signal: controller.signal,
        })
      ) yielded.push(job.id);
    },
    (e) => e instanceof DOMException && e.name === "AbortError",
  );
  assert.deepEqual(yielded, []);
  assert.equal(started.size, 2, "no image starts after the abort");
  assert.equal(filtered.size, 0, "no image in flight reaches the filters");
  const after: (string | number)[] = [];
  for await (const job of segmenter.stream(fromItems(jobs(seeds.slice(2))))) {
    after.push(job.id);
  }
  assert.deepEqual(after, seeds.slice(2));
});

Deno.test("await using releases the segmenter's sessions at the end of the block, after an abort too", async () => {
  let released = 0;
  {
    await using segmenter = await demoSegmenter();
    const release = segmenter.release.bind(segmenter);
    segmenter.release = () => {
      released++;
      return release();
    };
    await assert.rejects(
      segmenter.segment(SCENE.image, SENTENCES, {
        signal: AbortSignal.abort(),
      }),
    );
    assert.equal(released, 0);
  }
  assert.equal(released, 1);
});
