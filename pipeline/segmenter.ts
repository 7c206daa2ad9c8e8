/**
 * The referring segmenter: loads CLIP and SAM once, then segments the
 * object each sentence refers to, image after image. Works on RGBA pixels
 * and reads models through a {@linkcode ModelSource}, so it needs no file
 * system.
 *
 * @module
 */

import { jsonSyntaxProblem } from "./json_problem.ts";
import type { ClipNormalisation } from "../kernels/clip_views.ts";
import { CLIP_NORMALISATION } from "../kernels/clip_views.ts";
import type { Kernels } from "../kernels/kernels.ts";
import { chooseKernels } from "../kernels/choose.ts";
import { ClipTextEncoder } from "./clip/text.ts";
import { CLIP_VISION_SIGNATURE, ClipVisionEncoder } from "./clip/vision.ts";
import {
  deriveTokenMaskModel,
  TOKEN_MASK_DERIVATION,
  TOKEN_MASK_INPUT,
  tokenMaskInfo,
  TokenMaskMappingError,
} from "./clip/token_mask_model.ts";
import { visionGeometry } from "./clip/_vit_geometry.ts";
import type { RgbaImage } from "./image/rgba.ts";
import { DEFAULTS } from "./defaults.ts";
import {
  modelFilePath,
  type ModelRole,
  type ModelSpec,
  type ModelVariant,
  resolveModelSpec,
} from "./models/registry.ts";
import {
  type BackendChoice,
  type BackendName,
  createSession,
  type InferenceSession,
  ModelLoadError,
} from "./models/session.ts";
import { resolveBackend } from "./models/backend_choice.ts";
import { checkPointsPerBatch } from "./sam/decoder_memory.ts";
import { resolveThreads } from "./models/threads.ts";
import { ModelNotFoundError } from "./models/errors.ts";
import { describeError } from "./models/transfer.ts";
import {
  type DerivedFrom,
  type ModelSource,
  readDerivedFile,
} from "./models/source.ts";
import {
  AutomaticMaskGenerator,
  type MaskGeneratorOptions,
  type MaskGeneratorProgress,
  type Proposal,
} from "./sam/mask_generator.ts";
import { samPreprocessConfig } from "./sam/preprocess.ts";
import { FAST_DECODER } from "./sam/fast_decoder.ts";
import { FAST_ENCODER } from "./sam/fast_encoder.ts";
import {
  type GraphRewrite,
  type RewriteRecord,
  rewrittenModel,
} from "./models/verified_rewrite.ts";
import { embedTextStage, type WithText } from "./stages/embed_text.ts";
import { fromItems, type ImageJob, pipe, type Stage } from "./stages/job.ts";
import { inFlight } from "./stages/in_flight.ts";
import { deferredStage } from "./stages/deferred.ts";
import { ParkedSession } from "./models/parked_session.ts";
import { lostReason } from "./models/device_lost.ts";
import { type Parsed, parseStage } from "./stages/parse.ts";
import { proposeStage } from "./stages/propose.ts";
import {
  type GlobalView,
  regionsStage,
  type WithRegions,
} from "./stages/regions.ts";
import { type Scored, scoreStage } from "./stages/score.ts";
import { defaultTopK, type Selected, selectStage } from "./stages/select.ts";
import type { SpatialParse } from "./spatial/parse.ts";
import type { Proposed } from "./stages/propose.ts";
import { ClipTokenizer } from "./text/clip_tokenizer.ts";
import {
  resolveModels,
  resolveSettings,
  type SegmenterOptions,
  type SegmenterSettings,
  validateSettings,
} from "./settings.ts";

export { SEGMENTER_DEFAULTS } from "./settings.ts";
export type { SegmenterOptions, SegmenterSettings } from "./settings.ts";

