import assert from "node:assert/strict";
import { maskIou } from "../../kernels/mask_iou/cpu.ts";
import {
  numberedPath,
  runSegmentCommand,
  SEGMENT_USAGE,
} from "../../cli/segment.ts";
import { decodeImage } from "../../io/image_codec.ts";
import { encodePng } from "../../pipeline/image/png_encode.ts";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import {
  copyFixtureModels,
  FIXTURE_CLIP,
  FIXTURE_MODEL_OPTIONS,
  FIXTURE_SAM,
} from "../helpers/fixture_models.ts";
import { flatGraph } from "../helpers/residual_graphs.ts";
import { runCaptured } from "../helpers/cli.ts";
import { withTemp } from "../helpers/temp.ts";

const MODELS = FIXTURE_MODEL_OPTIONS;

/** Runs the command, capturing its output. */
const run = (args: string[]) => runCaptured(runSegmentCommand, args);

async function withScene(
  fn: (dir: string, scene: ReturnType<typeof generateScene>) => Promise<void>,
) {
  await withTemp(async (dir) => {
    const scene = generateScene(2024);
    await Deno.writeFile(`${dir}/scene.png`, await encodePng(scene.image));
    await fn(dir, scene);
  }, "oris-segment-");
}

Deno.test("segment writes a mask PNG of the image's size, 255 inside the referred shape", async () => {
  await withScene(async (dir, scene) => {
    const s = scene.sentences[0];
    const { code, stdout, stderr } = await run([
      "--image",
      `${dir}/scene.png`,
      "--text",
      s.text,
      "--out",
      `${dir}/mask.png`,
      ...MODELS,
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /-> .*mask\.png/);
    const mask = await decodeImage(
      await Deno.readFile(`${dir}/mask.png`),
      "mask.png",
    );
    assert.equal(mask.width, scene.image.width);
    assert.equal(mask.height, scene.image.height);
    const values = new Uint8Array(mask.width * mask.height);
    for (let i = 0; i < values.length; i++) {
      const v = mask.data[i * 4];
      assert.ok(v === 0 || v === 255, `pixel ${i} is ${v}`);
      values[i] = v;
    }
    assert.ok(maskIou(values, scene.shapes[s.target].mask).iou >= 0.9);
  });
});

Deno.test("segment numbers the files of several sentences and lists them in the JSON", async () => {
  await withScene(async (dir, scene) => {
    const texts = scene.sentences.slice(0, 2).map((s) => s.text);
    const { code, stdout, stderr } = await run([
      "--image",
      `${dir}/scene.png`,
      "--text",
      texts[0],
      "--text",
      texts[1],
      "--out",
      `${dir}/m.png`,
      "--overlay",
      `${dir}/o.png`,
      "--json",
      "-",
      ...MODELS,
    ]);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout);
    assert.deepEqual(report.sentences.map((s: { mask: string }) => s.mask), [
      `${dir}/m-1.png`,
      `${dir}/m-2.png`,
    ]);
    assert.deepEqual(
      report.sentences.map((s: { overlay: string }) => s.overlay),
      [`${dir}/o-1.png`, `${dir}/o-2.png`],
    );
    for (
      const f of [
        `${dir}/m-1.png`,
        `${dir}/m-2.png`,
        `${dir}/o-1.png`,
        `${dir}/o-2.png`,
      ]
    ) {
      assert.ok((await Deno.stat(f)).size > 0, f);
    }
    const first = report.sentences[0];
    assert.equal(first.sentence, texts[0]);
    assert.ok(first.candidates.length >= 1 && first.candidates.length <= 4);
    assert.equal(first.selected.box.length, 4);
    assert.ok(
      typeof first.rule === "string" && typeof first.nounPhrase === "string",
    );
    assert.deepEqual(report.models, {
      clip: FIXTURE_CLIP,
      sam: FIXTURE_SAM,
      variant: "fp32",
      // The default, auto, runs native here, where --allow-ffi is granted.
      backend: "native",
      requestedBackend: "auto",
      threads: navigator.hardwareConcurrency,
      device: "cpu", // auto: lavapipe is a software adapter
      viewsOnDevice: false, // native sessions take host tensors
      // The fixture decoder repeats nothing per prompt: it runs as it is.
      fastDecoder: false,
      fastEncoder: false,
    });
    assert.equal(report.settings.spatial, "extended");
    assert.equal(report.settings.topK, 4);
    assert.equal(report.settings.maskNmsThresh, 1); // off by default
    assert.equal(report.settings.globalView, "token-mask");
    assert.equal(report.settings.viewResize, "antialias");
    for (
      const k of [
        "decode",
        "load",
        "propose",
        "regions",
        "parse",
        "text",
        "score",
        "select",
        "total",
      ]
    ) {
      assert.equal(typeof report.timings[k], "number", k);
    }
    const overlay = await decodeImage(
      await Deno.readFile(`${dir}/o-1.png`),
      "o-1.png",
    );
    assert.equal(overlay.width, scene.image.width);
  });
});

