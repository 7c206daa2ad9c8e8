import assert from "node:assert/strict";
import {
  buildClipTokenizerConfigJson,
  buildClipTokenizerJson,
  bytesToUnicode,
  CLIP_BOS,
  CLIP_BOS_ID,
  CLIP_EOS,
  CLIP_EOS_ID,
  CLIP_SPLIT_PATTERN,
  CLIP_VOCAB_SIZE,
  encodeClipFixture,
  END_OF_WORD,
  FIXTURE_WORDS,
  learnMerges,
  wordTokenId,
} from "../../pipeline/demo/_clip_tokenizer_json.ts";
import { COLOUR_WORDS } from "../../pipeline/demo/palette.ts";

Deno.test("buildClipTokenizerJson() declares CLIP's normalizer, pre-tokenizer, post-processor and BPE model", () => {
  const json = JSON.parse(JSON.stringify(buildClipTokenizerJson()));
  assert.equal(json.version, "1.0");
  assert.deepEqual(json.normalizer, {
    type: "Sequence",
    normalizers: [
      { type: "NFC" },
      { type: "Replace", pattern: { Regex: "\\s+" }, content: " " },
      { type: "Lowercase" },
    ],
  });
  assert.deepEqual(json.pre_tokenizer.pretokenizers[0], {
    type: "Split",
    pattern: { Regex: CLIP_SPLIT_PATTERN },
    behavior: "Removed",
    invert: true,
  });
  assert.equal(json.pre_tokenizer.pretokenizers[1].type, "ByteLevel");
  assert.equal(json.pre_tokenizer.pretokenizers[1].add_prefix_space, false);
  assert.deepEqual(json.post_processor, {
    type: "RobertaProcessing",
    sep: [CLIP_EOS, CLIP_EOS_ID],
    cls: [CLIP_BOS, CLIP_BOS_ID],
    trim_offsets: false,
    add_prefix_space: false,
  });
  assert.equal(json.decoder.type, "ByteLevel");
  assert.equal(json.model.type, "BPE");
  assert.equal(json.model.end_of_word_suffix, "</w>");
  assert.equal(json.model.continuing_subword_prefix, "");
  assert.equal(json.model.unk_token, CLIP_EOS);
  assert.equal(json.model.dropout, null);
  assert.equal(json.model.fuse_unk, false);
});

Deno.test("buildClipTokenizerJson() declares the special tokens as the last two ids, in added_tokens and in the vocab", () => {
  const json = buildClipTokenizerJson();
  assert.deepEqual(
    json.added_tokens.map((t) => [t.id, t.content, t.special]),
    [[CLIP_BOS_ID, CLIP_BOS, true], [CLIP_EOS_ID, CLIP_EOS, true]],
  );
  assert.equal(json.model.vocab[CLIP_BOS], CLIP_VOCAB_SIZE - 2);
  assert.equal(json.model.vocab[CLIP_EOS], CLIP_VOCAB_SIZE - 1);
  const ids = Object.values(json.model.vocab).sort((a, b) => a - b);
  assert.deepEqual(ids, Array.from({ length: CLIP_VOCAB_SIZE }, (_, i) => i));
});

Deno.test("buildClipTokenizerJson() holds every byte with and without </w>, and every merge's parts and result", () => {
  const { vocab, merges } = buildClipTokenizerJson().model;
  const symbols = bytesToUnicode().map(([, u]) => u);
  symbols.forEach((s, i) => {
    assert.equal(vocab[s], i);
    assert.equal(vocab[s + END_OF_WORD], 256 + i);
  });
  for (const m of merges) {
    const [a, b] = m.split(" ");
    assert.ok(a in vocab && b in vocab && a + b in vocab, m);
  }
});

Deno.test("bytesToUnicode() maps the 256 bytes to distinct visible characters", () => {
  const table = bytesToUnicode();
  assert.equal(new Set(table.map(([b]) => b)).size, 256);
  assert.equal(new Set(table.map(([, u]) => u)).size, 256);
  for (const [, u] of table) assert.match(u, /^\S$/u);
  assert.deepEqual(table.find(([b]) => b === 0x61), [0x61, "a"]);
  assert.deepEqual(table.find(([b]) => b === 0x20), [0x20, "\u0120"]);
});

Deno.test("encodeClipFixture() gives every fixture word a single token", () => {
  for (const word of FIXTURE_WORDS) {
    assert.deepEqual(encodeClipFixture(word), [
      CLIP_BOS_ID,
      wordTokenId(word),
      CLIP_EOS_ID,
    ]);
  }
  assert.ok(COLOUR_WORDS.every((c) => FIXTURE_WORDS.includes(c)));
});

Deno.test("encodeClipFixture() lowercases, splits punctuation and falls back to bytes for unknown words", () => {
  const vocab = buildClipTokenizerJson().model.vocab;
  const byId = new Map(Object.entries(vocab).map(([k, v]) => [v, k]));
  const tokens = encodeClipFixture("The  RED circle, zebra!").map((id) =>
    byId.get(id)!
  );
  assert.deepEqual(tokens.slice(0, 5), [
    CLIP_BOS,
    "the</w>",
    "red</w>",
    "circle</w>",
    ",</w>",
  ]);
  assert.deepEqual(tokens.slice(-2), ["!</w>", CLIP_EOS]);
  // "zebra" is not a fixture word: it comes out in several pieces.
  const zebra = tokens.slice(5, -2);
  assert.ok(zebra.length > 1);
  assert.ok(zebra.at(-1)!.endsWith(END_OF_WORD));
  assert.equal(zebra.join("").replace(END_OF_WORD, ""), "zebra");
  // Non-ASCII text goes through the byte symbols.
  assert.equal(encodeClipFixture("\u00e9").length, 4);
});

Deno.test("learnMerges() builds each word of its list into one symbol", () => {
  const merges = learnMerges(["red", "reed", "bed"]);
  assert.deepEqual(merges[0], ["e", "d</w>"]);
  const results = new Set(merges.map(([a, b]) => a + b));
  for (const w of ["red</w>", "reed</w>", "bed</w>"]) assert.ok(results.has(w));
});

Deno.test("wordTokenId() rejects a word that is not one token", () => {
  assert.throws(() => wordTokenId("zebra"), RangeError);
});

Deno.test("buildClipTokenizerConfigJson() names CLIP's special tokens and context length", () => {
  const config = buildClipTokenizerConfigJson();
  assert.equal(config.model_max_length, 77);
  assert.equal(config.bos_token, CLIP_BOS);
  assert.equal(config.eos_token, CLIP_EOS);
  assert.equal(config.pad_token, CLIP_EOS);
  assert.equal(config.unk_token, CLIP_EOS);
  assert.equal(config.tokenizer_class, "CLIPTokenizer");
  const decoder = config.added_tokens_decoder as Record<
    string,
    { content: string }
  >;
  assert.equal(decoder[String(CLIP_BOS_ID)].content, CLIP_BOS);
  assert.equal(decoder[String(CLIP_EOS_ID)].content, CLIP_EOS);
});
