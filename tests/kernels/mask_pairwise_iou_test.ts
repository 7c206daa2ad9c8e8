import assert from "node:assert/strict";
import { withBindingLimit } from "../../kernels/gpu_device.ts";
import { maskIou } from "../../kernels/mask_iou/cpu.ts";
import { pairwiseMaskIou } from "../../kernels/mask_pairwise_iou/cpu.ts";
import { pairwiseMaskIouGpu } from "../../kernels/mask_pairwise_iou/_gpu.ts";
import { gpu } from "./gpu_context.ts";
import { edgeMasks, ellipseMasks } from "./inputs.ts";

// Both twins count intersections exactly and divide on the host in the
// same way, so their results must be identical (tolerance 0).

function naivePairwise(data: Uint8Array, n: number, pixels: number) {
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      out[i * n + j] = maskIou(
        data.subarray(i * pixels, (i + 1) * pixels),
        data.subarray(j * pixels, (j + 1) * pixels),
      ).iou;
    }
  }
  return out;
}

Deno.test("pairwiseMaskIou() equals maskIou() on every pair, edge masks included", () => {
  for (const [w, h] of [[37, 23], [64, 2], [1, 1], [33, 65]]) {
    const edges = edgeMasks(w, h);
    const random = ellipseMasks(9, w, h, w * h);
    const data = new Uint8Array([...edges.masks.data, ...random.masks.data]);
    const n = edges.masks.count + 9;
    data[5] = 255; // any non-zero byte is inside
    const got = pairwiseMaskIou({
      masks: { data, count: n },
      width: w,
      height: h,
    });
    assert.deepEqual(got, naivePairwise(data, n, w * h), `${w}x${h}`);
  }
});

Deno.test("pairwiseMaskIou() is 1 on the diagonal of a non-empty mask and 0 for an empty one", () => {
  const { masks } = edgeMasks(10, 10);
  const iou = pairwiseMaskIou({ masks, width: 10, height: 10 });
  assert.equal(iou[0], 0);
  assert.equal(iou[1 * masks.count + 1], 1);
});

Deno.test({
  name:
    "pairwiseMaskIouGpu() equals the CPU twin on edge masks, N = 1 and N = 256",
  ignore: !gpu,
  async fn() {
    for (const [w, h] of [[37, 23], [33, 65], [1, 1], [640, 480]]) {
      const set = w === 640 ? ellipseMasks(40, w, h) : edgeMasks(w, h);
      const input = { masks: set.masks, width: w, height: h };
      assert.deepEqual(
        await pairwiseMaskIouGpu(gpu!, input),
        pairwiseMaskIou(input),
      );
    }
    const one = { masks: ellipseMasks(1, 20, 20).masks, width: 20, height: 20 };
    assert.deepEqual(await pairwiseMaskIouGpu(gpu!, one), pairwiseMaskIou(one));
    const many = {
      masks: ellipseMasks(256, 45, 31, 4).masks,
      width: 45,
      height: 31,
    };
    assert.deepEqual(
      await pairwiseMaskIouGpu(withBindingLimit(gpu!, 300 * 1024), many),
      pairwiseMaskIou(many),
    );
  },
});
