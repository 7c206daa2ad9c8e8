/**
 * Stage 4: CLIP text features: t = beta * sentence + (1 - beta) * noun
 * phrase, on raw embeddings; plus the noun phrase alone and the anchor
 * phrase of a spatial relation ("left of the dog" -> "the dog"), which the
 * extended selector scores proposals against.
 *
 * @module
 */

import { type ClipTextEncoder, mixText } from "../clip/text.ts";
import {
  type ImageJob,
  mapStage,
  type Stage,
  type StageOptions,
} from "./job.ts";
import type { Parsed } from "./parse.ts";

/** Text features of a job's sentences (E sentences, dimension D). */
export interface TextFeatures {
  /** E x D mixed features, the sentence's feature of the method. */
  readonly features: Float32Array;
  /** E x D embeddings of the noun phrases (zero rows where there is none). */
  readonly phrases: Float32Array;
  /** Whether each sentence has a noun phrase. */
  readonly hasPhrase: readonly boolean[];
  /** E x D embeddings of the relations' anchor phrases (zero rows where none). */
  readonly anchors: Float32Array;
  /** Whether each sentence has a relation with an anchor phrase. */
  readonly hasAnchor: readonly boolean[];
  /** Embedding dimension D. */
  readonly dim: number;
  /** Whether each sentence was cut to CLIP's 77 tokens. */
  readonly truncated: readonly boolean[];
  /** Tokens of each sentence before truncation. */
  readonly tokenCounts: readonly number[];
}

/** What the text stage adds to a job. */
export interface WithText {
  /** CLIP text features of the job's sentences. */
  readonly text: TextFeatures;
}

/** Spreads the embeddings of the present texts back to one row per sentence. */
function spread(
  embeds: Float32Array,
  first: number,
  present: readonly boolean[],
  dim: number,
): Float32Array {
  const out = new Float32Array(present.length * dim);
  let next = first;
  present.forEach((has, i) => {
    if (!has) return;
    out.set(embeds.subarray(next * dim, (next + 1) * dim), i * dim);
    next++;
  });
  return out;
}

/** Embeds each job's sentences, noun phrases and anchor phrases in one batch. */
export function embedTextStage<J extends ImageJob & Parsed>(
  encoder: ClipTextEncoder,
  beta: number,
  options: StageOptions = {},
): Stage<J, J & WithText> {
  return mapStage("text", async (job: J, signal) => {
    const phrases = job.parsed.map((p) => p.nounPhrase);
    const anchors = job.parsed.map((p) => p.spatial?.relation?.anchor ?? "");
    const hasPhrase = phrases.map((p) => p.length > 0);
    const hasAnchor = anchors.map((a) => a.trim().length > 0);
    const e = job.sentences.length;
    const phraseTexts = phrases.filter((_, i) => hasPhrase[i]);
    const all = await encoder.embed([
      ...job.sentences,
      ...phraseTexts,
      ...anchors.filter((_, i) => hasAnchor[i]),
    ], { signal });
    const dim = all.dim;
    const phraseRows = spread(all.embeds, e, hasPhrase, dim);
    return {
      ...job,
      text: {
        features: mixText(
          all.embeds.subarray(0, e * dim),
          phraseRows,
          hasPhrase,
          dim,
          beta,
        ),
        phrases: phraseRows,
        hasPhrase,
        anchors: spread(all.embeds, e + phraseTexts.length, hasAnchor, dim),
        hasAnchor,
        dim,
        truncated: all.truncated.slice(0, e),
        tokenCounts: all.tokenCounts.slice(0, e),
      },
    };
  }, options);
}
