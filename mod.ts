/**
 * oris: zero-shot referring image segmentation. Segment Anything proposes
 * masks, CLIP scores each against the sentence with global and local
 * context, and a spatial selector resolves direction words.
 *
 * This module is the core: it works on RGBA pixels and model bytes, needs
 * no file system and no FFI, and runs in Deno, Deno Deploy and browsers.
 * Reading image files and the on-disk model cache live at the edge, in
 * `pipeline/image/file.ts`, `pipeline/image/codec.ts` and
 * `pipeline/models/store.ts` (exported as `./io`).
 *
 * @example
 * ```ts
 * import { createRgbaImage, createSession, hubSource, DEFAULT_CLIP } from "./mod.ts";
 *
 * const source = hubSource(); // fetches model files into memory
 * const bytes = await source.read(DEFAULT_CLIP, "onnx/vision_model.onnx");
 * const session = await createSession(bytes, { backend: "wasm" });
 * const image = createRgbaImage(640, 480); // or a canvas's ImageData
 * ```
 *
 * @module
 */

// Referring segmentation: the segmenter and its stages
export * from "./pipeline/segmenter.ts";
export * from "./pipeline/stages/job.ts";
export * from "./pipeline/stages/in_flight.ts";
export * from "./pipeline/stages/propose.ts";
export * from "./pipeline/stages/regions.ts";
export * from "./pipeline/stages/parse.ts";
export * from "./pipeline/stages/embed_text.ts";
export * from "./pipeline/stages/score.ts";
export * from "./pipeline/stages/select.ts";

// SAM and CLIP
export * from "./pipeline/sam/mask_generator.ts";
export * from "./pipeline/sam/postprocess.ts";
export * from "./pipeline/sam/preprocess.ts";
export * from "./pipeline/sam/point_grid.ts";
export * from "./pipeline/sam/box_nms.ts";
export * from "./pipeline/sam/mask_nms.ts";
export * from "./pipeline/sam/small_regions.ts";
export * from "./pipeline/clip/vision.ts";
export * from "./pipeline/clip/text.ts";
export * from "./pipeline/clip/token_mask_model.ts";
export * from "./pipeline/clip/token_mask_inputs.ts";
export * from "./pipeline/clip/vit_geometry.ts";

// Kernels (CPU twins; GPU where WebGPU exists)
export * from "./kernels/kernels.ts";
export * from "./kernels/select.ts";
export * from "./kernels/route.ts";
export * from "./kernels/gpu_device.ts";
export type { DeviceViews } from "./kernels/views_gpu.ts";
export * from "./kernels/mask_iou/contract.ts";
export * from "./kernels/mask_pairwise_iou/contract.ts";
export * from "./kernels/mask_pairwise_iou/cpu.ts";
export * from "./kernels/clip_views.ts";
export * from "./kernels/crop_fill/contract.ts";
export * from "./kernels/crop_fill/cpu.ts";
export * from "./kernels/blur_outside/contract.ts";
export * from "./kernels/blur_outside/cpu.ts";
export * from "./kernels/cosine/contract.ts";
export * from "./kernels/cosine/cpu.ts";
export * from "./kernels/mask_logits/contract.ts";
export * from "./kernels/mask_logits/cpu.ts";
export * from "./kernels/mask_iou/cpu.ts";

// Datasets and evaluation (no file system)
export * from "./pipeline/datasets/types.ts";
export * from "./pipeline/datasets/errors.ts";
export * from "./pipeline/datasets/pickle.ts";
export * from "./pipeline/datasets/segmentation.ts";
export * from "./pipeline/datasets/refer.ts";
export * from "./pipeline/datasets/jsonl.ts";
export * from "./pipeline/datasets/coco_mask.ts";
export * from "./pipeline/eval/metrics.ts";
export * from "./pipeline/eval/predictions.ts";
export * from "./pipeline/eval/ablation.ts";
export * from "./pipeline/eval/run.ts";
export * from "./pipeline/eval/score.ts";
export * from "./pipeline/eval/report.ts";

// Rendering
export * from "./pipeline/render/draw.ts";
export * from "./pipeline/render/font.ts";
export * from "./pipeline/render/overlay.ts";

// Images
export * from "./pipeline/image/rgba.ts";
export * from "./pipeline/image/probe.ts";
export * from "./pipeline/image/errors.ts";
export * from "./pipeline/image/orientation.ts";
export * from "./pipeline/image/png_encode.ts";
export * from "./pipeline/image/resample.ts";

// Models: registry, hub access, inference sessions
export * from "./pipeline/models/registry.ts";
export * from "./pipeline/models/hub.ts";
export * from "./pipeline/models/source.ts";
export * from "./pipeline/models/errors.ts";
export * from "./pipeline/models/tensor.ts";
export * from "./pipeline/models/device_lost.ts";
export * from "./pipeline/models/session.ts";
export {
  ProtobufError,
  readFields,
  WIRE,
} from "./pipeline/models/onnx/protobuf.ts";
export type { ProtoField } from "./pipeline/models/onnx/protobuf.ts";
export * from "./pipeline/models/onnx/model.ts";
export * from "./pipeline/models/onnx/residual_stream.ts";
export * from "./pipeline/models/onnx/graph_index.ts";
export type {
  FetchLike,
  TransferProgress,
  TransferRetry,
} from "./pipeline/models/transfer.ts";

// Text
export * from "./pipeline/text/clip_tokenizer.ts";
export * from "./pipeline/text/noun_phrase.ts";

// Spatial selection
export * from "./pipeline/spatial/types.ts";
export * from "./pipeline/spatial/seed.ts";
export * from "./pipeline/spatial/parse.ts";
export * from "./pipeline/spatial/extended.ts";

// Progress reporting
export * from "./pipeline/progress.ts";
