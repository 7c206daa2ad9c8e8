/**
 * The models oris knows: hub repositories with the file layout of the
 * Xenova ONNX exports, their files by role and their weight variants.
 *
 * @example
 * ```ts
 * const clip = resolveModelSpec(DEFAULT_CLIP, "clip");
 * modelFiles(clip, "quantized").map((f) => f.path);
 * // ["tokenizer.json", "config.json", "preprocessor_config.json",
 * //  "onnx/vision_model_quantized.onnx", "onnx/text_model_quantized.onnx"]
 * ```
 *
 * @module
 */

import { DEFAULTS } from "../defaults.ts";
import { InvalidModelIdError } from "./errors.ts";

/** What a model does in the pipeline. */
export type ModelKind = "clip" | "sam";

/** Weight precision of the ONNX files. */
export type ModelVariant = "fp32" | "fp16" | "quantized";

/** Every variant, in order of preference. */
export const MODEL_VARIANTS: readonly ModelVariant[] = [
  "fp32",
  "fp16",
  "quantized",
];

/** The variant used when none is asked for: `DEFAULTS.variant`. */
export const DEFAULT_VARIANT: ModelVariant = DEFAULTS.variant;

/** Every kind. */
export const MODEL_KINDS: readonly ModelKind[] = ["clip", "sam"];

/** Roles of the files of a CLIP model. */
export type ClipRole =
  | "vision"
  | "text"
  | "tokenizer"
  | "config"
  | "preprocessor";

/** Roles of the files of a SAM model. */
export type SamRole = "encoder" | "decoder" | "config" | "preprocessor";

/** Role of a model file. */
export type ModelRole = ClipRole | SamRole;

/** Role -> path inside the repository. */
export type RolePaths = Readonly<Partial<Record<ModelRole, string>>>;

/** A model repository and its files. */
export interface ModelSpec {
  /** Hub repository id, `owner/name`. */
  readonly id: string;
  /** What the model does. */
  readonly kind: ModelKind;
  /** Git revision to fetch (branch, tag or commit); {@linkcode DEFAULTS}.revision (`"main"`) by default. */
  readonly revision: string;
  /** Files every variant needs (tokenizer, configs), by role. */
  readonly files: RolePaths;
  /** ONNX files of each variant the repository has, by role. */
  readonly variants: Readonly<Partial<Record<ModelVariant, RolePaths>>>;
  /** True for models listed in {@linkcode MODEL_REGISTRY}. */
  readonly registered: boolean;
  /** One line for listings. */
  readonly description?: string;
}

/** One file of a model, with its role. */
export interface ModelFile {
  /** What the file is for. */
  readonly role: ModelRole;
  /** Path inside the repository. */
  readonly path: string;
}

/** Default CLIP model: `DEFAULTS.clip`. */
export const DEFAULT_CLIP: string = DEFAULTS.clip;

/** Default SAM model: `DEFAULTS.sam`. */
export const DEFAULT_SAM: string = DEFAULTS.sam;

const SUFFIX: Record<ModelVariant, string> = {
  fp32: "",
  fp16: "_fp16",
  quantized: "_quantized",
};

function onnxVariants(
  names: Partial<Record<ModelRole, string>>,
  variants: readonly ModelVariant[],
): Partial<Record<ModelVariant, RolePaths>> {
  const out: Partial<Record<ModelVariant, RolePaths>> = {};
  for (const variant of variants) {
    const paths: Partial<Record<ModelRole, string>> = {};
    for (const [role, name] of Object.entries(names)) {
      paths[role as ModelRole] = `onnx/${name}${SUFFIX[variant]}.onnx`;
    }
    out[variant] = paths;
  }
  return out;
}

const LAYOUT: Record<
  ModelKind,
  { files: RolePaths; onnx: Partial<Record<ModelRole, string>> }
