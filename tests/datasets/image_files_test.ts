import assert from "node:assert/strict";
import { join } from "node:path";
import {
  DatasetFormatError,
  DatasetIntegrityError,
} from "../../pipeline/datasets/errors.ts";
import {
  describeMissingImages,
  type ImageCheckReport,
  imageFileExists,
  resolveImagePath,
  withImageFiles,
} from "../../io/image_files.ts";
import type { DatasetImage } from "../../pipeline/datasets/types.ts";
import { withTemp } from "../helpers/temp.ts";

function image(id: number, file: string): DatasetImage {
  return { id, file, width: 2, height: 2, refs: [] };
}

Deno.test("resolveImagePath() joins a relative name to the images folder", () => {
  assert.equal(
    resolveImagePath("coco/train2014", "COCO_train2014_000000581857.jpg"),
    join("coco/train2014", "COCO_train2014_000000581857.jpg"),
  );
  assert.equal(
    resolveImagePath("imgs", "a/./b.png"),
    join("imgs", "a", "b.png"),
  );
});

Deno.test("resolveImagePath() refuses names that leave the images folder", () => {
  for (const name of ["", "/etc/passwd", "../secret.png", "a/../../b.png"]) {
    assert.throws(
      () => resolveImagePath("imgs", name),
      (error: unknown) =>
        error instanceof DatasetFormatError &&
        /is not a path inside the images folder; .*relative to the images folder/
          .test(error.message) &&
        !error.message.includes("--"),
      name,
    );
  }
});

Deno.test("withImageFiles() yields the images whose file exists and records the others", async () => {
  await withTemp(async (dir) => {
    await Deno.writeFile(join(dir, "a.png"), new Uint8Array([1]));
    await Deno.mkdir(join(dir, "folder.png"));
    const images = [
      image(1, "a.png"),
      image(2, "b.png"),
      image(3, "folder.png"),
    ];
    const report: ImageCheckReport = { checked: 0, missing: [] };
    const kept = [];
    for await (const item of withImageFiles(images, dir, { report })) {
      kept.push(item.id);
    }
    assert.deepEqual(kept, [1]);
    assert.equal(report.checked, 3);
    assert.deepEqual(report.missing.map((m) => m.id), [2, 3]);
    assert.match(
      describeMissingImages(report),
      /^2 of 3 image files missing \(skipped\):\n {2}.*b\.png\n {2}.*folder\.png$/,
    );
    assert.equal(await imageFileExists(dir, { file: "a.png" }), true);
  });
});

Deno.test("withImageFiles() stops at the first missing file under strict", async () => {
  await withTemp(async (dir) => {
    await Deno.writeFile(join(dir, "a.png"), new Uint8Array([1]));
    const kept = [];
    let error: unknown;
    try {
      for await (
        const item of withImageFiles(
          [image(1, "a.png"), image(2, "b.png"), image(3, "a.png")],
          dir,
          { strict: true },
        )
      ) kept.push(item.id);
    } catch (e) {
      error = e;
    }
    assert.deepEqual(kept, [1]);
    assert.ok(error instanceof DatasetIntegrityError, String(error));
    assert.match(error.message, /^1 of 2 image files are missing from /);
    assert.match(error.message, /image 2: .*b\.png/);
    assert.match(error.message, /without strict mode/);
    assert.doesNotMatch(error.message, /--/, "library wording, no flag");
  });
});

Deno.test("describeMissingImages() says when every file is there and shortens long lists", () => {
  assert.equal(
    describeMissingImages({ checked: 4, missing: [] }),
    "all 4 image files present",
  );
  const missing = Array.from({ length: 7 }, (_, i) => ({
    id: i,
    file: `${i}.png`,
    path: `imgs/${i}.png`,
  }));
  assert.match(
    describeMissingImages({ checked: 9, missing }, 2),
    /^7 of 9 image files missing \(skipped\):\n {2}imgs\/0\.png\n {2}imgs\/1\.png\n {2}\.\.\. and 5 more$/,
  );
});
