/**
 * CLIP's real vocabulary for tests, rebuilt from OpenAI's merges file
 * (`bpe_simple_vocab_16e6.txt.gz`, MIT, shipped in the open_clip wheel) into
 * the `tokenizer.json` structure that Hugging Face's CLIP conversion writes
 * (the file `Xenova/clip-vit-base-patch32` ships). The merges file is not in
 * the repository: `bash tests/fixtures/fetch_clip_bpe.sh` puts it in
 * `tests/fixtures/.cache/`, or point `ORIS_CLIP_BPE` at a copy.
 *
 * @module
 */

import { byteToUnicode } from "../../pipeline/text/clip_tokenizer.ts";

/** Where the merges file is looked for when `ORIS_CLIP_BPE` is not set. */
export const CLIP_BPE_CACHE_PATH = new URL(
  "../fixtures/.cache/bpe_simple_vocab_16e6.txt.gz",
  import.meta.url,
);

/** Number of merges CLIP uses: 49152 BPE tokens minus 256 bytes minus 2 specials. */
export const CLIP_MERGE_COUNT = 49152 - 256 - 2;

/** Where the merges file is, or null when neither location has it. */
export async function findClipBpeFile(): Promise<string | URL | null> {
  let fromEnv: string | undefined;
  try {
    fromEnv = Deno.env.get("ORIS_CLIP_BPE");
  } catch {
    fromEnv = undefined; // no --allow-env: use the cache path only
  }
  for (const candidate of [fromEnv, CLIP_BPE_CACHE_PATH]) {
    if (!candidate) continue;
    try {
      if ((await Deno.stat(candidate)).isFile) return candidate;
    } catch {
      // not there
    }
  }
  return null;
}

/**
 * Builds the CLIP `tokenizer.json` object from the text of OpenAI's merges
 * file: vocabulary = the 256 byte characters, the same with `</w>`, each
 * merge joined, then `<|startoftext|>` (49406) and `<|endoftext|>` (49407);
 * merges = lines 1 to 48894 of the file (line 0 is the version header).
 */
export function clipTokenizerJsonFromMerges(
  mergesText: string,
): Record<string, unknown> {
  const lines = mergesText.split("\n").slice(1, CLIP_MERGE_COUNT + 1);
  if (lines.length !== CLIP_MERGE_COUNT) {
    throw new Error(
      `CLIP merges file has ${lines.length} merge lines, expected ${CLIP_MERGE_COUNT}: the file is truncated; run \`bash tests/fixtures/fetch_clip_bpe.sh\` again.`,
    );
  }
  return clipTokenizerJsonFromMergeList(
    lines.map((line) => line.split(" ") as [string, string]),
  );
}

/**
 * Builds a `tokenizer.json` object with CLIP's structure around any merge
 * list (byte characters, byte characters + `</w>`, merged tokens, then the
 * start and end tokens). With CLIP's 48,894 merges it is CLIP's file.
 */
export function clipTokenizerJsonFromMergeList(
  mergeList: readonly (readonly [string, string])[],
): Record<string, unknown> {
  // GPT-2's order: printable bytes first, then the remapped ones, which is
  // the order of their characters' code points.
  const bytes = byteToUnicode().sort((a, b) =>
    a.codePointAt(0)! - b.codePointAt(0)!
  );
  const vocabList = [...bytes, ...bytes.map((c) => c + "</w>")];
  const merges: string[] = [];
  for (const [a, b] of mergeList) {
    vocabList.push(a + b);
    merges.push(`${a} ${b}`);
  }
  const bos = vocabList.length;
  const eos = bos + 1;
  vocabList.push("<|startoftext|>", "<|endoftext|>");
  const vocab: Record<string, number> = {};
  vocabList.forEach((token, id) => (vocab[token] = id));
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: true,
    special: true,
  });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [
      special(bos, "<|startoftext|>"),
      special(eos, "<|endoftext|>"),
    ],
    normalizer: {
      type: "Sequence",
      normalizers: [
        { type: "NFC" },
        { type: "Replace", pattern: { Regex: "\\s+" }, content: " " },
        { type: "Lowercase" },
      ],
    },
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        {
          type: "Split",
          pattern: {
            Regex:
              "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
          },
          behavior: "Removed",
          invert: true,
        },
        {
          type: "ByteLevel",
          add_prefix_space: false,
          trim_offsets: true,
          use_regex: true,
        },
      ],
    },
    post_processor: {
      type: "RobertaProcessing",
      sep: ["<|endoftext|>", eos],
      cls: ["<|startoftext|>", bos],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: {
      type: "ByteLevel",
      add_prefix_space: true,
      trim_offsets: true,
      use_regex: true,
    },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: "<|endoftext|>",
      continuing_subword_prefix: "",
      end_of_word_suffix: "</w>",
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

/**
 * The real CLIP `tokenizer.json` object, or null when the merges file is
 * absent (the caller skips its test with a notice).
 *
 * @example
 * ```ts
 * const json = await loadRealClipTokenizerJson();
 * if (json === null) console.log("skipped: run bash tests/fixtures/fetch_clip_bpe.sh");
 * ```
 */
export async function loadRealClipTokenizerJson(): Promise<
  Record<string, unknown> | null
> {
  const path = await findClipBpeFile();
  if (path === null) return null;
  const file = await Deno.open(path);
  const text = await new Response(
    file.readable.pipeThrough(new DecompressionStream("gzip")),
  ).text();
  return clipTokenizerJsonFromMerges(text);
}

/** Why real-vocabulary tests and benches fall back: the merges file is absent. */
export const CLIP_BPE_MISSING_NOTICE =
  "CLIP merges file not found (set ORIS_CLIP_BPE or run `bash tests/fixtures/fetch_clip_bpe.sh`)";
