import assert from "node:assert/strict";
import { CLIP_NORMALISATION } from "../../kernels/clip_views.ts";
import { cropAndFill } from "../../kernels/crop_fill/cpu.ts";
import { cropAndFillGpu } from "../../kernels/crop_fill/_gpu.ts";
import { cropTaps } from "../../kernels/crop_fill/_taps.ts";
import { resampleTaps } from "../../pipeline/image/resample.ts";
import { gpu, maxAbsDiff } from "./gpu_context.ts";
import { edgeMasks, ellipseMasks, texturedImage } from "./inputs.ts";
import {
  assertDeviceViews,
  assertOneAndMany,
  assertViewsClose,
} from "./views_parity.ts";

/**
 * GPU vs CPU tolerance on normalised values. Both sum the same taps in the
 * same order; the GPU rounds every partial sum to f32, the CPU keeps f64
 * inside each pass. Pixel sums stay below 256, so the f32 error is a few
 * 1e-5 in 0..255 units, about 1e-6 after dividing by 255 * std (~68):
 * 1e-5 leaves a margin of ten and still catches any wrong tap, pixel or
 * fill (the smallest such error is 1 / 68 / tap count, far above it).
 */
const TOLERANCE = 1e-5;

/**
 * Direct per-pixel reference: fill outside the mask, 2-D filter of the
 * crop on its own (taps inside the box), normalise.
 */
function naiveCrop(
  image: { width: number; height: number; data: Uint8ClampedArray },
  mask: Uint8Array,
  box: readonly [number, number, number, number],
  size: number,
  fill: readonly number[],
): Float32Array {
  const { width, height, data } = image;
  const within = (at: number, length: number) => ({
    within: { lo: at, hi: at + length },
  });
  const xt = resampleTaps(width, box[0], box[2], size, within(box[0], box[2]));
  const yt = resampleTaps(height, box[1], box[3], size, within(box[1], box[3]));
  const out = new Float32Array(3 * size * size);
  const { mean, std } = CLIP_NORMALISATION;
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (let ky = 0; ky < yt.count[oy]; ky++) {
          for (let kx = 0; kx < xt.count[ox]; kx++) {
            const x = xt.start[ox] + kx, y = yt.start[oy] + ky;
            const px = mask[y * width + x]
              ? data[(y * width + x) * 4 + c]
              : fill[c];
            v += px * xt.weights[ox * xt.maxTaps + kx] *
              yt.weights[oy * yt.maxTaps + ky];
          }
        }
        out[c * size * size + oy * size + ox] = (v / 255 - mean[c]) / std[c];
      }
    }
  }
  return out;
}

Deno.test("cropAndFill() matches a direct 2-D filter of the filled crop", () => {
  const image = texturedImage(41, 29, 3);
  const { masks, boxes } = ellipseMasks(4, 41, 29, 5);
  const size = 24;
  const out = cropAndFill({ image, masks, boxes, size });
  const fill = CLIP_NORMALISATION.mean.map((m) => m * 255);
  for (let n = 0; n < 4; n++) {
    const want = naiveCrop(
      image,
      masks.data.subarray(n * 41 * 29, (n + 1) * 41 * 29),
      boxes[n],
      size,
      fill,
    );
    const got = out.subarray(n * 3 * size * size, (n + 1) * 3 * size * size);
    assert.ok(maxAbsDiff(got, want).diff < 1e-5, `proposal ${n}`);
  }
});

Deno.test("cropTaps() keeps the taps inside the box, as cropping before resizing does", () => {
  for (
    const [offset, length, out] of [[13, 300, 17], [20, 3, 17], [5, 40, 224]]
  ) {
    const t = cropTaps(640, offset, length, out);
    for (let o = 0; o < out; o++) {
      assert.ok(
        t.start[o] >= offset && t.start[o] + t.count[o] <= offset + length,
      );
      let sum = 0;
      for (let k = 0; k < t.count[o]; k++) sum += t.weights[o * t.maxTaps + k];
      assert.ok(Math.abs(sum - 1) < 1e-6, `output ${o} weights sum to ${sum}`);
    }
  }
});

