/**
 * The model and method options that `segment` and `eval` share: their
 * parseArgs specs, their help text, their validation, and opening the model
 * source they name.
 *
 * @module
 */

import {
  MODEL_VARIANTS,
  resolveModelSpec,
} from "../pipeline/models/registry.ts";
import { BACKEND_CHOICES, parseBackend } from "../pipeline/models/session.ts";
import type { ModelSource } from "../pipeline/models/source.ts";
import {
  lockWaitMessage,
  ModelStore,
  modelStoreOptionsFromEnv,
} from "../io/model_store.ts";
import { type ProgressOutput, ProgressReporter } from "../io/progress.ts";
import { DEFAULTS } from "../pipeline/defaults.ts";
import { TOKEN_MASKED_BLOCKS } from "../pipeline/clip/token_mask_model.ts";
import { FAST_DECODER_DERIVATION } from "../pipeline/sam/fast_decoder.ts";
import { FAST_ENCODER_DERIVATION } from "../pipeline/sam/fast_encoder.ts";
import { TOKEN_MASK_DERIVATION } from "../pipeline/clip/token_mask_model.ts";
import type {
  SegmenterOptions,
  SegmenterProgress,
} from "../pipeline/segmenter.ts";
import { validateSettings } from "../pipeline/settings.ts";
import { SettingError } from "../pipeline/setting_error.ts";
import { SPATIAL_MODES } from "../pipeline/stages/select.ts";
import { GLOBAL_VIEWS, VIEW_RESIZES } from "../pipeline/stages/regions.ts";
import { DEVICE_CHOICES } from "../kernels/choose.ts";
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
  threads: { type: "string" },
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
  "prune-points": { type: "string" },
  "resident-models": { type: "string" },
  "fast-decoder": { type: "string" },
  "fast-encoder": { type: "string" },
} as const;

const D = DEFAULTS;

/** Help text of the shared options; every "(default X)" comes from {@linkcode DEFAULTS}. */
export const METHOD_OPTIONS_USAGE = `Models:
  --models DIR          read models from a local folder in the hub layout; no network
  --clip ID             CLIP repository (default ${D.clip})
  --sam ID              SAM repository (default ${D.sam})
  --variant V           ${MODEL_VARIANTS.join(", ")} (default ${D.variant})
  --offline             use only the model cache (also HF_HUB_OFFLINE=1)
  --backend B           ${
  BACKEND_CHOICES.join(", ")
} (default ${D.backend}): auto is native (onnxruntime-node)
                        where it loads, wasm otherwise (no --allow-ffi, no native
                        binary); webgpu only when asked for
  --threads N           threads of the CPU backends, native's and wasm's: a count,
                        0 for the runtime's choice, or auto, one per core (default ${D.threads})
  --device D            where the crop/blur/cosine/mask kernels run: ${
  DEVICE_CHOICES.join(", ")
}
                        (default ${D.device}; auto: on a real, non-software adapter, WebGPU
                        for the calls big enough to repay a GPU round trip);
                        with --backend webgpu the models share the kernels' GPU
                        device and CLIP's views never leave it
  --resident-models on|off
                        keep every model open from the start (on), or open CLIP at
                        the first image and release SAM's encoder memory between
                        images (off: with --fast-encoder off a one-image run peaks
                        ~1.3 GB lower, with the fast encoder about the same; later
                        images reopen the encoder, ~0.25 s) (default ${
  onOff(D.residentModels)
}; eval: on)
  --fast-decoder on|off run SAM's decoder rewritten to share the image embeddings
                        among a call's prompts and upscale masks channels-last
                        (derived from the stock decoder, checked to compute the
                        same, kept in the cache; ~35% less time a prompt)
                        (default ${onOff(D.fastDecoder)})
  --fast-encoder on|off run SAM's encoder with its attention one row of queries at
                        a time, in cache (derived from the stock encoder, checked
                        to compute the same, kept in the cache; ~40% less time
                        and ~2 GB less memory an image) (default ${
  onOff(D.fastEncoder)
} on native and wasm with the model cache; off on webgpu
                        and with --models, where the check would run every time)

Method:
  --spatial MODE        ${SPATIAL_MODES.join(", ")} (default ${D.spatial})
  --top-k K             candidates the spatial rule compares (default ${
  SPATIAL_MODES.filter((m) => m !== "off").map((m) => `${D.topK[m]} for ${m}`)
    .join(", ")
})
  --alpha A             weight of the global view (default ${D.alpha})
  --global-view V       ${
  GLOBAL_VIEWS.join(", ")
} (default ${D.globalView}): token-mask runs CLIP once
                        over the whole image and zeroes the patches outside each
                        mask in its last ${TOKEN_MASKED_BLOCKS} blocks (the reference's global view);
                        blur blurs the outside, one CLIP pass per proposal
  --view-resize R       ${
  VIEW_RESIZES.join(", ")
} (default ${D.viewResize}): how views and patch grids are
                        resized; bilinear is torchvision's tensor resize before
                        0.17, as the reference code ran
  --beta B              weight of the sentence against its noun phrase (default ${D.beta})
  --points-per-side N   SAM point grid (default ${D.generator.pointsPerSide})
  --points-per-batch N  SAM prompts per decoder call (default ${D.generator.pointsPerBatch})
  --mask-nms IOU        after box NMS, drop proposals whose mask IoU with a better
                        one exceeds IOU; fewer CLIP views (default ${D.generator.maskNmsThresh} = off)
  --prune-points on|off decode every other grid point first, then only the points
                        no kept mask covers; fewer SAM decoder calls (default ${
  onOff(D.generator.prunePoints)
})`;

