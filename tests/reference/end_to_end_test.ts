/**
 * The whole pipeline against PyTorch on the tiny-random CLIP and SAM of
 * the real architectures (tests/fixtures/reference/end_to_end.py): the
 * proposals of every photo, every proposal's score against each of its
 * sentences, and the choice with the spatial rule off, seed and extended.
 *
 * SAM's thresholded masks can differ from PyTorch's by a pixel where a
 * logit lies within float noise of 0 (tests/reference/sam_parity_test.ts
 * bounds that); such a pixel moves that proposal's views, and its scores by
 * up to about 1e-4. So the scores of the pipeline's own proposals are held
 * to 1e-4 plus 2e-4 per differing pixel, and a second test holds every
 * score to 1e-4 on PyTorch's own proposals.
 *
 * Here: the scoring stages on wasm, on one photo. The whole pipeline, and
 * the scoring stages on every photo, on every backend, are in
 * end_to_end_slow_test.ts.
 */

import { checkScoringStages, GOLDEN } from "../helpers/reference_end_to_end.ts";

// One photo on wasm; every photo on every backend is in the slow file.
const FIRST = GOLDEN.photos.slice(0, 1);

Deno.test(`the scoring stages give every score within 1e-4 of PyTorch's on PyTorch's own proposals (wasm, ${FIRST[0].photo})`, async () => {
  await checkScoringStages("wasm", FIRST);
});
