import assert from "node:assert/strict";
import {
  annotationToMask,
  decodeRle,
  decompressRle,
} from "../../pipeline/datasets/coco_mask.ts";
import {
  copyFixtureModels,
  FIXTURE_CLIP,
  FIXTURE_SAM,
} from "../helpers/fixture_models.ts";
import { flatGraph } from "../helpers/residual_graphs.ts";
import { withTemp } from "../helpers/temp.ts";
import {
  MODELS,
  readLines,
  REFER,
  referArgs,
  run,
  sceneArgs,
  writeScenes,
} from "../helpers/eval_cli.ts";

/** Metrics by the definitions, computed here from I and U alone. */
function expectedMetrics(pairs: { i: number; u: number }[]) {
  const iou = pairs.map((p) => (p.u > 0 ? p.i / p.u : 0));
  const r = (v: number) => Math.round(v * 10000) / 100;
  const pr = (t: number) => r(iou.filter((v) => v > t).length / iou.length);
  return {
    oIoU: r(
      pairs.reduce((s, p) => s + p.i, 0) / pairs.reduce((s, p) => s + p.u, 0),
    ),
    mIoU: r(iou.reduce((s, v) => s + v, 0) / iou.length),
    "Pr@0.5": pr(0.5),
    "Pr@0.6": pr(0.6),
    "Pr@0.7": pr(0.7),
    "Pr@0.8": pr(0.8),
    "Pr@0.9": pr(0.9),
    n: pairs.length,
  };
}

Deno.test("eval on the REFER fixture: each line's I and U and the metrics match an independent computation", async () => {
  await withTemp(async (out) => {
    const { code, stderr, stdout } = await run(referArgs("train", out));
    assert.equal(code, 0, stderr);
    assert.match(stdout, /oIoU/);
    const instances = JSON.parse(
      await Deno.readTextFile(`${REFER}/refcocog/instances.json`),
    );
    const lines = await readLines(`${out}/predictions.jsonl`);
    assert.ok(lines.length >= 8, `${lines.length} lines`);
    // The ground truth straight from instances.json, via the refs' ann ids.
    const refs = new Map<number, number>(); // ref_id -> ann_id
    const { readPickle } = await import("../../pipeline/datasets/_pickle.ts");
    // Python dicts come back as Maps.
    const pickled = readPickle(
      await Deno.readFile(`${REFER}/refcocog/refs(umd).p`),
    ) as Map<string, number>[];
    for (const ref of pickled) refs.set(ref.get("ref_id")!, ref.get("ann_id")!);
    for (const line of lines) {
      const ann = instances.annotations.find((a: { id: number }) =>
        a.id === refs.get(line.ref_id as number)
      );
      const image = instances.images.find((i: { id: number }) =>
        i.id === ann.image_id
      );
      const truth = annotationToMask(
        ann.segmentation,
        image.width,
        image.height,
      );
      const predicted = decodeRle(decompressRle(line.mask));
      let i = 0, u = 0;
      for (let p = 0; p < truth.length; p++) {
        i += truth[p] && predicted[p] ? 1 : 0;
        u += truth[p] || predicted[p] ? 1 : 0;
      }
      assert.deepEqual(
        [line.i, line.u],
        [i, u],
        `ref ${line.ref_id} sentence ${line.sent_id}`,
      );
    }
    const metrics = JSON.parse(await Deno.readTextFile(`${out}/metrics.json`));
    assert.deepEqual(metrics.all, expectedMetrics(lines));
    const spatialWords =
      /\b(left|right|top|bottom|upper|lower|above|below|front|back)\b/i;
    assert.deepEqual(
      metrics.spatial,
      expectedMetrics(lines.filter((l) => spatialWords.test(l.sentence))),
    );
    assert.deepEqual(
      metrics.nonSpatial,
      expectedMetrics(lines.filter((l) => !spatialWords.test(l.sentence))),
    );
    assert.ok((await Deno.stat(`${out}/report.md`)).size > 0);
    assert.ok((await Deno.stat(`${out}/examples.png`)).size > 0);
  });
});

Deno.test("eval counts and reports a missing image and a ref without annotation; --strict stops", async () => {
  await withTemp(async (out) => {
    const { code, stderr } = await run(referArgs("val", out));
    assert.equal(code, 0, stderr);
    const metrics = JSON.parse(await Deno.readTextFile(`${out}/metrics.json`));
    assert.deepEqual(metrics.missingImages, [
      "COCO_train2014_000000000104.png",
    ]);
    assert.equal(metrics.counts.skippedRefs, 1);
    assert.match(stderr, /ann_id 9999/);
    assert.match(
      await Deno.readTextFile(`${out}/report.md`),
      /Missing images \(1\)/,
    );
  });
  await withTemp(async (out) => {
    const { code, stderr } = await run([...referArgs("val", out), "--strict"]);
    assert.equal(code, 1);
    assert.match(stderr, /9999|000000000104/);
  });
});

