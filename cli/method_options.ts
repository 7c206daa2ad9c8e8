/**
 * The model and method options that `segment` and `eval` share: their
 * parseArgs specs, their help text, their validation, and opening the model
 * source they name.
 *
 * @module
 */

import {
  DEFAULT_CLIP,
  DEFAULT_SAM,
  DEFAULT_VARIANT,
  MODEL_VARIANTS,
  type ModelVariant,
  resolveModelSpec,
} from "../pipeline/models/registry.ts";
import {
  type BackendName,
  BACKENDS,
  parseBackend,
} from "../pipeline/models/session.ts";
import type { ModelSource } from "../pipeline/models/source.ts";
import {
  lockWaitMessage,
  ModelStore,
  modelStoreOptionsFromEnv,
} from "../io/model_store.ts";
import { type ProgressOutput, ProgressReporter } from "../io/progress.ts";
import { MASK_GENERATOR_DEFAULTS } from "../pipeline/sam/mask_generator.ts";
import {
  SEGMENTER_DEFAULTS,
  type SegmenterOptions,
  type SegmenterProgress,
} from "../pipeline/segmenter.ts";
import {
  defaultTopK,
  SPATIAL_MODES,
  type SpatialMode,
} from "../pipeline/stages/select.ts";
import {
  GLOBAL_VIEWS,
  type GlobalView,
  VIEW_RESIZES,
  type ViewResize,
} from "../pipeline/stages/regions.ts";
import { DEVICE_CHOICES, type DeviceChoice } from "../kernels/choose.ts";
import { downloadProgress } from "./download_progress.ts";
import { UsageError } from "./usage_error.ts";

/** parseArgs specs of the shared options. */
export const METHOD_OPTION_SPECS = {
  models: { type: "string" },
  clip: { type: "string" },
  sam: { type: "string" },
  variant: { type: "string" },
  offline: { type: "boolean" },
  backend: { type: "string" },
  device: { type: "string" },
  spatial: { type: "string" },
  "top-k": { type: "string" },
  alpha: { type: "string" },
  beta: { type: "string" },
  "global-view": { type: "string" },
  "view-resize": { type: "string" },
  "points-per-side": { type: "string" },
  "points-per-batch": { type: "string" },
  "mask-nms": { type: "string" },
} as const;

/** Help text of the shared options. */
export const METHOD_OPTIONS_USAGE = `Models:
  --models DIR          read models from a local folder in the hub layout; no network
  --clip ID             CLIP repository (default ${DEFAULT_CLIP})
  --sam ID              SAM repository (default ${DEFAULT_SAM})
  --variant V           ${
  MODEL_VARIANTS.join(", ")
} (default ${DEFAULT_VARIANT})
  --offline             use only the model cache (also HF_HUB_OFFLINE=1)
  --backend B           ${BACKENDS.join(", ")} (default wasm)
  --device D            where the crop/blur/cosine/mask kernels run: ${
  DEVICE_CHOICES.join(", ")
}
                        (default auto: on a real, non-software adapter, WebGPU for
                        the calls big enough to repay a GPU round trip);
                        with --backend webgpu the models share the kernels' GPU
                        device and CLIP's views never leave it

Method:
  --spatial MODE        ${
  SPATIAL_MODES.join(", ")
} (default ${SEGMENTER_DEFAULTS.spatial})
  --top-k K             candidates the spatial rule compares (default 4 for extended, 3 for seed)
  --alpha A             weight of the global view (default ${SEGMENTER_DEFAULTS.alpha})
  --global-view V       ${
  GLOBAL_VIEWS.join(", ")
} (default ${SEGMENTER_DEFAULTS.globalView}): token-mask runs CLIP once
                        over the whole image and zeroes the patches outside each
                        mask in its last 3 blocks (the reference's global view);
                        blur blurs the outside, one CLIP pass per proposal
  --view-resize R       ${
  VIEW_RESIZES.join(", ")
} (default ${SEGMENTER_DEFAULTS.viewResize}): how views and patch grids are
                        resized; bilinear is torchvision's tensor resize before
                        0.17, as the reference code ran
  --beta B              weight of the sentence against its noun phrase (default ${SEGMENTER_DEFAULTS.beta})
  --points-per-side N   SAM point grid (default ${MASK_GENERATOR_DEFAULTS.pointsPerSide})
  --points-per-batch N  SAM prompts per decoder call (default ${MASK_GENERATOR_DEFAULTS.pointsPerBatch})
  --mask-nms IOU        after box NMS, drop proposals whose mask IoU with a better
                        one exceeds IOU; fewer CLIP views (default ${MASK_GENERATOR_DEFAULTS.maskNmsThresh} = off)`;

