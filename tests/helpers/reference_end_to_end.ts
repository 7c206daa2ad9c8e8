/**
 * The goldens of the end-to-end reference tests (tests/reference/
 * end_to_end_test.ts and end_to_end_slow_test.ts) and the checks they share.
 *
 * @module
 */

import assert from "node:assert/strict";
import { CLIP_NORMALISATION } from "../../kernels/clip_views.ts";
import { CPU_KERNELS } from "../../kernels/kernels.ts";
import { ClipTextEncoder } from "../../pipeline/clip/text.ts";
import { deriveTokenMaskModel } from "../../pipeline/clip/token_mask_model.ts";
import { ClipVisionEncoder } from "../../pipeline/clip/vision.ts";
import {
  type BackendName,
  createSession,
  type InferenceSession,
} from "../../pipeline/models/session.ts";
import type {
  MaskGeneratorOptions,
  Proposal,
} from "../../pipeline/sam/mask_generator.ts";
import { embedTextStage } from "../../pipeline/stages/embed_text.ts";
import { fromItems, pipe } from "../../pipeline/stages/job.ts";
import { parseStage } from "../../pipeline/stages/parse.ts";
import { regionsStage } from "../../pipeline/stages/regions.ts";
import { type ScoreMatrices, scoreStage } from "../../pipeline/stages/score.ts";
import { ClipTokenizer } from "../../pipeline/text/clip_tokenizer.ts";
import {
  decodeRuns,
  readGolden,
  readPhoto,
  REFERENCE_CLIP,
  referenceModels,
} from "../reference/reference_data.ts";

/** One sentence of a photo, with PyTorch's scores and choices. */
export interface SentenceGolden {
  sentence: string;
  nounPhrase: string;
  anchor: string;
  scores: number[];
  phraseScores: number[];
  anchorScores: number[];
  off: number;
  seed: number;
}

/** One photo of the end-to-end goldens. */
export interface PhotoGolden {
  photo: string;
  options: MaskGeneratorOptions;
  proposals: number;
  boxes: [number, number, number, number][];
  sentences: SentenceGolden[];
}

/** The end-to-end goldens: options, scores and choices per photo. */
export const GOLDEN = await readGolden<
  { alpha: number; beta: number; seedTopK: number; photos: PhotoGolden[] }
>("e2e/scores.json");
const AMG = await readGolden<
  { runs: { photo: string; masks: { rle: number[] }[] }[] }
>("sam/amg.json");
/** Score tolerance against PyTorch. */
export const TOL = 1e-4;
/** What one differing mask pixel may add to a proposal's scores. */
export const PER_PIXEL = 2e-4;
const MATRICES = ["scores", "phraseScores", "anchorScores"] as const;

/** The golden's score matrices of a photo, E x N each. */
export function goldenMatrices(p: PhotoGolden): ScoreMatrices {
  const rows = (key: typeof MATRICES[number]) =>
    Float32Array.from(p.sentences.flatMap((s) => s[key]));
  return {
    scores: rows("scores"),
    phraseScores: rows("phraseScores"),
    anchorScores: rows("anchorScores"),
  };
}

/** PyTorch's proposals of a photo (the SAM golden's masks). */
export function goldenMasks(photo: string, size: number): Uint8Array[] {
  const run = AMG.runs.find((r) => r.photo === photo)!;
  return run.masks.map((m) => decodeRuns(m.rle, size));
}

/**
 * Whether the reference's scores decide a choice among the best `ranks + 1`
 * at this tolerance: no two of them closer than twice the tolerance.
 */
export function decided(scores: readonly number[], ranks: number): boolean {
  const top = [...scores].sort((a, b) => b - a).slice(0, ranks + 1);
  return top.every((v, i) => i === 0 || top[i - 1] - v > 2 * TOL);
}

/** Asserts every score of `got` against the golden within `tolerance(i)` for proposal i. */
export function assertScores(
  photo: PhotoGolden,
  got: ScoreMatrices,
  tolerance: (i: number) => number,
): void {
  const n = photo.proposals;
  photo.sentences.forEach((s, e) => {
    for (const key of MATRICES) {
      s[key].forEach((want, i) => {
        const d = Math.abs(got[key][e * n + i] - want);
        assert.ok(
          d < tolerance(i),
          `${photo.photo} "${s.sentence}" ${key}[${i}]: off by ${d}`,
        );
      });
    }
  });
}

/**
 * Asserts that the scoring stages (regions, parse, text, score) on
 * `backend` give every score within {@linkcode TOL} of PyTorch's, on
 * PyTorch's own proposals of `photos` (every photo unless given).
 */
export async function checkScoringStages(
  backend: BackendName,
  photos: readonly PhotoGolden[] = GOLDEN.photos,
): Promise<void> {
  const source = referenceModels();
  const sessions: InferenceSession[] = [];
  const open = async (path: string, derive?: boolean) => {
    let bytes = await source.read(REFERENCE_CLIP, path);
    if (derive) {
      bytes = deriveTokenMaskModel(bytes, { sequenceLength: 50 }).bytes;
    }
    const s = await createSession(bytes, { backend });
    sessions.push(s);
    return s;
  };
  try {
    const tokenizer = ClipTokenizer.fromJson(JSON.parse(
      new TextDecoder().decode(
        await source.read(REFERENCE_CLIP, "tokenizer.json"),
      ),
    ));
    const stages = pipe(
      regionsStage(
        new ClipVisionEncoder(await open("onnx/vision_model.onnx", true)),
        CPU_KERNELS,
        { normalisation: CLIP_NORMALISATION },
      ),
      parseStage(),
      embedTextStage(
        new ClipTextEncoder(await open("onnx/text_model.onnx"), tokenizer),
        GOLDEN.beta,
      ),
      scoreStage(CPU_KERNELS, GOLDEN.alpha),
    );
    for (const photo of photos) {
      const image = await readPhoto(photo.photo);
      const proposals: Proposal[] = goldenMasks(
        photo.photo,
        image.width * image.height,
      ).map((mask, i) => ({
        mask,
        box: photo.boxes[i],
        area: mask.reduce((a, v) => a + v, 0),
        predictedIou: 1,
        stability: 1,
        point: [0, 0],
      }));
      const sentences = photo.sentences.map((s) => s.sentence);
      for await (
        const job of stages(fromItems([
          { id: photo.photo, image, sentences, proposals, timings: {} },
        ]))
      ) assertScores(photo, job, () => TOL);
    }
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
}
