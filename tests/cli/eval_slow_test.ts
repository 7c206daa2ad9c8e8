import assert from "node:assert/strict";
import { withTemp } from "../helpers/temp.ts";
import {
  type Line,
  readLines,
  REPO,
  run,
  sceneArgs,
  writeScenes,
} from "../helpers/eval_cli.ts";

Deno.test("eval --resume after a kill -9 ends with the same metrics as an uninterrupted run", async () => {
  await withTemp(async (dir) => {
    const data = await writeScenes(dir, 6);
    const args = sceneArgs(dir, data);
    const whole = await run([...args, "--out", `${dir}/whole`]);
    assert.equal(whole.code, 0, whole.stderr);

    // Kill a run as soon as its first image is written.
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${REPO}cli.ts`,
        "eval",
        ...args,
        "--out",
        `${dir}/killed`,
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const predictions = `${dir}/killed/predictions.jsonl`;
    for (let t = 0; t < 600; t++) {
      const size = await Deno.stat(predictions).then((s) => s.size, () => 0);
      if (size > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGKILL");
    await child.status;
    // Also cut the last line in half, as a kill during a write would.
    const text = await Deno.readTextFile(predictions);
    const lines = text.split("\n").filter((l) => l);
    assert.ok(
      lines.length > 0 &&
        lines.length <
          (await readLines(`${dir}/whole/predictions.jsonl`)).length,
    );
    await Deno.writeTextFile(
      predictions,
      text.slice(0, text.length - Math.floor(lines.at(-1)!.length / 2)),
    );

    const refused = await run([...args, "--out", `${dir}/killed`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--resume/);

    const other = await run([
      ...args,
      "--out",
      `${dir}/killed`,
      "--resume",
      "--alpha",
      "0.5",
    ]);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /other settings/);

    const resumed = await run([...args, "--out", `${dir}/killed`, "--resume"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const a = JSON.parse(await Deno.readTextFile(`${dir}/whole/metrics.json`));
    const b = JSON.parse(await Deno.readTextFile(`${dir}/killed/metrics.json`));
    for (const k of ["all", "spatial", "nonSpatial"]) {
      assert.deepEqual(b[k], a[k], k);
    }
    const key = (l: Line) => `${l.ref_id}/${l.sent_id}`;
    const sorted = async (p: string) =>
      (await readLines(p)).map((l) =>
        JSON.stringify([key(l), l.i, l.u, l.mask.counts])
      ).sort();
    assert.deepEqual(
      await sorted(predictions),
      await sorted(`${dir}/whole/predictions.jsonl`),
    );
  });
});
/** Runs the shards of the scenes in `dir`, each into `${dir}/s${k}`. */
async function runShards(args: string[], dir: string, count: number) {
  for (let k = 1; k <= count; k++) {
    const r = await run([
      ...args,
      "--shard",
      `${k}/${count}`,
      "--out",
      `${dir}/s${k}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
  }
}

/** metrics.json without its timings (wall-clock times differ run to run). */
async function metricsOf(dir: string) {
  const { timings: _, ...rest } = JSON.parse(
    await Deno.readTextFile(`${dir}/metrics.json`),
  );
  return rest;
}

/** report.md without its times per stage (they differ run to run). */
function withoutTimes(report: string): string {
  return report.replace(/Time per stage[^#]*/, "");
}

/** Copies a shard's folder, changing its run.json with `edit`. */
async function copyShard(
  from: string,
  to: string,
  edit: (run: Record<string, unknown>) => void = () => {},
) {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isFile) {
      await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
    }
  }
  const run = JSON.parse(await Deno.readTextFile(`${to}/run.json`));
  edit(run);
  await Deno.writeTextFile(
    `${to}/run.json`,
    JSON.stringify(run, null, 2) + "\n",
  );
}

Deno.test("eval --shard K/3 run separately, then --merge, gives the metrics.json, predictions.jsonl, run.json, report.md and examples.png of one run; a shard resumes on its own; merge refuses other settings, other data, an unfinished, a missing and a repeated shard", async (t) => {
  await withTemp(async (dir) => {
    const data = await writeScenes(dir, 6);
    const args = sceneArgs(dir, data);
    const whole = await run([...args, "--out", `${dir}/whole`]);
    assert.equal(whole.code, 0, whole.stderr);
    await runShards(args, dir, 3);
    const shards = [`${dir}/s1`, `${dir}/s2`, `${dir}/s3`];

    await t.step(
      "each shard is a run of its own images, recording its shard and the data's fingerprint",
      async () => {
        const all = await readLines(`${dir}/whole/predictions.jsonl`);
        const wholeRun = JSON.parse(
          await Deno.readTextFile(`${dir}/whole/run.json`),
        );
        assert.match(wholeRun.fingerprint, /^sha256:[0-9a-f]{64}$/);
        let lines = 0;
        for (const [k, s] of shards.entries()) {
          const shardRun = JSON.parse(await Deno.readTextFile(`${s}/run.json`));
          assert.equal(shardRun.shard, `${k + 1}/3`);
          assert.equal(shardRun.fingerprint, wholeRun.fingerprint);
          const own = await readLines(`${s}/predictions.jsonl`);
          assert.ok(own.length > 0, `shard ${k + 1} has images`);
          lines += own.length;
        }
        assert.equal(lines, all.length);
      },
    );

    await t.step("the merge equals the unsharded run", async () => {
      // The folders in any order.
      const merged = await run([
        "--merge",
        shards[2],
        shards[0],
        shards[1],
        "--out",
        `${dir}/merged`,
        "--images",
        `${dir}/images`,
      ]);
      assert.equal(merged.code, 0, merged.stderr);
      assert.deepEqual(
        await metricsOf(`${dir}/merged`),
        await metricsOf(`${dir}/whole`),
      );
      assert.equal(
        await Deno.readTextFile(`${dir}/merged/predictions.jsonl`),
        await Deno.readTextFile(`${dir}/whole/predictions.jsonl`),
      );
      assert.equal(
        await Deno.readTextFile(`${dir}/merged/run.json`),
        await Deno.readTextFile(`${dir}/whole/run.json`),
      );
      assert.equal(
        withoutTimes(await Deno.readTextFile(`${dir}/merged/report.md`)),
        withoutTimes(await Deno.readTextFile(`${dir}/whole/report.md`)),
      );
      assert.deepEqual(
        await Deno.readFile(`${dir}/merged/examples.png`),
        await Deno.readFile(`${dir}/whole/examples.png`),
      );
      assert.match(merged.stdout, /oIoU/);
    });

    await t.step(
      "a shard killed part-way is refused by merge, then resumed on its own and merged",
      async () => {
        const cut = `${dir}/s2-cut`;
        await copyShard(shards[1], cut);
        const text = await Deno.readTextFile(`${cut}/predictions.jsonl`);
        const first = text.indexOf("\n") + 1;
        await Deno.writeTextFile(
          `${cut}/predictions.jsonl`,
          text.slice(0, first + 20), // one whole line and part of the next
        );
        await Deno.remove(`${cut}/metrics.json`);
        const early = await run([
          "--merge",
          shards[0],
          cut,
          shards[2],
          "--out",
          `${dir}/m0`,
        ]);
        assert.equal(early.code, 2);
        assert.match(
          early.stderr,
          /shard 2\/3 in .*s2-cut has not finished .*--resume/,
        );
        const resumed = await run([
          ...args,
          "--shard",
          "2/3",
          "--out",
          cut,
          "--resume",
        ]);
        assert.equal(resumed.code, 0, resumed.stderr);
        const merged = await run([
          "--merge",
          shards[0],
          cut,
          shards[2],
          "--out",
          `${dir}/m-resumed`,
        ]);
        assert.equal(merged.code, 0, merged.stderr);
        const a = await metricsOf(`${dir}/whole`);
        const b = await metricsOf(`${dir}/m-resumed`);
        for (const k of ["all", "spatial", "nonSpatial"]) {
          assert.deepEqual(b[k], a[k], k);
        }
        assert.equal(
          await Deno.readTextFile(`${dir}/m-resumed/predictions.jsonl`),
          await Deno.readTextFile(`${dir}/whole/predictions.jsonl`),
        );
      },
    );

    await t.step(
      "merge refuses shards run with other settings, naming the setting",
      async () => {
        await copyShard(shards[1], `${dir}/s2-alpha`, (r) => r.alpha = 0.5);
        const r = await run([
          "--merge",
          shards[0],
          `${dir}/s2-alpha`,
          shards[2],
          "--out",
          `${dir}/m1`,
        ]);
        assert.equal(r.code, 2);
        assert.match(
          r.stderr,
          /other settings .*alpha: 0\.85 vs 0\.5.*same options/,
        );
      },
    );

    await t.step("merge refuses shards of other data", async () => {
      await copyShard(
        shards[1],
        `${dir}/s2-data`,
        (r) => r.fingerprint = "sha256:00",
      );
      const r = await run([
        "--merge",
        shards[0],
        `${dir}/s2-data`,
        shards[2],
        "--out",
        `${dir}/m2`,
      ]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /ran on other data .*fingerprint/);
    });

    await t.step(
      "merge names a missing shard and says how to run it",
      async () => {
        const r = await run([
          "--merge",
          shards[0],
          shards[2],
          "--out",
          `${dir}/m3`,
        ]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /shard 2\/3 is missing: run .*--shard 2\/3/);
        assert.equal(
          await Deno.stat(`${dir}/m3/metrics.json`).then(
            () => true,
            () => false,
          ),
          false,
        );
      },
    );

    await t.step("merge refuses overlapping shards", async () => {
      const r = await run([
        "--merge",
        ...shards,
        shards[1],
        "--out",
        `${dir}/m4`,
      ]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /shard 2\/3 is given twice/);
      assert.match(r.stderr, /more than one shard/);
    });
  });
});

Deno.test("eval --resume refuses a data file of the same name whose masks changed, though its ids and sentences did not", async () => {
  await withTemp(async (dir) => {
    const data = await writeScenes(dir, 1);
    const args = [...sceneArgs(dir, data), "--out", `${dir}/run`];
    const first = await run(args);
    assert.equal(first.code, 0, first.stderr);
    // The same file name, ids and sentences; one ground truth replaced.
    const [line] = (await Deno.readTextFile(data)).split("\n");
    const image = JSON.parse(line);
    image.sentences[0].mask = [[0, 0, 8, 0, 8, 8, 0, 8]];
    await Deno.writeTextFile(data, JSON.stringify(image) + "\n");
    const resumed = await run([...args, "--resume"]);
    assert.equal(resumed.code, 2, resumed.stderr);
    assert.match(
      resumed.stderr,
      /the run in .*run was made on other data \(data fingerprint sha256:[0-9a-f]+, now sha256:[0-9a-f]+\)/,
    );
  });
});

Deno.test("eval skips and counts a corrupt image of a JSONL dataset, naming it, and --strict stops on it", async () => {
  await withTemp(async (dir) => {
    const data = await writeScenes(dir, 2);
    // A PNG cut short: its signature, then nothing.
    const png = await Deno.readFile(`${dir}/images/scene-1.png`);
    await Deno.writeFile(`${dir}/images/scene-1.png`, png.slice(0, 40));
    const lenient = await run([...sceneArgs(dir, data), "--out", `${dir}/a`]);
    assert.equal(lenient.code, 0, lenient.stderr);
    const metrics = JSON.parse(
      await Deno.readTextFile(`${dir}/a/metrics.json`),
    );
    assert.equal(metrics.counts.unreadableImages, 1);
    assert.equal(metrics.counts.imagesThisRun, 1);
    assert.match(metrics.unreadableImages[0], /^scene-1\.png: /);
    assert.match(
      lenient.stderr,
      /warning: 1 image files could not be decoded .*scene-1\.png: .*replace the files and rerun with --resume/,
    );
    const report = await Deno.readTextFile(`${dir}/a/report.md`);
    assert.match(report, /## Unreadable images \(1\)\n\n- scene-1\.png: /);

    const strict = await run([
      ...sceneArgs(dir, data),
      "--out",
      `${dir}/b`,
      "--strict",
    ]);
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /Image file scene-1\.png cannot be read \(/);
  });
});