/** The shared options' values as parseArgs returns them. */
export type MethodOptionValues = {
  [K in keyof typeof METHOD_OPTION_SPECS]?: (typeof METHOD_OPTION_SPECS)[K][
    "type"
  ] extends "boolean" ? boolean
    : string;
};

/** The validated shared options. */
export interface MethodArgs {
  models?: string;
  clip: string;
  sam: string;
  variant: ModelVariant;
  offline: boolean;
  backend: BackendName;
  device: DeviceChoice;
  spatial: SpatialMode;
  topK: number;
  alpha: number;
  beta: number;
  globalView: GlobalView;
  viewResize: ViewResize;
  pointsPerSide: number;
  pointsPerBatch: number;
  maskNmsThresh: number;
}

/** Parses a number option, with a clear error. */
export function numberOption(
  name: string,
  value: string | undefined,
  fallback: number,
  check: (v: number) => boolean,
  expected: string,
): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (value.trim() === "" || !Number.isFinite(v) || !check(v)) {
    throw new UsageError(
      `--${name} must be ${expected}, not ${JSON.stringify(value)}`,
    );
  }
  return v;
}

/** Checks that option `--name` is one of `choices`; throws {@linkcode UsageError}. */
export function choiceOption<T extends string>(
  name: string,
  value: string,
  choices: readonly T[],
): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(", ")}`);
  }
  return value as T;
}

const unit = (v: number) => v >= 0 && v <= 1;
const whole = (max: number) => (v: number) =>
  Number.isInteger(v) && v >= 1 && v <= max;

/** Validates the shared options; throws {@linkcode UsageError}. */
export function methodArgs(values: MethodOptionValues): MethodArgs {
  const variant = choiceOption(
    "variant",
    values.variant ?? DEFAULT_VARIANT,
    MODEL_VARIANTS,
  );
  const spatial = choiceOption(
    "spatial",
    values.spatial ?? SEGMENTER_DEFAULTS.spatial,
    SPATIAL_MODES,
  );
  let backend: BackendName;
  try {
    backend = parseBackend(values.backend ?? "wasm");
  } catch (e) {
    throw new UsageError(`--backend: ${(e as Error).message}`);
  }
  const globalView = choiceOption(
    "global-view",
    values["global-view"] ?? SEGMENTER_DEFAULTS.globalView,
    GLOBAL_VIEWS,
  );
  const viewResize = choiceOption(
    "view-resize",
    values["view-resize"] ?? SEGMENTER_DEFAULTS.viewResize,
    VIEW_RESIZES,
  );
  const device = choiceOption(
    "device",
    values.device ?? "auto",
    DEVICE_CHOICES,
  );
  return {
    device,
    models: values.models,
    clip: values.clip ?? DEFAULT_CLIP,
    sam: values.sam ?? DEFAULT_SAM,
    variant,
    offline: values.offline ?? false,
    backend,
    spatial,
    globalView,
    viewResize,
    topK: numberOption(
      "top-k",
      values["top-k"],
      defaultTopK(spatial),
      whole(100),
      "a whole number from 1 to 100",
    ),
    alpha: numberOption(
      "alpha",
      values.alpha,
      SEGMENTER_DEFAULTS.alpha,
      unit,
      "a number from 0 to 1",
    ),
    beta: numberOption(
      "beta",
      values.beta,
      SEGMENTER_DEFAULTS.beta,
      unit,
      "a number from 0 to 1",
    ),
    pointsPerSide: numberOption(
      "points-per-side",
      values["points-per-side"],
      MASK_GENERATOR_DEFAULTS.pointsPerSide,
      whole(128),
      "a whole number from 1 to 128",
    ),
    pointsPerBatch: numberOption(
      "points-per-batch",
      values["points-per-batch"],
      MASK_GENERATOR_DEFAULTS.pointsPerBatch,
      whole(1024),
      "a whole number from 1 to 1024",
    ),
    maskNmsThresh: numberOption(
      "mask-nms",
      values["mask-nms"],
      MASK_GENERATOR_DEFAULTS.maskNmsThresh,
      unit,
      "a mask IoU from 0 to 1",
    ),
  };
}

/** The settings part of a JSON report. */
export function methodSettings(a: MethodArgs): Record<string, unknown> {
  return {
    spatial: a.spatial,
    topK: a.topK,
    alpha: a.alpha,
    beta: a.beta,
    globalView: a.globalView,
    viewResize: a.viewResize,
    pointsPerSide: a.pointsPerSide,
    pointsPerBatch: a.pointsPerBatch,
    maskNmsThresh: a.maskNmsThresh,
  };
}

/** Opens the model source the options name, fetching missing files first. */
export async function openModels(
  a: MethodArgs,
  env: Record<string, string | undefined>,
  err: ProgressOutput,
): Promise<ModelSource> {
  if (a.models) return new ModelStore({ localDir: a.models });
  const defaults = modelStoreOptionsFromEnv(env);
  const store = new ModelStore({
    ...defaults,
    offline: a.offline || defaults.offline,
    onProgress: downloadProgress(err).onProgress,
    onLockWait: (wait) => err.write(lockWaitMessage(wait) + "\n"),
  });
  await store.ensure(resolveModelSpec(a.clip, "clip"), a.variant);
  await store.ensure(resolveModelSpec(a.sam, "sam"), a.variant);
  return store;
}

/** createSegmenter() options from the shared options (source and progress apart). */
export function segmenterOptions(
  a: MethodArgs,
  source: ModelSource,
  onProgress?: (e: SegmenterProgress) => void,
): SegmenterOptions {
  return {
    source,
    clip: a.clip,
    sam: a.sam,
    variant: a.variant,
    backend: a.backend,
    device: a.device,
    spatial: a.spatial,
    topK: a.topK,
    alpha: a.alpha,
    beta: a.beta,
    globalView: a.globalView,
    viewResize: a.viewResize,
    generator: {
      pointsPerSide: a.pointsPerSide,
      pointsPerBatch: a.pointsPerBatch,
      maskNmsThresh: a.maskNmsThresh,
    },
    onProgress,
  };
}

/** Reports model loading and SAM's decoder batches on standard error. */
export function segmenterProgress(
  err: ProgressOutput,
): (e: SegmenterProgress) => void {
  let bar: ProgressReporter | undefined;
  return (e) => {
    if (e.kind === "load") {
      if (!err.isTerminal) err.write(`loading ${e.model} ${e.file}\n`);
      return;
    }
    if (e.kind === "derive") {
      if (e.from === "derived") {
        err.write(
          `CLIP: derived the token-masked tower from ${e.file} of ${e.model}` +
            (e.stored
              ? " (kept in the cache for the next runs)\n"
              : e.keepError
              ? ` (it could not be kept for the next runs: ${e.keepError})\n`
              : " (a --models folder is only read: derived again on each run)\n"),
        );
      }
      return;
    }
    const p = e.progress;
    if (p.stage === "encode" && p.done === 0) {
      err.write("SAM: encoding the image\n");
    }
    if (p.stage !== "decode") return;
    bar ??= new ProgressReporter({
      label: "SAM",
      total: p.total,
      itemName: "point prompts",
      output: err,
    });
    bar.update(p.done);
    if (p.done >= p.total) {
      bar.finish();
      bar = undefined;
    }
  };
}
