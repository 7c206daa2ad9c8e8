/**
 * The check both fast SAM rewrites share at the segmenter's level: a
 * segmenter with the rewrite (its default) and one without give the same
 * proposals and choices on a reference photo.
 *
 * @module
 */

import assert from "node:assert/strict";
import type {
  DerivedFiles,
  ModelSource,
} from "../../pipeline/models/source.ts";
import { FAST_ENCODER_DERIVATION } from "../../pipeline/sam/fast_encoder.ts";
import { createSegmenter } from "../../pipeline/segmenter.ts";
import {
  readPhoto,
  REFERENCE_CLIP,
  REFERENCE_SAM,
  referenceModels,
} from "../reference/reference_data.ts";

/**
 * Derived files kept in a map, keyed `repo/path/kind`, as the model cache
 * keeps them on disk.
 */
export function memoryDerivedFiles(): {
  derived: DerivedFiles;
  kept: Map<string, Uint8Array>;
} {
  const kept = new Map<string, Uint8Array>();
  const derived: DerivedFiles = {
    read: (repo, path, kind) =>
      Promise.resolve(kept.get(`${repo}/${path}/${kind}`)),
    write: (repo, path, kind, bytes) => {
      kept.set(`${repo}/${path}/${kind}`, bytes);
      return Promise.resolve();
    },
  };
  return { derived, kept };
}

/**
 * `source` with derived files kept in memory (the fast encoder is the
 * default only where they are kept).
 */
export function keepingDerived(source: ModelSource): ModelSource {
  return {
    read: (repo, path, options) => source.read(repo, path, options),
    describe: (repo, path) => source.describe(repo, path),
    derived: memoryDerivedFiles().derived,
  };
}

/**
 * Opens the tiny reference models twice from a source that keeps derived
 * files, `option` left to its default and false (the other rewrite off in
 * both), asserts the first runs the rewrite (derived and checked once),
 * the second not, and that both segment the coffee photo alike.
 */
export async function assertRewriteKeepsResults(
  option: "fastEncoder" | "fastDecoder",
  derivation: string,
): Promise<void> {
  const other = option === "fastEncoder" ? "fastDecoder" : "fastEncoder";
  const photo = await readPhoto("photos/coffee.png");
  const derivations: string[] = [];
  const source = keepingDerived(referenceModels());
  const open = (on?: boolean) =>
    createSegmenter({
      source,
      clip: REFERENCE_CLIP,
      sam: REFERENCE_SAM,
      device: "cpu",
      generator: { pointsPerSide: 8 },
      [other]: false,
      ...(on === undefined ? {} : { [option]: on }),
      onProgress: (e) => {
        if (e.kind === "derive") derivations.push(e.derivation);
      },
    });
  const fast = await open();
  const stock = await open(false);
  try {
    assert.equal(fast.models[option], true);
    assert.equal(stock.models[option], false);
    assert.deepEqual(derivations, [derivation]);
    const sentences = ["a cup of coffee", "the saucer on the left"];
    const a = await fast.segment(photo, sentences);
    const b = await stock.segment(photo, sentences);
    assert.ok(a.proposals.length > 0);
    assert.deepEqual(
      a.proposals.map((p) => [p.box, p.area]),
      b.proposals.map((p) => [p.box, p.area]),
    );
    assert.deepEqual(
      a.sentences.map((s) => [s.selected, s.rule]),
      b.sentences.map((s) => [s.selected, s.rule]),
    );
  } finally {
    await fast.release();
    await stock.release();
  }
}

/**
 * Asserts that SAM's encoder, read from `source` on `backend`, runs as
 * exported when `fastEncoder` is left to its default (nothing derived), and
 * as the fast encoder, derived once, when it is asked for.
 */
export async function assertFastEncoderOnlyWhenAsked(
  source: ModelSource,
  backend: "native" | "webgpu",
): Promise<void> {
  const open = async (fastEncoder?: boolean) => {
    const derivations: string[] = [];
    const segmenter = await createSegmenter({
      source,
      clip: REFERENCE_CLIP,
      sam: REFERENCE_SAM,
      backend,
      ...(backend === "webgpu" ? {} : { device: "cpu" as const }),
      fastDecoder: false,
      ...(fastEncoder === undefined ? {} : { fastEncoder }),
      onProgress: (e) => {
        if (e.kind === "derive" && e.derivation === FAST_ENCODER_DERIVATION) {
          derivations.push(e.derivation);
        }
      },
    });
    const fast = segmenter.models.fastEncoder;
    await segmenter.release();
    return { fast, derivations };
  };
  assert.deepEqual(await open(), { fast: false, derivations: [] });
  assert.deepEqual(await open(true), {
    fast: true,
    derivations: [FAST_ENCODER_DERIVATION],
  });
}
