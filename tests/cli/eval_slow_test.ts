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