/** Progress events of the segmenter. */
export type SegmenterProgress =
  | {
    kind: "backend";
    /** The backend asked for. */
    requested: BackendChoice;
    /** The backend the models run on. */
    backend: BackendName;
    /** Threads of the CPU backends. */
    threads: number;
    /** Why "auto" fell back to wasm (native did not load); absent otherwise. */
    fallback?: string;
  }
  | { kind: "load"; model: string; file: string }
  | {
    kind: "derive";
    model: string;
    file: string;
    /**
     * Which derived file: `TOKEN_MASK_DERIVATION`, `FAST_ENCODER_DERIVATION`
     * or `FAST_DECODER_DERIVATION`.
     */
    derivation: string;
    /**
     * Why the stock model is used unchanged, where a rewrite was found but
     * refused (it did not compute the same) or could not be run.
     */
    unchanged?: string;
    /** "kept": read from where the source keeps derived files; "derived": made now. */
    from: DerivedFrom;
    /** Whether the source keeps it for the next runs. */
    stored: boolean;
    /** Why a file derived now could not be kept, if it could not. */
    keepError?: string;
  }
  | { kind: "propose"; id: string | number; progress: MaskGeneratorProgress };

/** One candidate proposal of a sentence. */
export interface Candidate {
  /** Rank by score, 1 = best. */
  readonly rank: number;
  /** Index among the image's proposals. */
  readonly index: number;
  /** Bounding box [x, y, width, height] of its mask, in image pixels. */
  readonly box: readonly [number, number, number, number];
  /** Pixels inside its mask. */
  readonly area: number;
  /** Cosine similarity of its visual feature with the sentence's feature. */
  readonly score: number;
}

/** The result for one sentence. */
export interface SentenceResult {
  /** The sentence as given. */
  readonly sentence: string;
  /** Phrase holding the head noun; "" when the sentence has no noun. */
  readonly nounPhrase: string;
  /** Head noun, or null when there is none. */
  readonly head: string | null;
  /** Direction words of the seed rule, in order. */
  readonly spatialWords: readonly string[];
  /** The extended spatial parse (directions, ordinal, relation, triggers); null when none. */
  readonly spatial: SpatialParse | null;
  /** The rule that chose, e.g. "best-score", "seed:left among top-3", "no-proposals". */
  readonly rule: string;
  /** Whether the sentence was cut to CLIP's 77 tokens. */
  readonly truncated: boolean;
  /** Its tokens before truncation. */
  readonly tokenCount: number;
  /** The top-k candidates by score. */
  readonly candidates: readonly Candidate[];
  /** The chosen candidate, or null when SAM proposed nothing. */
  readonly selected: Candidate | null;
  /** The chosen mask at the image's size (1 inside); all zeros when nothing was chosen. */
  readonly mask: Uint8Array;
}

/** The result for one image. */
export interface SegmentResult {
  /** Width of the image, in pixels. */
  readonly width: number;
  /** Height of the image, in pixels. */
  readonly height: number;
  /** SAM's proposals, best predicted IoU first; candidates index into it. */
  readonly proposals: readonly Proposal[];
  /** One result per sentence, in the order given. */
  readonly sentences: readonly SentenceResult[];
  /** Milliseconds per stage. */
  readonly timings: Readonly<Record<string, number>>;
}

/**
 * Options of one run of {@linkcode Segmenter.segment},
 * {@linkcode Segmenter.stream} or {@linkcode Segmenter.features}.
 */
export interface SegmentOptions {
  /**
   * Stops the run: once aborted, it rejects with the signal's reason (a
   * DOMException "AbortError" by default) at the next stage or model-call
   * boundary, after the model call under way. The segmenter stays usable.
   */
  readonly signal?: AbortSignal;
}

/**
 * A job after the per-image work (proposals, CLIP views, parsed and
 * embedded sentences), before any scoring: what every configuration of an
 * evaluation shares.
 */
export type FeaturedJob<M = unknown> =
  & ImageJob<M>
  & Proposed
  & WithRegions
  & Parsed
  & WithText;

/** A job after the whole pipeline. */
export type SegmentedJob<M = unknown> =
  & FeaturedJob<M>
  & Scored
  & Selected;

async function readJson(
  source: ModelSource,
  spec: ModelSpec,
  path: string,
): Promise<unknown> {
  const bytes = await source.read(spec.id, path);
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(
      `${source.describe(spec.id, path)} is not valid JSON (${
        jsonSyntaxProblem(e, text)
      }). Fetch the model's files again.`,
    );
  }
}