/** The shared options' values as parseArgs returns them. */
export type MethodOptionValues = {
  [K in keyof typeof METHOD_OPTION_SPECS]?: (typeof METHOD_OPTION_SPECS)[K][
    "type"
  ] extends "boolean" ? boolean
    : string;
};

/**
 * The shared options as given: the createSegmenter() options the user
 * named, every other one undefined (the library resolves it from
 * {@linkcode DEFAULTS}), and where the models come from.
 */
export type MethodArgs =
  & Pick<
    SegmenterOptions,
    | "clip"
    | "sam"
    | "variant"
    | "backend"
    | "threads"
    | "device"
    | "residentModels"
    | "fastDecoder"
    | "fastEncoder"
    | "spatial"
    | "topK"
    | "alpha"
    | "beta"
    | "globalView"
    | "viewResize"
    | "generator"
  >
  & {
    /** A local models folder in the hub layout (--models). */
    models?: string;
    /** Use only the model cache (--offline). */
    offline: boolean;
  };

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

/** The flag of each setting the shared options set. */
const FLAG_OF: Readonly<Record<string, keyof MethodOptionValues>> = {
  clip: "clip",
  sam: "sam",
  variant: "variant",
  backend: "backend",
  threads: "threads",
  device: "device",
  spatial: "spatial",
  topK: "top-k",
  alpha: "alpha",
  beta: "beta",
  globalView: "global-view",
  viewResize: "view-resize",
  "generator.pointsPerSide": "points-per-side",
  "generator.pointsPerBatch": "points-per-batch",
  "generator.maskNmsThresh": "mask-nms",
  "generator.prunePoints": "prune-points",
};

/** A number option's value: undefined when not given, NaN when not a number. */
function numberValue(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return value.trim() === "" ? NaN : Number(value);
}

/** The command line's word for a switch: "on" or "off". */
function onOff(value: boolean): "on" | "off" {
  return value ? "on" : "off";
}

/** An on|off option's value: undefined when not given, else true or false. */
function switchValue(
  flag: keyof MethodOptionValues,
  value: string | boolean | undefined,
): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === "on" || value === "off") return value === "on";
  throw new UsageError(
    `--${flag} must be on or off, not ${JSON.stringify(value)}`,
  );
}

/** A --threads value: "auto", a number, or undefined when not given. */
function threadsValue(value: string | undefined): number | "auto" | undefined {
  if (value?.trim().toLowerCase() === "auto") return "auto";
  return numberValue(value);
}

/**
 * Reads the shared options: what the user gave, every other one left
 * undefined; the values are checked by the library's one check
 * ({@linkcode validateSettings}), whose errors come back as a
 * {@linkcode UsageError} naming the flag.
 */
export function methodArgs(values: MethodOptionValues): MethodArgs {
  let backend;
  try {
    backend = values.backend === undefined
      ? undefined
      : parseBackend(values.backend);
  } catch (e) {
    throw new UsageError(`--backend: ${(e as Error).message}`);
  }
  const generator = {
    pointsPerSide: numberValue(values["points-per-side"]),
    pointsPerBatch: numberValue(values["points-per-batch"]),
    maskNmsThresh: numberValue(values["mask-nms"]),
    prunePoints: switchValue("prune-points", values["prune-points"]),
  };
  const args: MethodArgs = {
    models: values.models,
    clip: values.clip,
    sam: values.sam,
    variant: values.variant as MethodArgs["variant"],
    offline: values.offline ?? false,
    backend,
    threads: threadsValue(values.threads),
    device: values.device as MethodArgs["device"],
    residentModels: switchValue("resident-models", values["resident-models"]),
    fastDecoder: switchValue("fast-decoder", values["fast-decoder"]),
    fastEncoder: switchValue("fast-encoder", values["fast-encoder"]),
    spatial: values.spatial as MethodArgs["spatial"],
    topK: numberValue(values["top-k"]),
    alpha: numberValue(values.alpha),
    beta: numberValue(values.beta),
    globalView: values["global-view"] as MethodArgs["globalView"],
    viewResize: values["view-resize"] as MethodArgs["viewResize"],
    generator: Object.values(generator).some((v) => v !== undefined)
      ? generator
      : undefined,
  };
  try {
    return validateSettings(args);
  } catch (e) {
    throw e instanceof SettingError ? usageErrorOf(e, values) : e;
  }
}

