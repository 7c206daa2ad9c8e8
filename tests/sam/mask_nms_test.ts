import assert from "node:assert/strict";
import { CPU_KERNELS, gpuKernels } from "../../kernels/kernels.ts";
import type { PairwiseIouInput } from "../../kernels/mask_pairwise_iou/contract.ts";
import { boxNms } from "../../pipeline/sam/_box_nms.ts";
import type { Proposal } from "../../pipeline/sam/mask_generator.ts";
import {
  maskNms,
  nmsByMatrix,
  pairwiseCropIou,
} from "../../pipeline/sam/_mask_nms.ts";
import { compactProposal, cropOf } from "../../pipeline/sam/compact_mask.ts";
import { maskStats } from "../../pipeline/sam/postprocess.ts";
import { gpu } from "../kernels/gpu_context.ts";

const W = 40, H = 30;

/** A proposal from a list of filled rectangles [x0, y0, x1, y1) (exclusive ends). */
function proposal(predictedIou: number, ...rects: number[][]): Proposal {
  const mask = new Uint8Array(W * H);
  for (const [x0, y0, x1, y1] of rects) {
    for (let y = y0; y < y1; y++) mask.fill(1, y * W + x0, y * W + x1);
  }
  const { area, box } = maskStats(mask, W);
  return { mask, box, area, predictedIou, stability: 1, point: [0, 0] };
}

// A 20x20 square; the same square with a one-pixel-wide spike to the right
// edge (boxes differ, masks nearly equal); a square nested in the first
// (same object part, lower IoU); a far-away square.
const square = proposal(0.99, [2, 2, 22, 22]);
const spiked = proposal(0.97, [2, 2, 22, 22], [22, 10, 40, 11]);
const part = proposal(0.95, [2, 2, 12, 22]);
const apart = proposal(0.9, [30, 20, 38, 28]);
const proposals = [square, spiked, part, apart];

const xyxy = (p: Proposal) => [
  p.box[0],
  p.box[1],
  p.box[0] + p.box[2],
  p.box[1] + p.box[3],
];

Deno.test("nmsByMatrix() keeps rows in order unless one overlaps a kept row above the threshold", () => {
  const iou = [
    ...[1, 0.9, 0.2, 0],
    ...[0.9, 1, 0.85, 0],
    ...[0.2, 0.85, 1, 0.8],
    ...[0, 0, 0.8, 1],
  ];
  assert.deepEqual(nmsByMatrix(iou, 4, 0.8), [0, 2, 3]); // 0.8 is not above 0.8
  assert.deepEqual(nmsByMatrix(iou, 4, 0.5), [0, 2]);
  assert.deepEqual(nmsByMatrix(iou, 4, 0.95), [0, 1, 2, 3]);
  assert.deepEqual(nmsByMatrix([], 0, 0.5), []);
});

Deno.test("nmsByMatrix() rejects a matrix of the wrong size", () => {
  assert.throws(
    () => nmsByMatrix(new Float32Array(6), 3, 0.5),
    /got 6 IoU values for 3 masks \(needs 9\)/,
  );
});

Deno.test("maskNms() drops a duplicate whose box differs, which box NMS keeps", async () => {
  const boxes = proposals.flatMap(xyxy);
  const scores = proposals.map((p) => p.predictedIou);
  assert.deepEqual(
    boxNms(boxes, scores, 0.7),
    [0, 1, 2, 3],
    "box IoU misses it",
  );
  const kept = await maskNms(proposals, W, H, 0.9, CPU_KERNELS);
  assert.deepEqual(kept, [square, part, apart]);
  // At 0.45 the half-square part (IoU 0.5 with the square) goes too.
  assert.deepEqual(await maskNms(proposals, W, H, 0.45, CPU_KERNELS), [
    square,
    apart,
  ]);
});

Deno.test("maskNms() at threshold 1 keeps everything without computing IoUs", async () => {
  let calls = 0;
  const counting = {
    pairwiseMaskIou: (input: PairwiseIouInput) => {
      calls++;
      return CPU_KERNELS.pairwiseMaskIou(input);
    },
  };
  assert.deepEqual(await maskNms(proposals, W, H, 1, counting), proposals);
  assert.deepEqual(await maskNms([square], W, H, 0.5, counting), [square]);
  assert.deepEqual(await maskNms([], W, H, 0.5, counting), []);
  assert.equal(calls, 0);
  await maskNms(proposals, W, H, 0.9, counting);
  assert.equal(calls, 1, "one kernel call for all pairs");
});

Deno.test({
  name:
    "maskNms() keeps the same proposals on the GPU kernels as on the CPU twin",
  ignore: !gpu,
  async fn() {
    const kernels = gpuKernels(gpu!);
    for (const threshold of [0.45, 0.9, 0.99]) {
      assert.deepEqual(
        await maskNms(proposals, W, H, threshold, kernels),
        await maskNms(proposals, W, H, threshold, CPU_KERNELS),
        `threshold ${threshold}`,
      );
    }
  },
});

/** The proposal as the generator holds it: its crop only. */
const compact = (p: Proposal) =>
  compactProposal({ ...p, crop: cropOf(p, W) }, W, H);

Deno.test("pairwiseCropIou() gives the IoU matrix the CPU kernel gives from image-size masks", async () => {
  const data = new Uint8Array(proposals.length * W * H);
  proposals.forEach((p, i) => data.set(p.mask, i * W * H));
  const expected = await CPU_KERNELS.pairwiseMaskIou({
    masks: { data, count: proposals.length },
    width: W,
    height: H,
  });
  assert.deepEqual(pairwiseCropIou(proposals.map(compact), W), expected);
});

Deno.test("maskNms() over its packing budget keeps the same proposals from their crops, without the kernel", async () => {
  let calls = 0;
  const counting = {
    pairwiseMaskIou: (input: PairwiseIouInput) => {
      calls++;
      return CPU_KERNELS.pairwiseMaskIou(input);
    },
  };
  const held = proposals.map(compact);
  for (const threshold of [0.45, 0.9]) {
    const small = await maskNms(held, W, H, threshold, counting, 0);
    const packed = await maskNms(held, W, H, threshold, counting);
    assert.deepEqual(small, packed, `threshold ${threshold}`);
  }
  assert.equal(calls, 2, "the kernel runs only within the budget");
});
