import assert from "node:assert/strict";
import { ClipTextEncoder } from "../../pipeline/clip/text.ts";
import { createRgbaImage } from "../../pipeline/image/rgba.ts";
import { createSession } from "../../pipeline/models/session.ts";
import { embedTextStage } from "../../pipeline/stages/embed_text.ts";
import { fromItems, type ImageJob } from "../../pipeline/stages/job.ts";
import {
  type Parsed,
  type ParsedSentence,
  parseSentence,
} from "../../pipeline/stages/parse.ts";
import { ClipTokenizer } from "../../pipeline/text/clip_tokenizer.ts";

const CLIP_DIR = new URL(
  "../fixtures/models/fixture/color-clip/",
  import.meta.url,
);

const TEXT_MODEL = await Deno.readFile(
  new URL("onnx/text_model.onnx", CLIP_DIR),
);
const tokenizer = ClipTokenizer.fromJson(
  JSON.parse(
    await Deno.readTextFile(new URL("tokenizer.json", CLIP_DIR)),
  ),
);
/** The fixture's text encoder on a session of its own, released on disposal. */
async function openEncoder(): Promise<ClipTextEncoder & AsyncDisposable> {
  const session = await createSession(TEXT_MODEL, {
    label: "color-clip/onnx/text_model.onnx",
  });
  return Object.assign(new ClipTextEncoder(session, tokenizer), {
    [Symbol.asyncDispose]: () => session.release(),
  });
}

/** The encoder, recording the texts of each call. */
function spyEncoder(
  encoder: ClipTextEncoder,
  calls: string[][],
): ClipTextEncoder {
  return {
    batchSize: encoder.batchSize,
    embed(texts: readonly string[]) {
      calls.push([...texts]);
      return encoder.embed(texts);
    },
  } as unknown as ClipTextEncoder;
}

/** The embedding of one text, by itself. */
async function embedOne(
  encoder: ClipTextEncoder,
  text: string,
): Promise<Float32Array> {
  return (await encoder.embed([text])).embeds;
}

function row(m: Float32Array, i: number, dim: number): Float32Array {
  return m.subarray(i * dim, (i + 1) * dim);
}

function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let k = 0; k < actual.length; k++) {
    assert.ok(
      Math.abs(actual[k] - expected[k]) <= 1e-5,
      `${what}[${k}]: ${actual[k]} vs ${expected[k]}`,
    );
  }
}

function assertZero(v: ArrayLike<number>, what: string): void {
  assert.ok(Array.from(v).every((x) => x === 0), `${what} is not all zeros`);
}

function jobOf(
  sentences: string[],
  parsed: ParsedSentence[] = sentences.map(parseSentence),
): ImageJob & Parsed {
  return {
    id: 1,
    image: createRgbaImage(2, 2),
    sentences,
    parsed,
    timings: {},
  };
}

async function runStage(
  encoder: ClipTextEncoder,
  job: ImageJob & Parsed,
  beta: number,
  calls: string[][] = [],
) {
  const out = [];
  for await (
    const j of embedTextStage(spyEncoder(encoder, calls), beta)(
      fromItems([job]),
    )
  ) {
    out.push(j);
  }
  assert.equal(out.length, 1);
  return out[0];
}

// Sentence 0: noun phrase and anchor; 1: neither; 2: anchor only; 3: noun phrase only.
const SENTENCES = [
  "the red circle left of the blue square",
  "the pink one",
  "the one behind the green square",
  "the yellow square on the left",
];

Deno.test("embedTextStage() embeds sentences, noun phrases and anchors in one call, in that order", async () => {
  await using encoder = await openEncoder();
  const calls: string[][] = [];
  await runStage(encoder, jobOf(SENTENCES), 0.5, calls);
  assert.deepEqual(calls, [[
    ...SENTENCES,
    "the red circle",
    "the yellow square",
    "the blue square",
    "the green square",
  ]]);
});