Deno.test("segment --help lists every option with its default", async () => {
  const { code, stdout } = await run(["--help"]);
  assert.equal(code, 0);
  for (
    const option of [
      "--image",
      "--text",
      "--out",
      "--overlay",
      "--json",
      "--models",
      "--clip",
      "--sam",
      "--backend",
      "--spatial",
      "--top-k",
      "--alpha",
      "--beta",
      "--variant",
      "--offline",
      "--points-per-side",
      "--points-per-batch",
      "--mask-nms",
      "--global-view",
      "--view-resize",
      "--threads",
    ]
  ) assert.ok(stdout.includes(option), option);
  for (
    const d of [
      "default 0.85",
      "default 0.5",
      "default 4 for extended, 3 for seed",
      "default extended",
      "default auto",
      "default token-mask",
    ]
  ) {
    assert.ok(SEGMENT_USAGE.includes(d), d);
  }
});

Deno.test("segment explains bad arguments and exits with 2", async () => {
  for (
    const [args, message] of [
      [["--text", "a dog"], /--image is required/],
      [["--image", "x.png"], /--text is required/],
      [
        ["--image", "x.png", "--text", "a", "--alpha", "2"],
        /--alpha must be a number from 0 to 1/,
      ],
      [
        ["--image", "x.png", "--text", "a", "--spatial", "maybe"],
        /--spatial must be one of extended, seed, off/,
      ],
      [
        ["--image", "x.png", "--text", "a", "--global-view", "crop"],
        /--global-view must be one of token-mask, blur/,
      ],
      [
        ["--image", "x.png", "--text", "a", "--view-resize", "nearest"],
        /--view-resize must be one of antialias, bilinear/,
      ],
      [
        ["--image", "x.png", "--text", "a", "--backend", "tpu"],
        /Unknown backend "tpu"/,
      ],
      [
        ["--image", "x.png", "--text", "a", "--top-k", "1.5"],
        /--top-k must be a whole number/,
      ],
      [
        ["--image", "x.png", "--text", "a", "--mask-nms", "1.2"],
        /--mask-nms must be a number from 0 to 1, not "1.2"/,
      ],
      [["--image", "x.png", "--text", "a", "--frobnicate"], /frobnicate/],
      [["--image", "x.png", "--text", "  "], /--text: Sentence 1 is empty/],
    ] as const
  ) {
    const { code, stderr } = await run([...args]);
    assert.equal(code, 2, args.join(" "));
    assert.match(stderr, message);
  }
});

Deno.test("segment says when CLIP cannot be token-masked, and --global-view blur runs it", async () => {
  await withTemp(async (dir) => {
    const models = `${dir}/models`;
    await copyFixtureModels(models, {
      "fixture/color-clip/onnx/vision_model.onnx": flatGraph(512),
    });
    const scene = generateScene(3);
    await Deno.writeFile(`${dir}/scene.png`, await encodePng(scene.image));
    const args = [
      "--image",
      `${dir}/scene.png`,
      "--text",
      scene.sentences[0].text,
      "--out",
      `${dir}/mask.png`,
      "--models",
      models,
      "--clip",
      FIXTURE_CLIP,
      "--sam",
      FIXTURE_SAM,
    ];
    const refused = await run(args);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /vision_model\.onnx cannot be token-masked: no residual Add .*\(globalView "blur"\)\. On the command line: --global-view blur\./,
    );
    const blurred = await run([...args, "--global-view", "blur"]);
    assert.equal(blurred.code, 0, blurred.stderr);
    assert.ok((await Deno.stat(`${dir}/mask.png`)).size > 0);
  });
});

Deno.test("segment names a missing or corrupt image and exits with 1", async () => {
  await withScene(async (dir) => {
    const missing = await run([
      "--image",
      `${dir}/nope.png`,
      "--text",
      "a dog",
      ...MODELS,
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.png/);
    await Deno.writeFile(
      `${dir}/bad.png`,
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]),
    );
    const corrupt = await run([
      "--image",
      `${dir}/bad.png`,
      "--text",
      "a dog",
      ...MODELS,
    ]);
    assert.equal(corrupt.code, 1);
    assert.match(corrupt.stderr, /bad\.png/);
  });
});

Deno.test("numberedPath() numbers files only when there are several", () => {
  assert.equal(numberedPath("out/mask.png", 0, 1), "out/mask.png");
  assert.equal(numberedPath("out/mask.png", 1, 3), "out/mask-2.png");
  assert.equal(numberedPath("out.d/mask", 0, 2), "out.d/mask-1");
});

