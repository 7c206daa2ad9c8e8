/**
 * Stage 3: what each sentence says beyond its words: the noun phrase that
 * holds the head noun, the seed rule's direction words and the extended
 * spatial parse (directions, ordinal, relation and its anchor phrase).
 *
 * @module
 */

import { parseSpatial, type SpatialParse } from "../spatial/parse.ts";
import { seedWords } from "../spatial/seed.ts";
import { nounPhrase } from "../text/noun_phrase.ts";
import {
  type ImageJob,
  mapStage,
  type Stage,
  type StageOptions,
} from "./job.ts";

/** A sentence with its parse. */
export interface ParsedSentence {
  /** The sentence as given. */
  readonly sentence: string;
  /** Phrase holding the head noun; "" when the sentence has no noun. */
  readonly nounPhrase: string;
  /** Head noun, or null. */
  readonly head: string | null;
  /** Direction words of the seed rule, in order. */
  readonly spatialWords: readonly string[];
  /** What the extended spatial parser reads in it; null when nothing spatial. */
  readonly spatial: SpatialParse | null;
}

/** What the parse stage adds to a job. */
export interface Parsed {
  /** One parse per sentence, in the job's sentence order. */
  readonly parsed: readonly ParsedSentence[];
}

/** Parses one sentence. */
export function parseSentence(sentence: string): ParsedSentence {
  const np = nounPhrase(sentence);
  return {
    sentence,
    nounPhrase: np.text,
    head: np.head,
    spatialWords: seedWords(sentence),
    spatial: parseSpatial(sentence),
  };
}

/** Parses every sentence of each job. */
export function parseStage<J extends ImageJob>(
  options: StageOptions = {},
): Stage<J, J & Parsed> {
  return mapStage(
    "parse",
    (job: J) =>
      Promise.resolve({ ...job, parsed: job.sentences.map(parseSentence) }),
    options,
  );
}
