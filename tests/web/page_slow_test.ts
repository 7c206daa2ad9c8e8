/**
 * The web page in headless Chromium, against a fake API (errors, exact
 * drawing) and against the real server on the demo models (the drawn mask
 * is the API's).
 *
 * @module
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import { encodeMaskPng, encodePng } from "../../pipeline/image/png_encode.ts";
import { maskToCompressedRle } from "../../pipeline/datasets/coco_rle.ts";
import { findChromium, launchChromium } from "../helpers/cdp.ts";
import { withTemp } from "../helpers/temp.ts";
import { createSegmenter } from "../../pipeline/segmenter.ts";
import { memorySource } from "../../pipeline/models/source.ts";
import {
  DEMO_CLIP,
  DEMO_SAM,
  demoModelFiles,
} from "../../pipeline/demo/models.ts";
import { createHandler, toBase64 } from "../../cli/serve/handler.ts";
import { demoScenes } from "../../cli/serve/demo_scenes.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ARTIFACTS = `${ROOT}out/test-artifacts`;
const CHROMIUM = findChromium();
if (!CHROMIUM) {
  console.log(
    "tests/web/page_slow_test.ts skipped: no Chromium found (install it with apt-get install -y chromium, or set $CHROMIUM)",
  );
}

const scene = generateScene(7, { width: 480, height: 320 });
const target = scene.shapes[scene.sentences[0].target];

/** A valid `segment --json`-shaped report choosing the scene's target. */
async function fakeReport(sentence: string) {
  const { width, height } = scene.image;
  const others = scene.shapes.filter((s) => s !== target).slice(0, 2);
  const candidates = [target, ...others].map((s, i) => ({
    rank: i + 1,
    index: scene.shapes.indexOf(s),
    box: s.box,
    area: s.mask.reduce((a, v) => a + v, 0),
    score: 0.3 - i * 0.05,
  }));
  return {
    image: { path: "upload", width, height },
    models: { sam: "fake-sam", clip: "fake-clip", device: "cpu" },
    settings: { topK: 3, spatial: "extended" },
    proposals: scene.shapes.length,
    sentences: [{
      sentence,
      nounPhrase: sentence,
      head: "shape",
      spatialWords: ["left"],
      spatial: null,
      rule: "best-score",
      truncated: false,
      tokens: 5,
      candidates,
      selected: candidates[0],
      mask: maskToCompressedRle(target.mask, width, height),
      maskPng: toBase64(await encodeMaskPng(target.mask, width, height)),
      overlay: null,
    }],
    timings: { decode: 1.5, sam: 20.1, clip: 8.2, total: 31 },
  };
}

/** Serves web/ and a fake /api/health and /api/segment. */
function fakeServer(): Deno.HttpServer<Deno.NetAddr> {
  let healthCalls = 0;
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/api/health") {
        return Response.json({
          status: healthCalls++ === 0 ? "loading" : "ready",
        });
      }
      if (path === "/api/segment" && req.method === "POST") {
        const form = await req.formData();
        const texts = form.getAll("text");
        if (!(form.get("image") instanceof File) || texts.length === 0) {
          return Response.json({ error: "send an image and a text" }, {
            status: 400,
          });
        }
        if (texts[0] === "fail please") {
          return Response.json({ error: "the fake server refuses this" }, {
            status: 400,
          });
        }
        return Response.json(await fakeReport(String(texts[0])));
      }
      const file = path === "/" ? "index.html" : path.slice(1);
      if (!/^[a-z_]+\.(html|js|css)$/.test(file)) {
        return new Response("", {
          status: 404,
        });
      }
      const type = {
        html: "text/html",
        js: "text/javascript",
        css: "text/css",
      }[
        file.split(".").pop()!
      ]!;
      return new Response(await Deno.readFile(`${ROOT}web/${file}`), {
        headers: { "content-type": `${type}; charset=utf-8` },
      });
    },
  );
}

/** Reads the mask canvas as 0/1 per pixel: 1 where it is tinted. */
const READ_MASK = `(() => {
  const c = document.getElementById("mask");
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  const out = [];
  for (let i = 3; i < d.length; i += 4) out.push(d[i] > 0 ? 1 : 0);
  return { width: c.width, height: c.height, bits: out.join("") };
})()`;