Deno.test("eval --ablate of a blur run on a CLIP that cannot be token-masked leaves out the token-mask rows, with a note", async () => {
  await withTemp(async (dir) => {
    const data = await writeScenes(dir, 1);
    await copyFixtureModels(`${dir}/models`, {
      "fixture/color-clip/onnx/vision_model.onnx": flatGraph(512),
    });
    const args = [
      "--jsonl",
      data,
      "--images",
      `${dir}/images`,
      "--models",
      `${dir}/models`,
      "--clip",
      FIXTURE_CLIP,
      "--sam",
      FIXTURE_SAM,
      "--backend",
      "native",
      "--ablate",
    ];
    const refused = await run([...args, "--out", `${dir}/a`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /cannot be token-masked: no residual Add/);
    const ran = await run([
      ...args,
      "--global-view",
      "blur",
      "--out",
      `${dir}/b`,
    ]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(
      ran.stderr,
      /note: .*cannot be token-masked.*The ablation leaves out its token-mask rows/,
    );
    const metrics = JSON.parse(
      await Deno.readTextFile(`${dir}/b/metrics.json`),
    );
    const names: string[] = metrics.ablation.map((r: { config: string }) =>
      r.config
    );
    assert.ok(
      names.length >= 5 &&
        names.every((n) => /global=blur( prune-points=(on|off))?$/.test(n)),
      `${names}`,
    );
  });
});

Deno.test("eval explains bad data: malformed JSONL line, empty data, bad arguments", async () => {
  await withTemp(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/bad.jsonl`,
      '{"file": "a.png", "width": 4}\n',
    );
    const bad = await run([
      "--jsonl",
      `${dir}/bad.jsonl`,
      "--images",
      dir,
      ...MODELS,
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /bad\.jsonl:1 field "height"/);
    await Deno.writeTextFile(`${dir}/empty.jsonl`, "");
    const empty = await run([
      "--jsonl",
      `${dir}/empty.jsonl`,
      "--images",
      dir,
      ...MODELS,
    ]);
    assert.notEqual(empty.code, 0);
    assert.match(empty.stderr, /empty|no images/i);
  });
  const neither = await run(["--images", "x"]);
  assert.equal(neither.code, 2);
  assert.match(neither.stderr, /--refer DIR or --jsonl FILE/);
  const noImages = await run(["--refer", REFER]);
  assert.equal(noImages.code, 2);
  const noFolder = await run([
    "--refer",
    REFER,
    "--images",
    "/nonexistent/oris",
    ...MODELS,
  ]);
  assert.equal(noFolder.code, 2);
  assert.match(noFolder.stderr, /--images \/nonexistent\/oris does not exist/);
  const wrongSplit = await run([
    "--refer",
    REFER,
    "--images",
    REFER,
    "--split",
    "testB",
    ...MODELS,
  ]);
  assert.notEqual(wrongSplit.code, 0);
  assert.match(wrongSplit.stderr, /train|val/);
});

Deno.test("eval fails when no image is found, and when another run holds --out", async () => {
  await withTemp(async (dir) => {
    const data = await writeScenes(dir, 1);
    const empty = await Deno.makeTempDir({ dir });
    const none = await run([
      "--jsonl",
      data,
      "--images",
      empty,
      "--out",
      `${dir}/a`,
      ...MODELS,
    ]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /none of the 1 images were found/);

    // A lock held by a live process of this host refuses a second writer.
    await Deno.mkdir(`${dir}/b`);
    const holder = new Deno.Command("sleep", { args: ["30"] }).spawn();
    try {
      await Deno.writeTextFile(
        `${dir}/b/.lock`,
        JSON.stringify({
          pid: holder.pid,
          hostname: Deno.hostname(),
          createdAt: new Date().toISOString(),
        }),
      );
      const busy = await run([...sceneArgs(dir, data), "--out", `${dir}/b`]);
      assert.equal(busy.code, 2);
      assert.match(
        busy.stderr,
        /another evaluation \(process \d+ on host .+\) is writing to/,
      );
    } finally {
      holder.kill();
      await holder.status;
    }
  });
});

Deno.test("eval records the backend that ran in metrics.json, and a native run resumes under the default backend, auto", async () => {
  await withTemp(async (dir) => {
    const data = await writeScenes(dir, 2);
    const args = [...sceneArgs(dir, data), "--out", `${dir}/run`];
    // sceneArgs ask for native; the resumed run asks for nothing (auto).
    assert.equal((await run([...args, "--limit", "1"])).code, 0);
    const auto = args.filter((a, i) =>
      a !== "--backend" && args[i - 1] !== "--backend"
    );
    assert.equal(auto.length, args.length - 2);
    const resumed = await run([...auto, "--limit", "1", "--resume"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const metrics = JSON.parse(
      await Deno.readTextFile(`${dir}/run/metrics.json`),
    );
    assert.equal(metrics.settings.models.backend, "native");
    assert.equal(
      metrics.settings.models.threads,
      navigator.hardwareConcurrency,
    );
    // The fixture models have no rewritable attention or repeats.
    assert.equal(metrics.settings.models.fastEncoder, false);
    assert.equal(metrics.settings.models.fastDecoder, false);
  });
});

Deno.test("eval --resume counts a line written twice once", async () => {
  await withTemp(async (dir) => {
    const data = await writeScenes(dir, 2);
    const args = [...sceneArgs(dir, data), "--out", `${dir}/run`];
    assert.equal((await run(args)).code, 0);
    const before = JSON.parse(
      await Deno.readTextFile(`${dir}/run/metrics.json`),
    );
    const path = `${dir}/run/predictions.jsonl`;
    const first = (await Deno.readTextFile(path)).split("\n")[0];
    await Deno.writeTextFile(path, first + "\n", { append: true });
    const resumed = await run([...args, "--resume"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const after = JSON.parse(
      await Deno.readTextFile(`${dir}/run/metrics.json`),
    );
    assert.deepEqual(after.all, before.all);
  });
});

Deno.test("eval --shard and --merge explain bad arguments, and --merge a folder that is no shard", async () => {
  const badShard = await run([...referArgs("val", "out/x"), "--shard", "4/3"]);
  assert.equal(badShard.code, 2);
  assert.match(badShard.stderr, /--shard "4\/3" is not a shard: give K\/N/);
  const noOut = await run(["--merge", "a", "b"]);
  assert.equal(noOut.code, 2);
  assert.match(noOut.stderr, /--merge needs --out DIR/);
  const noDirs = await run(["--merge", "--out", "x"]);
  assert.equal(noDirs.code, 2);
  assert.match(noDirs.stderr, /--merge needs the --out folders of the shards/);
  const stray = await run([...referArgs("val", "out/x"), "extra"]);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /unexpected argument "extra"/);
  const help = await run(["--help"]);
  assert.match(help.stdout, /--shard K\/N/);
  assert.match(help.stdout, /--merge DIR/);
  await withTemp(async (dir) => {
    const r = await run(["--merge", dir, "--out", `${dir}/merged`]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /no run\.json: .*On the command line: give the --out folders of "eval --shard K\/N" runs to --merge\./,
    );
    await Deno.writeTextFile(`${dir}/run.json`, '{"data": "x"}');
    const unsharded = await run(["--merge", dir, "--out", `${dir}/merged`]);
    assert.equal(unsharded.code, 2);
    assert.match(
      unsharded.stderr,
      /is not a shard \(its run\.json names no shard\)/,
    );
  });
});

Deno.test("eval refuses an --out whose files are its inputs (--jsonl, --score, a --merge folder), before any work", async () => {
  await withTemp(async (dir) => {
    const data = await writeScenes(dir, 1);
    await Deno.mkdir(`${dir}/run`);
    const inRun = `${dir}/run/predictions.jsonl`;
    await Deno.copyFile(data, inRun);
    const original = await Deno.readTextFile(inRun);
    const resumed = await run([
      ...sceneArgs(dir, inRun),
      "--out",
      `${dir}/./run`,
      "--resume",
    ]);
    assert.equal(resumed.code, 2, resumed.stderr);
    assert.match(
      resumed.stderr,
      /--jsonl and --out \(predictions\.jsonl\) name the same file .*run\/predictions\.jsonl/,
    );
    assert.match(resumed.stderr, /Give --out another path/);
    assert.equal(await Deno.readTextFile(inRun), original);
    await Deno.writeTextFile(`${dir}/run/metrics.json`, "{}\n");
    const scored = await run([
      "--jsonl",
      data,
      "--score",
      `${dir}/run/metrics.json`,
      "--out",
      `${dir}/run`,
    ]);
    assert.equal(scored.code, 2, scored.stderr);
    assert.match(
      scored.stderr,
      /--score and --out \(metrics\.json\) name the same file/,
    );
    const merged = await run(["--merge", `${dir}/run`, "--out", `${dir}/run`]);
    assert.equal(merged.code, 2, merged.stderr);
    assert.match(
      merged.stderr,
      /--merge \(predictions\.jsonl\) and --out \(predictions\.jsonl\) name the same file/,
    );
    assert.equal(await Deno.readTextFile(inRun), original);
  });
});

Deno.test("eval refuses an --out that is a file, naming it, before reading the data", async () => {
  await withTemp(async (dir) => {
    const data = await writeScenes(dir, 1);
    await Deno.writeTextFile(`${dir}/taken`, "a file");
    const r = await run([...sceneArgs(dir, data), "--out", `${dir}/taken`]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--out: .*taken is a file, not a folder/);
    assert.equal(await Deno.readTextFile(`${dir}/taken`), "a file");
  });
});
