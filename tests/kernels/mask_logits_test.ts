import assert from "node:assert/strict";
import { decodeMaskLogits } from "../../kernels/mask_logits/cpu.ts";
import type { MaskLogitsInput } from "../../kernels/mask_logits/contract.ts";
import { seededValues } from "../helpers/tiny_model.ts";

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
