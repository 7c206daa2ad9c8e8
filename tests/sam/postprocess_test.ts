import assert from "node:assert/strict";
import type { GpuContext } from "../../kernels/gpu_device.ts";
import { decodeMaskLogits } from "../../kernels/mask_logits/cpu.ts";
import {
  MASK_GENERATOR_DEFAULTS,
  type MaskGeneratorOptions,
} from "../../pipeline/sam/mask_generator.ts";
import {
  type DecoderBatch,
  filterDecoderBatch,
  type MaskCandidate,
  maskStats,
  suppressDuplicates,
} from "../../pipeline/sam/postprocess.ts";

const W = 8, H = 6;
const KERNELS = {
  decodeMaskLogits: (i: Parameters<typeof decodeMaskLogits>[0]) =>
    Promise.resolve(decodeMaskLogits(i)),
};
const OPTIONS: MaskGeneratorOptions = { ...MASK_GENERATOR_DEFAULTS };

/** A W x H mask with the rectangle [x0, x1) x [y0, y1) set. */
function rect(x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) m.fill(1, y * W + x0, y * W + x1);
  return m;
}

/** Logits of a mask: `inside` where it is set, `outside` elsewhere. */
function logitsOf(mask: Uint8Array, inside = 10, outside = -10): Float32Array {
  return Float32Array.from(mask, (v) => (v ? inside : outside));
}

/**
 * A batch on a square W x W grid (as SAM's) whose top W x H cells are the
 * image, over a frame of one pixel per cell, so the upsampling is the
 * identity: 2 points, 2 masks per point. The padding rows hold -10.
 */
function batch(planes: Float32Array[], iou: number[]): DecoderBatch {
  const logits = new Float32Array(planes.length * W * W).fill(-10);
  planes.forEach((p, i) => logits.set(p, i * W * W));
  return {
    iou: Float32Array.from(iou),
    logits,
    dims: [1, 2, 2, W, W],
    points: Float32Array.from([1.5, 2.5, 6.5, 4.5]),
    validFractionX: 1,
    validFractionY: H / W,
    frameSize: W,
    width: W,
    height: H,
  };
}

const BLOCK = rect(1, 1, 4, 3); // x 1..3, y 1..2
const OTHER = rect(5, 2, 8, 6);

/** The full-size mask a candidate's crop stands for. */
function expand(c: MaskCandidate): Uint8Array {
  const [x0, y0, x1, y1] = c.box;
  const w = x1 - x0;
  assert.equal(c.crop.length, w * (y1 - y0));
  const m = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) {
    m.set(c.crop.subarray((y - y0) * w, (y - y0 + 1) * w), y * W + x0);
  }
  return m;
}

Deno.test("filterDecoderBatch() keeps masks whose predicted IoU exceeds the threshold", async () => {
  const planes = [
    logitsOf(BLOCK),
    logitsOf(BLOCK),
    logitsOf(OTHER),
    logitsOf(OTHER),
  ];
  const out = await filterDecoderBatch(
    batch(planes, [0.95, 0.88, 0.5, 0.89]),
    // The threshold as the float32 the decoder gives: equal is not above.
    { ...OPTIONS, predIouThresh: Math.fround(0.88) },
    KERNELS,
  );
  assert.deepEqual(out.map((c) => c.predictedIou), [
    Math.fround(0.95),
    Math.fround(0.89),
  ]);
  assert.deepEqual(out.map((c) => c.point), [[1.5, 2.5], [6.5, 4.5]]);
});

Deno.test("filterDecoderBatch() drops masks below the stability threshold", async () => {
  // Mask 1 sits between the two stability thresholds (logit 0.5 inside, -0.5 outside): stability 0.
  const planes = [
    logitsOf(BLOCK),
    logitsOf(BLOCK, 0.5, -0.5),
    logitsOf(OTHER),
    logitsOf(OTHER, 10, -0.5),
  ];
  const iou = [0.95, 0.96, 0.97, 0.98];
  const strict = await filterDecoderBatch(batch(planes, iou), OPTIONS, KERNELS);
  // Mask 3: the outside is above threshold - offset, so the low mask is the whole image.
  assert.deepEqual(strict.map((c) => c.predictedIou), [
    Math.fround(0.95),
    Math.fround(0.97),
  ]);
  assert.ok(strict.every((c) => c.stability === 1));
  const lax = await filterDecoderBatch(
    batch(planes, iou),
    { ...OPTIONS, stabilityScoreThresh: 0 },
    KERNELS,
  );
  assert.equal(lax.length, 4);
  assert.equal(lax[1].stability, 0);
  assert.equal(lax[3].stability, 12 / 48);
});

Deno.test("filterDecoderBatch() drops empty masks even when stable enough", async () => {
  const empty = new Float32Array(W * H).fill(-10);
  const out = await filterDecoderBatch(
    batch([logitsOf(BLOCK), empty, empty, logitsOf(OTHER)], [
      0.9,
      0.99,
      0.99,
      0.9,
    ]),
    { ...OPTIONS, stabilityScoreThresh: 0 },
    KERNELS,
  );
  assert.equal(out.length, 2);
  assert.ok(out.every((c) => c.area > 0));
});

