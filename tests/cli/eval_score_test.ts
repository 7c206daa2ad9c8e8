/**
 * `eval --score` on hostile or partial predictions files: lines for
 * sentences the split does not have, files that cover part of the split,
 * and an --out folder another run holds. No models are loaded.
 */

import assert from "node:assert/strict";
import { lockRun } from "../../cli/eval_output.ts";
import { readJsonlDataset } from "../../io/jsonl_files.ts";
import { maskToCompressedRle } from "../../pipeline/datasets/coco_mask.ts";
import { withTemp } from "../helpers/temp.ts";
import { run, writeScenes } from "../helpers/eval_cli.ts";

/** Prediction lines for every sentence of `data`, each mask its ground truth's first pixel row only. */
async function predictionsFor(data: string) {
  const lines: Record<string, unknown>[] = [];
  for await (const image of readJsonlDataset(data)) {
    const mask = new Uint8Array(image.width * image.height);
    mask.fill(1, 0, image.width);
    for (const ref of image.refs) {
      for (const s of ref.sentences) {
        lines.push({
          image_id: image.id,
          ref_id: ref.refId,
          sent_id: s.sentId,
          sentence: s.sent,
          mask: maskToCompressedRle(mask, image.width, image.height),
        });
      }
    }
  }
  return lines;
}

const jsonl = (lines: Record<string, unknown>[]) =>
  lines.map((l) => JSON.stringify(l)).join("\n") + "\n";

Deno.test("eval --score refuses a line whose sent_id is not a sentence of the split, naming the line", async () => {
  await withTemp(async (dir) => {
    const data = await writeScenes(dir, 2);
    const [first] = await predictionsFor(data);
    const forged = { ...first, sent_id: "forged" };
    await Deno.writeTextFile(`${dir}/p.jsonl`, jsonl([first, forged]));
    const scored = await run(["--score", `${dir}/p.jsonl`, "--jsonl", data]);
    assert.equal(scored.code, 1);
    assert.match(
      scored.stderr,
      /p\.jsonl, line 2: sent_id forged is not a sentence of ref 0-0 of image 0 in the dataset split: score against the split/,
    );
  });
});

Deno.test("eval --score reports the split's coverage in metrics.json and in what it prints", async () => {
  await withTemp(async (dir) => {
    const data = await writeScenes(dir, 2);
    const all = await predictionsFor(data);
    await Deno.writeTextFile(`${dir}/part.jsonl`, jsonl(all.slice(0, 2)));
    const part = await run([
      "--score",
      `${dir}/part.jsonl`,
      "--jsonl",
      data,
      "--out",
      `${dir}/part`,
    ]);
    assert.equal(part.code, 0, part.stderr);
    const metrics = JSON.parse(
      await Deno.readTextFile(`${dir}/part/metrics.json`),
    );
    assert.equal(metrics.all.n, 2);
    assert.deepEqual(metrics.coverage, {
      sentences: all.length,
      scored: 2,
      missing: all.length - 2,
    });
    assert.match(
      part.stderr,
      new RegExp(
        `scored 2 of the split's ${all.length} sentences; ${
          all.length - 2
        } have no prediction in .*part\\.jsonl: the metrics are those of the 2 scored only`,
      ),
    );

    await Deno.writeTextFile(`${dir}/all.jsonl`, jsonl(all));
    const whole = await run(["--score", `${dir}/all.jsonl`, "--jsonl", data]);
    assert.equal(whole.code, 0, whole.stderr);
    assert.match(
      whole.stderr,
      new RegExp(`scored all ${all.length} sentences of the split`),
    );
  });
});

Deno.test("eval --score --out leaves a folder another run holds untouched", async () => {
  await withTemp(async (dir) => {
    const data = await writeScenes(dir, 1);
    await Deno.writeTextFile(
      `${dir}/p.jsonl`,
      jsonl(await predictionsFor(data)),
    );
    const out = `${dir}/run`;
    const lock = await lockRun(out);
    try {
      await Deno.writeTextFile(`${out}/metrics.json`, "the run's own\n");
      const scored = await run([
        "--score",
        `${dir}/p.jsonl`,
        "--jsonl",
        data,
        "--out",
        out,
      ]);
      assert.equal(scored.code, 2);
      assert.match(scored.stderr, /another evaluation .* is writing to/);
      assert.equal(
        await Deno.readTextFile(`${out}/metrics.json`),
        "the run's own\n",
      );
    } finally {
      await lock.release();
    }
  });
});