Deno.test("embedTextStage() mixes sentence and noun phrase with weight beta, the sentence alone without a phrase", async () => {
  await using encoder = await openEncoder();
  const beta = 0.3;
  const { text } = await runStage(encoder, jobOf(SENTENCES), beta);
  const dim = text.dim;
  assert.equal(dim, 512);
  assert.equal(text.features.length, SENTENCES.length * dim);
  const phraseOf = ["the red circle", null, null, "the yellow square"];
  for (let e = 0; e < SENTENCES.length; e++) {
    const s = await embedOne(encoder, SENTENCES[e]);
    const phrase = phraseOf[e];
    const p = phrase === null ? null : await embedOne(encoder, phrase);
    const expected = s.map((v, k) => p ? beta * v + (1 - beta) * p[k] : v);
    assertClose(row(text.features, e, dim), expected, `features row ${e}`);
  }
});

Deno.test("embedTextStage() puts noun-phrase rows where there is a phrase and zeros elsewhere", async () => {
  await using encoder = await openEncoder();
  const { text } = await runStage(encoder, jobOf(SENTENCES), 0.5);
  const dim = text.dim;
  assert.deepEqual(text.hasPhrase, [true, false, false, true]);
  assertClose(
    row(text.phrases, 0, dim),
    await embedOne(encoder, "the red circle"),
    "phrase 0",
  );
  assertZero(row(text.phrases, 1, dim), "phrase 1");
  assertZero(row(text.phrases, 2, dim), "phrase 2");
  assertClose(
    row(text.phrases, 3, dim),
    await embedOne(encoder, "the yellow square"),
    "phrase 3",
  );
});

Deno.test("embedTextStage() takes anchors from the parse's relation, zeros without one", async () => {
  await using encoder = await openEncoder();
  const { text } = await runStage(encoder, jobOf(SENTENCES), 0.5);
  const dim = text.dim;
  assert.deepEqual(text.hasAnchor, [true, false, true, false]);
  assertClose(
    row(text.anchors, 0, dim),
    await embedOne(encoder, "the blue square"),
    "anchor 0",
  );
  assertZero(row(text.anchors, 1, dim), "anchor 1");
  assertClose(
    row(text.anchors, 2, dim),
    await embedOne(encoder, "the green square"),
    "anchor 2",
  );
  assertZero(row(text.anchors, 3, dim), "anchor 3");
});

Deno.test("embedTextStage() uses the job's parse, not the sentence's words, and skips blank anchors", async () => {
  await using encoder = await openEncoder();
  const sentences = ["the red circle", "the blue square"];
  const parsed: ParsedSentence[] = [
    {
      ...parseSentence(sentences[0]),
      nounPhrase: "the green one",
      spatial: {
        directions: [],
        relation: { kind: "next-to", anchor: "the pink one" },
        triggers: ["next to"],
      },
    },
    {
      ...parseSentence(sentences[1]),
      spatial: {
        directions: [],
        relation: { kind: "behind", anchor: "  " },
        triggers: ["behind"],
      },
    },
  ];
  const calls: string[][] = [];
  const { text } = await runStage(
    encoder,
    jobOf(sentences, parsed),
    0.5,
    calls,
  );
  assert.deepEqual(calls[0], [
    ...sentences,
    "the green one",
    "the blue square",
    "the pink one",
  ]);
  assert.deepEqual(text.hasAnchor, [true, false]);
  assertClose(
    row(text.anchors, 0, text.dim),
    await embedOne(encoder, "the pink one"),
    "anchor 0",
  );
  assertZero(row(text.anchors, 1, text.dim), "anchor 1");
});

Deno.test("embedTextStage() reports truncation and token counts of the sentences only", async () => {
  await using encoder = await openEncoder();
  const long = Array.from({ length: 90 }, () => "red").join(" ");
  const sentences = ["the red circle left of the blue square", long];
  const { text } = await runStage(encoder, jobOf(sentences), 0.5);
  const enc = tokenizer.encodeBatch(sentences, 77);
  assert.deepEqual(text.truncated, [false, true]);
  assert.deepEqual(text.tokenCounts, enc.tokenCounts);
  assert.equal(text.tokenCounts.length, 2);
  assert.ok(text.tokenCounts[1] > 77);
});

Deno.test('embedTextStage() records its time under "text"', async () => {
  await using encoder = await openEncoder();
  const job = jobOf(["the pink one"]);
  await runStage(encoder, job, 0.5);
  assert.ok("text" in job.timings);
});
