import assert from "node:assert/strict";
import { CLIP_NORMALISATION } from "../../kernels/clip_views.ts";
import {
  coverageTaps,
  gaussianKernel,
} from "../../kernels/blur_outside/contract.ts";
import { blurOutside, blurPlanes } from "../../kernels/blur_outside/cpu.ts";
import { blurOutsideGpu } from "../../kernels/blur_outside/_gpu.ts";
import { resampleRgbToPlanar } from "../../pipeline/image/resample.ts";
import { gpu, maxAbsDiff } from "./gpu_context.ts";
import { edgeMasks, ellipseMasks, texturedImage } from "./inputs.ts";
import {
  assertDeviceViews,
  assertOneAndMany,
  assertViewsClose,
} from "./views_parity.ts";

/**
 * GPU vs CPU tolerance on normalised values: the resampled image, its
 * blur and the coverage are the same sums in the same order, rounded to
 * f32 at every step on the GPU (f64 within a pass on the CPU). Errors are
 * about 1e-6 after normalising; 1e-5 keeps a margin of ten and catches a
 * wrong coverage tap (at least 1e-3 of a pixel's weight times the
 * sharp-blurred gap).
 */
const TOLERANCE = 1e-5;

Deno.test("blurPlanes() matches a direct clamped convolution", () => {
  const w = 19, h = 11;
  const planes = new Float32Array(2 * w * h).map((_, i) => (i * 37) % 101);
  const k = gaussianKernel(2);
  const r = (k.length - 1) / 2;
  const got = blurPlanes(planes, 2, w, h, k);
  const at = (c: number, x: number, y: number) =>
    planes[
      c * w * h + Math.min(Math.max(y, 0), h - 1) * w +
      Math.min(Math.max(x, 0), w - 1)
    ];
  for (let c = 0; c < 2; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let v = 0;
        for (let i = -r; i <= r; i++) {
          for (let j = -r; j <= r; j++) {
            v += at(c, x + j, y + i) * k[i + r] * k[j + r];
          }
        }
        assert.ok(Math.abs(got[c * w * h + y * w + x] - v) < 1e-3);
      }
    }
  }
});

Deno.test("blurOutside() keeps a fully covered view sharp and an empty one blurred", () => {
  const image = texturedImage(48, 40);
  const full = new Uint8Array(48 * 40).fill(1);
  const size = 16;
  const out = blurOutside({
    image,
    masks: {
      data: new Uint8Array([...full, ...new Uint8Array(48 * 40)]),
      count: 2,
    },
    boxes: [[0, 0, 48, 40], [0, 0, 0, 0]],
    size,
  });
  const sharp = resampleRgbToPlanar(
    image,
    { x: 0, y: 0, width: 48, height: 40 },
    size,
    size,
  );
  const blurred = blurPlanes(sharp, 3, size, size, gaussianKernel(5));
  const { mean, std } = CLIP_NORMALISATION;
  const plane = size * size;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++) {
      const s = (sharp[c * plane + i] / 255 - mean[c]) / std[c];
      const b = (blurred[c * plane + i] / 255 - mean[c]) / std[c];
      assert.ok(Math.abs(out[c * plane + i] - s) < 1e-4);
      assert.ok(Math.abs(out[3 * plane + c * plane + i] - b) < 1e-4);
    }
  }
});

Deno.test("coverageTaps() weights sum to one per output pixel", () => {
  for (const [out, inp] of [[224, 640], [224, 37], [7, 7]]) {
    const t = coverageTaps(out, inp);
    for (let o = 0; o < out; o++) {
      let s = 0;
      for (let k = 0; k < t.count[o]; k++) s += t.weights[o * t.maxTaps + k];
      assert.ok(Math.abs(s - 1) < 1e-6);
    }
  }
});

Deno.test("blurOutside() writes into the output array it is given", () => {
  const image = texturedImage(20, 14);
  const set = ellipseMasks(3, 20, 14);
  const output = new Float32Array(3 * 3 * 10 * 10);
  assert.equal(blurOutside({ image, ...set, size: 10, output }), output);
  assert.deepEqual(output, blurOutside({ image, ...set, size: 10 }));
});

Deno.test({
  name:
    "blurOutsideGpu() matches the CPU twin on edge masks of odd, non-square images",
  ignore: !gpu,
  async fn() {
    for (const [w, h] of [[37, 23], [23, 37], [97, 61], [1, 1]]) {
      const image = texturedImage(w, h, w + 1);
      const set = edgeMasks(w, h);
      for (const [size, sigma] of [[224, 5], [31, 2.5], [31, 0]]) {
        const want = blurOutside({ image, ...set, size, sigma });
        const got = await blurOutsideGpu(gpu!, { image, ...set, size, sigma });
        assertViewsClose(
          got,
          want,
          size,
          TOLERANCE,
          `${w}x${h} at ${size}, sigma ${sigma}`,
        );
      }
    }
  },
});

Deno.test({
  name: "blurOutsideGpu() matches the CPU twin on 64 proposals of 640x480",
  ignore: !gpu,
  async fn() {
    const image = texturedImage(640, 480);
    const set = ellipseMasks(64, 640, 480);
    const want = blurOutside({ image, ...set });
    const got = await blurOutsideGpu(gpu!, { image, ...set });
    assert.ok(maxAbsDiff(got, want).diff <= TOLERANCE);
  },
});

Deno.test({
  name:
    "blurOutsideGpu() handles N = 1 and N = 256 (split into several dispatches)",
  ignore: !gpu,
  async fn() {
    await assertOneAndMany(gpu!, blurOutside, blurOutsideGpu, TOLERANCE);
  },
});

Deno.test("blurOutside() gives the same view for a mask whatever box encloses it", () => {
  // The box only bounds the work: a tight box and the whole image must agree,
  // also where output pixels straddle the box's edges (non-integer scales,
  // and images smaller than the view, where one source pixel feeds several).
  for (const [w, h] of [[640, 480], [100, 80], [97, 61]]) {
    const image = texturedImage(w, h);
    const mask = new Uint8Array(w * h);
    const [bx, by, bw, bh] = [
      Math.floor(w / 3) + 1,
      Math.floor(h / 4) + 1,
      Math.floor(w / 3),
      Math.floor(h / 2),
    ];
    for (let y = by; y < by + bh; y++) {
      mask.fill(1, y * w + bx, y * w + bx + bw);
    }
    const tight = blurOutside({
      image,
      masks: { data: mask, count: 1 },
      boxes: [[bx, by, bw, bh]],
    });
    const whole = blurOutside({
      image,
      masks: { data: mask, count: 1 },
      boxes: [[0, 0, w, h]],
    });
    assert.ok(
      maxAbsDiff(tight, whole).diff < 1e-5,
      `${w}x${h}: ${maxAbsDiff(tight, whole).diff}`,
    );
  }
});

Deno.test({
  name:
    "blurOutsideGpu() leaves the views in a device buffer at an offset, as the CPU twin computes them",
  ignore: !gpu,
  async fn() {
    await assertDeviceViews(
      gpu!,
      blurOutside,
      (ctx, input, into) => blurOutsideGpu(ctx, input, into),
      TOLERANCE,
    );
  },
});