/** A JSON file of a model that may be absent: undefined when it is. */
async function readOptionalJson(
  source: ModelSource,
  spec: ModelSpec,
  path: string,
): Promise<unknown> {
  try {
    return await readJson(source, spec, path);
  } catch (e) {
    if (e instanceof ModelNotFoundError) return undefined;
    throw e;
  }
}

/** Checks the sentences of a request; returns them trimmed. */
export function checkSentences(sentences: readonly string[]): string[] {
  if (sentences.length === 0) {
    throw new RangeError("No sentence given: give at least one sentence.");
  }
  return sentences.map((s, i) => {
    if (typeof s !== "string" || s.trim().length === 0) {
      throw new RangeError(
        `Sentence ${
          i + 1
        } is empty: say what to segment, e.g. "the dog on the left".`,
      );
    }
    return s.trim();
  });
}

/**
 * Loads CLIP and SAM from `options.source` and returns a segmenter.
 *
 * @example
 * ```ts
 * import { createSegmenter, memorySource } from "../mod.ts";
 * import { DEMO_CLIP, DEMO_SAM, demoModelFiles } from "./demo/models.ts";
 * import { generateScene } from "./demo/scenes.ts";
 *
 * const { image } = generateScene(3);
 * // hubSource() fetches Xenova/clip-vit-base-patch32 and
 * // Xenova/slimsam-77-uniform (the defaults); here the demo models in memory.
 * await using segmenter = await createSegmenter({
 *   source: memorySource(demoModelFiles()),
 *   clip: DEMO_CLIP,
 *   sam: DEMO_SAM,
 *   device: "cpu",
 *   generator: { pointsPerSide: 8 },
 * });
 * const result = await segmenter.segment(image, ["the red circle on the left"]);
 * result.sentences[0].mask; // Uint8Array, 1 inside
 * // Released at the end of the block (or: await segmenter.release()).
 * ```
 */
