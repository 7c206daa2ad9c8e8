/**
 * The eval command's longer end-to-end runs on the fixture models (several
 * seconds each): scoring a predictions file, the ablation, and images in
 * flight. `deno task test:all` runs them; the fast set keeps the others.
 */

import assert from "node:assert/strict";
import { withTemp } from "../helpers/temp.ts";
import {
  readLines,
  referArgs,
  run,
  sceneArgs,
  writeScenes,
} from "../helpers/eval_cli.ts";

Deno.test("eval --score reproduces metrics.json from a predictions file, without models", async () => {
  await withTemp(async (dir) => {
    const data = await writeScenes(dir, 3);
    const ran = await run([...sceneArgs(dir, data), "--out", `${dir}/run`]);
    assert.equal(ran.code, 0, ran.stderr);
    const scored = await run([
      "--score",
      `${dir}/run/predictions.jsonl`,
      "--jsonl",
      data,
      "--out",
      `${dir}/scored`,
    ]);
    assert.equal(scored.code, 0, scored.stderr);
    const a = JSON.parse(await Deno.readTextFile(`${dir}/run/metrics.json`));
    const b = JSON.parse(await Deno.readTextFile(`${dir}/scored/metrics.json`));
    for (const k of ["all", "spatial", "nonSpatial"]) {
      assert.deepEqual(b[k], a[k], k);
    }

    // A line about a ref the data does not have is named with its line number.
    await Deno.writeTextFile(
      `${dir}/bad.jsonl`,
      JSON.stringify({
        image_id: 0,
        ref_id: "nope",
        sent_id: 1,
        sentence: "x",
        mask: { size: [1, 1], counts: "01" },
      }) + "\n",
    );
    const bad = await run(["--score", `${dir}/bad.jsonl`, "--jsonl", data]);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /bad\.jsonl, line 1: ref_id nope of image 0 is not in the dataset/,
    );
  });
});

Deno.test("eval --ablate runs every configuration on the same per-image work", async () => {
  await withTemp(async (dir) => {
    const data = await writeScenes(dir, 2);
    const ran = await run([
      ...sceneArgs(dir, data),
      "--out",
      `${dir}/run`,
      "--ablate",
    ]);
    assert.equal(ran.code, 0, ran.stderr);
    const metrics = JSON.parse(
      await Deno.readTextFile(`${dir}/run/metrics.json`),
    );
    const names = metrics.ablation.map((r: { config: string }) => r.config);
    assert.deepEqual(names, [
      "spatial=extended alpha=0.85 top-k=4 global=token-mask",
      "spatial=seed alpha=0.85 top-k=3 global=token-mask",
      "spatial=off alpha=0.85 top-k=3 global=token-mask",
      "spatial=extended alpha=0.75 top-k=4 global=token-mask",
      "spatial=extended alpha=0.95 top-k=4 global=token-mask",
      "spatial=extended alpha=0.85 top-k=4 global=blur",
      // The generator's other prunePoints, on a second per-image pass.
      "spatial=extended alpha=0.85 top-k=4 global=token-mask prune-points=off",
    ]);
    assert.ok(
      "propose (prune-points=off)" in metrics.timings,
      JSON.stringify(metrics.timings),
    );
    assert.deepEqual(metrics.ablation[0].all, metrics.all);
    assert.equal(metrics.settings.globalView, "token-mask");
    const lines = await readLines(`${dir}/run/predictions.jsonl`);
    assert.equal(lines.length, metrics.all.n * names.length);
    assert.match(ran.stdout, /spatial=off alpha=0.85/);
  });
});

Deno.test("eval --in-flight 3 writes the same predictions, in the same order, as one image at a time", async () => {
  await withTemp(async (dir) => {
    const one = await run(referArgs("val", `${dir}/one`));
    assert.equal(one.code, 0, one.stderr);
    const three = await run([
      ...referArgs("val", `${dir}/three`),
      "--in-flight",
      "3",
    ]);
    assert.equal(three.code, 0, three.stderr);
    const lines = (out: string) =>
      Deno.readTextFile(`${dir}/${out}/predictions.jsonl`);
    assert.equal(await lines("three"), await lines("one"));
    const metrics = async (out: string) =>
      JSON.parse(await Deno.readTextFile(`${dir}/${out}/metrics.json`)).all;
    assert.deepEqual(await metrics("three"), await metrics("one"));
    const settings = async (out: string) =>
      JSON.parse(await Deno.readTextFile(`${dir}/${out}/metrics.json`))
        .settings;
    assert.equal((await settings("three")).inFlight, 3);
    assert.equal((await settings("one")).inFlight, 1);
    const bad = await run([
      ...referArgs("val", `${dir}/bad`),
      "--in-flight",
      "0",
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--in-flight must be a whole number from 1 to 16/);
  });
});

Deno.test("eval with lean sessions (--resident-models off), two images in flight and the ablation's second pass, gives the metrics of the default resident run", async () => {
  await withTemp(async (dir) => {
    const data = await writeScenes(dir, 3);
    const args = [...sceneArgs(dir, data), "--ablate", "--in-flight", "2"];
    const resident = await run([...args, "--out", `${dir}/resident`]);
    assert.equal(resident.code, 0, resident.stderr);
    const lean = await run([
      ...args,
      "--resident-models",
      "off",
      "--out",
      `${dir}/lean`,
    ]);
    assert.equal(lean.code, 0, lean.stderr);
    const a = JSON.parse(
      await Deno.readTextFile(`${dir}/resident/metrics.json`),
    );
    const b = JSON.parse(await Deno.readTextFile(`${dir}/lean/metrics.json`));
    assert.deepEqual(b.ablation, a.ablation);
    assert.deepEqual(b.all, a.all);
    assert.ok(a.all.n > 0);
  });
});
