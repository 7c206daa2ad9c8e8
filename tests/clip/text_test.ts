import { hostFeeds } from "../helpers/host_feeds.ts";
import assert from "node:assert/strict";
import {
  CLIP_TEXT_SIGNATURE,
  ClipTextEncoder,
  mixText,
} from "../../pipeline/clip/text.ts";
import {
  type InferenceSession,
  ModelSignatureError,
  type ValueInfo,
} from "../../pipeline/models/session.ts";
import { type Tensor, tensor } from "../../pipeline/models/tensor.ts";
import { ClipTokenizer } from "../../pipeline/text/clip_tokenizer.ts";

const tokenizer = ClipTokenizer.fromJson(
  JSON.parse(
    await Deno.readTextFile(
      new URL(
        "../fixtures/models/fixture/color-clip/tokenizer.json",
        import.meta.url,
      ),
    ),
  ),
);

/**
 * A stand-in text model: row b of `text_embeds` is [first content token id
 * of row b, b, batch size], so tests can see which text went where.
 */
function fakeSession(
  calls: Record<string, Tensor>[],
  inputs: ValueInfo[] = [
    { name: "input_ids", type: "int64", shape: ["batch", "sequence"] },
  ],
): InferenceSession {
  return {
    backend: "wasm",
    label: "fake/text_model.onnx",
    inputs,
    outputs: [{ name: "text_embeds", type: "float32", shape: ["batch", 3] }],
    run(given) {
      const feeds = hostFeeds(given);
      calls.push(feeds);
      const [b, s] = feeds.input_ids.dims;
      const ids = feeds.input_ids.data as BigInt64Array;
      const out = new Float32Array(b * 3);
      for (let r = 0; r < b; r++) {
        out.set([Number(ids[r * s + 1]), r, b], r * 3);
      }
      return Promise.resolve({ text_embeds: tensor("float32", out, [b, 3]) });
    },
    release: () => Promise.resolve(),
  };
}

Deno.test("mixText() weighs the sentence by beta and the noun phrase by 1 - beta", () => {
  const sentences = Float32Array.from([1, 2, 10, 20, 4, 8]);
  const phrases = Float32Array.from([3, 6, 0, 0, 0, 0]);
  const out = mixText(sentences, phrases, [true, false, true], 2, 0.25);
  assert.deepEqual(Array.from(out), [
    0.25 * 1 + 0.75 * 3,
    0.25 * 2 + 0.75 * 6,
    10, // no phrase: the sentence alone
    20,
    0.25 * 4, // a phrase row of zeros still weighs in
    0.25 * 8,
  ]);
});

Deno.test("mixText() with beta 1 gives the sentences, with beta 0 the phrases where present", () => {
  const sentences = Float32Array.from([1, 2, 3, 4]);
  const phrases = Float32Array.from([5, 6, 7, 8]);
  assert.deepEqual(
    Array.from(mixText(sentences, phrases, [true, true], 2, 1)),
    [1, 2, 3, 4],
  );
  assert.deepEqual(
    Array.from(mixText(sentences, phrases, [true, false], 2, 0)),
    [5, 6, 3, 4],
  );
});

Deno.test("ClipTextEncoder rejects a batch size that is not a positive integer", () => {
  for (const bad of [0, -1, 1.5, NaN, Infinity]) {
    assert.throws(
      () => new ClipTextEncoder(fakeSession([]), tokenizer, bad),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message.includes(`positive integer, got ${bad}`),
      `batch size ${bad}`,
    );
  }
  assert.equal(new ClipTextEncoder(fakeSession([]), tokenizer, 1).batchSize, 1);
  assert.equal(new ClipTextEncoder(fakeSession([]), tokenizer).batchSize, 32);
});

Deno.test("ClipTextEncoder rejects a model without CLIP's text inputs and outputs", () => {
  const session = {
    ...fakeSession([]),
    outputs: [{ name: "embeds", type: "float32", shape: ["batch", 3] }],
  };
  assert.throws(
    () => new ClipTextEncoder(session, tokenizer),
    (e: unknown) =>
      e instanceof ModelSignatureError && /text_embeds/.test(e.message),
  );
  assert.deepEqual(CLIP_TEXT_SIGNATURE.inputs.map((i) => i.name), [
    "input_ids",
  ]);
});

Deno.test("ClipTextEncoder.embed() runs batches of batchSize texts and keeps their order", async () => {
  const calls: Record<string, Tensor>[] = [];
  const encoder = new ClipTextEncoder(fakeSession(calls), tokenizer, 2);
  const texts = ["red", "green circle", "blue", "the yellow square", "pink"];
  const out = await encoder.embed(texts);
  assert.deepEqual(calls.map((c) => c.input_ids.dims[0]), [2, 2, 1]);
  assert.equal(out.dim, 3);
  assert.equal(out.embeds.length, texts.length * 3);
  const rows = texts.map((_, i) =>
    Array.from(out.embeds.subarray(i * 3, i * 3 + 3))
  );
  assert.deepEqual(
    rows.map((r) => r[0]),
    texts.map((t) => tokenizer.encode(t).ids[1]),
  );
  assert.deepEqual(rows.map((r) => [r[1], r[2]]), [
    [0, 2],
    [1, 2],
    [0, 2],
    [1, 2],
    [0, 1],
  ]);
  assert.deepEqual(out.truncated, [false, false, false, false, false]);
  assert.deepEqual(
    out.tokenCounts,
    texts.map((t) => tokenizer.encode(t).tokenCount),
  );
  // No attention mask for a model that takes none.
  assert.ok(calls.every((c) => !("attention_mask" in c)));
});

Deno.test("ClipTextEncoder.embed() feeds the attention mask to a model that takes one", async () => {
  const calls: Record<string, Tensor>[] = [];
  const session = fakeSession(calls, [
    { name: "input_ids", type: "int64", shape: ["batch", "sequence"] },
    { name: "attention_mask", type: "int64", shape: ["batch", "sequence"] },
  ]);
  await new ClipTextEncoder(session, tokenizer).embed(["red", "the blue one"]);
  const enc = tokenizer.encodeBatch(["red", "the blue one"]);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].attention_mask.dims, enc.dims);
  assert.deepEqual(calls[0].attention_mask.data, enc.attentionMask);
});

Deno.test("ClipTextEncoder.embed() marks texts cut to 77 tokens", async () => {
  const encoder = new ClipTextEncoder(fakeSession([]), tokenizer);
  const long = Array.from({ length: 100 }, () => "red").join(" ");
  const out = await encoder.embed(["red", long]);
  assert.deepEqual(out.truncated, [false, true]);
  assert.equal(out.tokenCounts[1], 102);
});

Deno.test("ClipTextEncoder.embed() of no texts gives an empty result without running the model", async () => {
  const calls: Record<string, Tensor>[] = [];
  const out = await new ClipTextEncoder(fakeSession(calls), tokenizer).embed(
    [],
  );
  assert.equal(out.embeds.length, 0);
  assert.deepEqual(out.truncated, []);
  assert.deepEqual(out.tokenCounts, []);
  assert.equal(calls.length, 0);
});