export async function createSegmenter(
  options: SegmenterOptions,
): Promise<Segmenter> {
  validateSettings(options);
  const settings = resolveSettings(options);
  const extraGlobalViews = [...new Set(options.extraGlobalViews ?? [])]
    .filter((v) => v !== settings.globalView);
  const tokenMasked = settings.globalView === "token-mask" ||
    extraGlobalViews.includes("token-mask");
  const inFlight = options.inFlight ?? DEFAULTS.inFlight;
  const { variant, backend: requested, ...ids } = resolveModels(options);
  const { backend, fallback } = await resolveBackend(requested);
  const threads = resolveThreads(backend, options.threads);
  checkPointsPerBatch(settings.generator.pointsPerBatch, backend);
  options.onProgress?.({
    kind: "backend",
    requested,
    backend,
    threads,
    ...(fallback ? { fallback } : {}),
  });
  const clip = resolveModelSpec(ids.clip, "clip");
  const sam = resolveModelSpec(ids.sam, "sam");
  const { source } = options;
  const kernels = options.kernels ??
    await chooseKernels(options.device ?? DEFAULTS.device);
  // With GPU kernels, webgpu sessions run on the kernels' device, so the
  // CLIP views go from the kernels to the model without a readback.
  const gpuDevice = backend === "webgpu" && kernels.onDevice
    ? (await kernels.onDevice.context()).device
    : undefined;
  const sessions: InferenceSession[] = [];
  // Off webgpu, unless asked to keep everything open, CLIP opens at the
  // first image and SAM's encoder is parked between images (see
  // SegmenterOptions.residentModels).
  const resident = options.residentModels ?? DEFAULTS.residentModels;
  const lean = !resident && backend !== "webgpu";
  const open = (
    model: Uint8Array | string,
    spec: ModelSpec,
    role: ModelRole,
    path: string,
  ) =>
    createSession(model, {
      backend,
      label: source.describe(spec.id, path),
      threads,
      gpuDevice,
      // SAM's mask logits stay on the shared device for the mask kernel.
      ...(gpuDevice && role === "decoder"
        ? { deviceOutputs: ["pred_masks"] }
        : {}),
    });
  /**
   * Opens a model: on native from the source's local file where it has
   * one (onnxruntime reads it, in less time and memory), else from its
   * bytes. `usable` may refuse a session opened from the file (then the
   * bytes are read).
   */
  const load = async (
    spec: ModelSpec,
    role: ModelRole,
    how: {
      read?: (path: string) => Promise<Uint8Array>;
      file?: (path: string) => Promise<string | undefined>;
      usable?: (session: InferenceSession) => boolean;
    } = {},
  ) => {
    const path = modelFilePath(spec, variant, role);
    const read = how.read ?? ((path) => source.read(spec.id, path));
    const file = how.file ?? ((path) => source.file?.(spec.id, path));
    options.onProgress?.({ kind: "load", model: spec.id, file: path });
    let model: Uint8Array | string | undefined = backend === "native"
      ? await file(path)
      : undefined;
    let first = model === undefined
      ? undefined
      : await open(model, spec, role, path);
    if (first && how.usable && !how.usable(first)) {
      await first.release();
      first = undefined;
    }
    if (!first) {
      model = await read(path);
      first = await open(model, spec, role, path);
    }
    // The encoder is opened again from its file or bytes (tens of MB).
    const session = lean && role === "encoder"
      ? new ParkedSession(first, () => open(model!, spec, role, path))
      : first;
    sessions.push(session);
    return session;
  };
  try {
    const tokenizerPath = modelFilePath(clip, variant, "tokenizer");
    const tokenizer = ClipTokenizer.fromJson(
      await readJson(source, clip, tokenizerPath),
    );
    const clipPre = await readJson(
      source,
      clip,
      modelFilePath(clip, variant, "preprocessor"),
    ) as { image_mean?: number[]; image_std?: number[] };
    const samPre = await readJson(
      source,
      sam,
      modelFilePath(sam, variant, "preprocessor"),
    );
    const normalisation: ClipNormalisation = {
      mean: (clipPre.image_mean as [number, number, number] | undefined) ??
        CLIP_NORMALISATION.mean,
      std: (clipPre.image_std as [number, number, number] | undefined) ??
        CLIP_NORMALISATION.std,
    };
    // The input side and token count (ViT-B/32's where config.json is
    // absent; the derivation checks the count against the graph).
    const clipConfig = (await readOptionalJson(
      source,
      clip,
      modelFilePath(clip, variant, "config"),
    ) ?? {}) as {
      vision_config?: { image_size?: number; patch_size?: number };
    };
    const { size, tokens } = visionGeometry(clipConfig);
    const loadClip = async (): Promise<ClipEncoders> => {
      const visionSession = tokenMasked
        ? await load(clip, "vision", {
          read: (path) =>
            tokenMaskedTower(
              source,
              clip.id,
              path,
              tokens,
              options.onProgress,
            ),
          file: (path) =>
            keptTowerFile(source, clip.id, path, options.onProgress),
          // A tower kept for another token count (another config) is
          // derived again.
          usable: (session) =>
            session.inputs.find((i) => i.name === TOKEN_MASK_INPUT)
              ?.shape[1] === tokens,
        }).catch((e) => {
          throw e instanceof ModelLoadError
            ? new TokenMaskMappingError(
              `The token-masked tower derived from ${
                source.describe(
                  clip.id,
                  modelFilePath(clip, variant, "vision"),
                )
              } did not load (${
                describeError(e.cause)
              }). Use the blurred global view (globalView "blur"), and report the model`,
            )
            : e;
        })
        : await load(clip, "vision");
      const vision = new ClipVisionEncoder(visionSession, {
        batchSize: options.clipBatchSize ??
          (gpuDevice ? DEFAULTS.clipBatchSizeOnDevice : DEFAULTS.clipBatchSize),
        size,
      });
      const text = new ClipTextEncoder(await load(clip, "text"), tokenizer);
      return { vision, text };
    };
    const clipNow = lean ? undefined : await loadClip();
    const fast = { encoder: false, decoder: false };
    /** How to load SAM's `role` as its fast rewrite, when it is asked for. */
    const rewritten = <R extends RewriteRecord>(
      role: "encoder" | "decoder",
      rewrite: GraphRewrite<R>,
      wanted: boolean,
    ) =>
      wanted
        ? {
          read: async (path: string) => {
            const made = await readRewritten(
              rewrite,
              source,
              sam.id,
              path,
              (bytes) => open(bytes, sam, role, path),
              backend,
              options.onProgress,
            );
            fast[role] = made.fast;
            return made.bytes;
          },
          // Opened from its bytes (tens of MB), whose record says what it is.
          file: () => Promise.resolve(undefined),
        }
        : {};
    const encoder = await load(
      sam,
      "encoder",
      rewritten(
        "encoder",
        FAST_ENCODER,
        options.fastEncoder ?? fastEncoderByDefault(backend, source),
      ),
    );
    const decoder = await load(
      sam,
      "decoder",
      rewritten(
        "decoder",
        FAST_DECODER,
        options.fastDecoder ?? DEFAULTS.fastDecoder,
      ),
    );
    const generator = new AutomaticMaskGenerator(
      encoder,
      decoder,
      settings.generator,
      samPreprocessConfig(samPre),
      kernels,
    );
    return new Segmenter({
      settings,
      extraGlobalViews,
      models: {
        clip: clip.id,
        sam: sam.id,
        variant,
        backend,
        requestedBackend: requested,
        threads,
        fastEncoder: fast.encoder,
        fastDecoder: fast.decoder,
      },
      generator,
      clip: clipNow ? () => Promise.resolve(clipNow) : once(loadClip),
      gpuDevice,
      kernels,
      normalisation,
      sessions,
      inFlight,
      onProgress: options.onProgress,
    });
  } catch (e) {
    await Promise.all(sessions.map((s) => s.release()));
    throw e;
  }
}

