import assert from "node:assert/strict";
import { type GpuContext, withBindingLimit } from "../../kernels/gpu_device.ts";
import {
  axisTaps,
  type MaskLogitsInput,
  shapeTaps,
} from "../../kernels/mask_logits/contract.ts";
import { decodeMaskLogits } from "../../kernels/mask_logits/cpu.ts";
import {
  decodeDeviceLogitsGpu,
  decodeMaskLogitsGpu,
} from "../../kernels/mask_logits/_gpu.ts";
import { seededValues } from "../helpers/tiny_model.ts";
import { gpu } from "./gpu_context.ts";

/** Direct per-pixel reference: bilinear (align_corners = false) then threshold. */
function naive(input: MaskLogitsInput) {
  const { logits, lowWidth: lw, lowHeight: lh, width: w, height: h } = input;
  const thr = input.threshold ?? 0, off = input.stabilityOffset ?? 1;
  const sample = (m: number, x: number, y: number) => {
    const sx = Math.min(
      Math.max((x + 0.5) * input.validWidth / w - 0.5, 0),
      lw - 1,
    );
    const sy = Math.min(
      Math.max((y + 0.5) * input.validHeight / h - 0.5, 0),
      lh - 1,
    );
    const x0 = Math.floor(sx), y0 = Math.floor(sy);
    const x1 = Math.min(x0 + 1, lw - 1), y1 = Math.min(y0 + 1, lh - 1);
    const fx = sx - x0, fy = sy - y0;
    const at = (xx: number, yy: number) => logits[m * lw * lh + yy * lw + xx];
    const top = at(x0, y0) + (at(x1, y0) - at(x0, y0)) * fx;
    const bot = at(x0, y1) + (at(x1, y1) - at(x0, y1)) * fx;
    return top + (bot - top) * fy;
  };
  return Array.from({ length: input.count }, (_, m) => {
    let hi = 0, lo = 0, area = 0;
    const mask = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = sample(m, x, y);
        if (v > thr + off) hi++;
        if (v > thr - off) lo++;
        if (v > thr) {
          mask[y * w + x] = 1;
          area++;
        }
      }
    }
    return { mask, area, stability: lo ? hi / lo : 0 };
  });
}

function blobLogits(count: number, lw: number, lh: number, seed: number) {
  const noise = seededValues(count * lw * lh, seed);
  const logits = new Float32Array(count * lw * lh);
  for (let m = 0; m < count; m++) {
    const cx = (m * 37 + 5) % lw, cy = (m * 23 + 3) % lh, r = 2 + (m % 6);
    for (let y = 0; y < lh; y++) {
      for (let x = 0; x < lw; x++) {
        const i = m * lw * lh + y * lw + x;
        logits[i] = (r - Math.hypot(x - cx, y - cy)) * 3 + noise[i];
      }
    }
  }
  return logits;
}

Deno.test("decodeMaskLogits() matches a direct per-pixel bilinear reference", () => {
  for (
    const [w, h, vw, vh] of [[97, 61, 32, 20.1], [40, 50, 25.6, 32], [
      64,
      64,
      32,
      32,
    ]]
  ) {
    const input: MaskLogitsInput = {
      logits: blobLogits(5, 32, 32, w),
      count: 5,
      lowWidth: 32,
      lowHeight: 32,
      validWidth: vw,
      validHeight: vh,
      width: w,
      height: h,
    };
    const got = decodeMaskLogits(input);
    const want = naive(input);
    want.forEach((ref, m) => {
      const mask = got.masks.subarray(m * w * h, (m + 1) * w * h);
      let diff = 0;
      for (let i = 0; i < mask.length; i++) {
        diff += mask[i] !== ref.mask[i] ? 1 : 0;
      }
      // Float rounding can flip a pixel lying exactly on the threshold.
      assert.ok(diff <= 2, `mask ${m} of ${w}x${h}: ${diff} pixels differ`);
      assert.ok(Math.abs(got.areas[m] - ref.area) <= 2);
      assert.ok(Math.abs(got.stability[m] - ref.stability) < 1e-3);
    });
  }
});

