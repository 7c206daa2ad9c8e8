/**
 * Every default of the method and the segmenter, in one frozen object: the
 * only place a default value is written. The library resolves what a
 * caller leaves out from it, and the command line prints its help from it.
 *
 * It holds plain values only (no code of the pipeline), so any module may
 * read it without an import cycle.
 *
 * @example
 * ```ts
 * import { DEFAULTS } from "./defaults.ts";
 *
 * DEFAULTS.alpha; // 0.85
 * DEFAULTS.topK.seed; // 3
 * ```
 *
 * @module
 */

import type { DeviceChoice } from "../kernels/choose.ts";
import type { BackendChoice, ThreadsChoice } from "./models/inference.ts";
import type { ModelVariant } from "./models/registry.ts";
import type { MaskGeneratorOptions } from "./sam/types.ts";
import type { GlobalView, ViewResize } from "./stages/regions.ts";
import type { SpatialMode } from "./stages/select.ts";

/** The defaults of the method and the segmenter; see {@linkcode DEFAULTS}. */
export interface Defaults {
  /** Weight of the global view: v = alpha * global + (1 - alpha) * local (RefCOCOg's). */
  readonly alpha: number;
  /**
   * The paper's alpha per dataset of the REFER layout, for evaluations;
   * {@linkcode Defaults.alpha} for any other data.
   */
  readonly alphaByDataset: Readonly<Record<string, number>>;
  /** The alphas an evaluation's ablation compares. */
  readonly ablationAlphas: readonly number[];
  /** Weight of the sentence: t = beta * sentence + (1 - beta) * noun phrase. */
  readonly beta: number;
  /** Spatial rule. */
  readonly spatial: SpatialMode;
  /**
   * Candidates the spatial rule compares, per rule: the extended
   * selector's cap, the seed paper's top 3 (and the ranked list's length
   * when the rule is off).
   */
  readonly topK: Readonly<Record<SpatialMode, number>>;
  /** The extended spatial selector's pool and anchor thresholds. */
  readonly selector: {
    /** How far below the best a candidate may score and stay in the pool, as a share of the best score (0.15: within 15%). */
    readonly margin: number;
    /** Box IoU from which another candidate counts as the same object as the target. */
    readonly sameObjectIou: number;
  };
  /** How the global view is made. */
  readonly globalView: GlobalView;
  /** How views and the masks' patch grids are resized. */
  readonly viewResize: ViewResize;
  /** Blur of the blurred global view, in 224-pixel view units. */
  readonly blurSigma: number;
  /** SAM's automatic mask generator. */
  readonly generator: Readonly<MaskGeneratorOptions>;
  /** CLIP repository id. */
  readonly clip: string;
  /** SAM repository id. */
  readonly sam: string;
  /** ONNX variant of the models' files. */
  readonly variant: ModelVariant;
  /** Hub revision (branch, tag or commit) the models are fetched at. */
  readonly revision: string;
  /**
   * Inference backend of the model sessions: "auto" is native
   * (onnxruntime-node) where it loads, wasm otherwise.
   */
  readonly backend: BackendChoice;
  /** Threads of the CPU backends: "auto" is one per core. */
  readonly threads: ThreadsChoice;
  /** Where the per-image kernels run. */
  readonly device: DeviceChoice;
  /** CLIP views per vision call. */
  readonly clipBatchSize: number;
  /**
   * CLIP views per vision call when the views stay on the GPU (webgpu
   * sessions with GPU kernels), where every call also waits for a readback.
   */
  readonly clipBatchSizeOnDevice: number;
  /** Proposals per view-kernel call of the regions stage, bounding its memory. */
  readonly regionChunk: number;
  /** Images a segmenter's stream works on at once. */
  readonly inFlight: number;
  /**
   * Whether every model session stays open from the start (else CLIP opens
   * at the first image and SAM's encoder is parked between images).
   */
  readonly residentModels: boolean;
  /** Whether SAM's decoder runs as the fast decoder derived from it. */
  readonly fastDecoder: boolean;
  /** Whether SAM's encoder runs as the fast encoder derived from it. */
  readonly fastEncoder: boolean;
  /** An evaluation's data and report, when the caller names none. */
  readonly evaluation: {
    /** The REFER dataset (its splits-by defaults to the first it has). */
    readonly dataset: string;
    /** The split evaluated. */
    readonly split: string;
    /** Best and worst examples a report shows, each. */
    readonly examples: number;
  };
}

/** Freezes an object and every object inside it. */
function deepFreeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) {
    if (typeof v === "object" && v !== null) deepFreeze(v);
  }
  return Object.freeze(value);
}

/**
 * The defaults of the method and the segmenter. Frozen: read them, never
 * change them; pass options to override.
 *
 * @example
 * ```ts
 * import { DEFAULTS } from "./defaults.ts";
 *
 * const topK = DEFAULTS.topK[DEFAULTS.spatial]; // 4
 * ```
 */
export const DEFAULTS: Defaults = deepFreeze({
  alpha: 0.85,
  alphaByDataset: { refcoco: 0.95, "refcoco+": 0.95, refcocog: 0.85 },
  ablationAlphas: [0.75, 0.85, 0.95],
  beta: 0.5,
  spatial: "extended",
  topK: { extended: 4, seed: 3, off: 3 },
  selector: { margin: 0.15, sameObjectIou: 0.8 },
  globalView: "token-mask",
  viewResize: "antialias",
  blurSigma: 5,
  generator: {
    pointsPerSide: 16,
    pointsPerBatch: 8,
    predIouThresh: 0.88,
    stabilityScoreThresh: 0.95,
    stabilityScoreOffset: 1.0,
    maskThreshold: 0,
    boxNmsThresh: 0.7,
    minMaskRegionArea: 0,
    maskNmsThresh: 1,
    prunePoints: true,
  },
  clip: "Xenova/clip-vit-base-patch32",
  sam: "Xenova/slimsam-77-uniform",
  variant: "fp32",
  revision: "main",
  backend: "auto",
  threads: "auto",
  device: "auto",
  clipBatchSize: 16,
  clipBatchSizeOnDevice: 64,
  regionChunk: 32,
  inFlight: 1,
  residentModels: false,
  fastDecoder: true,
  fastEncoder: true,
  evaluation: { dataset: "refcocog", split: "val", examples: 4 },
});