/**
 * The token-masked CLIP tower of `path`: the one the source keeps, else
 * derived from the stock file now (and kept).
 */
async function tokenMaskedTower(
  source: ModelSource,
  repo: string,
  path: string,
  tokens: number,
  onProgress?: (event: SegmenterProgress) => void,
): Promise<Uint8Array> {
  let keepError: string | undefined;
  const { bytes, from, stored } = await readDerivedFile(
    source,
    repo,
    path,
    TOKEN_MASK_DERIVATION,
    (stock) =>
      deriveTokenMaskModel(stock, {
        sequenceLength: tokens,
        label: source.describe(repo, path),
        signature: CLIP_VISION_SIGNATURE,
      }).bytes,
    {
      onKeepError: (e) =>
        keepError = e instanceof Error ? e.message : String(e),
      // A tower kept for another token count (another config) is made again.
      accept: (kept) => tokenMaskInfo(kept)?.sequenceLength === tokens,
    },
  );
  onProgress?.({
    kind: "derive",
    model: repo,
    file: path,
    derivation: TOKEN_MASK_DERIVATION,
    from,
    stored,
    ...(keepError ? { keepError } : {}),
  });
  return bytes;
}

/**
 * Whether SAM's encoder runs as the fast encoder when the caller does not
 * say: on the CPU backends (a cache-sized loop is a processor's
 * optimisation), and where the source keeps derived files, so that its
 * check (two encoder runs on the probe, about 4 s on native) is paid once;
 * a source that keeps none (a models folder, memory) would pay it on every
 * load, more than an image gains.
 */
function fastEncoderByDefault(
  backend: BackendName,
  source: ModelSource,
): boolean {
  return DEFAULTS.fastEncoder && backend !== "webgpu" &&
    source.derived !== undefined;
}

/**
 * A model as its rewrite where it can be (see `rewrittenModel`), reporting
 * a derivation or a refused rewrite (a model in which the rewrite finds
 * nothing to do runs as it is, unremarked).
 */
async function readRewritten<R extends RewriteRecord>(
  rewrite: GraphRewrite<R>,
  source: ModelSource,
  repo: string,
  path: string,
  open: (bytes: Uint8Array) => Promise<InferenceSession>,
  backend: BackendName,
  onProgress?: (event: SegmenterProgress) => void,
): Promise<{ bytes: Uint8Array; fast: boolean }> {
  const made = await rewrittenModel(rewrite, source, repo, path, open, backend);
  const { rewrite: kind, unchanged } = made.info;
  if (kind !== "none") {
    onProgress?.({
      kind: "derive",
      model: repo,
      file: path,
      derivation: rewrite.derivation,
      from: made.from,
      stored: made.stored,
      ...(kind === "refused" || kind === "unchecked" ? { unchanged } : {}),
      ...(made.keepError ? { keepError: made.keepError } : {}),
    });
  }
  return { bytes: made.bytes, fast: kind === "fast" };
}

