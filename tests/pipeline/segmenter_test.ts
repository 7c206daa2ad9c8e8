import assert from "node:assert/strict";
import { maskIou } from "../../kernels/mask_iou/cpu.ts";
import { testAdapter } from "../helpers/webgpu.ts";
import { createRgbaImage } from "../../pipeline/image/rgba.ts";
import { fromItems, type ImageJob } from "../../pipeline/stages/job.ts";
import { selectFor } from "../../pipeline/stages/select.ts";
import { type SegmentedJob, toResult } from "../../pipeline/segmenter.ts";
import { generateScene, type Scene } from "../../pipeline/demo/scenes.ts";
import {
  copyFixtureModels,
  fixtureSegmenter,
} from "../helpers/fixture_models.ts";
import { tinyModel } from "../helpers/tiny_model.ts";
import { ModelStore } from "../../io/model_store.ts";
import { ModelSignatureError } from "../../pipeline/models/session.ts";

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

Deno.test("Segmenter.segment() reports the noun phrase, spatial words and timings", async () => {
  const segmenter = await fixtureSegmenter();
  try {
    const scene = generateScene(1000);
    const result = await segmenter.segment(scene.image, [
      "the red circle on the left",
    ]);
    const r = result.sentences[0];
    assert.equal(r.nounPhrase, "the red circle");
    assert.equal(r.head, "circle");
    assert.deepEqual(r.spatialWords, ["left"]);
    assert.deepEqual(r.spatial?.directions, ["left"]);
    assert.ok(r.candidates.length <= 4 && r.candidates.length > 0);
    assert.deepEqual(
      r.candidates.map((c) => c.rank),
      r.candidates.map((_, i) => i + 1),
    );
    for (
      const stage of ["propose", "regions", "parse", "text", "score", "select"]
    ) {
      assert.ok(result.timings[stage] >= 0, stage);
    }
  } finally {
    await segmenter.release();
  }
});

Deno.test("Segmenter.segment() gives an empty mask and says so when SAM proposes nothing", async () => {
  // The fixture's predicted IoU never exceeds 0.98.
  const segmenter = await fixtureSegmenter({
    generator: { predIouThresh: 0.99 },
  });
  try {
    const scene = generateScene(1001);
    const result = await segmenter.segment(scene.image, ["the red circle"]);
    assert.equal(result.proposals.length, 0);
    const r = result.sentences[0];
    assert.equal(r.selected, null);
    assert.equal(r.rule, "no-proposals");
    assert.equal(r.mask.length, scene.image.width * scene.image.height);
    assert.ok(r.mask.every((v) => v === 0));
  } finally {
    await segmenter.release();
  }
});

Deno.test("Segmenter.segment() handles odd sentences and tiny images", async () => {
  const segmenter = await fixtureSegmenter();
  try {
    const scene = generateScene(1002);
    const long = "the " + "very ".repeat(90) + "red circle";
    const result = await segmenter.segment(scene.image, [
      "on the left", // no noun
      long, // over 77 tokens
      "le cercle rouge à gauche", // not English
      "红色的圆圈 🔴",
    ]);
    const [noNoun, tooLong, french, chinese] = result.sentences;
    assert.equal(noNoun.head, null);
    assert.equal(noNoun.nounPhrase, "");
    assert.ok(noNoun.selected);
    assert.equal(tooLong.truncated, true);
    assert.ok(tooLong.tokenCount > 77);
    assert.equal(french.truncated, false);
    assert.ok(french.selected && chinese.selected);

    // An image smaller than CLIP's 224 x 224 crop, with one red square.
    const tiny = createRgbaImage(9, 7);
    for (let i = 0; i < 63; i++) {
      const x = i % 9, y = Math.floor(i / 9);
      const red = x >= 2 && x < 6 && y >= 2 && y < 5;
      tiny.data.set(red ? [230, 25, 35, 255] : [128, 128, 128, 255], i * 4);
    }
    const small = await segmenter.segment(tiny, ["the red square"]);
    assert.equal(small.sentences[0].mask.length, 63);
  } finally {
    await segmenter.release();
  }
});

Deno.test("Segmenter.segment() rejects empty sentences with a clear error", async () => {
  const segmenter = await fixtureSegmenter();
  try {
    const image = generateScene(1003).image;
    await assert.rejects(
      () => segmenter.segment(image, []),
      /No sentence given: give at least one sentence\./,
    );
    await assert.rejects(
      () => segmenter.segment(image, ["ok", "  "]),
      /Sentence 2 is empty/,
    );
  } finally {
    await segmenter.release();
  }
});

Deno.test("createSegmenter() refuses a number of images in flight that is not a whole number >= 1", async () => {
  for (const inFlight of [0, 2.5]) {
    await assert.rejects(
      () => fixtureSegmenter({ inFlight }),
      new RegExp(`inFlight must be a whole number >= 1, got ${inFlight}\\.`),
    );
  }
});

Deno.test("createSegmenter() names the model file whose inputs and outputs do not match", async () => {
  const dir = await Deno.makeTempDir({ prefix: "oris-models-" });
  try {
    // A model with other input names where CLIP's vision model should be.
    await copyFixtureModels(dir, {
      "fixture/color-clip/onnx/vision_model.onnx": tinyModel(),
    });
    await assert.rejects(
      () => fixtureSegmenter({ source: new ModelStore({ localDir: dir }) }),
      (e: unknown) =>
        e instanceof ModelSignatureError &&
        e.message.includes("vision_model.onnx") &&
        e.message.includes('missing input "pixel_values"'),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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

Deno.test("Segmenter.stream() with images in flight starts the next image before yielding the first, and gives the same results in order, on webgpu with views and logits on the GPU too", async () => {
  const scenes = [1005, 1006, 1007].map((seed) => generateScene(seed));
  const jobs = () =>
    fromItems(scenes.map((s, i) => ({
      id: i,
      image: s.image,
      sentences: s.sentences.map((x) => x.text),
      timings: {},
    })));
  const backends: ("wasm" | "webgpu")[] = ["wasm"];
  if (await testAdapter("the webgpu half of this test")) {
    backends.push("webgpu");
  }
  for (const backend of backends) {
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
});