Deno.test("cropAndFill() gives the fill colour (0 after normalising) for an empty box", () => {
  const image = texturedImage(9, 7);
  const out = cropAndFill({
    image,
    masks: { data: new Uint8Array(63), count: 1 },
    boxes: [[0, 0, 0, 0]],
    size: 8,
  });
  assert.ok(out.every((v) => Math.abs(v) < 1e-6));
});

Deno.test("cropAndFill() writes into the output array it is given and checks its length", () => {
  const image = texturedImage(16, 12);
  const { masks, boxes } = ellipseMasks(2, 16, 12);
  const output = new Float32Array(2 * 3 * 8 * 8);
  const out = cropAndFill({ image, masks, boxes, size: 8, output });
  assert.equal(out, output);
  assert.deepEqual(out, cropAndFill({ image, masks, boxes, size: 8 }));
  assert.throws(
    () =>
      cropAndFill({
        image,
        masks,
        boxes,
        size: 8,
        output: new Float32Array(5),
      }),
    /need 384/,
  );
});

Deno.test("cropTaps() drops only zero-weight taps", () => {
  for (
    const [inSize, offset, length] of [[640, 13, 300], [37, 0, 37], [50, 20, 3]]
  ) {
    const full = resampleTaps(inSize, offset, length, 17, {
      within: { lo: offset, hi: offset + length },
    });
    const trimmed = cropTaps(inSize, offset, length, 17);
    for (let o = 0; o < 17; o++) {
      const weights = new Map<number, number>();
      for (let k = 0; k < full.count[o]; k++) {
        const w = full.weights[o * full.maxTaps + k];
        if (w !== 0) weights.set(full.start[o] + k, w);
      }
      for (let k = 0; k < trimmed.count[o]; k++) {
        const i = trimmed.start[o] + k;
        assert.equal(
          trimmed.weights[o * trimmed.maxTaps + k],
          weights.get(i) ?? 0,
        );
        weights.delete(i);
      }
      assert.equal(weights.size, 0, `output ${o} lost a tap`);
      assert.ok(trimmed.start[o] >= trimmed.lo);
      assert.ok(trimmed.start[o] + trimmed.count[o] <= trimmed.hi);
    }
  }
});

Deno.test({
  name:
    "cropAndFillGpu() matches the CPU twin on edge masks of odd, non-square images",
  ignore: !gpu,
  async fn() {
    for (const [w, h] of [[37, 23], [23, 37], [97, 61], [1, 1]]) {
      const image = texturedImage(w, h, w);
      const set = edgeMasks(w, h);
      for (const size of [224, 31]) {
        const want = cropAndFill({ image, ...set, size });
        const got = await cropAndFillGpu(gpu!, { image, ...set, size });
        assertViewsClose(got, want, size, TOLERANCE, `${w}x${h} at ${size}`);
      }
    }
  },
});

Deno.test({
  name:
    "cropAndFillGpu() matches the CPU twin on 64 proposals of 640x480 with a custom fill",
  ignore: !gpu,
  async fn() {
    const image = texturedImage(640, 480);
    const set = ellipseMasks(64, 640, 480);
    for (const fill of [undefined, [255, 0, 128] as const]) {
      const want = cropAndFill({ image, ...set, fill });
      const got = await cropAndFillGpu(gpu!, { image, ...set, fill });
      assert.ok(maxAbsDiff(got, want).diff <= TOLERANCE);
    }
  },
});

Deno.test({
  name:
    "cropAndFillGpu() handles N = 1 and N = 256 (split into several dispatches)",
  ignore: !gpu,
  async fn() {
    const { many, want } = await assertOneAndMany(
      gpu!,
      cropAndFill,
      cropAndFillGpu,
      TOLERANCE,
    );
    const output = new Float32Array(256 * 3 * 40 * 40);
    await cropAndFillGpu(gpu!, { ...many, output });
    assert.ok(maxAbsDiff(output, want).diff <= TOLERANCE);
  },
});

Deno.test({
  name:
    "cropAndFillGpu() leaves the views in a device buffer at an offset, as the CPU twin computes them",
  ignore: !gpu,
  async fn() {
    await assertDeviceViews(
      gpu!,
      cropAndFill,
      (ctx, input, into) => cropAndFillGpu(ctx, input, into),
      TOLERANCE,
    );
  },
});
