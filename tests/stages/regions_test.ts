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
import {
  type RegionOptions,
  regionsStage,
} from "../../pipeline/stages/regions.ts";
import {
  tokenMaskRows,
  wholeImageView,
} from "../../pipeline/clip/_token_mask_inputs.ts";
import { gpu } from "../kernels/gpu_context.ts";
import { ellipseMasks, texturedImage } from "../kernels/inputs.ts";
import { readBuffer } from "../kernels/views_parity.ts";

const SIZE = 16; // the stand-in model's input side

/** Tokens of the stand-in's token-masked form: a class token and 2 x 2 patches. */
const TOKENS = 5;

/**
 * A stand-in vision model of side 16 that embeds each view as [sum of its
 * values, its first value], from host tensors or, on `ctx`'s device, from
 * GPU buffers; it records the batch of every call. With `tokenMasked`, it
 * also takes a `token_mask` [n, 5, 1] and embeds mask row r of one view as
 * [sum of the view's values * sum of r, r's second value] (a row of ones:
 * [5 * sum, 1]); `wrongCount` makes it answer one vector too many for
 * plain views or for token masks.
 */
function summingSession(
  batches: string[],
  ctx?: GpuContext,
  options: { tokenMasked?: boolean; wrongCount?: "views" | "masks" } = {},
): InferenceSession {
  const per = 3 * SIZE * SIZE;
  return {
    backend: ctx ? "webgpu" : "wasm",
    label: "sum/vision_model.onnx",
    inputs: [
      {
        name: "pixel_values",
        type: "float32",
        shape: ["b", 3, SIZE, SIZE],
      },
      ...(options.tokenMasked
        ? [{ name: "token_mask", type: "float32", shape: ["n", TOKENS, 1] }]
        : []),
    ],
    outputs: [{ name: "image_embeds", type: "float32", shape: ["b", 2] }],
    ...(ctx ? { gpuDevice: ctx.device } : {}),
    async run(feeds: Record<string, Tensor | DeviceTensor>) {
      const x = feeds.pixel_values;
      const views = x.dims[0];
      let data: Float32Array;
      if (isDeviceTensor(x)) {
        batches.push(`device ${views}`);
        data = (await readBuffer(ctx!, x.gpuBuffer)).subarray(0, views * per);
      } else {
        batches.push(`host ${views}`);
        data = x.data as Float32Array;
      }
      const mask = feeds.token_mask as Tensor | undefined;
      const rows = mask ? mask.dims[0] : views;
      if (mask && views === 1 && rows > 1) batches.push(`masks ${rows}`);
      const masking = Boolean(mask) && views === 1 && rows > 1;
      const wrong = options.wrongCount === (masking ? "masks" : "views");
      const n = rows + (wrong ? 1 : 0);
      const out = new Float32Array(2 * n);
      for (let r = 0; r < rows; r++) {
        const view = data.subarray((views === 1 ? 0 : r) * per).subarray(
          0,
          per,
        );
        const sum = view.reduce((a, v) => a + v, 0);
        if (!mask) {
          out[2 * r] = sum;
          out[2 * r + 1] = view[0];
          continue;
        }
        const m = (mask.data as Float32Array).subarray(
          r * TOKENS,
          (r + 1) * TOKENS,
        );
        out[2 * r] = sum * m.reduce((a, v) => a + v, 0);
        out[2 * r + 1] = m[1];
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
  options: Partial<RegionOptions> = { globalView: "blur" },
) {
  const stage = regionsStage(vision, kernels, {
    normalisation: CLIP_NORMALISATION,
    ...options,
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

Deno.test("regionsStage() makes the token-masked global vectors in one call per mask batch, over the whole image, with every mask's patch grid", async () => {
  const batches: string[] = [];
  const vision = new ClipVisionEncoder(
    summingSession(batches, undefined, { tokenMasked: true }),
    { batchSize: 4, maskBatchSize: 2 },
  );
  const regions = await regionsOf(vision, CPU_KERNELS, 5, {});
  // Local views in batches of 4 (with a mask of ones), then the masks two
  // at a time over the one whole-image view.
  assert.deepEqual(batches, [
    "host 4",
    "host 1",
    "host 1",
    "masks 2",
    "host 1",
    "masks 2",
    "host 1",
  ]);
  const { image, proposals } = job(5);
  const view = wholeImageView(image, SIZE, CLIP_NORMALISATION);
  const rows = tokenMaskRows(proposals, image.width, image.height, 2);
  const sum = view.reduce((a, v) => a + v, 0);
  assert.equal(regions.global, regions.globals["token-mask"]);
  assert.equal(regions.globals.blur, undefined);
  for (let i = 0; i < 5; i++) {
    const row = rows.subarray(i * TOKENS, (i + 1) * TOKENS);
    const want = [sum * row.reduce((a, v) => a + v, 0), row[1]];
    const got = regions.global.subarray(2 * i, 2 * i + 2);
    got.forEach((v, k) =>
      assert.ok(Math.abs(v - want[k]) < 1e-3 * (1 + Math.abs(want[k])))
    );
    // Local views went through with a mask of ones.
    assert.equal(regions.local[2 * i + 1], 1);
  }
});

Deno.test("regionsStage() computes the blurred global view beside the token-masked one when asked, and scores with the one chosen", async () => {
  const vision = new ClipVisionEncoder(
    summingSession([], undefined, { tokenMasked: true }),
    { batchSize: 16 },
  );
  const regions = await regionsOf(vision, CPU_KERNELS, 3, {
    globalView: "blur",
    extraGlobalViews: ["token-mask"],
  });
  assert.equal(regions.global, regions.globals.blur);
  assert.ok(regions.globals["token-mask"]);
  assert.notDeepEqual(regions.globals.blur, regions.globals["token-mask"]);
  assert.equal(regions.local.length, 6);
});

Deno.test("regionsStage() refuses the token-masked view of a stock tower, and ClipVisionEncoder a tower that does not broadcast its masks", async () => {
  assert.throws(
    () =>
      regionsStage(
        new ClipVisionEncoder(summingSession([])),
        CPU_KERNELS,
        { normalisation: CLIP_NORMALISATION },
      ),
    /needs a token-masked CLIP vision model/,
  );
  for (const wrongCount of ["views", "masks"] as const) {
    const broken = new ClipVisionEncoder(
      summingSession([], undefined, { tokenMasked: true, wrongCount }),
    );
    await assert.rejects(
      () => regionsOf(broken, CPU_KERNELS, 2, {}),
      new RegExp(
        `gave 3 vectors for 2 ${
          wrongCount === "masks" ? "token masks" : "views"
        }`,
      ),
    );
  }
  assert.throws(
    () =>
      new ClipVisionEncoder(
        summingSession([], undefined, { tokenMasked: true }),
        { maskBatchSize: 0 },
      ),
    /CLIP mask batch size must be a positive integer, got 0/,
  );
});

Deno.test({
  name:
    "regionsStage() with the token-masked view sends only the local views to a GPU session, as many per call as its batch",
  ignore: !gpu,
  async fn() {
    const batches: string[] = [];
    await regionsOf(
      new ClipVisionEncoder(
        summingSession(batches, gpu!, { tokenMasked: true }),
        { batchSize: 4 },
      ),
      gpuKernels(gpu!),
      5,
      {},
    );
    assert.deepEqual(batches, ["device 4", "device 1", "host 1", "masks 5"]);
  },
});
