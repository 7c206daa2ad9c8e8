import assert from "node:assert/strict";
import {
  compactProposal,
  cropOf,
  expandCrop,
  masksPerBatch,
  packProposalMasks,
} from "../../pipeline/sam/compact_mask.ts";
import { maskStats } from "../../pipeline/sam/postprocess.ts";

const W = 6, H = 4;

/** A 6 x 4 mask with an L shape in the box [1, 1, 3, 2]. */
function lMask(): Uint8Array {
  const m = new Uint8Array(W * H);
  m[1 * W + 1] = 1;
  m[2 * W + 1] = m[2 * W + 2] = m[2 * W + 3] = 1;
  return m;
}

Deno.test("expandCrop() puts a crop back at its box in an image-size mask", () => {
  const crop = Uint8Array.of(1, 0, 0, 1, 1, 1);
  assert.deepEqual(expandCrop(crop, [1, 1, 3, 2], W, H), lMask());
});

Deno.test("expandCrop() rejects a crop that does not fill its box", () => {
  assert.throws(
    () => expandCrop(new Uint8Array(5), [1, 1, 3, 2], W, H),
    /crop of 5 bytes does not fill its 3x2 box/,
  );
});

Deno.test("cropOf() copies the box out of a proposal without a crop and returns a crop as is", () => {
  const mask = lMask();
  const { area, box } = maskStats(mask, W);
  const plain = {
    mask,
    box,
    area,
    predictedIou: 1,
    stability: 1,
    point: [1, 1] as const,
  };
  assert.deepEqual(cropOf(plain, W), Uint8Array.of(1, 0, 0, 1, 1, 1));
  const crop = Uint8Array.of(1, 0, 0, 1, 1, 1);
  assert.equal(cropOf({ ...plain, crop }, W), crop);
});

Deno.test("compactProposal() keeps only the crop and expands a fresh image-size mask at each read", () => {
  const crop = Uint8Array.of(1, 0, 0, 1, 1, 1);
  const p = compactProposal(
    {
      crop,
      box: [1, 1, 3, 2],
      area: 4,
      predictedIou: 0.9,
      stability: 1,
      point: [1, 1],
    },
    W,
    H,
  );
  assert.equal(p.crop, crop);
  assert.deepEqual(p.mask, lMask());
  assert.notEqual(p.mask, p.mask); // not cached
  assert.deepEqual({ ...p }.mask, lMask()); // a spread copy has it too
});

Deno.test("packProposalMasks() writes each proposal's mask from its crop, one after another", () => {
  const a = compactProposal(
    {
      crop: Uint8Array.of(1, 0, 0, 1, 1, 1),
      box: [1, 1, 3, 2],
      area: 4,
      predictedIou: 0.9,
      stability: 1,
      point: [1, 1],
    },
    W,
    H,
  );
  const mask = new Uint8Array(W * H).fill(1, 0, W);
  const b = {
    mask,
    box: [0, 0, W, 1] as const,
    area: W,
    predictedIou: 0.8,
    stability: 1,
    point: [0, 0] as const,
  };
  const packed = packProposalMasks([a, b], W, H);
  assert.deepEqual(packed.subarray(0, W * H), lMask());
  assert.deepEqual(packed.subarray(W * H), mask);
});

Deno.test("masksPerBatch() fits image-size masks in the budget, at least one and at most the cap", () => {
  assert.equal(masksPerBatch(32, 640 * 480, 128 * 2 ** 20), 32);
  assert.equal(masksPerBatch(32, 7071 * 7071, 128 * 2 ** 20), 2);
  assert.equal(masksPerBatch(32, 2 ** 30, 128 * 2 ** 20), 1);
});