Deno.test("decodeMaskLogits() gives tight boxes and zero boxes for empty masks", () => {
  const logits = new Float32Array(2 * 8 * 8).fill(-20);
  // mask 0: cells (2..3, 4..5) positive; mask 1: empty.
  for (const [x, y] of [[2, 4], [3, 4], [2, 5], [3, 5]]) logits[y * 8 + x] = 20;
  const out = decodeMaskLogits({
    logits,
    count: 2,
    lowWidth: 8,
    lowHeight: 8,
    validWidth: 8,
    validHeight: 8,
    width: 8,
    height: 8,
  });
  assert.deepEqual([...out.boxes.subarray(0, 4)], [2, 4, 4, 6]);
  assert.equal(out.areas[0], 4);
  assert.deepEqual([...out.boxes.subarray(4, 8)], [0, 0, 0, 0]);
  assert.equal(out.areas[1], 0);
  assert.equal(out.stability[1], 0);
});

Deno.test("decodeMaskLogits() rejects logits that do not match the stated shape", () => {
  assert.throws(
    () =>
      decodeMaskLogits({
        logits: new Float32Array(10),
        count: 1,
        lowWidth: 4,
        lowHeight: 4,
        validWidth: 4,
        validHeight: 4,
        width: 4,
        height: 4,
      }),
    /need 16/,
  );
});

/**
 * PyTorch's bilinear resize (align_corners = false, no antialiasing) of a
 * row-major w x h plane to ow x oh, in f64: the reference's own steps.
 */
