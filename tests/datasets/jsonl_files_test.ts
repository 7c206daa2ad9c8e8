import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DatasetFormatError,
  DatasetNotFoundError,
} from "../../pipeline/datasets/errors.ts";
import { readJsonlDataset, readLines } from "../../io/jsonl_files.ts";
import { withTemp } from "../helpers/temp.ts";

const SMALL = fileURLToPath(
  new URL("../fixtures/jsonl/small.jsonl", import.meta.url),
);

Deno.test("readJsonlDataset() streams the images of a file", async () => {
  const ids = [];
  for await (const image of readJsonlDataset(SMALL)) ids.push(image.id);
  assert.deepEqual(ids, [101, 102, 103]);
});

Deno.test("readJsonlDataset() closes the file when the reader stops early", async () => {
  // Deno's resource sanitizer fails this test if the file stays open.
  for await (const image of readJsonlDataset(SMALL)) {
    assert.equal(image.id, 101);
    break;
  }
});

Deno.test("readJsonlDataset() names the file and line of a malformed line", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "bad.jsonl");
    const good = (await Deno.readTextFile(SMALL)).split("\n")[0];
    await Deno.writeTextFile(path, `${good}\r\n\r\n{"file": 3}\r\n`);
    let error: unknown;
    try {
      for await (const _ of readJsonlDataset(path)) { /* drain */ }
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof DatasetFormatError, String(error));
    assert.equal(error.line, 3);
    assert.equal(error.field, "file");
    assert.ok(error.message.startsWith(`${path}:3 field "file": `));
  });
});

Deno.test("readLines() reads lines across the stream's chunks and reports a missing file", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "long.txt");
    // Lines longer than a read chunk (64 KiB) and a multi-byte character
    // that straddles chunk boundaries somewhere.
    const lines = Array.from(
      { length: 5 },
      (_, i) => `${i}:` + "é".repeat(50_000 + i),
    );
    await Deno.writeTextFile(path, lines.join("\n"));
    const read = [];
    for await (const line of readLines(path)) read.push(line);
    assert.deepEqual(read, lines);
    let error: unknown;
    try {
      for await (const _ of readLines(join(dir, "none.jsonl"))) { /* drain */ }
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof DatasetNotFoundError, String(error));
    assert.match(
      error.message,
      /^no dataset file at .*none\.jsonl; check the path/,
    );
  });
});

Deno.test("readLines() stops at a line over the limit with an error naming the file and line", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "one-line.jsonl");
    await Deno.writeTextFile(path, `{"a": 1}\n${"x".repeat(5000)}\n{"b": 2}\n`);
    const read: string[] = [];
    let error: unknown;
    try {
      for await (const line of readLines(path, { maxLineLength: 4096 })) {
        read.push(line);
      }
    } catch (e) {
      error = e;
    }
    assert.deepEqual(read, ['{"a": 1}']);
    assert.ok(error instanceof DatasetFormatError, String(error));
    assert.equal(error.line, 2);
    assert.ok(
      error.message.startsWith(
        `${path}:2: the line is over 4096 characters long; each line must be one JSON record`,
      ),
      error.message,
    );
  });
});

Deno.test("readJsonlDataset() names the file and line of a compressed RLE that does not decode to the image's size", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "bad-rle.jsonl");
    const good = (await Deno.readTextFile(SMALL)).split("\n")[0];
    const bad = JSON.stringify({
      file: "b.png",
      width: 3,
      height: 2,
      sentences: [{ sent: "the cat", mask: { size: [2, 3], counts: "1" } }],
    });
    await Deno.writeTextFile(path, `${good}\n${bad}\n`);
    let error: unknown;
    try {
      for await (const _ of readJsonlDataset(path)) { /* drain */ }
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof DatasetFormatError, String(error));
    assert.equal(error.line, 2);
    assert.equal(error.field, "sentences[0].mask");
    assert.match(
      error.message,
      /:2 field "sentences\[0\]\.mask": RLE "counts" string decodes to run lengths adding up to 1, not height x width = 6/,
    );
  });
});
