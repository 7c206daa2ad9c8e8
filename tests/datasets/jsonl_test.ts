import assert from "node:assert/strict";
import { DatasetFormatError } from "../../pipeline/datasets/errors.ts";
import {
  LineTooLongError,
  parseJsonl,
  parseJsonlLine,
  splitLines,
  toJsonlLine,
} from "../../pipeline/datasets/jsonl.ts";
import { buildReferSplit } from "../../pipeline/datasets/refer.ts";
import type { DatasetImage } from "../../pipeline/datasets/types.ts";

const SMALL = await Deno.readTextFile(
  new URL("../fixtures/jsonl/small.jsonl", import.meta.url),
);

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function rejects(promise: Promise<unknown>): Promise<DatasetFormatError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DatasetFormatError, String(error));
    return error;
  }
  assert.fail("expected a DatasetFormatError");
}

function lineError(line: string, lineNumber = 4): DatasetFormatError {
  try {
    parseJsonlLine(line, lineNumber, { source: "val.jsonl" });
  } catch (error) {
    assert.ok(error instanceof DatasetFormatError, String(error));
    return error;
  }
  assert.fail("expected a DatasetFormatError");
}

/** A valid line, with one field replaced. */
function lineWith(patch: Record<string, unknown>): string {
  return JSON.stringify({
    file: "a.png",
    width: 4,
    height: 2,
    sentences: [{ sent: "the red square", mask: [[0, 0, 2, 0, 2, 2]] }],
    ...patch,
  });
}

Deno.test("parseJsonl() reads the fixture: one image per line, one ref per sentence", async () => {
  const images = await collect(
    parseJsonl(SMALL.split("\n"), { source: "small.jsonl" }),
  );
  assert.deepEqual(images.map((i) => [i.id, i.file, i.width, i.height]), [
    [101, "COCO_train2014_000000000101.png", 320, 240],
    [102, "COCO_train2014_000000000102.png", 240, 320],
    [103, "COCO_train2014_000000000103.png", 256, 256],
  ]);
  assert.deepEqual(images.map((i) => i.refs.length), [5, 6, 6]);
  const first = images[0].refs[0];
  assert.deepEqual(first, {
    refId: 11,
    sentences: [{ sentId: 11, sent: "the red square on the left" }],
    segmentation: [[24, 88, 84, 88, 84, 148, 24, 148]],
  });
  // Compressed and uncompressed RLE masks come through unchanged.
  const kinds = images.flatMap((i) =>
    i.refs.map((r) =>
      Array.isArray(r.segmentation)
        ? "polygons"
        : typeof r.segmentation.counts === "string"
        ? "compressed"
        : "counts"
    )
  );
  assert.ok(kinds.includes("compressed") && kinds.includes("counts"));
});

Deno.test("parseJsonl() matches the REFER fixture it was written from", async () => {
  const refs = await Deno.readFile(
    new URL("../fixtures/refer/refcocog/refs(umd).p", import.meta.url),
  );
  const instances = await Deno.readTextFile(
    new URL("../fixtures/refer/refcocog/instances.json", import.meta.url),
  );
  const train = buildReferSplit(refs, instances, {
    dataset: "refcocog",
    splitBy: "umd",
    split: "train",
  });
  const [line101] = await collect(parseJsonl(SMALL.split("\n")));
  const fromRefer = train.images[0].refs.flatMap((r) =>
    r.sentences.map((s) => [s.sentId, s.sent, r.segmentation])
  );
  const fromJsonl = line101.refs.map((r) => [
    r.refId,
    r.sentences[0].sent,
    r.segmentation,
  ]);
  assert.deepEqual(fromJsonl, fromRefer);
});

Deno.test("parseJsonlLine() fills in default ids and skips blank lines", () => {
  const image = parseJsonlLine(lineWith({}), 1)!;
  assert.equal(image.id, "a.png");
  assert.equal(image.refs[0].refId, "a.png/0");
  assert.equal(image.refs[0].sentences[0].sentId, "a.png/0");
  assert.equal(parseJsonlLine("   ", 2), undefined);
  const named = parseJsonlLine(lineWith({ id: "img-7" }), 3)!;
  assert.equal(named.refs[0].refId, "img-7/0");
});

