import { hostFeeds } from "../helpers/host_feeds.ts";
import assert from "node:assert/strict";
import { ClipVisionEncoder, mixViews } from "../../pipeline/clip/vision.ts";
import type { InferenceSession } from "../../pipeline/models/session.ts";
import { type Tensor, tensor } from "../../pipeline/models/tensor.ts";

Deno.test("mixViews() gives alpha * global + (1 - alpha) * local per value", () => {
  const global = Float32Array.from([1, 2, 3, 4]);
  const local = Float32Array.from([5, 6, 7, 8]);
  const out = mixViews(global, local, 0.75);
  assert.deepEqual(
    Array.from(out),
    [2, 3, 4, 5], // 0.75 * 1 + 0.25 * 5 = 2, ...,
  );
  assert.deepEqual(Array.from(mixViews(global, local, 1)), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(mixViews(global, local, 0)), [5, 6, 7, 8]);
  // The inputs are not changed.
  assert.deepEqual(Array.from(global), [1, 2, 3, 4]);
});

Deno.test("mixViews() of no proposals is empty", () => {
  assert.equal(
    mixViews(new Float32Array(0), new Float32Array(0), 0.5).length,
    0,
  );
});

Deno.test("mixViews() rejects global and local embeddings of different sizes", () => {
  assert.throws(
    () => mixViews(new Float32Array(4), new Float32Array(6), 0.5),
    (e: unknown) => e instanceof RangeError && e.message.includes("(4 vs 6)"),
  );
});

/** A stand-in vision model of side 2: row b of `image_embeds` is [first value of view b, batch size]. */
function fakeSession(calls: Tensor[]): InferenceSession {
  return {
    backend: "wasm",
    label: "fake/vision_model.onnx",
    inputs: [{ name: "pixel_values", type: "float32", shape: ["b", 3, 2, 2] }],
    outputs: [{ name: "image_embeds", type: "float32", shape: ["b", 2] }],
    run(feeds) {
      const x = hostFeeds(feeds).pixel_values;
      calls.push(x);
      const b = x.dims[0];
      const out = new Float32Array(b * 2);
      for (let r = 0; r < b; r++) {
        out.set([(x.data as Float32Array)[r * 12], b], r * 2);
      }
      return Promise.resolve({ image_embeds: tensor("float32", out, [b, 2]) });
    },
    release: () => Promise.resolve(),
  };
}

Deno.test("ClipVisionEncoder rejects a batch size that is not a positive integer", () => {
  for (const bad of [0, -2, 0.5]) {
    assert.throws(
      () => new ClipVisionEncoder(fakeSession([]), { batchSize: bad }),
      RangeError,
    );
  }
  const encoder = new ClipVisionEncoder(fakeSession([]));
  assert.equal(encoder.batchSize, 16);
  assert.equal(encoder.size, 2);
});

Deno.test("ClipVisionEncoder.embed() runs views in batches, in order, and checks their count", async () => {
  const calls: Tensor[] = [];
  const encoder = new ClipVisionEncoder(fakeSession(calls), { batchSize: 2 });
  const views = new Float32Array(3 * 12);
  [10, 20, 30].forEach((v, i) => views[i * 12] = v);
  const out = await encoder.embed(views, 3);
  assert.deepEqual(calls.map((c) => c.dims), [[2, 3, 2, 2], [1, 3, 2, 2]]);
  assert.equal(out.dim, 2);
  assert.deepEqual(Array.from(out.embeds), [10, 2, 20, 2, 30, 1]);
  await assert.rejects(
    () => encoder.embed(views, 2),
    (e: unknown) => e instanceof RangeError && e.message.includes("got 36"),
  );
});