function resizeBilinear(
  src: Float64Array,
  w: number,
  h: number,
  ow: number,
  oh: number,
): Float64Array {
  const out = new Float64Array(ow * oh);
  const source = (o: number, n: number, size: number) => {
    const s = Math.max((o + 0.5) * n / size - 0.5, 0);
    const a = Math.min(Math.floor(s), n - 1);
    return [a, Math.min(a + 1, n - 1), s - a] as const;
  };
  for (let y = 0; y < oh; y++) {
    const [y0, y1, ty] = source(y, h, oh);
    for (let x = 0; x < ow; x++) {
      const [x0, x1, tx] = source(x, w, ow);
      const top = src[y0 * w + x0] * (1 - tx) + src[y0 * w + x1] * tx;
      const bottom = src[y1 * w + x0] * (1 - tx) + src[y1 * w + x1] * tx;
      out[y * ow + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

/** The top-left cw x ch corner of a w-wide plane. */
function crop(src: Float64Array, w: number, cw: number, ch: number) {
  const out = new Float64Array(cw * ch);
  for (let y = 0; y < ch; y++) {
    out.set(src.subarray(y * w, y * w + cw), y * cw);
  }
  return out;
}

/**
 * The reference's mask values, literally: grid -> frame, crop of the
 * valid part, -> image size.
 */
function twoStep(input: MaskLogitsInput, m: number): Float64Array {
  const { lowWidth: lw, lowHeight: lh, width: w, height: h } = input;
  const fw = input.frameWidth!, fh = input.frameHeight!;
  const plane = Float64Array.from(
    input.logits.subarray(m * lw * lh, (m + 1) * lw * lh),
  );
  const frame = resizeBilinear(plane, lw, lh, fw, fh);
  const cw = Math.round(input.validWidth * fw / lw);
  const ch = Math.round(input.validHeight * fh / lh);
  return resizeBilinear(crop(frame, fw, cw, ch), cw, ch, w, h);
}

Deno.test("axisTaps() with a frame composes the reference's two bilinear steps into three non-negative taps", () => {
  for (
    const [out, valid, low, frame] of [
      [427, 170.75, 256, 1024],
      [640, 256, 256, 1024],
      [1500, 256, 256, 1024],
      [3, 21.25, 32, 128],
      [90, 8, 8, 8],
    ]
  ) {
    const taps = axisTaps(out, valid, low, frame);
    const row = seededValues(low, out).map((v) => v * 10);
    const up = resizeBilinear(Float64Array.from(row), low, 1, frame, 1);
    const cropped = Math.round(valid * frame / low);
    const want = resizeBilinear(up.subarray(0, cropped), cropped, 1, out, 1);
    for (let o = 0; o < out; o++) {
      const ws = [taps.w0[o], taps.w1[o], taps.w2[o]];
      assert.ok(ws.every((x) => x >= 0), `${out}/${frame}: weights of ${o}`);
      assert.ok(Math.abs(ws[0] + ws[1] + ws[2] - 1) < 1e-6);
      assert.ok(taps.i0[o] <= taps.i1[o] && taps.i1[o] <= taps.i2[o]);
      assert.ok(taps.i2[o] - taps.i0[o] <= 2 && taps.i2[o] < low);
      const got = ws[0] * row[taps.i0[o]] + ws[1] * row[taps.i1[o]] +
        ws[2] * row[taps.i2[o]];
      assert.ok(
        Math.abs(got - want[o]) < 1e-5,
        `${out} from ${valid}/${low} via ${frame}: pixel ${o} ${got} vs ${
          want[o]
        }`,
      );
    }
  }
});

Deno.test("decodeMaskLogits() with a frame equals a literal two-step upsampling: grid to frame, crop, to image size", () => {
  for (
    const [w, h, vw, vh, low, frame] of [
      [61, 41, 32, 21.25, 32, 128],
      [200, 133, 32, 21.25, 32, 128],
      [640, 427, 256, 170.75, 256, 1024],
    ]
  ) {
    const count = low === 256 ? 2 : 4;
    const input: MaskLogitsInput = {
      logits: blobLogits(count, low, low, w),
      count,
      lowWidth: low,
      lowHeight: low,
      validWidth: vw,
      validHeight: vh,
      width: w,
      height: h,
      frameWidth: frame,
      frameHeight: frame,
    };
    const got = decodeMaskLogits(input);
    assert.ok(got.areas.some((a) => a > 0), "some masks are not empty");
    for (let m = 0; m < count; m++) {
      const want = twoStep(input, m);
      let hi = 0, lo = 0, area = 0, near = 0, flips = 0;
      for (let i = 0; i < w * h; i++) {
        const v = want[i];
        if (v > 1) hi++;
        if (v > -1) lo++;
        if (v > 0) area++;
        if (Math.abs(v) < 1e-4) near++;
        if ((v > 0 ? 1 : 0) !== got.masks[m * w * h + i]) {
          // Only a value within float rounding of the threshold may differ.
          assert.ok(Math.abs(v) < 1e-4, `${w}x${h} mask ${m} pixel ${i}: ${v}`);
          flips++;
        }
      }
      assert.ok(Math.abs(got.areas[m] - area) <= flips + near);
      assert.ok(Math.abs(got.stability[m] - (lo ? hi / lo : 0)) < 1e-3);
    }
  }
});

Deno.test("decodeMaskLogits() refuses a frame that is not a whole number of pixels over the valid cells", () => {
  const input: MaskLogitsInput = {
    logits: new Float32Array(16 * 16),
    count: 1,
    lowWidth: 16,
    lowHeight: 16,
    validWidth: 10.3,
    validHeight: 16,
    width: 20,
    height: 20,
    frameWidth: 64,
    frameHeight: 64,
  };
  assert.throws(() => decodeMaskLogits(input), /whole number of its pixels/);
  assert.throws(
    () => decodeMaskLogits({ ...input, validWidth: 16, frameWidth: 8 }),
    /at least the grid's size/,
  );
  assert.throws(
    () =>
      decodeMaskLogits({ ...input, validWidth: 16, frameHeight: undefined }),
    /width and height together/,
  );
});

/** The f64 value of output pixel (x, y) of mask m from the axes' taps (the twins' definition). */
function exactValue(input: MaskLogitsInput, m: number, x: number, y: number) {
  const { logits, lowWidth: lw, lowHeight: lh } = input;
  const { xs, ys } = shapeTaps(input);
  const at = (xx: number, yy: number) => logits[m * lw * lh + yy * lw + xx];
  const across = (yy: number) =>
    xs.w0[x] * at(xs.i0[x], yy) + xs.w1[x] * at(xs.i1[x], yy) +
    xs.w2[x] * at(xs.i2[x], yy);
  return ys.w0[y] * across(ys.i0[y]) + ys.w1[y] * across(ys.i1[y]) +
    ys.w2[y] * across(ys.i2[y]);
}

/**
 * Tie tolerance of the GPU masks: the GPU interpolates in f32, the CPU
 * twin keeps f64 for the vertical step, so a pixel may flip only when its
 * exact value lies within 1e-4 of the threshold (f32 rounding of logits
 * below 64 in magnitude is under 1e-5 per operation, and a pixel sums at
 * most nine products). Any other differing
 * pixel fails. Areas and boxes must describe the GPU's own masks exactly;
 * stability may move by the flips at the two stability thresholds.
 */
const TIE = 1e-4;

async function assertGpuMatches(
  input: MaskLogitsInput,
  label: string,
  ctx: GpuContext = gpu!,
) {
  const got = await decodeMaskLogitsGpu(ctx, input);
  const want = decodeMaskLogits(input);
  const { width: w, height: h, count } = input;
  const thr = input.threshold ?? 0;
  for (let m = 0; m < count; m++) {
    let area = 0, x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = m * w * h + y * w + x;
        if (got.masks[i] !== want.masks[i]) {
          const v = exactValue(input, m, x, y);
          assert.ok(
            Math.abs(v - thr) < TIE,
            `${label}: mask ${m} pixel (${x}, ${y}) differs with value ${v}`,
          );
        }
        if (got.masks[i]) {
          assert.equal(got.masks[i], 1);
          area++;
          x0 = Math.min(x0, x);
          y0 = Math.min(y0, y);
          x1 = Math.max(x1, x);
          y1 = Math.max(y1, y);
        }
      }
    }
    assert.equal(got.areas[m], area, `${label}: area of mask ${m}`);
    const box = area ? [x0, y0, x1 + 1, y1 + 1] : [0, 0, 0, 0];
    assert.deepEqual([...got.boxes.subarray(m * 4, m * 4 + 4)], box);
    assert.ok(Math.abs(got.stability[m] - want.stability[m]) < 1e-3);
  }
}

Deno.test({
  name:
    "decodeMaskLogitsGpu() matches the CPU twin on SAM-sized, odd-sized and noisy logits",
  ignore: !gpu,
  async fn() {
    // [width, height, valid width, valid height, masks, frame (the
    // reference's two steps) or 0 (one step)]
    const cases: [number, number, number, number, number, number][] = [
      [640, 480, 256, 192, 12, 0],
      [97, 61, 200, 125.8, 5, 0],
      [61, 97, 125.8, 200, 1, 0],
      [5, 3, 256, 153.6, 3, 0],
      [640, 427, 256, 170.75, 6, 1024],
      [451, 300, 256, 170.25, 2, 1024],
      [1500, 37, 256, 6.25, 2, 1024],
    ];
    for (const [w, h, vw, vh, count, frame] of cases) {
      const input: MaskLogitsInput = {
        logits: blobLogits(count, 256, 256, w),
        count,
        lowWidth: 256,
        lowHeight: 256,
        validWidth: vw,
        validHeight: vh,
        width: w,
        height: h,
        ...(frame ? { frameWidth: frame, frameHeight: frame } : {}),
      };
      const label = `${w}x${h}${frame ? ` via ${frame}` : ""}`;
      await assertGpuMatches(input, label);
      // Pure noise: many values near the thresholds.
      await assertGpuMatches(
        { ...input, logits: seededValues(count * 65536, 7).map((v) => v * 2) },
        `${label} noise`,
      );
    }
  },
});

Deno.test({
  name:
    "decodeMaskLogitsGpu() gives empty, full and one-cell masks with their boxes",
  ignore: !gpu,
  async fn() {
    const plane = 16 * 16;
    const logits = new Float32Array(3 * plane).fill(-5);
    logits.fill(5, plane, 2 * plane); // full
    logits[2 * plane + 7 * 16 + 15] = 30; // one cell on the right border
    const input: MaskLogitsInput = {
      logits,
      count: 3,
      lowWidth: 16,
      lowHeight: 16,
      validWidth: 16,
      validHeight: 16,
      width: 33,
      height: 35,
      threshold: 0.5,
      stabilityOffset: 0.25,
    };
    await assertGpuMatches(input, "edges");
    const got = await decodeMaskLogitsGpu(gpu!, input);
    assert.equal(got.areas[0], 0);
    assert.deepEqual([...got.boxes.subarray(0, 4)], [0, 0, 0, 0]);
    assert.equal(got.areas[1], 33 * 35);
    assert.deepEqual([...got.boxes.subarray(4, 8)], [0, 0, 33, 35]);
    assert.equal(got.boxes[10], 33); // touches the right border
  },
});

Deno.test({
  name: "decodeMaskLogitsGpu() handles N = 256 split over several dispatches",
  ignore: !gpu,
  async fn() {
    const input: MaskLogitsInput = {
      logits: blobLogits(256, 32, 32, 3),
      count: 256,
      lowWidth: 32,
      lowHeight: 32,
      validWidth: 32,
      validHeight: 24,
      width: 41,
      height: 29,
    };
    await assertGpuMatches(input, "256 masks", withBindingLimit(gpu!, 8192));
  },
});

/** A storage buffer on the test device holding `data`. */
function deviceBuffer(data: Float32Array<ArrayBuffer>): GPUBuffer {
  const buffer = gpu!.device.createBuffer({
    size: data.byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC |
      GPUBufferUsage.COPY_DST,
  });
  gpu!.device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

Deno.test({
  name:
    "decodeDeviceLogitsGpu() decodes the listed planes of a device buffer exactly as their host upload",
  ignore: !gpu,
  async fn() {
    const plane = 64 * 64;
    const all = blobLogits(10, 64, 64, 3);
    // Pooled buffers are longer than their tensor: two planes of junk after.
    const buffer = deviceBuffer(
      Float32Array.from({ length: 12 * plane }, (_, i) => all[i] ?? 50),
    );
    const planes = [7, 2, 3, 4, 9, 0]; // out of order, with a run of three
    const shape = {
      count: planes.length,
      lowWidth: 64,
      lowHeight: 64,
      validWidth: 64,
      validHeight: 48,
      width: 99,
      height: 70,
    };
    const gathered = new Float32Array(planes.length * plane);
    planes.forEach((p, k) =>
      gathered.set(all.subarray(p * plane, (p + 1) * plane), k * plane)
    );
    const want = await decodeMaskLogitsGpu(gpu!, {
      ...shape,
      logits: gathered,
    });
    // Whole, and split into parts of two masks (runs cut at part edges).
    for (const ctx of [gpu!, withBindingLimit(gpu!, 2 * plane * 4)]) {
      const got = await decodeDeviceLogitsGpu(ctx, shape, {
        buffer,
        planeCount: 10,
        planes,
      });
      assert.deepEqual(got, want);
    }
    assert.ok(want.areas.some((a) => a > 0), "the masks are not all empty");
    buffer.destroy();
  },
});

Deno.test({
  name:
    "decodeDeviceLogitsGpu() rejects a plane past the tensor, a tensor past the buffer and a plane list of the wrong length",
  ignore: !gpu,
  async fn() {
    const buffer = deviceBuffer(new Float32Array(4 * 16)); // 4 planes of 4x4
    const shape = {
      count: 2,
      lowWidth: 4,
      lowHeight: 4,
      validWidth: 4,
      validHeight: 4,
      width: 8,
      height: 8,
    };
    const decode = (planeCount: number, planes: number[]) =>
      decodeDeviceLogitsGpu(gpu!, shape, { buffer, planeCount, planes });
    await decode(3, [0, 2]); // fine
    await assert.rejects(
      () => decode(3, [0, 3]), // in the buffer, but not the tensor's
      /plane 3 is not one of the tensor's 3 planes of 4x4/,
    );
    await assert.rejects(
      () => decode(5, [0, 1]),
      /5 planes of 4x4 need 320 bytes; the GPU buffer holds 256/,
    );
    await assert.rejects(() => decode(3, [0]), /list 1 planes for 2 masks/);
    buffer.destroy();
  },
});
