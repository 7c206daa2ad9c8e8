/**
 * CLIP tokenizer speed: encoding 1,000 RefCOCOg sentences with the real CLIP
 * vocabulary (warm word cache, and with the cache off), batching them, and
 * building the tokenizer from its JSON. Without the merges file
 * (`bash tests/fixtures/fetch_clip_bpe.sh`) it falls back to a small
 * vocabulary; without the RefCOCOg file, to generated sentences.
 */
import { ClipTokenizer } from "../pipeline/text/clip_tokenizer.ts";
import {
  CLIP_BPE_MISSING_NOTICE,
  clipTokenizerJsonFromMergeList,
  loadRealClipTokenizerJson,
} from "../tests/helpers/clip_vocab.ts";

const SENTENCE_COUNT = 1000;

async function loadSentences(): Promise<string[]> {
  const url = new URL(
    "../../shared/data/refcocog_umd_val.json",
    import.meta.url,
  );
  try {
    const data = JSON.parse(await Deno.readTextFile(url)) as {
      expressions: { sentence: string }[];
    };
    return data.expressions.slice(0, SENTENCE_COUNT).map((e) => e.sentence);
  } catch {
    console.log(
      "clip_tokenizer_bench: RefCOCOg data not found: using generated sentences",
    );
    const words = [
      "the",
      "man",
      "on",
      "left",
      "red",
      "shirt",
      "zebra",
      "behind",
    ];
    return Array.from(
      { length: SENTENCE_COUNT },
      (_, i) =>
        Array.from(
          { length: 4 + (i % 9) },
          (_, k) => words[(i * 7 + k * 3) % 8],
        )
          .join(" "),
    );
  }
}

let json = await loadRealClipTokenizerJson();
let vocabName = "real CLIP vocab";
if (json === null) {
  console.log(
    `clip_tokenizer_bench: ${CLIP_BPE_MISSING_NOTICE}: timing a small vocabulary instead`,
  );
  json = clipTokenizerJsonFromMergeList([
    ["t", "h"],
    ["th", "e</w>"],
    ["o", "n</w>"],
    ["m", "a"],
    ["ma", "n</w>"],
    ["l", "e"],
  ]);
  vocabName = "small vocab";
}
const sentences = await loadSentences();
const warm = ClipTokenizer.fromJson(json);
const cold = ClipTokenizer.fromJson(json, { cacheSize: 0 });

Deno.bench({
  name: `encode() ${sentences.length} sentences, warm cache (${vocabName})`,
  group: "encode",
  baseline: true,
  fn() {
    for (const s of sentences) warm.encode(s);
  },
});

Deno.bench({
  name: `encode() ${sentences.length} sentences, no cache (${vocabName})`,
  group: "encode",
  fn() {
    for (const s of sentences) cold.encode(s);
  },
});

Deno.bench({
  name:
    `encodeBatch() ${sentences.length} sentences, padded to 77 (${vocabName})`,
  fn() {
    warm.encodeBatch(sentences, 77, { padding: "max_length" });
  },
});

Deno.bench({
  name: `fromJson() (${vocabName})`,
  fn() {
    ClipTokenizer.fromJson(json);
  },
});
