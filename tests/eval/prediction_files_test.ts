import assert from "node:assert/strict";
import { join } from "node:path";
import {
  openPredictions,
  PredictionsExistError,
  writeFileAtomic,
} from "../../io/prediction_files.ts";
import {
  formatPredictionLines,
  PredictionFormatError,
  predictionKey,
  type PredictionLine,
} from "../../pipeline/eval/predictions.ts";
import { listDir, withTemp } from "../helpers/temp.ts";

function line(sentId: number, i = 1, u = 2, config?: string): PredictionLine {
  return {
    image_id: 7,
    ref_id: 3,
    sent_id: sentId,
    sentence: `sentence ${sentId}`,
    mask: { size: [2, 2], counts: "04" },
    iou: u > 0 ? i / u : 0,
    i,
    u,
    box: null,
    rule: "best-score",
    score: null,
    spatial: sentId % 2 === 0,
    ...(config !== undefined ? { config } : {}),
  };
}

Deno.test("openPredictions() starts a new file, creating its folder, and appends lines", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "run", "predictions.jsonl");
    const file = await openPredictions(path, false);
    try {
      assert.deepEqual(file.previous, []);
      await file.append([line(1), line(2)]);
      await file.append([]);
      await file.append([line(3)]);
    } finally {
      file.close();
    }
    assert.equal(
      await Deno.readTextFile(path),
      formatPredictionLines([line(1), line(2), line(3)]),
    );
  });
});

Deno.test("openPredictions() refuses a file that holds predictions unless resuming", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "predictions.jsonl");
    const text = formatPredictionLines([line(1)]);
    await Deno.writeTextFile(path, text);
    await assert.rejects(
      () => openPredictions(path, false),
      (e: unknown) =>
        e instanceof PredictionsExistError &&
        e.name === "PredictionsExistError" &&
        e.message.includes(path) && e.message.includes("the resume option") &&
        !e.message.includes("--"),
    );
    assert.equal(await Deno.readTextFile(path), text, "file untouched");
  });
});

Deno.test("openPredictions() starts over on an empty file", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "predictions.jsonl");
    await Deno.writeTextFile(path, "");
    const file = await openPredictions(path, false);
    file.close();
    assert.deepEqual(file.previous, []);
  });
});

Deno.test("openPredictions() resuming returns the earlier lines and cuts a partial last line", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "predictions.jsonl");
    const whole = formatPredictionLines([line(1, 1, 4), line(2, 0, 3, "c")]);
    await Deno.writeTextFile(path, whole + '{"image_id": 7, "ref_id"');
    const file = await openPredictions(path, true);
    try {
      assert.deepEqual(file.previous, [
        { key: predictionKey(line(1)), i: 1, u: 4, spatial: false },
        {
          key: predictionKey(line(2, 0, 3, "c")),
          i: 0,
          u: 3,
          spatial: true,
          config: "c",
        },
      ]);
      assert.equal(await Deno.readTextFile(path), whole, "partial line cut");
      await file.append([line(3)]);
    } finally {
      file.close();
    }
    assert.equal(
      await Deno.readTextFile(path),
      whole + formatPredictionLines([line(3)]),
    );
  });
});

Deno.test("openPredictions() resuming counts a repeated line once", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "predictions.jsonl");
    await Deno.writeTextFile(
      path,
      formatPredictionLines([
        line(1, 1, 4),
        line(2),
        line(1, 1, 4),
        line(1, 1, 4, "c"),
      ]),
    );
    const file = await openPredictions(path, true);
    file.close();
    assert.deepEqual(file.previous.map((p) => p.key), [
      predictionKey(line(1)),
      predictionKey(line(2)),
      predictionKey(line(1, 1, 4, "c")),
    ]);
  });
});

Deno.test("openPredictions() resuming a missing file starts a new one", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "new", "predictions.jsonl");
    const file = await openPredictions(path, true);
    try {
      assert.deepEqual(file.previous, []);
      await file.append([line(1)]);
    } finally {
      file.close();
    }
    assert.equal(
      await Deno.readTextFile(path),
      formatPredictionLines([line(1)]),
    );
  });
});

Deno.test("openPredictions() resuming rejects a foreign line, naming it", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "predictions.jsonl");
    const text = formatPredictionLines([line(1)]) + "not json\n";
    await Deno.writeTextFile(path, text);
    await assert.rejects(
      () => openPredictions(path, true),
      (e: unknown) =>
        e instanceof PredictionFormatError &&
        e.message.startsWith(`${path}, line 2:`),
    );
    const noCounts = JSON.stringify({ ...line(1), i: undefined }) + "\n";
    await Deno.writeTextFile(path, noCounts);
    await assert.rejects(
      () => openPredictions(path, true),
      /line 1: "i", "u"/,
    );
  });
});

Deno.test("writeFileAtomic() writes the text, creating folders, and leaves no temporary file", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "out", "metrics.json");
    await writeFileAtomic(path, '{"a": 1}');
    assert.equal(await Deno.readTextFile(path), '{"a": 1}');
    await writeFileAtomic(path, '{"a": 2}');
    assert.equal(await Deno.readTextFile(path), '{"a": 2}');
    assert.deepEqual(await listDir(join(dir, "out")), ["metrics.json"]);
  });
});