Deno.test("parseJsonlLine() names the line for invalid JSON", () => {
  const error = lineError('{"file": "a.png", "width": 4,', 17);
  assert.equal(error.line, 17);
  assert.equal(error.field, undefined);
  assert.match(error.message, /^val\.jsonl:17: is not valid JSON \(/);
  assert.match(
    lineError("[1, 2]").message,
    /^val\.jsonl:4: is \[1, 2\], not a JSON object/,
  );
});

Deno.test("parseJsonlLine() names the line and the field that is missing or wrong", () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [
      { file: undefined },
      "file",
      /must be the image's file name, found nothing/,
    ],
    [{ width: -1 }, "width", /must be a positive integer \(pixels\), found -1/],
    [{ height: 2.5 }, "height", /found 2\.5/],
    [{ id: [1] }, "id", /must be a string or an integer/],
    [{ sentences: [] }, "sentences", /must be a non-empty list/],
    [{ sentences: ["x"] }, "sentences[0]", /must be an object/],
    [
      { sentences: [{ mask: [[0, 0, 1, 0, 1, 1]] }] },
      "sentences[0].sent",
      /must be a non-empty string, found nothing/,
    ],
    [
      { sentences: [{ sent: "a", mask: [[0, 0, 1]] }] },
      "sentences[0].mask",
      /part 0 has an odd number of coordinates \(3\)/,
    ],
    [
      { sentences: [{ sent: "a" }] },
      "sentences[0].mask",
      /must be a list of polygons .* or an RLE object .*got undefined/,
    ],
    [
      { sentences: [{ sent: "a", mask: { size: [4, 2], counts: [8] } }] },
      "sentences[0].mask",
      /RLE size \[4, 2\] \(height, width\) differs from the image \(4 x 2/,
    ],
    [
      { sentences: [{ sent: "a", mask: { size: [2, 4], counts: [3, 4] } }] },
      "sentences[0].mask",
      /run lengths add up to 7, not height x width = 8/,
    ],
    [
      { sentences: [{ sent: "a", mask: { size: [2, 4], counts: "ab~" } }] },
      "sentences[0].mask",
      /invalid character "~" at index 2/,
    ],
  ];
  for (const [patch, field, pattern] of cases) {
    const error = lineError(lineWith(patch));
    assert.equal(error.field, field, error.message);
    assert.equal(error.line, 4);
    assert.ok(
      error.message.startsWith(`val.jsonl:4 field "${field}": `),
      error.message,
    );
    assert.match(error.message, pattern);
    assert.match(error.message, /; each line is \{"file", "width", "height"/);
  }
});

Deno.test("parseJsonl() reports the line of a malformed line after valid ones", async () => {
  const lines = SMALL.trim().split("\n");
  lines.splice(2, 0, "", '{"file": "x.png"');
  const seen: DatasetImage[] = [];
  const error = await rejects((async () => {
    for await (const image of parseJsonl(lines, { source: "small.jsonl" })) {
      seen.push(image);
    }
  })());
  assert.equal(seen.length, 2, "the lines before the bad one were yielded");
  assert.equal(error.line, 4);
  assert.match(error.message, /^small\.jsonl:4: is not valid JSON/);
});

Deno.test("parseJsonl() rejects a duplicate image id and an empty file", async () => {
  const line = lineWith({ id: 5 });
  const duplicate = await rejects(collect(parseJsonl([line, "", line])));
  assert.equal(duplicate.line, 3);
  assert.equal(duplicate.field, "id");
  assert.match(duplicate.message, /image id 5 was already used on line 1/);
  const empty = await rejects(collect(parseJsonl([], { source: "e.jsonl" })));
  assert.match(
    empty.message,
    /^e\.jsonl: is empty; a dataset needs at least one line/,
  );
  const blank = await rejects(collect(parseJsonl(["", " "])));
  assert.match(blank.message, /holds no image \(2 blank lines\)/);
});

Deno.test("splitLines() joins chunks, drops CR and a BOM, keeps a last line without newline", async () => {
  assert.deepEqual(
    await collect(splitLines(["\ufeffa\r", "\nb", "c\n\n", "d\r\n", "e"])),
    ["a", "bc", "", "d", "e"],
  );
  assert.deepEqual(await collect(splitLines(["x\n"])), ["x"]);
  assert.deepEqual(await collect(splitLines([])), []);
});

Deno.test("splitLines() reads a line of many chunks in linear time", async () => {
  // 4 Mi characters in 4096 chunks: joining the chunks on every read (the
  // quadratic way) takes seconds here, joining them once milliseconds.
  const chunk = "x".repeat(1024);
  function* chunks() {
    for (let i = 0; i < 4096; i++) yield chunk;
    yield "\ny";
  }
  const started = performance.now();
  const lines = await collect(splitLines(chunks()));
  const ms = performance.now() - started;
  assert.deepEqual(lines.map((l) => l.length), [4096 * 1024, 1]);
  assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
});

Deno.test("splitLines() refuses a line over maxLineLength, naming the line", async () => {
  const read: string[] = [];
  let error: unknown;
  try {
    for await (
      const line of splitLines(["ab\r\nabcd\r", "\nabc", "de\n"], {
        maxLineLength: 4,
      })
    ) read.push(line);
  } catch (e) {
    error = e;
  }
  // "abcd" (4, its "\r" not counted) fits; "abcde" does not.
  assert.deepEqual(read, ["ab", "abcd"]);
  assert.ok(error instanceof LineTooLongError, String(error));
  assert.equal(error.line, 3);
  assert.equal(error.message, "line 3 is over 4 characters long");
});

Deno.test("toJsonlLine() writes a line that parseJsonlLine() reads back", async () => {
  const [image] = await collect(parseJsonl(SMALL.split("\n")));
  assert.deepEqual(parseJsonlLine(toJsonlLine(image), 1), image);
});

Deno.test("parseJsonlLine() errors describe a wrong value without quoting the line", () => {
  for (
    const line of [
      lineWith({ width: "SECRET-width" }),
      lineWith({ sentences: "SECRET-sentences" }),
      '{"file": "SECRET-file.png", "width": 4, SECRET',
      "SECRET-not-json",
    ]
  ) {
    const error = lineError(line);
    assert.ok(!error.message.includes("SECRET"), error.message);
  }
  assert.match(
    lineError(lineWith({ width: "SECRET-width" })).message,
    /found a string of 12 characters/,
  );
});