/** CLIP's image and text encoders. */
interface ClipEncoders {
  vision: ClipVisionEncoder;
  text: ClipTextEncoder;
}

/**
 * `make`, called once: later calls share its promise; a failure is not
 * kept, so the next call tries again.
 */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= make().catch((e) => {
      pending = undefined;
      throw e;
    });
    return pending;
  };
}

/**
 * The token-masked tower of `path` as a file the source keeps on this
 * machine, if it keeps one (reported as kept); else undefined.
 */
async function keptTowerFile(
  source: ModelSource,
  repo: string,
  path: string,
  onProgress?: (event: SegmenterProgress) => void,
): Promise<string | undefined> {
  const kept = await source.derived?.file?.(repo, path, TOKEN_MASK_DERIVATION);
  if (kept !== undefined) {
    onProgress?.({
      kind: "derive",
      model: repo,
      file: path,
      derivation: TOKEN_MASK_DERIVATION,
      from: "kept",
      stored: true,
    });
  }
  return kept;
}

interface SegmenterParts {
  settings: SegmenterSettings;
  extraGlobalViews: readonly GlobalView[];
  models: SegmenterModels;
  generator: AutomaticMaskGenerator;
  /** CLIP's encoders: opened at the first call when loading is deferred. */
  clip: () => Promise<ClipEncoders>;
  /** The device webgpu sessions run on, when they share the kernels'. */
  gpuDevice?: GPUDevice;
  kernels: Kernels;
  normalisation: ClipNormalisation;
  sessions: InferenceSession[];
  inFlight: number;
  onProgress?: (event: SegmenterProgress) => void;
}

/** Which models a segmenter runs, and the backend and threads they run on. */
export interface SegmenterModels {
  /** CLIP repository id, e.g. `Xenova/clip-vit-base-patch32`. */
  readonly clip: string;
  /** SAM repository id, e.g. `Xenova/slimsam-77-uniform`. */
  readonly sam: string;
  /** ONNX variant of both models' files. */
  readonly variant: ModelVariant;
  /** Inference backend the sessions run on: the one "auto" resolved to. */
  readonly backend: BackendName;
  /** The backend asked for (`SegmenterOptions.backend`, or its default). */
  readonly requestedBackend: BackendChoice;
  /**
   * Threads the sessions run with (0: the runtime's own choice; 1 on
   * webgpu): see `resolveThreads`.
   */
  readonly threads: number;
  /**
   * Whether SAM's encoder runs as the fast encoder (false where it was
   * turned off, or the stock encoder could not be rewritten).
   */
  readonly fastEncoder: boolean;
  /**
   * Whether SAM's decoder runs as the fast decoder (false where it
   * was turned off, or the stock decoder could not be rewritten).
   */
  readonly fastDecoder: boolean;
}

/** A loaded segmenter; create with {@linkcode createSegmenter}. */
export class Segmenter {
  /** The method's settings in force. */
  readonly settings: Readonly<SegmenterSettings>;
  /** The models and backend. */
  readonly models: SegmenterModels;
  #parts: SegmenterParts;

  /** Use {@linkcode createSegmenter}. */
  constructor(parts: SegmenterParts) {
    this.#parts = parts;
    this.settings = parts.settings;
    this.models = parts.models;
  }

  /** Where the per-image kernels run. */
  get device(): "cpu" | "gpu" {
    return this.#parts.kernels.device;
  }

  /**
   * Whether CLIP's views stay on the GPU from the kernels to the vision
   * model (GPU kernels and webgpu sessions on their device), instead of
   * being read back and uploaded again; SAM's mask logits then stay there
   * too, for the mask kernel. False once that device is lost
   * (the segmenter then fails with `GpuDeviceLostError`: create it again).
   */
  get viewsOnDevice(): boolean {
    const { gpuDevice: device, kernels } = this.#parts;
    return Boolean(kernels.onDevice && device) &&
      lostReason(device!) === undefined;
  }