Deno.test("segment stopped by its signal (Ctrl-C) prints one line, writes nothing and exits 130", async () => {
  await withScene(async (dir, scene) => {
    const stdout: string[] = [];
    let stderr = "";
    const controller = new AbortController();
    controller.abort(new DOMException("Interrupted (Ctrl-C)", "AbortError"));
    const code = await runSegmentCommand([
      "--image",
      `${dir}/scene.png`,
      "--text",
      scene.sentences[0].text,
      "--out",
      `${dir}/mask.png`,
      ...MODELS,
    ], {
      stdout: (t) => stdout.push(t),
      stderr: { write: (t) => void (stderr += t), isTerminal: false },
      env: {},
      signal: controller.signal,
    });
    assert.equal(code, 130);
    assert.equal(stderr, "interrupted: stopped before writing any result\n");
    assert.deepEqual(stdout, []);
    await assert.rejects(Deno.stat(`${dir}/mask.png`), Deno.errors.NotFound);
  });
});

/** Options that would fail at loading models: a refusal before them shows no work was done. */
const NO_MODELS = ["--models", "/nonexistent/oris-models"];

Deno.test("segment refuses an output that is the input image, however its path is spelled, before any work", async () => {
  await withScene(async (dir) => {
    const original = await Deno.readFile(`${dir}/scene.png`);
    await Deno.symlink(`${dir}/scene.png`, `${dir}/link.png`);
    const cases = [
      ["--out", `${dir}/./scene.png`],
      ["--overlay", `${dir}/sub/../scene.png`],
      ["--json", `${dir}/link.png`],
    ];
    for (const [flag, path] of cases) {
      const { code, stderr } = await run([
        "--image",
        `${dir}/scene.png`,
        "--text",
        "the red circle",
        flag,
        path,
        ...NO_MODELS,
      ]);
      assert.equal(code, 2, stderr);
      assert.match(
        stderr,
        new RegExp(`--image and ${flag} name the same file`),
      );
      assert.match(stderr, /scene\.png/);
      assert.match(stderr, new RegExp(`Give ${flag} another path`));
    }
    assert.deepEqual(await Deno.readFile(`${dir}/scene.png`), original);
  });
});

Deno.test("segment refuses outputs that name the same file, numbered files of several sentences included", async () => {
  await withScene(async (dir) => {
    const original = await Deno.readFile(`${dir}/scene.png`);
    const same = await run([
      "--image",
      `${dir}/scene.png`,
      "--text",
      "the red circle",
      "--out",
      `${dir}/x.png`,
      "--overlay",
      `${dir}/x.png`,
      ...NO_MODELS,
    ]);
    assert.equal(same.code, 2, same.stderr);
    assert.match(same.stderr, /--out and --overlay name the same file/);
    assert.match(same.stderr, /one would overwrite the other/);
    await Deno.rename(`${dir}/scene.png`, `${dir}/m-2.png`);
    const numbered = await run([
      "--image",
      `${dir}/m-2.png`,
      "--text",
      "the red circle",
      "--text",
      "the blue square",
      "--out",
      `${dir}/m.png`,
      ...NO_MODELS,
    ]);
    assert.equal(numbered.code, 2, numbered.stderr);
    assert.match(
      numbered.stderr,
      /--image and --out \(mask of sentence 2\) name the same file/,
    );
    assert.deepEqual(await Deno.readFile(`${dir}/m-2.png`), original);
  });
});

Deno.test("segment creates missing output folders, so --json into a new folder is written with the masks", async () => {
  await withScene(async (dir, scene) => {
    const { code, stderr } = await run([
      "--image",
      `${dir}/scene.png`,
      "--text",
      scene.sentences[0].text,
      "--out",
      `${dir}/masks/mask.png`,
      "--json",
      `${dir}/reports/new/report.json`,
      ...MODELS,
    ]);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(
      await Deno.readTextFile(`${dir}/reports/new/report.json`),
    );
    assert.equal(report.sentences[0].mask, `${dir}/masks/mask.png`);
    assert.ok((await Deno.stat(`${dir}/masks/mask.png`)).isFile);
  });
});

Deno.test("segment refuses an output folder it cannot make, or an output that is a folder, before loading models", async () => {
  await withScene(async (dir) => {
    await Deno.writeTextFile(`${dir}/file`, "not a folder");
    const underFile = await run([
      "--image",
      `${dir}/scene.png`,
      "--text",
      "the red circle",
      "--json",
      `${dir}/file/report.json`,
      ...NO_MODELS,
    ]);
    assert.equal(underFile.code, 2, underFile.stderr);
    assert.match(underFile.stderr, /--json: .*file is a file, not a folder/);
    await Deno.mkdir(`${dir}/masks`);
    const folder = await run([
      "--image",
      `${dir}/scene.png`,
      "--text",
      "the red circle",
      "--out",
      `${dir}/masks`,
      ...NO_MODELS,
    ]);
    assert.equal(folder.code, 2, folder.stderr);
    assert.match(
      folder.stderr,
      /--out .*masks is a folder: give the path of a file/,
    );
  });
});