/** The command-line wording of a setting's error: the flag, what it must be, what it got. */
function usageErrorOf(e: SettingError, values: MethodOptionValues) {
  const flag = FLAG_OF[e.setting];
  if (!flag) return e;
  return new UsageError(
    `--${flag} must be ${e.expected}, not ${JSON.stringify(values[flag])}`,
  );
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
  const variant = a.variant ?? DEFAULTS.variant;
  await store.ensure(
    resolveModelSpec(a.clip ?? DEFAULTS.clip, "clip"),
    variant,
  );
  await store.ensure(resolveModelSpec(a.sam ?? DEFAULTS.sam, "sam"), variant);
  return store;
}

/**
 * createSegmenter() options from the shared options: only what the user
 * gave, every other option undefined, so the library's defaults apply.
 */
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
    threads: a.threads,
    device: a.device,
    residentModels: a.residentModels,
    fastDecoder: a.fastDecoder,
    fastEncoder: a.fastEncoder,
    spatial: a.spatial,
    topK: a.topK,
    alpha: a.alpha,
    beta: a.beta,
    globalView: a.globalView,
    viewResize: a.viewResize,
    generator: a.generator,
    onProgress,
  };
}

/** Reports model loading and SAM's decoder batches on standard error. */
export function segmenterProgress(
  err: ProgressOutput,
): (e: SegmenterProgress) => void {
  let bar: ProgressReporter | undefined;
  return (e) => {
    if (e.kind === "backend") {
      if (e.fallback) {
        err.write(
          `note: the models run on wasm, since the native backend is not available: ${e.fallback}\n`,
        );
      }
      return;
    }
    if (e.kind === "load") {
      if (!err.isTerminal) err.write(`loading ${e.model} ${e.file}\n`);
      return;
    }
    if (e.kind === "derive") {
      err.write(deriveNote(e));
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

/** How a derivation's note names the model, the derived file and the stock one. */
const DERIVED_NAMES: Record<
  string,
  { model: string; derived: string; stock: string }
> = {
  [FAST_DECODER_DERIVATION]: {
    model: "SAM",
    derived: "the fast decoder",
    stock: "SAM's decoder",
  },
  [FAST_ENCODER_DERIVATION]: {
    model: "SAM",
    derived: "the fast encoder",
    stock: "SAM's encoder",
  },
  [TOKEN_MASK_DERIVATION]: {
    model: "CLIP",
    derived: "the token-masked tower",
    stock: "CLIP's tower",
  },
};

/**
 * What a derivation event says on standard error: one line when a file was
 * derived now or a decoder is used as exported; nothing for a kept one.
 *
 * @example
 * ```ts
 * deriveNote({ kind: "derive", model: "Xenova/slimsam-77-uniform", file: "onnx/prompt_encoder_mask_decoder.onnx",
 *   derivation: FAST_DECODER_DERIVATION, from: "derived", stored: true });
 * // "SAM: derived the fast decoder from onnx/prompt_encoder_mask_decoder.onnx of Xenova/slimsam-77-uniform (kept in the cache for the next runs)\n"
 * ```
 */
export function deriveNote(
  e: Extract<SegmenterProgress, { kind: "derive" }>,
): string {
  if (e.from !== "derived") return "";
  const kept = e.stored
    ? " (kept in the cache for the next runs)"
    : e.keepError
    ? ` (it could not be kept for the next runs: ${e.keepError})`
    : " (a --models folder is only read: derived again on each run)";
  const names = DERIVED_NAMES[e.derivation] ??
    DERIVED_NAMES[TOKEN_MASK_DERIVATION];
  if (e.unchanged) {
    return `note: ${names.stock} runs as exported: ${e.unchanged}${
      e.stored ? " (kept in the cache for the next runs)" : ""
    }\n`;
  }
  const what = `${names.model}: derived ${names.derived}`;
  return `${what} from ${e.file} of ${e.model}${kept}\n`;
}