  /** The kernels the segmenter runs its per-image work on. */
  get kernels(): Kernels {
    return this.#parts.kernels;
  }

  /**
   * Streams jobs through the pipeline: per-image work once, every sentence
   * of the image scored and selected; up to `inFlight` images at once,
   * yielded in input order. Settings may be overridden per call
   * (e.g. alpha or the spatial rule) without reloading models. An abort
   * of `signal` stops every image in flight (each finishes the model
   * call under way) and ends the stream with the signal's reason.
   */
  stream<M>(
    jobs: AsyncIterable<ImageJob<M>>,
    overrides:
      & Partial<
        Pick<SegmenterSettings, "alpha" | "beta" | "spatial" | "topK">
      >
      & SegmentOptions = {},
  ): AsyncIterable<SegmentedJob<M>> {
    const p = this.#parts;
    const { signal, ...settings } = overrides;
    const run = { signal };
    const s = this.#settingsWith(settings);
    return inFlight(
      pipe(
        this.#featureStages<M>(s, run),
        scoreStage(p.kernels, s.alpha, run),
        selectStage({ spatial: s.spatial, topK: s.topK }, run),
      ),
      p.inFlight,
    )(jobs);
  }

  /**
   * Streams jobs through the per-image work only (proposals, CLIP views,
   * parsed and embedded sentences), up to `inFlight` images at once, in
   * input order. Score and select each configuration of a job afterwards
   * on {@linkcode Segmenter.kernels} (see `scoreMatrices` and `selectAll`
   * of the stages), as an evaluation's ablation does. `prunePoints`
   * overrides the generator's (same sessions, other proposals). An abort
   * of `overrides.signal` ends the stream with its reason.
   */
  features<M>(
    jobs: AsyncIterable<ImageJob<M>>,
    overrides:
      & Partial<Pick<SegmenterSettings, "beta">>
      & Partial<Pick<MaskGeneratorOptions, "prunePoints">>
      & SegmentOptions = {},
  ): AsyncIterable<FeaturedJob<M>> {
    const { signal, prunePoints, ...settings } = overrides;
    const s = this.#settingsWith(settings);
    const generator = prunePoints === undefined ||
        prunePoints === this.#parts.generator.options.prunePoints
      ? this.#parts.generator
      : this.#parts.generator.withOptions({ prunePoints });
    return inFlight(
      this.#featureStages<M>(s, { signal }, generator),
      this.#parts.inFlight,
    )(jobs);
  }

