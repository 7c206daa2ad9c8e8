import assert from "node:assert/strict";
import { withBindingLimit } from "../../kernels/gpu_device.ts";
import { maskIou, maskOverlaps } from "../../kernels/mask_iou/cpu.ts";
import { maskOverlapsGpu } from "../../kernels/mask_iou/_gpu.ts";
import { gpu } from "./gpu_context.ts";
import { edgeMasks, ellipseMasks } from "./inputs.ts";

// Intersections and unions are integer counts: the GPU must give exactly
// the CPU's (tolerance 0).

Deno.test("maskIou() counts intersection and union pixels", () => {
  assert.deepEqual(
    maskIou(Uint8Array.of(1, 1, 0, 0), Uint8Array.of(0, 1, 1, 0)),
    {
      intersection: 1,
      union: 3,
      iou: 1 / 3,
    },
  );
  assert.deepEqual(maskIou(new Uint8Array(4), new Uint8Array(4)).iou, 0);
});

Deno.test("maskOverlaps() equals maskIou() pair by pair", () => {
  const w = 29, h = 17, pixels = w * h;
  const pred = edgeMasks(w, h).masks;
  const truth = ellipseMasks(pred.count, w, h, 3).masks;
  const out = maskOverlaps({
    predicted: pred,
    truths: truth,
    width: w,
    height: h,
  });
  for (let k = 0; k < pred.count; k++) {
    const ref = maskIou(
      pred.data.subarray(k * pixels, (k + 1) * pixels),
      truth.data.subarray(k * pixels, (k + 1) * pixels),
    );
    assert.equal(out.intersections[k], ref.intersection);
    assert.equal(out.unions[k], ref.union);
  }
});

Deno.test("maskOverlaps() rejects unpaired or missized batches", () => {
  const a = { data: new Uint8Array(8), count: 2 };
  const b = { data: new Uint8Array(4), count: 1 };
  assert.throws(
    () => maskOverlaps({ predicted: a, truths: b, width: 2, height: 2 }),
    /one ground truth per prediction/,
  );
  assert.throws(
    () => maskOverlaps({ predicted: a, truths: a, width: 3, height: 2 }),
    /need 12/,
  );
});

Deno.test({
  name:
    "maskOverlapsGpu() equals the CPU twin on edge masks, N = 1 and N = 256",
  ignore: !gpu,
  async fn() {
    for (const [w, h] of [[37, 23], [1, 1], [640, 480]]) {
      const pred = edgeMasks(w, h).masks;
      const truth = ellipseMasks(pred.count, w, h, 5).masks;
      const input = { predicted: pred, truths: truth, width: w, height: h };
      assert.deepEqual(await maskOverlapsGpu(gpu!, input), maskOverlaps(input));
      const self = { predicted: pred, truths: pred, width: w, height: h };
      assert.deepEqual(await maskOverlapsGpu(gpu!, self), maskOverlaps(self));
    }
    const pred = ellipseMasks(256, 43, 21, 1).masks;
    const truth = ellipseMasks(256, 43, 21, 2).masks;
    const many = { predicted: pred, truths: truth, width: 43, height: 21 };
    assert.deepEqual(
      await maskOverlapsGpu(withBindingLimit(gpu!, 4096), many),
      maskOverlaps(many),
    );
    const one = {
      predicted: { data: pred.data.subarray(0, 43 * 21), count: 1 },
      truths: { data: truth.data.subarray(0, 43 * 21), count: 1 },
      width: 43,
      height: 21,
    };
    assert.deepEqual(await maskOverlapsGpu(gpu!, one), maskOverlaps(one));
  },
});