Deno.test({
  name:
    "the page uploads an image and a sentence, draws the answered mask exactly where it is, and shows the API's errors",
  ignore: !CHROMIUM,
  async fn() {
    await using server = fakeServer();
    const browser = await launchChromium(CHROMIUM!);
    try {
      await withTemp(async (dir) => {
        const imagePath = `${dir}/scene.png`;
        await Deno.writeFile(imagePath, await encodePng(scene.image));
        const page = await browser.newPage(900, 820);
        await page.navigate(`http://127.0.0.1:${server.addr.port}/`);
        await page.waitFor(
          `document.getElementById("status").dataset.state === "ready"`,
        );
        await page.setFiles("#image", [imagePath]);
        const sentence = scene.sentences[0].text;

        await page.evaluate(
          `document.getElementById("text").value = "fail please"`,
        );
        await page.evaluate(`document.getElementById("submit").click()`);
        await page.waitFor(`document.body.dataset.busy === "false"`);
        assert.equal(
          await page.evaluate(`document.getElementById("error").textContent`),
          "the fake server refuses this",
        );

        await page.evaluate(
          `document.getElementById("text").value = ${JSON.stringify(sentence)}`,
        );
        await page.evaluate(`document.getElementById("submit").click()`);
        await page.waitFor(
          `document.getElementById("result").dataset.shown === "0"`,
        );
        assert.equal(
          await page.evaluate(`document.getElementById("error").hidden`),
          true,
        );
        const parse = await page.evaluate(
          `document.getElementById("parse").textContent`,
        );
        assert.ok(
          parse.includes(sentence) && parse.includes("best-score"),
          parse,
        );
        const drawn = await page.evaluate(READ_MASK);
        assert.equal(drawn.width, scene.image.width);
        assert.equal(drawn.height, scene.image.height);
        assert.equal(
          drawn.bits,
          target.mask.join(""),
          "tinted pixels differ from the mask",
        );
        assert.ok(
          (await page.evaluate(`document.getElementById("downloadMask").href`))
            .startsWith("data:image/png;base64,"),
        );
        await Deno.mkdir(ARTIFACTS, { recursive: true });
        await Deno.writeFile(`${ARTIFACTS}/page.png`, await page.screenshot());
      });
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name:
    "the page on the real server (the demo models) offers the demo scenes, and draws exactly the mask the API answers for the same image and sentence",
  ignore: !CHROMIUM,
  async fn() {
    await using segmenter = await createSegmenter({
      source: memorySource(demoModelFiles()),
      clip: DEMO_CLIP,
      sam: DEMO_SAM,
      device: "cpu",
      residentModels: true,
    });
    await using server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      createHandler({
        segmenter,
        log: () => {},
        demoScenes: () => demoScenes([7]),
      }),
    );
    const base = `http://127.0.0.1:${server.addr.port}`;
    const browser = await launchChromium(CHROMIUM!);
    try {
      await withTemp(async (dir) => {
        const png = await encodePng(scene.image);
        const imagePath = `${dir}/scene.png`;
        await Deno.writeFile(imagePath, png);
        const sentence = scene.sentences[0].text;
        const page = await browser.newPage(900, 820);
        await page.navigate(`${base}/`);
        await page.waitFor(
          `document.getElementById("status").dataset.state === "ready"`,
        );
        // The demo server's scene strip: a click picks the scene's image
        // and fills in its sentences.
        await page.waitFor(
          `document.querySelectorAll("#scenes button").length === 1`,
        );
        await page.evaluate(`document.querySelector("#scenes button").click()`);
        assert.equal(
          await page.evaluate(`document.getElementById("text").value`),
          scene.sentences.map((s) => s.text).join("\n"),
        );
        assert.equal(
          await page.evaluate(`document.getElementById("image").files[0].name`),
          "scene-7.png",
        );
        await page.evaluate(
          `document.getElementById("text").value = ${JSON.stringify(sentence)}`,
        );
        await page.evaluate(`document.getElementById("submit").click()`);
        await page.waitFor(
          `document.getElementById("result").dataset.shown === "0"`,
        );
        const drawn = await page.evaluate(READ_MASK);

        // The same request straight to the API: its mask, as RLE.
        const form = new FormData();
        form.append(
          "image",
          new File([png as Uint8Array<ArrayBuffer>], "scene.png", {
            type: "image/png",
          }),
        );
        form.append("text", sentence);
        const answer = await fetch(`${base}/api/segment`, {
          method: "POST",
          body: form,
        });
        assert.equal(answer.status, 200);
        const report = await answer.json();
        const bits = Uint8Array.from(drawn.bits, (c: string) => Number(c));
        assert.ok(bits.some((v) => v === 1), "nothing was drawn");
        assert.deepEqual(
          maskToCompressedRle(bits, drawn.width, drawn.height),
          report.sentences[0].mask,
        );
        await Deno.mkdir(ARTIFACTS, { recursive: true });
        await Deno.writeFile(
          `${ARTIFACTS}/page-real-server.png`,
          await page.screenshot(),
        );
      });
    } finally {
      await browser.close();
    }
  },
});