  /** The segmenter's settings with per-call overrides, checked. */
  #settingsWith(
    overrides: Partial<
      Pick<SegmenterSettings, "alpha" | "beta" | "spatial" | "topK">
    >,
  ): SegmenterSettings {
    const p = this.#parts;
    return validateSettings({
      ...p.settings,
      ...overrides,
      // A new spatial mode brings its own default top-k; the same mode keeps
      // the segmenter's.
      topK: overrides.topK ??
        (overrides.spatial && overrides.spatial !== p.settings.spatial
          ? defaultTopK(overrides.spatial)
          : p.settings.topK),
    });
  }

  /** The per-image stages: propose, regions, parse, embed text. */
  #featureStages<M>(
    s: SegmenterSettings,
    run: SegmentOptions,
    generator: AutomaticMaskGenerator = this.#parts.generator,
  ): Stage<ImageJob<M>, FeaturedJob<M>> {
    const p = this.#parts;
    const onProgress = p.onProgress;
    // A job that waits for CLIP to open has the wait in its timings.load.
    const clipFor = async (job: { timings: Record<string, number> }) => {
      const start = performance.now();
      const encoders = await p.clip();
      const waited = performance.now() - start;
      if (waited >= 1) job.timings.load = (job.timings.load ?? 0) + waited;
      return encoders;
    };
    return pipe(
      proposeStage<ImageJob<M>>(
        generator,
        onProgress &&
          ((job, progress) =>
            onProgress({ kind: "propose", id: job.id, progress })),
        run,
      ),
      // CLIP is asked for once the first image's proposals are ready.
      deferredStage(async (first) =>
        regionsStage((await clipFor(first)).vision, p.kernels, {
          normalisation: p.normalisation,
          globalView: s.globalView,
          extraGlobalViews: p.extraGlobalViews,
          viewResize: s.viewResize,
          blurSigma: s.blurSigma,
          signal: run.signal,
        })
      ),
      parseStage(run),
      deferredStage(async (first) =>
        embedTextStage((await clipFor(first)).text, s.beta, run)
      ),
    );
  }

  /**
   * Segments what each sentence refers to in one image. An abort of
   * `options.signal` rejects with its reason (see {@linkcode SegmentOptions}).
   *
   * @example
   * ```ts
   * import { createSegmenter, memorySource } from "../mod.ts";
   * import { DEMO_CLIP, DEMO_SAM, demoModelFiles } from "./demo/models.ts";
   * import { generateScene } from "./demo/scenes.ts";
   *
   * const { image } = generateScene(3);
   * // hubSource() fetches Xenova/clip-vit-base-patch32 and
   * // Xenova/slimsam-77-uniform (the defaults); here the demo models in memory.
   * await using segmenter = await createSegmenter({
   *   source: memorySource(demoModelFiles()),
   *   clip: DEMO_CLIP,
   *   sam: DEMO_SAM,
   *   device: "cpu",
   *   generator: { pointsPerSide: 8 },
   * });
   * const { sentences } = await segmenter.segment(image, ["the red circle on the left"]);
   * // With a signal, an abort stops the run and rejects with its reason.
   * const controller = new AbortController();
   * controller.abort();
   * await segmenter.segment(image, ["the red circle"], { signal: controller.signal })
   *   .catch((e) => console.log(e.name)); // "AbortError"
   * ```
   */
  async segment(
    image: RgbaImage,
    sentences: readonly string[],
    options: SegmentOptions = {},
  ): Promise<SegmentResult> {
    options.signal?.throwIfAborted();
    const checked = checkSentences(sentences);
    const job: ImageJob = {
      id: "image",
      image,
      sentences: checked,
      timings: {},
    };
    for await (const done of this.stream(fromItems([job]), options)) {
      return toResult(done);
    }
    throw new Error("The pipeline produced no result.");
  }

  /** Frees the models' sessions. */
  async release(): Promise<void> {
    await Promise.all(this.#parts.sessions.map((s) => s.release()));
  }

  /** Frees the models' sessions at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }
}

/** Turns a finished job into the per-sentence result. */
export function toResult(job: SegmentedJob): SegmentResult {
  const { image, proposals } = job;
  const n = proposals.length;
  const sentences = job.parsed.map((parsed, e): SentenceResult => {
    const sel = job.selections[e];
    const candidate = (index: number, rank: number): Candidate => ({
      rank,
      index,
      box: proposals[index].box,
      area: proposals[index].area,
      score: job.scores[e * n + index],
    });
    const candidates = sel.ranked.map((index, r) => candidate(index, r + 1));
    const selected = sel.index < 0
      ? null
      : candidates.find((c) => c.index === sel.index) ??
        candidate(sel.index, rankOf(job.scores, e, n, sel.index));
    return {
      sentence: parsed.sentence,
      nounPhrase: parsed.nounPhrase,
      head: parsed.head,
      spatialWords: parsed.spatialWords,
      spatial: parsed.spatial,
      rule: sel.rule,
      truncated: job.text.truncated[e],
      tokenCount: job.text.tokenCounts[e],
      candidates,
      selected,
      mask: selected
        ? proposals[selected.index].mask
        : new Uint8Array(image.width * image.height),
    };
  });
  return {
    width: image.width,
    height: image.height,
    proposals,
    sentences,
    timings: job.timings,
  };
}

function rankOf(
  scores: Float32Array,
  e: number,
  n: number,
  index: number,
): number {
  let rank = 1;
  for (let i = 0; i < n; i++) {
    if (scores[e * n + i] > scores[e * n + index]) rank++;
  }
  return rank;
}
