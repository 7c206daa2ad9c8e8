import assert from "node:assert/strict";
import { tempPathFor, writeFileAtomic } from "../../io/atomic_write.ts";
import { writePng } from "../../io/image_file.ts";
import { encodeMaskPng } from "../../io/image_codec.ts";
import { listDir, withTemp } from "../helpers/temp.ts";

/** A stream that gives `head` and then fails, as a write to a full disk does. */
function failingStream(head: Uint8Array): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream({
    pull(controller) {
      if (sent) controller.error(new Error("No space left on device"));
      else controller.enqueue(head);
      sent = true;
    },
  });
}

Deno.test("writeFileAtomic: a failed write leaves the old file intact and no temporary file behind", async () => {
  await withTemp(async (dir) => {
    const path = `${dir}/metrics.json`;
    await Deno.writeTextFile(path, '{"good": true}\n');
    await assert.rejects(
      writeFileAtomic(path, failingStream(new TextEncoder().encode('{"go'))),
      /No space left on device/,
    );
    assert.equal(await Deno.readTextFile(path), '{"good": true}\n');
    assert.deepEqual(await listDir(dir), ["metrics.json"]);
  });
});

Deno.test("writeFileAtomic replaces a file whole and creates its folder", async () => {
  await withTemp(async (dir) => {
    await writeFileAtomic(`${dir}/a/b/report.md`, "first");
    await writeFileAtomic(`${dir}/a/b/report.md`, "second");
    await writeFileAtomic(`${dir}/a/b/bytes.bin`, new Uint8Array([1, 2, 3]));
    assert.equal(await Deno.readTextFile(`${dir}/a/b/report.md`), "second");
    assert.deepEqual(
      await Deno.readFile(`${dir}/a/b/bytes.bin`),
      new Uint8Array([1, 2, 3]),
    );
    assert.deepEqual(await listDir(`${dir}/a/b`), ["bytes.bin", "report.md"]);
  });
});

Deno.test("writeFileAtomic: a failed rename (the path is a folder) removes the temporary file", async () => {
  await withTemp(async (dir) => {
    await Deno.mkdir(`${dir}/out.png/inner`, { recursive: true });
    await assert.rejects(writeFileAtomic(`${dir}/out.png`, "x"));
    assert.deepEqual(await listDir(dir), ["out.png"]);
  });
});

Deno.test("writePng replaces a PNG by renaming a whole new file over it, not by writing in place", async () => {
  await withTemp(async (dir) => {
    const path = `${dir}/mask.png`;
    await Deno.writeFile(path, new Uint8Array([1]));
    const before = (await Deno.stat(path)).ino;
    const png = await encodeMaskPng(new Uint8Array([1, 0]), 2, 1);
    await writePng(path, png);
    assert.notEqual((await Deno.stat(path)).ino, before);
    assert.deepEqual(await Deno.readFile(path), png);
    assert.deepEqual(await listDir(dir), ["mask.png"]);
  });
});

Deno.test("tempPathFor names a hidden file in the same folder", () => {
  assert.equal(
    tempPathFor("out/mask.png", 123, "a1b2"),
    "out/.mask.png.123.a1b2.tmp",
  );
  assert.equal(tempPathFor("m.png", 7, "x"), ".m.png.7.x.tmp");
});
