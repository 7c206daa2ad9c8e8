/**
 * The segmenter's settings: their two shapes (the options a caller gives,
 * every one optional, and the settings in force, every one resolved), the
 * one check of their values, and their resolution from
 * {@linkcode DEFAULTS}.
 *
 * @module
 */

import { DEVICE_CHOICES, type DeviceChoice } from "../kernels/choose.ts";
import type { Kernels } from "../kernels/kernels.ts";
import { DEFAULTS } from "./defaults.ts";
import {
  BACKEND_CHOICES,
  type BackendChoice,
  type BackendName,
  BACKENDS,
  type ThreadsChoice,
} from "./models/inference.ts";
import { checkPointsPerBatch } from "./sam/decoder_memory.ts";
import { MODEL_VARIANTS, type ModelVariant } from "./models/registry.ts";
import type { ModelSource } from "./models/source.ts";
import {
  checkGeneratorOptions,
  type MaskGeneratorOptions,
} from "./sam/mask_generator.ts";
import type { SegmenterProgress } from "./segmenter.ts";
import {
  checkSetting,
  numberAtLeast,
  numberIn,
  oneOf,
  orWords,
  wholeNumber,
} from "./setting_error.ts";
import {
  GLOBAL_VIEWS,
  type GlobalView,
  VIEW_RESIZES,
  type ViewResize,
} from "./stages/regions.ts";
import {
  defaultTopK,
  SPATIAL_MODES,
  type SpatialMode,
} from "./stages/select.ts";

/** Settings of the method in force; their defaults are in {@linkcode DEFAULTS}. */
export interface SegmenterSettings {
  /** Weight of the global view: v = alpha * global + (1 - alpha) * local, from 0 to 1. */
  alpha: number;
  /** Weight of the sentence: t = beta * sentence + (1 - beta) * noun phrase, from 0 to 1. */
  beta: number;
  /**
   * Spatial rule: "extended" (directions, superlatives, ordinals, relations
   * to an anchor), "seed" (the paper's ten words among the top k) or "off".
   */
  spatial: SpatialMode;
  /** Candidates the spatial rule compares; by default `DEFAULTS.topK` of the rule. */
  topK: number;
  /**
   * How the global view is made: "token-mask" (the reference's: the whole
   * image once through CLIP, the patch tokens outside the mask zeroed
   * before the last three blocks; needs a CLIP ViT export whose blocks
   * can be found) or "blur" (the outside blurred, a CLIP pass per
   * proposal).
   */
  globalView: GlobalView;
  /**
   * How the local and whole-image views and the masks' patch grids are
   * resized: "antialias" (PIL's bilinear, torchvision's tensor resize since
   * 0.17) or "bilinear" (torchvision's before 0.17, as the reference code
   * ran).
   */
  viewResize: ViewResize;
  /** Blur of the blurred global view, in 224-pixel view units. */
  blurSigma: number;
  /** SAM's automatic mask generator. */
  generator: MaskGeneratorOptions;
}

/**
 * Options of `createSegmenter`: the settings of the method, any of them
 * left out to take its default from {@linkcode DEFAULTS}, and how the
 * models are found and run.
 */
