import assert from "node:assert/strict";
import {
  formatPredictionLines,
  parsePredictionLine,
  PredictionFormatError,
  predictionKey,
  type PredictionLine,
  resumedLine,
  wholeLines,
} from "../../pipeline/eval/predictions.ts";

const LINE: PredictionLine = {
  image_id: 581857,
  ref_id: 12,
  sent_id: 34,
  sentence: "the lady with the blue shirt",
  mask: { size: [2, 3], counts: "1121" },
  iou: 0.5,
  i: 3,
  u: 6,
  box: [0, 0, 2, 2],
  rule: "best-score",
  score: 0.3125,
  spatial: false,
};

const encode = (s: string) => new TextEncoder().encode(s);

Deno.test("predictionKey() tells lines apart by image, ref, sentence and configuration", () => {
  const key = predictionKey(LINE);
  assert.notEqual(key, predictionKey({ ...LINE, image_id: 581858 }));
  assert.notEqual(key, predictionKey({ ...LINE, ref_id: 13 }));
  assert.notEqual(key, predictionKey({ ...LINE, sent_id: 35 }));
  assert.notEqual(key, predictionKey({ ...LINE, config: "spatial=off" }));
  // No configuration and an empty one are the same line.
  assert.equal(key, predictionKey({ ...LINE, config: "" }));
});

Deno.test("predictionKey() reads numeric and string ids alike", () => {
  assert.equal(
    predictionKey({ image_id: 1, ref_id: 2, sent_id: 3 }),
    predictionKey({ image_id: "1", ref_id: "2", sent_id: "3" }),
  );
  // Ids are not joined into one ambiguous string.
  assert.notEqual(
    predictionKey({ image_id: "1,2", ref_id: "3", sent_id: "4" }),
    predictionKey({ image_id: "1", ref_id: "2,3", sent_id: "4" }),
  );
});

Deno.test("parsePredictionLine() returns a well-formed line", () => {
  assert.deepEqual(
    parsePredictionLine(JSON.stringify(LINE), "p.jsonl", 1),
    LINE,
  );
});

Deno.test("parsePredictionLine() names file and line of a line that is not JSON", () => {
  assert.throws(
    () => parsePredictionLine('{"image_id": 1,', "out/p.jsonl", 7),
    (e: unknown) =>
      e instanceof PredictionFormatError &&
      e.name === "PredictionFormatError" &&
      e.message.startsWith("out/p.jsonl, line 7: not valid JSON"),
  );
});

Deno.test("parsePredictionLine() rejects values that are not objects", () => {
  for (const text of ["[1, 2]", "null", "42", '"text"']) {
    assert.throws(
      () => parsePredictionLine(text, "p.jsonl", 3),
      /p\.jsonl, line 3: expected a JSON object/,
      text,
    );
  }
});

Deno.test("parsePredictionLine() names a missing or mistyped id", () => {
  for (const k of ["image_id", "ref_id", "sent_id"]) {
    const v: Record<string, unknown> = { ...LINE };
    delete v[k];
    assert.throws(
      () => parsePredictionLine(JSON.stringify(v), "p.jsonl", 2),
      new RegExp(`line 2: "${k}" is missing`),
    );
    v[k] = [1];
    assert.throws(
      () => parsePredictionLine(JSON.stringify(v), "p.jsonl", 2),
      new RegExp(`"${k}" is missing`),
    );
  }
});

Deno.test("parsePredictionLine() requires the mask as compressed RLE", () => {
  const bad = [
    undefined,
    { size: [2, 3], counts: [1, 1, 2, 2] },
    { size: [2], counts: "1121" },
    { counts: "1121" },
  ];
  for (const mask of bad) {
    assert.throws(
      () =>
        parsePredictionLine(JSON.stringify({ ...LINE, mask }), "p.jsonl", 9),
      /line 9: "mask" must be COCO compressed RLE/,
      JSON.stringify(mask),
    );
  }
});

Deno.test("wholeLines() ignores a trailing partial line and counts the bytes of whole lines", () => {
  const text = "a\nbé\npartial";
  const { lines, wholeBytes } = wholeLines(encode(text));
  assert.deepEqual(lines, ["a", "bé"]);
  assert.equal(wholeBytes, encode("a\nbé\n").length);
  assert.equal(wholeBytes, 6); // é is two bytes
});

Deno.test("wholeLines() skips blank lines and keeps all of a file that ends with a newline", () => {
  const bytes = encode("x\n\n  \ny\n");
  assert.deepEqual(wholeLines(bytes), {
    lines: ["x", "y"],
    wholeBytes: bytes.length,
  });
});

Deno.test("wholeLines() of a file without a newline has no lines", () => {
  assert.deepEqual(wholeLines(encode('{"image_id": 1')), {
    lines: [],
    wholeBytes: 0,
  });
  assert.deepEqual(wholeLines(new Uint8Array(0)), { lines: [], wholeBytes: 0 });
});

Deno.test("formatPredictionLines() writes one JSON object per line, each ending with a newline", () => {
  const second = { ...LINE, sent_id: 35, config: "spatial=off" };
  const text = formatPredictionLines([LINE, second]);
  assert.ok(text.endsWith("}\n"));
  const { lines, wholeBytes } = wholeLines(encode(text));
  assert.equal(wholeBytes, encode(text).length);
  assert.deepEqual(
    lines.map((l, i) => parsePredictionLine(l, "p.jsonl", i + 1)),
    [LINE, second],
  );
  assert.equal(formatPredictionLines([]), "");
});

Deno.test("resumedLine() keeps the key, counts and spatial flag, and the configuration only when set", () => {
  assert.deepEqual(resumedLine(LINE, "p.jsonl", 1), {
    key: predictionKey(LINE),
    i: 3,
    u: 6,
    spatial: false,
  });
  assert.ok(!("config" in resumedLine(LINE, "p.jsonl", 1)));
  const withConfig = { ...LINE, config: "spatial=seed" };
  assert.deepEqual(resumedLine(withConfig, "p.jsonl", 1), {
    key: predictionKey(withConfig),
    i: 3,
    u: 6,
    spatial: false,
    config: "spatial=seed",
  });
});

Deno.test("resumedLine() rejects lines without valid counts or spatial flag, naming the line", () => {
  const bad: Record<string, unknown>[] = [
    { i: 7, u: 6 }, // i > u
    { i: -1 },
    { i: 1.5 },
    { u: "6" },
    { i: undefined },
    { spatial: "no" },
    { spatial: undefined },
  ];
  for (const change of bad) {
    const line = { ...LINE, ...change } as unknown as PredictionLine;
    assert.throws(
      () => resumedLine(line, "out/p.jsonl", 41),
      (e: unknown) =>
        e instanceof PredictionFormatError &&
        e.message.startsWith("out/p.jsonl, line 41:") &&
        e.message.includes("written by oris eval"),
      JSON.stringify(change),
    );
  }
  // i = u = 0 (an empty prediction and an empty truth) is valid.
  assert.equal(resumedLine({ ...LINE, i: 0, u: 0 }, "p.jsonl", 1).u, 0);
});
