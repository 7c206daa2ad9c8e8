import { deepStrictEqual, equal } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeMaskPng } from "../../io/image_codec.ts";
import {
  ImageDecodeError,
  ImageTooLargeError,
} from "../../pipeline/image/errors.ts";
import { readImageFile, writePng } from "../../io/image_file.ts";
import { MAX_IMAGE_BYTES } from "../../pipeline/image/probe.ts";
import { withTemp } from "../helpers/temp.ts";
import { assertRejectsWith, expectedPng, FIXTURES } from "./fixtures.ts";

const fixture = (name: string) => join(fileURLToPath(FIXTURES), name);

Deno.test("readImageFile() reads and decodes a PNG file", async () => {
  const image = await readImageFile(fixture("palette4_trns.png"));
  deepStrictEqual(image.data, expectedPng("palette4_trns.png"));
});

Deno.test("readImageFile() applies EXIF orientation on request", async () => {
  const image = await readImageFile(fixture("exif6.jpg"), {
    orientation: "exif",
  });
  deepStrictEqual([image.width, image.height], [16, 32]);
});

Deno.test("readImageFile() reports a missing file with its path", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "nope.png");
    await assertRejectsWith(
      () => readImageFile(path),
      Deno.errors.NotFound,
      `image file not found: ${path}`,
      "check the path",
    );
  });
});

Deno.test("readImageFile() rejects a directory", async () => {
  await withTemp(async (dir) => {
    await assertRejectsWith(
      () => readImageFile(dir),
      TypeError,
      `${dir} is not a file (it is a directory)`,
    );
  });
});

Deno.test("readImageFile() rejects a file over 100 MB from its size alone", async () => {
  await withTemp(async (dir) => {
    // A sparse file of zeros: reading and decoding it would fail with ImageDecodeError instead.
    const path = join(dir, "huge.png");
    await Deno.writeFile(path, new Uint8Array());
    await Deno.truncate(path, MAX_IMAGE_BYTES + 1);
    await assertRejectsWith(
      () => readImageFile(path),
      ImageTooLargeError,
      path,
      "over the limit of 100000000 bytes (100 MB)",
    );
  });
});

Deno.test("readImageFile() applies custom limits and names the file in decode errors", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "notes.png");
    await Deno.writeTextFile(path, "not an image at all");
    await assertRejectsWith(
      () => readImageFile(path, { limits: { maxBytes: 10 } }),
      ImageTooLargeError,
      "19 bytes",
    );
    await assertRejectsWith(
      () => readImageFile(path),
      ImageDecodeError,
      `Cannot decode ${path}`,
      "not a PNG or JPEG",
    );
  });
});

Deno.test("writePng() creates missing folders and writes the bytes", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "out", "masks", "0.png");
    const png = await encodeMaskPng(new Uint8Array([1, 0, 0, 1]), 2, 2);
    await writePng(path, png);
    deepStrictEqual(await Deno.readFile(path), png);
    const image = await readImageFile(path);
    deepStrictEqual([...image.data.filter((_, i) => i % 4 === 0)], [
      255,
      0,
      0,
      255,
    ]);
  });
});

Deno.test("writePng() refuses bytes that are not a PNG", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "raw.png");
    await assertRejectsWith(
      () => writePng(path, new Uint8Array(16)),
      TypeError,
      "are not a PNG file",
      "encodePng()",
    );
    equal(await Deno.stat(path).then(() => true, () => false), false);
  });
});