Deno.test("filterDecoderBatch() keeps each mask as its box crop, which expands back to the mask", async () => {
  const out = await filterDecoderBatch(
    batch(
      [logitsOf(BLOCK), logitsOf(OTHER), logitsOf(OTHER), logitsOf(BLOCK)],
      [
        0.9,
        0.91,
        0.92,
        0.93,
      ],
    ),
    OPTIONS,
    KERNELS,
  );
  assert.equal(out.length, 4);
  assert.deepEqual(out[0].box, [1, 1, 4, 3]);
  assert.equal(out[0].area, 6);
  assert.deepEqual(Array.from(out[0].crop), [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(out[1].box, [5, 2, 8, 6]);
  assert.deepEqual(expand(out[1]), OTHER);
  assert.deepEqual(expand(out[3]), BLOCK);
  // Masks 2 and 3 belong to the second point.
  assert.deepEqual(out.map((c) => c.point[0]), [1.5, 1.5, 6.5, 6.5]);
  // And a proposal made from the crop is the full mask again.
  const [p] = suppressDuplicates([out[1]], W, H, OPTIONS);
  assert.deepEqual(p.mask, OTHER);
  assert.deepEqual(p.box, [5, 2, 3, 4]);
});

Deno.test("filterDecoderBatch() maps only the valid part of the padded grid onto the image", async () => {
  // A 16-wide grid of which the image covers the left half: logits set in
  // the right (padding) half must not show.
  const lowW = 16;
  const plane = new Float32Array(lowW * H).fill(-10);
  for (let y = 0; y < H; y++) {
    plane[y * lowW + 1] = 10;
    plane[y * lowW + 12] = 10;
  }
  const out = await filterDecoderBatch(
    {
      iou: Float32Array.from([0.99]),
      logits: plane,
      dims: [1, 1, 1, H, lowW],
      points: Float32Array.from([1, 1]),
      validFractionX: 0.5,
      validFractionY: 1,
      frameSize: lowW,
      width: W,
      height: H,
    },
    OPTIONS,
    KERNELS,
  );
  assert.equal(out.length, 1);
  assert.deepEqual(out[0].box, [1, 0, 2, H]);
  assert.equal(out[0].area, H);
});

Deno.test("filterDecoderBatch() with nothing above the IoU threshold decodes nothing", async () => {
  const out = await filterDecoderBatch(
    batch(
      [logitsOf(BLOCK), logitsOf(BLOCK), logitsOf(BLOCK), logitsOf(BLOCK)],
      [0.1, 0.2, 0.3, 0.4],
    ),
    OPTIONS,
    {
      decodeMaskLogits: () => {
        throw new Error("decoded");
      },
    },
  );
  assert.deepEqual(out, []);
});

/** A candidate for a full-size mask. */
function candidate(mask: Uint8Array, predictedIou: number): MaskCandidate {
  const { area, box } = maskStats(mask, W);
  const [x, y, w, h] = box;
  const crop = new Uint8Array(w * h);
  for (let r = 0; r < h; r++) {
    crop.set(mask.subarray((y + r) * W + x, (y + r) * W + x + w), r * w);
  }
  return {
    crop,
    box: [x, y, x + w, y + h],
    area,
    predictedIou,
    stability: 1,
    point: [x, y],
  };
}

Deno.test("suppressDuplicates() drops the lower predicted IoU of overlapping boxes and returns the best first", () => {
  const near = rect(1, 1, 4, 4); // box IoU with BLOCK: 6 / 9
  const out = suppressDuplicates(
    [
      candidate(OTHER, 0.9),
      candidate(BLOCK, 0.92),
      candidate(near, 0.95),
    ],
    W,
    H,
    { ...OPTIONS, boxNmsThresh: 0.5 },
  );
  assert.deepEqual(out.map((p) => p.predictedIou), [0.95, 0.9]);
  assert.deepEqual(out[0].mask, near);
  assert.deepEqual(out[0].box, [1, 1, 3, 3]);
  assert.equal(out[0].area, 9);
  assert.deepEqual(out[1].mask, OTHER);
  // With a threshold above their overlap, all three stay, best first.
  const all = suppressDuplicates(
    [candidate(OTHER, 0.9), candidate(BLOCK, 0.92), candidate(near, 0.95)],
    W,
    H,
    { ...OPTIONS, boxNmsThresh: 0.7 },
  );
  assert.deepEqual(all.map((p) => p.predictedIou), [0.95, 0.92, 0.9]);
});

Deno.test("suppressDuplicates() with minMaskRegionArea removes small islands and prefers masks it left unchanged", () => {
  // A: BLOCK plus a one-pixel island far away; its box covers most of the
  // image, so it does not suppress B before the clean-up.
  const a = BLOCK.slice();
  a[5 * W + 7] = 1;
  const b = BLOCK.slice();
  const off = suppressDuplicates(
    [candidate(a, 0.95), candidate(b, 0.9)],
    W,
    H,
    OPTIONS,
  );
  assert.deepEqual(off.map((p) => p.predictedIou), [0.95, 0.9]);
  assert.deepEqual(off[0].mask, a);
  // Cleaned, A is BLOCK too: B, which the clean-up left unchanged, wins.
  const on = suppressDuplicates(
    [candidate(a, 0.95), candidate(b, 0.9)],
    W,
    H,
    { ...OPTIONS, minMaskRegionArea: 3 },
  );
  assert.deepEqual(on.map((p) => p.predictedIou), [0.9]);
  assert.deepEqual(on[0].mask, BLOCK);
});

Deno.test("suppressDuplicates() with minMaskRegionArea fills holes, removes islands, updates box and area, sorts by predicted IoU", () => {
  const island = OTHER.slice();
  island[0] = 1; // an island in the corner
  const holed = rect(1, 1, 4, 4);
  holed[2 * W + 2] = 0; // a one-pixel hole
  const speck = rect(0, 5, 1, 6); // a lone small island is kept, not erased
  // The unchanged speck comes first out of the second NMS; the result is
  // sorted by predicted IoU again.
  const out = suppressDuplicates(
    [candidate(holed, 0.8), candidate(speck, 0.85), candidate(island, 0.9)],
    W,
    H,
    { ...OPTIONS, minMaskRegionArea: 2 },
  );
  assert.deepEqual(out.map((p) => p.predictedIou), [0.9, 0.85, 0.8]);
  assert.deepEqual(out[0].mask, OTHER);
  assert.deepEqual(out[0].box, [5, 2, 3, 4]);
  assert.equal(out[0].area, 12);
  assert.deepEqual(out[1].mask, speck);
  assert.deepEqual(out[2].mask, rect(1, 1, 4, 4));
  assert.equal(out[2].area, 9);
  assert.deepEqual(out[2].box, [1, 1, 3, 3]);
});

Deno.test("maskStats() gives area and [x, y, w, h] box, zeros when empty", () => {
  assert.deepEqual(maskStats(BLOCK, W), { area: 6, box: [1, 1, 3, 2] });
  assert.deepEqual(maskStats(new Uint8Array(W * H), W), {
    area: 0,
    box: [0, 0, 0, 0],
  });
});

Deno.test("filterDecoderBatch() with logits on the GPU but CPU kernels says to decode them on the GPU", async () => {
  const onGpu = {
    ...batch([logitsOf(BLOCK), logitsOf(OTHER)], [0.99, 0.99, 0.1, 0.1]),
    logits: { context: {} as GpuContext, buffer: {} as GPUBuffer },
  };
  await assert.rejects(
    () => filterDecoderBatch(onGpu, OPTIONS, KERNELS),
    /SAM's logits are on the GPU, but the kernels given run on the CPU/,
  );
});

Deno.test("filterDecoderBatch() rejects IoU scores that do not match the logits' shape", async () => {
  const planes = [logitsOf(BLOCK), logitsOf(OTHER)];
  await assert.rejects(
    () =>
      filterDecoderBatch(batch(planes, [0.99, 0.99, 0.1]), OPTIONS, KERNELS),
    /gave 3 IoU scores for logits of shape \[1,2,2,8,8\]/,
  );
  await assert.rejects(
    () =>
      filterDecoderBatch(
        { ...batch(planes, [0.99, 0.99, 0.1, 0.1]), dims: [2, 2, 6, 8] },
        OPTIONS,
        KERNELS,
      ),
    /expected \[1, points, masks per point, height, width\]/,
  );
});

Deno.test("filterDecoderBatch() upsamples through the padded frame, as the reference does, not in one step", async () => {
  // A 16-cell grid over a 64-pixel frame whose top-left 48 x 40 pixels are
  // the resized image; the image is 30 x 25.
  const low = 16, w = 30, h = 25;
  const plane = new Float32Array(low * low);
  for (let y = 0; y < low; y++) {
    for (let x = 0; x < low; x++) {
      plane[y * low + x] = 6 - Math.hypot(x - 6.3, y - 4.8) * 1.7;
    }
  }
  const frame = {
    iou: Float32Array.from([0.99]),
    logits: plane,
    dims: [1, 1, 1, low, low],
    points: Float32Array.from([12, 10]),
    validFractionX: 48 / 64,
    validFractionY: 40 / 64,
    frameSize: 64,
    width: w,
    height: h,
  };
  const shape = {
    logits: plane,
    count: 1,
    lowWidth: low,
    lowHeight: low,
    validWidth: 12,
    validHeight: 10,
    width: w,
    height: h,
  };
  const options = { ...OPTIONS, stabilityScoreThresh: 0 };
  const [viaFrame] = await filterDecoderBatch(frame, options, KERNELS);
  const twoStep = decodeMaskLogits({
    ...shape,
    frameWidth: 64,
    frameHeight: 64,
  });
  const oneStep = decodeMaskLogits(shape);
  assert.equal(viaFrame.area, twoStep.areas[0]);
  assert.equal(viaFrame.stability, twoStep.stability[0]);
  assert.deepEqual(viaFrame.box, [...twoStep.boxes]);
  assert.notEqual(viaFrame.stability, oneStep.stability[0]);
});
