/**
 * The examples picture of a sharded run: each shard keeps its best and
 * worst examples with their place in the split (examples.json); the merge
 * picks the best and worst of those as one run would have (by IoU, ties
 * to the example met first in the split's order). A run's best k are
 * among the union of its shards' best k, so nothing is lost.
 *
 * @module
 */

import { DEFAULTS } from "../defaults.ts";
import type { EvalExample } from "./run.ts";
import type { ShardRecord } from "./shard.ts";

/** An example and where one run would have met it. */
export interface PlacedExample {
  /** Position of its image in the split. */
  readonly position: number;
  /** Index of its sentence among the image's sentences. */
  readonly sentence: number;
  /** The example; its image without refs (only its own ref is kept). */
  readonly example: EvalExample;
}

/** What a shard's examples.json holds. */
export interface ShardExamples {
  /** The shard's best examples, best first. */
  readonly best: readonly PlacedExample[];
  /** The shard's worst examples, worst first. */
  readonly worst: readonly PlacedExample[];
}

/** Places a shard's examples in the split (see {@linkcode PlacedExample}). */
export function placeExamples(
  best: readonly EvalExample[],
  worst: readonly EvalExample[],
  record: ShardRecord,
): ShardExamples {
  const position = new Map(
    record.images.map((i) => [String(i.id), i.position]),
  );
  const place = (e: EvalExample): PlacedExample => {
    const sentences = e.image.refs.flatMap((ref) =>
      ref.sentences.map((s) => ({ ref, s }))
    );
    return {
      position: position.get(String(e.image.id)) ?? -1,
      sentence: sentences.findIndex((x) =>
        x.ref === e.ref && x.s.sent === e.sentence
      ),
      example: { ...e, image: { ...e.image, refs: [] } },
    };
  };
  return { best: best.map(place), worst: worst.map(place) };
}

/**
 * The best and worst `k` examples over all shards, as one run keeps them;
 * an example in both lists is one object, as in a run.
 */
export function mergeExamples(
  shards: readonly ShardExamples[],
  k: number = DEFAULTS.evaluation.examples,
): { best: EvalExample[]; worst: EvalExample[] } {
  const byKey = new Map<string, PlacedExample>();
  for (const s of shards) {
    for (const p of [...s.best, ...s.worst]) {
      const key = `${p.position}/${p.sentence}`;
      if (!byKey.has(key)) byKey.set(key, p);
    }
  }
  const all = [...byKey.values()];
  const met = (a: PlacedExample, b: PlacedExample) =>
    a.position - b.position || a.sentence - b.sentence;
  const pick = (sign: number) =>
    [...all].sort((a, b) => sign * (b.example.iou - a.example.iou) || met(a, b))
      .slice(0, k).map((p) => p.example);
  return { best: pick(1), worst: pick(-1) };
}

/** The text of examples.json. */
export function examplesJson(examples: ShardExamples): string {
  return JSON.stringify(examples) + "\n";
}
