/**
 * SAM's post-processing (predicted-IoU and stability filters, upsampling of
 * the 256x256 logits to the image, box NMS) for 64 prompts x 3 masks on a
 * 640x480 image. Target: <= 150 ms on a 2-core CPU.
 *
 * The decoder outputs come from the fixture SAM on a synthetic scene, so
 * the masks are real shapes and background regions.
 */
import { CPU_KERNELS } from "../kernels/kernels.ts";
import { createSession } from "../pipeline/models/session.ts";
import { tensor } from "../pipeline/models/tensor.ts";
import { buildPointGrid } from "../pipeline/sam/point_grid.ts";
import { MASK_GENERATOR_DEFAULTS } from "../pipeline/sam/mask_generator.ts";
import {
  filterDecoderBatch,
  suppressDuplicates,
} from "../pipeline/sam/postprocess.ts";
import { samPreprocess, toSamFrame } from "../pipeline/sam/preprocess.ts";
import { generateScene } from "../pipeline/demo/scenes.ts";
import { FIXTURE_MODELS_DIR } from "../tests/helpers/fixture_models.ts";

const dir = `${FIXTURE_MODELS_DIR}/fixture/color-sam/onnx`;
const encoder = await createSession(
  await Deno.readFile(`${dir}/vision_encoder.onnx`),
  { backend: "native" },
);
const decoder = await createSession(
  await Deno.readFile(`${dir}/prompt_encoder_mask_decoder.onnx`),
  { backend: "native" },
);
const scene = generateScene(11, { width: 640, height: 480, shapeCount: 6 });
const input = samPreprocess(scene.image);
const encoded = await encoder.run({
  pixel_values: tensor("float32", input.pixels, [1, 3, 1024, 1024]),
});
const grid = buildPointGrid(8); // 64 prompts
const points = grid.map((v, i) => v * (i % 2 === 0 ? 640 : 480));
const out = await decoder.run({
  image_embeddings: encoded.image_embeddings,
  image_positional_embeddings: encoded.image_positional_embeddings,
  input_points: tensor("float32", toSamFrame(points, input), [1, 64, 1, 2]),
  input_labels: tensor("int64", new BigInt64Array(64).fill(1n), [1, 64, 1]),
});
const batch = {
  iou: out.iou_scores.data as Float32Array,
  logits: out.pred_masks.data as Float32Array,
  dims: out.pred_masks.dims,
  points,
  validFractionX: input.resizedWidth / 1024,
  validFractionY: input.resizedHeight / 1024,
  frameSize: 1024,
  width: 640,
  height: 480,
};
const kept = batch.iou.filter((v) => v > 0.88).length;
console.log(
  `64 prompts x 3 masks: ${kept} of 192 pass the predicted-IoU filter`,
);

Deno.bench({
  name: "SAM post-processing, 64 prompts x 3 masks, 640x480",
  async fn() {
    const candidates = await filterDecoderBatch(
      batch,
      MASK_GENERATOR_DEFAULTS,
      CPU_KERNELS,
    );
    suppressDuplicates(candidates, 640, 480, MASK_GENERATOR_DEFAULTS);
  },
});

Deno.bench({
  name: "SAM post-processing, every mask upsampled (IoU filter off)",
  async fn() {
    const options = { ...MASK_GENERATOR_DEFAULTS, predIouThresh: 0 };
    const candidates = await filterDecoderBatch(batch, options, CPU_KERNELS);
    suppressDuplicates(candidates, 640, 480, options);
  },
});