export interface SegmenterOptions
  extends Partial<Omit<SegmenterSettings, "generator">> {
  /** Where model files come from. */
  source: ModelSource;
  /** CLIP repository id. Default `DEFAULTS.clip`. */
  clip?: string;
  /** SAM repository id. Default `DEFAULTS.sam`. */
  sam?: string;
  /** ONNX variant. Default `DEFAULTS.variant`. */
  variant?: ModelVariant;
  /**
   * Inference backend: "auto" (native where onnxruntime-node loads, wasm
   * otherwise), "wasm", "webgpu" or "native". Default `DEFAULTS.backend`;
   * `Segmenter.models.backend` says which ran.
   */
  backend?: BackendChoice;
  /**
   * Threads of the CPU backends (native's intra-op threads, wasm's
   * threads): a count, 0 for the runtime's own choice, or "auto", one per
   * core. Default `DEFAULTS.threads`. wasm takes the count of the first
   * session of the process.
   */
  threads?: ThreadsChoice;
  /** Overrides of the mask generator's defaults (`DEFAULTS.generator`). */
  generator?: Partial<MaskGeneratorOptions>;
  /**
   * Global views to compute besides `globalView`, for comparisons
   * (`regions.globals` of each job). Default none.
   */
  extraGlobalViews?: readonly GlobalView[];
  /**
   * CLIP views per vision call. Default `DEFAULTS.clipBatchSize`;
   * `DEFAULTS.clipBatchSizeOnDevice` when the views stay on the GPU
   * (`backend` webgpu with GPU kernels), where every call also waits for a
   * readback.
   */
  clipBatchSize?: number;
  /** Kernels for the per-image hot work. Default: chosen by `device`. */
  kernels?: Kernels;
  /**
   * Where the per-image kernels run when `kernels` is not given: "gpu"
   * (WebGPU, any adapter), "cpu" (the TypeScript twins) or "auto" (WebGPU
   * only on a real, non-fallback adapter). Default `DEFAULTS.device`.
   */
  device?: DeviceChoice;
  /**
   * Images `Segmenter.stream` works on at once; results still come in
   * input order; at most {@linkcode MAX_IN_FLIGHT}. Default `DEFAULTS.inFlight`.
   */
  inFlight?: number;
  /**
   * Keep every model session open from `createSegmenter` on (true), or
   * (false) open CLIP's sessions when the first image's proposals are
   * ready and park SAM's encoder after each image's encoding, so the
   * encoder's working memory is back before CLIP's (about 1.1 GB at fp32)
   * is taken. With the stock encoder (about 2.4 GB of working memory for
   * SlimSAM on the CPU backends) a one-image run then peaks near 2.9 GB
   * instead of 4.2 GB; the fast encoder needs a few hundred MB, so there
   * both peak near 1.6 GB. false costs the
   * encoder's opening again per image after the first (about 0.25 s at
   * fp32), and a CLIP file that fails to load fails the first image
   * instead of `createSegmenter`. Always true on webgpu. Default
   * `DEFAULTS.residentModels`.
   */
  residentModels?: boolean;
  /**
   * Run SAM's decoder as the fast decoder derived from the stock one: one
   * copy of the image embeddings per call instead of one per prompt, and
   * the mask upscaling channels-last (see `pipeline/sam/fast_decoder.ts`).
   * It is checked to compute the same on a probe and kept in the cache:
   * about 35% less time a prompt on SlimSAM. false runs the decoder as
   * exported. Default `DEFAULTS.fastDecoder`.
   */
  fastDecoder?: boolean;
  /**
   * Run SAM's encoder as the fast encoder derived from the stock one: its
   * attention with relative positions one row of queries at a time, so
   * the score matrices stay in the processor's cache (see
   * `pipeline/sam/fast_encoder.ts`). It is checked to compute the same on
   * a probe and kept in the cache: on SlimSAM about 40% less time an image
   * and 2 GB less memory on the CPU backends. false runs the encoder as
   * exported. Default `DEFAULTS.fastEncoder` on the CPU backends (native,
   * wasm) with a source that keeps derived files (the model cache); false
   * on webgpu, where the rows' loop would go back and forth between the
   * GPU and the processor for a cache a GPU does not need, and with a
   * source that keeps none (a models folder, memory), where the check
   * (two encoder runs, about 4 s on native) would be paid at every load.
   */
  fastEncoder?: boolean;
  /** Progress of model loading and per-image stages. */
  onProgress?: (event: SegmenterProgress) => void;
}

/** The most images a segmenter's stream may work on at once (`inFlight`). */
export const MAX_IN_FLIGHT = 16;

/** The settings of the method as a caller gives them: any may be left out. */
export type SettingsInput = Pick<SegmenterOptions, keyof SegmenterSettings>;

/**
 * Checks every setting and option given (an undefined one passes): ranges
 * and choices. Throws a {@linkcode SettingError} naming the setting and
 * what it must be; returns `options` unchanged.
 *
 * @example
 * ```ts
 * import { validateSettings } from "./settings.ts";
 *
 * validateSettings({ alpha: 0.9, spatial: "seed" }); // returns its argument
 * try {
 *   validateSettings({ alpha: 2 });
 * } catch (e) {
 *   console.log((e as Error).message); // "alpha must be a number from 0 to 1, got 2."
 * }
 * ```
 */
