/**
 * oris: zero-shot referring image segmentation. Segment Anything proposes
 * masks, CLIP scores each against the sentence with global and local
 * context, and a spatial selector resolves direction words.
 *
 * This is the front door: a segmenter, its options and results, where its
 * models come from, and the errors it throws. It works on RGBA pixels and
 * model bytes, needs no file system and no FFI, and runs in Deno, Deno
 * Deploy and browsers. The parts of the method are behind subpath exports:
 * `./sam`, `./clip`, `./text`, `./spatial`, `./stages`, `./kernels`,
 * `./models`, `./image`, `./datasets`, `./eval`, `./render` and `./demo`; reading
 * files and the on-disk model cache are in `./io`.
 *
 * @example Segment with models held in memory
 * ```ts
 * import { createSegmenter, memorySource } from "./mod.ts";
 * import { DEMO_CLIP, DEMO_SAM, demoModelFiles, generateScene } from "./pipeline/demo/mod.ts";
 *
 * const scene = generateScene(3);
 * await using segmenter = await createSegmenter({
 *   source: memorySource(demoModelFiles()), // or hubSource() in a browser
 *   clip: DEMO_CLIP,
 *   sam: DEMO_SAM,
 *   device: "cpu",
 *   generator: { pointsPerSide: 8 },
 * });
 * // An AbortSignal stops a run: segment(image, sentences, { signal }).
 * const result = await segmenter.segment(scene.image, [scene.sentences[0].text]);
 * console.log(result.sentences[0].selected?.box); // [x, y, width, height] of the chosen mask
 * ```
 *
 * @module
 */

// The segmenter: options, settings and their defaults, results.
export { createSegmenter, Segmenter } from "./pipeline/segmenter.ts";
export type {
  Candidate,
  FeaturedJob,
  SegmentedJob,
  SegmenterModels,
  SegmenterOptions,
  SegmenterProgress,
  SegmenterSettings,
  SegmentOptions,
  SegmentResult,
  SentenceResult,
} from "./pipeline/segmenter.ts";

// Every default of the method and the segmenter (the models too: DEFAULTS.clip,
// DEFAULTS.sam), and the one check of settings.
export { DEFAULTS } from "./pipeline/defaults.ts";
export type { Defaults } from "./pipeline/defaults.ts";
export { validateSettings } from "./pipeline/settings.ts";

// Images in memory.
export { createRgbaImage } from "./pipeline/image/rgba.ts";
export type { RgbaImage } from "./pipeline/image/rgba.ts";

// Where models come from, and how they run.
export type { ModelVariant } from "./pipeline/models/registry.ts";
export { hubSource, memorySource } from "./pipeline/models/source.ts";
export type {
  HubSourceOptions,
  ModelSource,
} from "./pipeline/models/source.ts";
export type {
  BackendChoice,
  BackendName,
  ThreadsChoice,
} from "./pipeline/models/inference.ts";
export type { BackendResolution } from "./pipeline/models/backend_choice.ts";
export type { DeviceChoice } from "./kernels/choose.ts";

// Errors.
export { SettingError } from "./pipeline/setting_error.ts";
export {
  InvalidModelIdError,
  ModelAccessError,
  ModelDownloadError,
  ModelEndpointError,
  ModelError,
  ModelIntegrityError,
  ModelNotFoundError,
  ModelOfflineError,
  ModelResponseError,
  type ModelResponseProblem,
} from "./pipeline/models/errors.ts";
export {
  BackendUnavailableError,
  ModelLoadError,
} from "./pipeline/models/inference.ts";
export { ModelSignatureError } from "./pipeline/models/session.ts";
export { GpuDeviceLostError } from "./pipeline/models/device_lost.ts";
export { TokenMaskMappingError } from "./pipeline/clip/token_mask_model.ts";
export { TokenizerFormatError } from "./pipeline/text/tokenizer_json.ts";
export { WebGpuUnavailableError } from "./kernels/gpu_device.ts";
export {
  ImageDecodeError,
  ImageTooLargeError,
} from "./pipeline/image/errors.ts";