> = {
  clip: {
    files: {
      tokenizer: "tokenizer.json",
      config: "config.json",
      preprocessor: "preprocessor_config.json",
    },
    onnx: { vision: "vision_model", text: "text_model" },
  },
  sam: {
    files: { config: "config.json", preprocessor: "preprocessor_config.json" },
    onnx: { encoder: "vision_encoder", decoder: "prompt_encoder_mask_decoder" },
  },
};

function layoutSpec(
  id: string,
  kind: ModelKind,
  registered: boolean,
  description?: string,
  revision = DEFAULTS.revision,
): ModelSpec {
  return {
    id,
    kind,
    revision,
    files: LAYOUT[kind].files,
    variants: onnxVariants(LAYOUT[kind].onnx, MODEL_VARIANTS),
    registered,
    description,
  };
}

/**
 * The registered models. All three Xenova repositories hold fp32, fp16 and
 * quantized (uint8) ONNX files under `onnx/`.
 */
export const MODEL_REGISTRY: readonly ModelSpec[] = [
  layoutSpec(
    DEFAULT_CLIP,
    "clip",
    true,
    "CLIP ViT-B/32 (vision 352 MB, text 254 MB in fp32)",
  ),
  layoutSpec(
    DEFAULT_SAM,
    "sam",
    true,
    "SlimSAM-77 (encoder 23 MB, decoder 17 MB in fp32)",
  ),
  layoutSpec(
    "Xenova/sam-vit-base",
    "sam",
    true,
    "SAM ViT-B (encoder 359 MB, decoder 17 MB in fp32)",
  ),
];

const NAME_PART = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/**
 * Checks that `id` is a hub repository id `owner/name` and splits it.
 *
 * @throws {InvalidModelIdError} when it is not.
 * @example
 * ```ts
 * parseModelId("Xenova/sam-vit-base"); // { owner: "Xenova", name: "sam-vit-base" }
 * ```
 */
export function parseModelId(id: string): { owner: string; name: string } {
  const parts = id.split("/");
  const valid = parts.length === 2 && id.length <= 200 &&
    parts.every((p) =>
      p.length <= 96 && NAME_PART.test(p) && !p.includes("..") &&
      !p.includes("--")
    );
  if (!valid) {
    throw new InvalidModelIdError(
      `invalid model id ${JSON.stringify(id)}: expected a hub repository id ` +
        `"owner/name" of letters, digits, "-", "_" and ".", such as ` +
        `${DEFAULT_CLIP} or ${DEFAULT_SAM}`,
    );
  }
  return { owner: parts[0], name: parts[1] };
}

/** Type guard for {@linkcode ModelVariant}. */
export function isModelVariant(value: string): value is ModelVariant {
  return (MODEL_VARIANTS as readonly string[]).includes(value);
}

/** Type guard for {@linkcode ModelKind}. */
export function isModelKind(value: string): value is ModelKind {
  return (MODEL_KINDS as readonly string[]).includes(value);
}

/** The registered spec of `id` (case-insensitive), if any. */
export function findRegisteredModel(id: string): ModelSpec | undefined {
  const key = id.toLowerCase();
  return MODEL_REGISTRY.find((spec) => spec.id.toLowerCase() === key);
}

/**
 * The spec of model `id` used as a `kind` model: the registered spec, or the
 * standard layout of that kind for any other repository.
 *
 * @throws {InvalidModelIdError} when `id` is not `owner/name`, or names a
 *   registered model of the other kind.
 * @example
 * ```ts
 * resolveModelSpec("Xenova/slimsam-77-uniform", "sam").registered; // true
 * resolveModelSpec("someone/my-clip", "clip").variants.fp32?.vision;
 * // "onnx/vision_model.onnx"
 * ```
 */