export function validateSettings<T extends Partial<SegmenterOptions>>(
  options: T,
): T {
  checkSetting("alpha", options.alpha, numberIn(0, 1));
  checkSetting("beta", options.beta, numberIn(0, 1));
  checkSetting("spatial", options.spatial, oneOf(SPATIAL_MODES));
  checkSetting("topK", options.topK, wholeNumber(1));
  checkSetting("globalView", options.globalView, oneOf(GLOBAL_VIEWS));
  checkSetting("viewResize", options.viewResize, oneOf(VIEW_RESIZES));
  checkSetting("blurSigma", options.blurSigma, numberAtLeast(0));
  checkGeneratorOptions(options.generator ?? {}, "generator.");
  checkSetting("variant", options.variant, oneOf(MODEL_VARIANTS));
  checkSetting("backend", options.backend, oneOf(BACKEND_CHOICES));
  const pointsPerBatch = options.generator?.pointsPerBatch;
  if (pointsPerBatch !== undefined && isBackendName(options.backend)) {
    // A backend named outright is checked now; "auto" once it is resolved.
    checkPointsPerBatch(pointsPerBatch, options.backend);
  }
  checkSetting("device", options.device, oneOf(DEVICE_CHOICES));
  checkSetting("threads", options.threads, orWords(wholeNumber(0), ["auto"]));
  checkSetting("clipBatchSize", options.clipBatchSize, wholeNumber(1));
  checkSetting("inFlight", options.inFlight, wholeNumber(1, MAX_IN_FLIGHT));
  for (const [i, view] of (options.extraGlobalViews ?? []).entries()) {
    checkSetting(`extraGlobalViews[${i}]`, view, oneOf(GLOBAL_VIEWS));
  }
  return options;
}

/** Whether `value` names a backend outright (not "auto" nor left out). */
function isBackendName(value: unknown): value is BackendName {
  return BACKENDS.includes(value as BackendName);
}

/** `partial` without its undefined entries, so they don't hide defaults. */
function given<T extends object>(partial: T | undefined): Partial<T> {
  return Object.fromEntries(
    Object.entries(partial ?? {}).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

/**
 * The settings in force for `options`: each one given, else its default
 * from {@linkcode DEFAULTS} (top-k: the default of the spatial rule in
 * force); checked with {@linkcode validateSettings}.
 *
 * @example
 * ```ts
 * resolveSettings({ spatial: "seed" }).topK; // 3
 * resolveSettings({}).alpha; // 0.85
 * ```
 */
export function resolveSettings(options: SettingsInput): SegmenterSettings {
  const spatial = validateSettings({ spatial: options.spatial }).spatial ??
    DEFAULTS.spatial;
  return validateSettings({
    alpha: options.alpha ?? DEFAULTS.alpha,
    beta: options.beta ?? DEFAULTS.beta,
    spatial,
    topK: options.topK ?? defaultTopK(spatial),
    globalView: options.globalView ?? DEFAULTS.globalView,
    viewResize: options.viewResize ?? DEFAULTS.viewResize,
    blurSigma: options.blurSigma ?? DEFAULTS.blurSigma,
    generator: { ...DEFAULTS.generator, ...given(options.generator) },
  });
}

/** The models and the backend asked for, each one given or its default. */
export interface ModelChoices {
  /** CLIP repository id. */
  readonly clip: string;
  /** SAM repository id. */
  readonly sam: string;
  /** ONNX variant of both models' files. */
  readonly variant: ModelVariant;
  /** The backend asked for; "auto" is resolved when the sessions load. */
  readonly backend: BackendChoice;
}

/**
 * The models and backend `options` name, each left out taken from
 * {@linkcode DEFAULTS}; checked with {@linkcode validateSettings}.
 *
 * @example
 * ```ts
 * resolveModels({ backend: "native" }).variant; // "fp32"
 * ```
 */
export function resolveModels(
  options: Pick<SegmenterOptions, "clip" | "sam" | "variant" | "backend">,
): ModelChoices {
  return validateSettings({
    clip: options.clip ?? DEFAULTS.clip,
    sam: options.sam ?? DEFAULTS.sam,
    variant: options.variant ?? DEFAULTS.variant,
    backend: options.backend ?? DEFAULTS.backend,
  });
}

/** The defaults of {@linkcode SegmenterSettings}, resolved from {@linkcode DEFAULTS}. */
export const SEGMENTER_DEFAULTS: Readonly<SegmenterSettings> = Object.freeze(
  resolveSettings({}),
);

/**
 * The settings in force as a report records them (run.json, metrics.json,
 * segment's report): one flat record, the generator's reported settings
 * beside the method's.
 *
 * @example
 * ```ts
 * settingsRecord(SEGMENTER_DEFAULTS).pointsPerSide; // 16
 * ```
 */
export function settingsRecord(s: SegmenterSettings): Record<string, unknown> {
  return {
    spatial: s.spatial,
    topK: s.topK,
    alpha: s.alpha,
    beta: s.beta,
    globalView: s.globalView,
    viewResize: s.viewResize,
    pointsPerSide: s.generator.pointsPerSide,
    pointsPerBatch: s.generator.pointsPerBatch,
    maskNmsThresh: s.generator.maskNmsThresh,
    prunePoints: s.generator.prunePoints,
  };
}
