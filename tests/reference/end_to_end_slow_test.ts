/**
 * The whole pipeline against PyTorch on real photos, on every backend
 * (webgpu on lavapipe takes minutes), and the scoring stages on every
 * photo and backend; see end_to_end_test.ts for what is compared and why the
 * tolerances are what they are.
 */

import assert from "node:assert/strict";
import { createSegmenter } from "../../pipeline/segmenter.ts";
import { fromItems } from "../../pipeline/stages/job.ts";
import type { ScoreMatrices } from "../../pipeline/stages/score.ts";
import { selectAll } from "../../pipeline/stages/select.ts";
import {
  assertScores,
  checkScoringStages,
  decided,
  GOLDEN,
  goldenMasks,
  goldenMatrices,
  PER_PIXEL,
  TOL,
} from "../helpers/reference_end_to_end.ts";
import {
  parityBackends,
  readPhoto,
  REFERENCE_CLIP,
  REFERENCE_SAM,
  referenceModels,
} from "./reference_data.ts";

const BACKENDS = await parityBackends();

for (const backend of BACKENDS) {
  Deno.test(`the pipeline on real photos gives PyTorch's proposals, their scores, and its choice with the spatial rule off, seed and extended wherever the reference's scores decide it (${backend})`, async () => {
    const count = { all: 0, off: 0, seed: 0, extended: 0 };
    for (const photo of GOLDEN.photos) {
      const segmenter = await createSegmenter({
        source: referenceModels(),
        clip: REFERENCE_CLIP,
        sam: REFERENCE_SAM,
        backend,
        device: "cpu",
        alpha: GOLDEN.alpha,
        beta: GOLDEN.beta,
        spatial: "off",
        // As a user's runs from the model cache run it (a folder keeps no
        // checked encoder, so it is asked for here).
        fastEncoder: backend !== "webgpu",
        // The reference generator decodes every grid point.
        generator: { ...photo.options, prunePoints: false },
      });
      try {
        const image = await readPhoto(photo.photo);
        const sentences = photo.sentences.map((s) => s.sentence);
        let job;
        for await (
          const done of segmenter.stream(
            fromItems([{ id: photo.photo, image, sentences, timings: {} }]),
          )
        ) job = done;
        assert.ok(job);
        assert.deepEqual(
          job.parsed.map((
            p,
          ) => [p.nounPhrase, p.spatial?.relation?.anchor ?? ""]),
          photo.sentences.map((s) => [s.nounPhrase, s.anchor]),
          `${photo.photo}: oris parses the sentences otherwise than when the goldens were made: rerun tests/fixtures/reference/parse_sentences.ts and end_to_end.py`,
        );
        assert.deepEqual(
          job.proposals.map((p) => [...p.box]),
          photo.boxes,
          `${photo.photo}: proposals`,
        );
        const masks = goldenMasks(photo.photo, image.width * image.height);
        const differing = job.proposals.map((p, i) =>
          p.mask.reduce((d, v, k) => d + (v !== masks[i][k] ? 1 : 0), 0)
        );
        assert.ok(
          differing.every((d) => d <= 2),
          `${photo.photo}: mask pixels differing from PyTorch's: ${differing}`,
        );
        assertScores(photo, job, (i) => TOL + PER_PIXEL * differing[i]);
        const choose = (spatial: "seed" | "extended", m: ScoreMatrices) =>
          selectAll(job!, m, {
            spatial,
            topK: spatial === "seed" ? GOLDEN.seedTopK : 4,
          }).map((s) => s.index);
        const seed = choose("seed", job);
        const extended = choose("extended", job);
        const goldenExtended = choose("extended", goldenMatrices(photo));
        photo.sentences.forEach((s, e) => {
          count.all++;
          const where = `${photo.photo} "${s.sentence}"`;
          const off = job!.selections[e].index;
          // Off: the best score, or one tied with it within the tolerance.
          assert.ok(
            s.scores[off] >= s.scores[s.off] - 2 * TOL,
            `${where}: spatial off chose ${off}, PyTorch ${s.off}`,
          );
          if (decided(s.scores, 1)) count.off++;
          if (decided(s.scores, GOLDEN.seedTopK)) {
            count.seed++;
            assert.equal(seed[e], s.seed, `${where}: seed`);
          }
          if (decided(s.scores, 4)) {
            count.extended++;
            assert.equal(extended[e], goldenExtended[e], `${where}: extended`);
          }
        });
      } finally {
        await segmenter.release();
      }
    }
    // The comparisons must bite: most choices are decided at this tolerance.
    for (const rule of ["off", "seed", "extended"] as const) {
      assert.ok(
        count[rule] >= 0.6 * count.all,
        `only ${
          count[rule]
        } of ${count.all} ${rule} choices are decided by the reference`,
      );
    }
  });
}

for (const backend of BACKENDS) {
  Deno.test(`the scoring stages give every score within 1e-4 of PyTorch's on PyTorch's own proposals (${backend})`, async () => {
    await checkScoringStages(backend);
  });
}