export function resolveModelSpec(
  id: string,
  kind: ModelKind,
  revision?: string,
): ModelSpec {
  parseModelId(id);
  const registered = findRegisteredModel(id);
  if (registered && registered.kind !== kind) {
    throw new InvalidModelIdError(
      `${registered.id} is a ${registered.kind.toUpperCase()} model, not a ` +
        `${kind.toUpperCase()} model: pass it with --${registered.kind}`,
    );
  }
  const spec = registered ?? layoutSpec(id, kind, false);
  return revision && revision !== spec.revision ? { ...spec, revision } : spec;
}

/**
 * The files of `spec` needed for `variant`: shared files first, then the ONNX
 * files of the variant.
 *
 * @throws {RangeError} when the repository has no such variant.
 * @example
 * ```ts
 * modelFiles(resolveModelSpec(DEFAULT_SAM, "sam"), "fp32");
 * // [{ role: "config", path: "config.json" }, ...,
 * //  { role: "decoder", path: "onnx/prompt_encoder_mask_decoder.onnx" }]
 * ```
 */
export function modelFiles(
  spec: ModelSpec,
  variant: ModelVariant,
): ModelFile[] {
  const onnx = spec.variants[variant];
  if (!onnx) {
    const have = Object.keys(spec.variants).join(", ");
    throw new RangeError(
      `${spec.id} has no ${variant} variant; choose one of: ${have}`,
    );
  }
  const files: ModelFile[] = [];
  for (const table of [spec.files, onnx]) {
    for (const [role, path] of Object.entries(table)) {
      if (path) files.push({ role: role as ModelRole, path });
    }
  }
  return files;
}

/**
 * Path of the file with `role` for `variant`.
 *
 * @throws {RangeError} when the model has no such variant or role.
 * @example
 * ```ts
 * modelFilePath(resolveModelSpec(DEFAULT_CLIP, "clip"), "fp16", "text");
 * // "onnx/text_model_fp16.onnx"
 * ```
 */
export function modelFilePath(
  spec: ModelSpec,
  variant: ModelVariant,
  role: ModelRole,
): string {
  const file = modelFiles(spec, variant).find((f) => f.role === role);
  if (!file) {
    throw new RangeError(
      `${spec.id} (${spec.kind}) has no file with role "${role}"`,
    );
  }
  return file.path;
}

/** What a path of a model repository is, as far as the layouts tell. */
export interface LocatedModelFile {
  /**
   * Kind whose layout holds the path; undefined when both layouts hold it
   * (the shared files of a repository that is not registered).
   */
  readonly kind?: ModelKind;
  /** Role of the file. */
  readonly role: ModelRole;
  /** Variant of an ONNX file; undefined for shared files. */
  readonly variant?: ModelVariant;
  /** True when `repo` is a registered model. */
  readonly registered: boolean;
}

/**
 * Finds which role and variant `path` plays in `repo` (the registered spec,
 * else the standard layouts); used to word messages such as the pull command.
 *
 * @example
 * ```ts
 * locateModelFile("Xenova/sam-vit-base", "onnx/vision_encoder_fp16.onnx");
 * // { kind: "sam", role: "encoder", variant: "fp16", registered: true }
 * ```
 */
export function locateModelFile(
  repo: string,
  path: string,
): LocatedModelFile | undefined {
  const registered = findRegisteredModel(repo);
  const candidates = registered
    ? [registered]
    : MODEL_KINDS.map((kind) => layoutSpec(repo, kind, false));
  const found: LocatedModelFile[] = [];
  for (const spec of candidates) {
    for (const [role, p] of Object.entries(spec.files)) {
      if (p === path) {
        found.push({
          kind: spec.kind,
          role: role as ModelRole,
          registered: spec.registered,
        });
      }
    }
    for (const [variant, table] of Object.entries(spec.variants)) {
      for (const [role, p] of Object.entries(table ?? {})) {
        if (p === path) {
          found.push({
            kind: spec.kind,
            role: role as ModelRole,
            variant: variant as ModelVariant,
            registered: spec.registered,
          });
        }
      }
    }
  }
  if (found.length === 0) return undefined;
  if (found.length === 1) return found[0];
  return { ...found[0], kind: undefined };
}
