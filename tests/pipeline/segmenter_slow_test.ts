/**
 * The segmenter's slow checks: the default pipeline on sixteen generated
 * scenes, and the WebGPU runs (lavapipe in CI).
 */

import assert from "node:assert/strict";
import { maskIou } from "../../kernels/mask_iou/cpu.ts";
import { testAdapter } from "../helpers/webgpu.ts";
import { fromItems, type ImageJob } from "../../pipeline/stages/job.ts";
import { selectFor } from "../../pipeline/stages/select.ts";
import { selectWith } from "../../pipeline/eval/ablation.ts";
import { type SegmentedJob, toResult } from "../../pipeline/segmenter.ts";
import { generateScene, type Scene } from "../../pipeline/demo/scenes.ts";
import { fixtureSegmenter } from "../helpers/fixture_models.ts";
import { checkImagesInFlight } from "../helpers/in_flight_segmenter.ts";

const SCENES = 16;

/** Runs every sentence of SCENES generated scenes through the default pipeline once. */
async function runScenes(): Promise<
  { scene: Scene; job: SegmentedJob<Scene> }[]
> {
  const segmenter = await fixtureSegmenter();
  try {
    const jobs: ImageJob<Scene>[] = Array.from({ length: SCENES }, (_, i) => {
      const scene = generateScene(1000 + i);
      return {
        id: i,
        image: scene.image,
        sentences: scene.sentences.map((s) => s.text),
        meta: scene,
        timings: {},
      };
    });
    const out = [];
    for await (const job of segmenter.stream(fromItems(jobs))) {
      out.push({ scene: job.meta!, job });
    }
    return out;
  } finally {
    await segmenter.release();
  }
}

const runs = await runScenes();

Deno.test("Segmenter.stream() segments the referred shape in generated scenes (IoU >= 0.9) with default settings", () => {
  let withDirection = 0, without = 0;
  for (const { scene, job } of runs) {
    const result = toResult(job);
    result.sentences.forEach((r, e) => {
      const target = scene.sentences[e];
      const { iou } = maskIou(r.mask, scene.shapes[target.target].mask);
      assert.ok(
        iou >= 0.9,
        `scene ${scene.seed}, "${r.sentence}": IoU ${
          iou.toFixed(3)
        } (${r.rule})`,
      );
      if (target.needsDirection) {
        withDirection++;
        assert.match(r.rule, /^extended:/, r.sentence);
      } else without++;
    });
  }
  assert.ok(
    withDirection >= 10 && without >= 20,
    `${withDirection} with, ${without} without`,
  );
});

Deno.test("with the spatial rule off, sentences that need a direction do no better than chance", () => {
  let right = 0, total = 0, chance = 0;
  for (const { scene, job } of runs) {
    const n = job.proposals.length;
    scene.sentences.forEach((s, e) => {
      if (!s.needsDirection) return;
      const candidates = job.proposals.map((p, i) => ({
        box: p.box,
        score: job.scores[e * n + i],
      }));
      const off = selectFor(job.parsed[e], candidates, job.image, {
        spatial: "off",
        topK: 3,
      });
      const twins = scene.shapes.filter((x) =>
        x.colour === scene.shapes[s.target].colour
      ).length;
      chance += 1 / twins;
      total++;
      if (
        maskIou(job.proposals[off.index].mask, scene.shapes[s.target].mask)
          .iou >= 0.9
      ) right++;
    });
  }
  // The spatial rule gets all of them (previous test); without it the choice
  // between same-coloured shapes is a coin toss.
  console.log(
    `spatial off: ${right}/${total} right, chance ${
      (chance / total).toFixed(2)
    }`,
  );
  assert.ok(right / total <= chance / total + 0.2, `${right}/${total}`);
});

Deno.test("the pipeline gives the same result on the WebGPU kernels, with CLIP's views and SAM's logits kept on the GPU for webgpu models, as on the CPU twins", async () => {
  if (!(await testAdapter("this test"))) return;
  const scene = generateScene(1004);
  const texts = scene.sentences.map((s) => s.text);
  const { gpuKernels } = await import("../../kernels/kernels.ts");
  const { gpuContext } = await import("../../kernels/gpu_device.ts");
  // With webgpu models the views and logits must not come to the host.
  const refuse = () => Promise.reject(new Error("went through the host"));
  const deviceOnly = {
    ...gpuKernels(gpuContext),
    cropAndFill: refuse,
    blurOutside: refuse,
    decodeMaskLogits: refuse,
  };
  const run = async (device: "cpu" | "gpu", backend: "wasm" | "webgpu") => {
    const segmenter = await fixtureSegmenter({
      device,
      backend,
      ...(backend === "webgpu" ? { kernels: deviceOnly } : {}),
      generator: { pointsPerSide: 8 },
    });
    try {
      assert.equal(segmenter.device, device);
      assert.equal(segmenter.viewsOnDevice, backend === "webgpu");
      return await segmenter.segment(scene.image, texts);
    } finally {
      await segmenter.release();
    }
  };
  const cpu = await run("cpu", "wasm");
  for (const backend of ["wasm", "webgpu"] as const) {
    const gpu = await run("gpu", backend);
    assert.equal(gpu.proposals.length, cpu.proposals.length, backend);
    gpu.sentences.forEach((r, e) => {
      const c = cpu.sentences[e];
      assert.equal(r.rule, c.rule, `${backend}: ${r.sentence}`);
      assert.ok(maskIou(r.mask, c.mask).iou > 0.999, r.sentence);
      r.candidates.forEach((k, i) =>
        assert.ok(
          Math.abs(k.score - c.candidates[i].score) < 1e-4,
          `${backend}: ${r.sentence}, candidate ${i}`,
        )
      );
    });
  }
});

Deno.test("Segmenter.stream() with images in flight starts the next image before yielding the first, and gives the same results in order, on webgpu with views and logits on the GPU", async () => {
  if (!(await testAdapter("this test"))) return;
  await checkImagesInFlight("webgpu");
});

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
