/**
 * Stage 4: CLIP text features: t = beta * sentence + (1 - beta) * noun
 * phrase, on raw embeddings.
 *
 * @module
 */

import { type ClipTextEncoder, mixText } from "../clip/text.ts";
import { type ImageJob, mapStage, type Stage } from "./job.ts";
import type { Parsed } from "./parse.ts";

/** Text features of a job's sentences. */
export interface TextFeatures {
  /** E x D mixed features. */
  readonly features: Float32Array;
  readonly dim: number;
  /** Whether each sentence was cut to CLIP's 77 tokens. */
  readonly truncated: readonly boolean[];
  /** Tokens of each sentence before truncation. */
  readonly tokenCounts: readonly number[];
}

/** What the text stage adds to a job. */
export interface WithText {
  readonly text: TextFeatures;
}

/** Embeds each job's sentences and noun phrases, then mixes them with `beta`. */
export function embedTextStage<J extends ImageJob & Parsed>(
  encoder: ClipTextEncoder,
  beta: number,
): Stage<J, J & WithText> {
  return mapStage("text", async (job: J) => {
    const phrases = job.parsed.map((p) => p.nounPhrase);
    const withPhrase = phrases.map((p) => p.length > 0);
    const all = await encoder.embed([
      ...job.sentences,
      ...phrases.filter((_, i) => withPhrase[i]),
    ]);
    const e = job.sentences.length, dim = all.dim;
    // Spread the phrase embeddings back to one row per sentence.
    const phraseRows = new Float32Array(e * dim);
    let next = e;
    withPhrase.forEach((has, i) => {
      if (!has) return;
      phraseRows.set(
        all.embeds.subarray(next * dim, (next + 1) * dim),
        i * dim,
      );
      next++;
    });
    return {
      ...job,
      text: {
        features: mixText(
          all.embeds.subarray(0, e * dim),
          phraseRows,
          withPhrase,
          dim,
          beta,
        ),
        dim,
        truncated: all.truncated.slice(0, e),
        tokenCounts: all.tokenCounts.slice(0, e),
      },
    };
  });
}
