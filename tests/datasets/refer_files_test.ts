import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { annotationToMask } from "../../pipeline/datasets/coco_mask.ts";
import {
  DatasetIntegrityError,
  DatasetNotFoundError,
} from "../../pipeline/datasets/errors.ts";
import {
  describeMissingImages,
  findMissingImages,
} from "../../io/image_files.ts";
import { loadRefer } from "../../io/refer_files.ts";
import { readImageFile } from "../../io/image_file.ts";
import { PALETTE } from "../../pipeline/demo/palette.ts";
import { listDir, withTemp } from "../helpers/temp.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const ROOT = join(FIXTURES, "refer");
const IMAGES = join(ROOT, "images");

async function rejects(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  assert.fail("expected a rejection");
}

Deno.test("loadRefer() reads DIR/refcocog/refs(umd).p and instances.json", async () => {
  const val = await loadRefer({
    root: ROOT,
    dataset: "refcocog",
    splitBy: "umd",
    split: "val",
  });
  assert.deepEqual(val.counts, { images: 2, refs: 6, sentences: 8 });
  assert.equal(val.skipped.length, 1);
  assert.match(
    val.skipped[0].detail,
    /ann_id 9999 is not in .*refcocog\/instances\.json's annotations/,
  );
});

Deno.test("loadRefer() says which refs files exist when the splits-by has none", async () => {
  const error = await rejects(
    loadRefer({
      root: ROOT,
      dataset: "refcocog",
      splitBy: "google",
      split: "val",
    }),
  );
  assert.ok(error instanceof DatasetNotFoundError, String(error));
  assert.match(
    error.message,
    /^no file at .*refcocog\/refs\(google\)\.p; .*refcocog holds refs\(umd\)\.p and instances\.json; unpack refcocog\.zip/,
  );
});

Deno.test("loadRefer() says what the root holds when the dataset folder is absent", async () => {
  await withTemp(async (dir) => {
    await Deno.mkdir(join(dir, "refcoco"));
    const error = await rejects(
      loadRefer({
        root: dir,
        dataset: "refcocog",
        splitBy: "umd",
        split: "val",
      }),
    );
    assert.ok(error instanceof DatasetNotFoundError);
    assert.match(error.message, new RegExp(`${dir} holds refcoco;`));
    const gone = await rejects(
      loadRefer({
        root: join(dir, "nowhere"),
        dataset: "refcoco",
        splitBy: "unc",
        split: "val",
      }),
    );
    assert.match(gone.message, /nowhere does not exist/);
  });
});

Deno.test("findMissingImages() counts and lists the image files that are absent", async () => {
  const val = await loadRefer({
    root: ROOT,
    dataset: "refcocog",
    splitBy: "umd",
    split: "val",
  });
  const report = await findMissingImages(val.images, IMAGES);
  assert.equal(report.checked, 2);
  assert.deepEqual(report.missing, [{
    id: 104,
    file: "COCO_train2014_000000000104.png",
    path: join(IMAGES, "COCO_train2014_000000000104.png"),
  }]);
  assert.equal(
    describeMissingImages(report),
    `1 of 2 image files missing (skipped):\n  ${
      join(IMAGES, "COCO_train2014_000000000104.png")
    }`,
  );
  const strict = await rejects(
    findMissingImages(val.images, IMAGES, { strict: true }),
  );
  assert.ok(strict instanceof DatasetIntegrityError);
  assert.match(strict.message, /^1 of 2 image files are missing from /);
  const train = await loadRefer({
    root: ROOT,
    dataset: "refcocog",
    splitBy: "umd",
    split: "train",
  });
  assert.deepEqual((await findMissingImages(train.images, IMAGES)).missing, []);
});

Deno.test("the REFER fixture's masks decode onto the shapes painted in its images", async () => {
  for (const split of ["train", "val"]) {
    const data = await loadRefer({
      root: ROOT,
      dataset: "refcocog",
      splitBy: "umd",
      split,
    });
    for (const image of data.images) {
      if (image.id === 104) continue; // its file is missing on purpose
      const pixels = await readImageFile(join(IMAGES, image.file));
      assert.equal(pixels.width, image.width);
      assert.equal(pixels.height, image.height);
      for (const ref of image.refs) {
        const mask = annotationToMask(
          ref.segmentation,
          image.width,
          image.height,
        );
        const colour = PALETTE.find((c) =>
          ref.sentences[0].sent.includes(c.name)
        )!;
        let inside = 0, match = 0;
        for (let i = 0; i < mask.length; i++) {
          if (!mask[i]) continue;
          inside++;
          const [r, g, b] = pixels.data.subarray(4 * i, 4 * i + 3);
          if (
            r === colour.rgb[0] && g === colour.rgb[1] && b === colour.rgb[2]
          ) {
            match++;
          }
        }
        const [, , bw, bh] = ref.bbox!;
        assert.ok(inside > 0.4 * bw * bh, `ref ${ref.refId}: ${inside} pixels`);
        // RLE masks are the painted rasters; polygons may differ on edge pixels.
        const share = Array.isArray(ref.segmentation) ? 0.95 : 1;
        assert.ok(
          match >= share * inside,
          `ref ${ref.refId} (${colour.name}): ${match} of ${inside} mask pixels painted`,
        );
      }
    }
  }
});

Deno.test("tests/fixtures/refer/generate.py reproduces the committed fixture files", async (t) => {
  const python = await new Deno.Command("python3", { args: ["--version"] })
    .output().catch(() => undefined);
  if (!python?.success) {
    console.warn("skipping: python3 is not installed");
    return;
  }
  await withTemp(async (dir) => {
    const run = await new Deno.Command("python3", {
      args: [join(ROOT, "generate.py"), dir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(run.success, new TextDecoder().decode(run.stderr));
    for (const sub of ["refer/refcocog", "refer/images", "jsonl"]) {
      const names = await listDir(join(dir, sub));
      assert.ok(names.length > 0);
      for (const name of names) {
        await t.step(`${sub}/${name}`, async () => {
          assert.deepEqual(
            await Deno.readFile(join(dir, sub, name)),
            await Deno.readFile(join(FIXTURES, sub, name)),
          );
        });
      }
    }
  });
});
