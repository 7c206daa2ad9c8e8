import { MAX_IN_FLIGHT } from "../../pipeline/settings.ts";
import assert from "node:assert/strict";
import { createRgbaImage } from "../../pipeline/image/rgba.ts";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import {
  copyFixtureModels,
  fixtureSegmenter,
} from "../helpers/fixture_models.ts";
import { checkImagesInFlight } from "../helpers/in_flight_segmenter.ts";
import { tinyModel } from "../helpers/tiny_model.ts";
import { ModelStore } from "../../io/model_store.ts";
import { ModelSignatureError } from "../../pipeline/models/session.ts";

// The default pipeline on sixteen scenes and the WebGPU runs are in
// segmenter_slow_test.ts.

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

Deno.test("Segmenter.segment() gives an empty mask and no-proposals for 30000x10 and 10x30000 images", async () => {
  // SAM's 1024-pixel frame holds such an image as one row or column (a
  // third of a pixel, kept at one), where the fixture SAM finds nothing.
  const segmenter = await fixtureSegmenter();
  try {
    for (const [width, height] of [[30000, 10], [10, 30000]]) {
      const image = createRgbaImage(width, height);
      for (let i = 0; i < image.data.length; i += 4) {
        const x = (i / 4) % width, y = Math.floor(i / 4 / width);
        const red = (width > height ? x / width : y / height) < 0.5;
        image.data.set(red ? [230, 10, 10, 255] : [10, 200, 230, 255], i);
      }
      const result = await segmenter.segment(image, ["the red strip"]);
      const r = result.sentences[0];
      assert.equal(result.proposals.length, 0, `${width}x${height}`);
      assert.equal(r.selected, null);
      assert.equal(r.rule, "no-proposals");
      assert.equal(r.mask.length, width * height);
      assert.ok(r.mask.every((v) => v === 0));
    }
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

Deno.test("createSegmenter() refuses a number of images in flight that is not a whole number from 1 to MAX_IN_FLIGHT", async () => {
  for (const inFlight of [0, 2.5, MAX_IN_FLIGHT + 1]) {
    await assert.rejects(
      () => fixtureSegmenter({ inFlight }),
      new RegExp(
        `inFlight must be a whole number from 1 to ${MAX_IN_FLIGHT}, got ${inFlight}\\.`,
      ),
    );
  }
});

Deno.test("createSegmenter() names the model file whose inputs and outputs do not match (residentModels), the first image does by default", async () => {
  const dir = await Deno.makeTempDir({ prefix: "oris-models-" });
  try {
    // A model with other input names where CLIP's vision model should be.
    await copyFixtureModels(dir, {
      "fixture/color-clip/onnx/vision_model.onnx": tinyModel(),
    });
    const source = new ModelStore({ localDir: dir });
    const namesTheFile = (e: unknown) =>
      e instanceof ModelSignatureError &&
      e.message.includes("vision_model.onnx") &&
      e.message.includes('missing input "pixel_values"');
    await assert.rejects(
      () => fixtureSegmenter({ source, residentModels: true }),
      namesTheFile,
    );
    // By default CLIP opens at the first image: the same error comes there.
    const segmenter = await fixtureSegmenter({ source });
    try {
      const { image } = generateScene(1003);
      await assert.rejects(
        () => segmenter.segment(image, ["the red circle"]),
        namesTheFile,
      );
    } finally {
      await segmenter.release();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createSegmenter() names a tokenizer.json that is not JSON without echoing its bytes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "oris-models-" });
  try {
    await copyFixtureModels(dir, {
      "fixture/color-clip/tokenizer.json": new TextEncoder().encode(
        "<html><body>SECRET-SESSION-TOKEN</body></html>",
      ),
    });
    const source = new ModelStore({ localDir: dir });
    await assert.rejects(
      () => fixtureSegmenter({ source, residentModels: true }),
      (e: unknown) => {
        assert.ok(e instanceof SyntaxError, String(e));
        assert.match(e.message, /tokenizer\.json is not valid JSON/);
        assert.match(
          e.message,
          /does not start with a JSON value at character 1/,
        );
        assert.match(e.message, /Fetch the model's files again/);
        assert.ok(!/SECRET|html/.test(e.message), e.message);
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createSegmenter() by default opens SAM only; CLIP opens at the first image, whose results match a segmenter that keeps every model open", async () => {
  const loads: string[] = [];
  const lean = await fixtureSegmenter({
    onProgress: (e) => {
      if (e.kind === "load") loads.push(e.file);
    },
  });
  const resident = await fixtureSegmenter({ residentModels: true });
  try {
    assert.deepEqual(loads, [
      "onnx/vision_encoder.onnx",
      "onnx/prompt_encoder_mask_decoder.onnx",
    ]);
    const sentences = ["the red circle on the left", "the blue square"];
    for (const seed of [1004, 1005]) {
      const { image } = generateScene(seed);
      const a = await lean.segment(image, sentences);
      const b = await resident.segment(image, sentences);
      assert.deepEqual(
        a.sentences.map((s) => [s.selected, s.candidates, s.rule]),
        b.sentences.map((s) => [s.selected, s.candidates, s.rule]),
      );
      assert.equal(a.proposals.length, b.proposals.length);
    }
    // CLIP opened once, at the first image (which also timed the wait).
    assert.deepEqual(loads.slice(2), [
      "onnx/vision_model.onnx",
      "onnx/text_model.onnx",
    ]);
  } finally {
    await lean.release();
    await resident.release();
  }
});

Deno.test("Segmenter.stream() with images in flight starts the next image before yielding the first, and gives the same results in order (wasm)", async () => {
  await checkImagesInFlight("wasm");
});
