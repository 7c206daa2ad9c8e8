import assert from "node:assert/strict";
import { createHandler } from "../../cli/serve/handler.ts";
import { runServeCommand } from "../../cli/serve.ts";
import { decodeImage } from "../../io/image_codec.ts";
import { decodeRle, decompressRle } from "../../pipeline/datasets/coco_rle.ts";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import { encodePng } from "../../pipeline/image/png_encode.ts";
import type { Segmenter } from "../../pipeline/segmenter.ts";
import { fixtureSegmenter } from "../helpers/fixture_models.ts";
import { segmentRequest } from "../helpers/serve_api.ts";

/** A fixture segmenter with a small point grid, released after `fn`. */
async function withSegmenter(fn: (s: Segmenter) => Promise<void>) {
  const segmenter = await fixtureSegmenter({
    device: "cpu",
    generator: { pointsPerSide: 4 },
  });
  try {
    await fn(segmenter);
  } finally {
    await segmenter.release();
  }
}

/** Checks one sentence of an answer: its RLE decodes to its PNG's mask, of the image's size. */
async function checkSentenceMask(
  s: {
    mask: { size: [number, number]; counts: string };
    maskPng: string;
  },
  width: number,
  height: number,
) {
  assert.deepEqual(s.mask.size, [height, width]);
  const fromRle = decodeRle(decompressRle(s.mask));
  const png = await decodeImage(
    Uint8Array.from(atob(s.maskPng), (c) => c.charCodeAt(0)),
    "mask.png",
  );
  assert.equal(png.width, width);
  assert.equal(png.height, height);
  const fromPng = new Uint8Array(width * height);
  for (let i = 0; i < fromPng.length; i++) {
    const v = png.data[i * 4];
    assert.ok(v === 0 || v === 255);
    fromPng[i] = v === 255 ? 1 : 0;
  }
  assert.deepEqual(fromRle, fromPng);
  return fromPng.reduce((a, b) => a + b, 0);
}

Deno.test("POST /api/segment answers segment's JSON report, each sentence's mask as COCO RLE that decodes to its PNG", async () => {
  await withSegmenter(async (segmenter) => {
    const handler = createHandler({ segmenter, log: () => {} });
    const scene = generateScene(3);
    const { width, height } = scene.image;
    const texts = scene.sentences.slice(0, 2).map((s) => s.text);
    const response = await handler(segmentRequest({
      image: await encodePng(scene.image),
      imageName: "scene.png",
      texts,
      fields: { spatial: "off", alpha: "0.5" },
    }));
    const body = await response.json();
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.deepEqual(
      Object.keys(body),
      ["image", "models", "settings", "proposals", "sentences", "timings"],
    );
    assert.deepEqual(body.image, { path: "scene.png", width, height });
    assert.equal(body.models.clip, segmenter.models.clip);
    assert.equal(body.settings.alpha, 0.5);
    assert.equal(body.settings.spatial, "off");
    assert.equal(body.sentences.length, 2);
    for (const [i, s] of body.sentences.entries()) {
      assert.equal(s.sentence, texts[i]);
      for (
        const key of ["nounPhrase", "head", "rule", "candidates", "selected"]
      ) assert.ok(key in s, key);
      const area = await checkSentenceMask(s, width, height);
      assert.equal(area > 0, s.selected !== null);
    }
    assert.ok(body.timings.total >= 0);
  });
});

Deno.test("concurrent requests are each answered with their own image's masks", async () => {
  await withSegmenter(async (segmenter) => {
    const handler = createHandler({ segmenter, log: () => {} });
    const scenes = [11, 12, 13].map((seed) =>
      generateScene(seed, { width: 96 + seed, height: 80 })
    );
    const answers = await Promise.all(
      scenes.map(async (scene) =>
        handler(segmentRequest({
          image: await encodePng(scene.image),
          texts: [scene.sentences[0].text],
        }))
      ),
    );
    for (const [i, response] of answers.entries()) {
      const body = await response.json();
      assert.equal(response.status, 200, JSON.stringify(body));
      const { width, height } = scenes[i].image;
      assert.deepEqual(body.image.width, width);
      assert.equal(body.sentences[0].sentence, scenes[i].sentences[0].text);
      await checkSentenceMask(body.sentences[0], width, height);
    }
  });
});

Deno.test("serve --demo listens on a real socket: health turns ready and a segmentation answers over HTTP", async () => {
  const stop = new AbortController();
  const listening = Promise.withResolvers<number>();
  const logs: string[] = [];
  const done = runServeCommand(
    ["--demo", "--port", "0", "--points-per-side", "4", "--device", "cpu"],
    {
      signal: stop.signal,
      stderr: { write: (t: string) => logs.push(t), isTerminal: false },
      onListen: ({ port }) => listening.resolve(port),
    },
  );
  try {
    const port = await listening.promise;
    const base = `http://127.0.0.1:${port}`;
    let status = "loading";
    for (let i = 0; i < 600 && status === "loading"; i++) {
      status = (await (await fetch(`${base}/api/health`)).json()).status;
      if (status === "loading") await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, "ready", logs.join(""));
    const info = await (await fetch(`${base}/api/info`)).json();
    assert.equal(info.models.clip, "fixture/color-clip");
    const scene = generateScene(5, { width: 90, height: 70 });
    const response = await fetch(
      segmentRequest({
        image: await encodePng(scene.image),
        texts: [scene.sentences[0].text],
      }, `${base}/api/segment`),
    );
    const body = await response.json();
    assert.equal(response.status, 200, JSON.stringify(body));
    await checkSentenceMask(body.sentences[0], 90, 70);
    const missing = await fetch(`${base}/api/none`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  } finally {
    stop.abort();
    assert.equal(await done, 0);
  }
  assert.match(logs.join(""), /listening on http:\/\/127\.0\.0\.1:\d+\//);
});

Deno.test("serve refuses --demo with --models, and a bad --port, --queue or --timeout, with exit code 2", async () => {
  for (
    const args of [
      ["--demo", "--models", "x"],
      ["--port", "70000"],
      ["--queue", "0"],
      ["--timeout", "0"],
      ["--alpha", "3"],
    ]
  ) {
    const errors: string[] = [];
    const code = await runServeCommand(args, {
      stderr: { write: (t: string) => errors.push(t), isTerminal: false },
      stdout: () => {},
    });
    assert.equal(code, 2, args.join(" "));
    assert.match(errors.join(""), /^error: --/, args.join(" "));
  }
});
