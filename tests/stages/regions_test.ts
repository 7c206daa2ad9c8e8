import assert from "node:assert/strict";
import { CLIP_NORMALISATION } from "../../kernels/clip_views.ts";
import type { GpuContext } from "../../kernels/gpu_device.ts";
import { CPU_KERNELS, gpuKernels } from "../../kernels/kernels.ts";
import { ClipVisionEncoder } from "../../pipeline/clip/vision.ts";
import type { InferenceSession } from "../../pipeline/models/session.ts";
import {
  type DeviceTensor,
  isDeviceTensor,
  type Tensor,
  tensor,
} from "../../pipeline/models/tensor.ts";
import type { Proposal } from "../../pipeline/sam/mask_generator.ts";
import { fromItems } from "../../pipeline/stages/job.ts";
import { regionsStage } from "../../pipeline/stages/regions.ts";
import { gpu } from "../kernels/gpu_context.ts";
import { ellipseMasks, texturedImage } from "../kernels/inputs.ts";
import { readBuffer } from "../kernels/views_parity.ts";

const SIZE = 16; // the stand-in model's input side

/**
 * A stand-in vision model of side 16 that embeds each view as [sum of its
 * values, its first value], from host tensors or, on `ctx`'s device, from
 * GPU buffers; it records the batch of every call.
 */
function summingSession(
  batches: string[],
  ctx?: GpuContext,
): InferenceSession {
  const per = 3 * SIZE * SIZE;
  return {
    backend: ctx ? "webgpu" : "wasm",
    label: "sum/vision_model.onnx",
    inputs: [{
      name: "pixel_values",
      type: "float32",
      shape: ["b", 3, SIZE, SIZE],
    }],
    outputs: [{ name: "image_embeds", type: "float32", shape: ["b", 2] }],
    ...(ctx ? { gpuDevice: ctx.device } : {}),
    async run(feeds: Record<string, Tensor | DeviceTensor>) {
      const x = feeds.pixel_values;
      const n = x.dims[0];
      let data: Float32Array;
      if (isDeviceTensor(x)) {
        batches.push(`device ${n}`);
        data = (await readBuffer(ctx!, x.gpuBuffer)).subarray(0, n * per);
      } else {
        batches.push(`host ${n}`);
        data = x.data as Float32Array;
      }
      const out = new Float32Array(2 * n);
      for (let v = 0; v < n; v++) {
        const view = data.subarray(v * per, (v + 1) * per);
        out[2 * v] = view.reduce((s, a) => s + a, 0);
        out[2 * v + 1] = view[0];
      }
      return { image_embeds: tensor("float32", out, [n, 2]) };
    },
    release: () => Promise.resolve(),
  };
}

function job(count: number) {
  const image = texturedImage(40, 30, 3);
  const { masks, boxes } = ellipseMasks(count, 40, 30, 4);
  const proposals: Proposal[] = boxes.map((box, i) => ({
    mask: masks.data.slice(i * 1200, (i + 1) * 1200),
    box,
    area: 0,
    predictedIou: 1,
    stability: 1,
    point: [0, 0],
  }));
  return { id: 1, image, sentences: ["x"], proposals, timings: {} };
}

async function regionsOf(
  vision: ClipVisionEncoder,
  kernels: typeof CPU_KERNELS,
  count: number,
) {
  const stage = regionsStage(vision, kernels, {
    normalisation: CLIP_NORMALISATION,
    globalView: "blur",
  });
  for await (const done of stage(fromItems([job(count)]))) {
    return done.regions;
  }
  throw new Error("no job");
}

Deno.test({
  name:
    "regionsStage() keeps the views on the GPU for a session on the kernels' device, in calls no bigger than the encoder's batch, with the host path's embeddings",
  ignore: !gpu,
  async fn() {
    const hostBatches: string[] = [], deviceBatches: string[] = [];
    const host = await regionsOf(
      new ClipVisionEncoder(summingSession(hostBatches), { batchSize: 4 }),
      CPU_KERNELS,
      5,
    );
    const device = await regionsOf(
      new ClipVisionEncoder(summingSession(deviceBatches, gpu!), {
        batchSize: 4,
      }),
      gpuKernels(gpu!),
      5,
    );
    assert.deepEqual(hostBatches, ["host 4", "host 4", "host 2"]);
    // Both views of 2 proposals per call: 4 views, within the batch of 4.
    assert.deepEqual(deviceBatches, ["device 4", "device 4", "device 2"]);
    assert.equal(device.dim, 2);
    for (
      const [got, want] of [[device.global, host.global], [
        device.local,
        host.local,
      ]]
    ) {
      assert.equal(got.length, want.length);
      got.forEach((v, i) =>
        assert.ok(Math.abs(v - want[i]) < 1e-3 * (1 + Math.abs(want[i])))
      );
    }
  },
});

Deno.test({
  name:
    "regionsStage() reads the GPU kernels' views back for a host session, and refuses a session left on a lost device",
  ignore: !gpu,
  async fn() {
    const batches: string[] = [];
    await regionsOf(
      new ClipVisionEncoder(summingSession(batches), { batchSize: 4 }),
      gpuKernels(gpu!),
      1,
    );
    assert.deepEqual(batches, ["host 2"]);
    const lost = { ...gpu!, device: {} as GPUDevice };
    await assert.rejects(
      () =>
        regionsOf(
          new ClipVisionEncoder(summingSession(batches, lost), {
            batchSize: 4,
          }),
          gpuKernels(gpu!),
          1,
        ),
      /kernels now run on another device/,
    );
    assert.deepEqual(batches, ["host 2"]);
  },
});
