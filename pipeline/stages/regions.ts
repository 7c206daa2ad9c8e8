/**
 * Stage 2: CLIP features of every proposal, from a local view (box crop,
 * outside filled with the mean colour) and a global view, once per image.
 * The global view is token-masked (the default: the whole image through
 * CLIP once, the patch tokens outside the mask zeroed in the last blocks,
 * as the reference does) or blurred (the whole image with the outside
 * blurred, one CLIP pass per proposal). The embeddings are kept apart so
 * that the mixing weight can vary without recomputing them.
 *
 * @module
 */

import type { Box, ClipNormalisation } from "../../kernels/clip_views.ts";
import type { BlurOutsideInput } from "../../kernels/blur_outside/contract.ts";
import type { GpuContext } from "../../kernels/gpu_device.ts";
import type { Kernels } from "../../kernels/kernels.ts";
import { tokenMaskRows, wholeImageView } from "../clip/_token_mask_inputs.ts";
import type { ClipVisionEncoder } from "../clip/vision.ts";
import {
  assertDeviceAlive,
  GpuDeviceLostError,
  lostReason,
} from "../models/device_lost.ts";
import { concatFloat32 } from "../models/tensor.ts";
import {
  masksPerBatch,
  PACKED_MASK_BUDGET,
  packProposalMasks,
} from "../sam/compact_mask.ts";
import { DEFAULTS } from "../defaults.ts";
import {
  type ImageJob,
  mapStage,
  type Stage,
  type StageOptions,
} from "./job.ts";
import type { Proposed } from "./propose.ts";

/**
 * How a proposal's global view is made: "token-mask" (the whole image once
 * through a token-masked CLIP tower, the patches outside the mask zeroed
 * before the last three blocks) or "blur" (the whole image with the
 * outside blurred, through the stock tower).
 */
export type GlobalView = "token-mask" | "blur";

/** Every global view, the default first. */
export const GLOBAL_VIEWS: readonly GlobalView[] = ["token-mask", "blur"];

/**
 * How the views and the masks' patch grids are resized: "antialias"
 * (bilinear widened when shrinking, as PIL and torchvision's tensor resize
 * since 0.17) or "bilinear" (plain bilinear between the nearest pixels, as
 * torchvision's tensor resize before 0.17, which Global-Local CLIP's
 * reference code ran with). The blurred global view is always antialiased.
 */
export type ViewResize = "antialias" | "bilinear";

/** Every view resize, the default first. */
export const VIEW_RESIZES: readonly ViewResize[] = ["antialias", "bilinear"];

/** Raw CLIP embeddings of the proposals' views. */
export interface RegionFeatures {
  /** N x D embeddings of the global views the score uses. */
  readonly global: Float32Array;
  /** N x D embeddings of the local (crop & fill) views. */
  readonly local: Float32Array;
  /** N x D embeddings of every global view computed, by kind (`global`'s included). */
  readonly globals: Readonly<Partial<Record<GlobalView, Float32Array>>>;
  /** Embedding dimension D (0 when there are no proposals). */
  readonly dim: number;
}

/** What the region stage adds to a job. */
export interface WithRegions {
  /** CLIP features of every proposal's global and local views. */
  readonly regions: RegionFeatures;
}

/** Options of {@linkcode regionsStage}; an abort of `signal` stops it between CLIP calls. */
export interface RegionOptions extends StageOptions {
  /** CLIP's normalisation (from the model's preprocessor_config.json). */
  normalisation: ClipNormalisation;
  /** The global view the score uses. Default `DEFAULTS.globalView`. */
  globalView?: GlobalView;
  /** Global views to compute besides it, e.g. for an ablation. Default none. */
  extraGlobalViews?: readonly GlobalView[];
  /** How the local and whole-image views and the patch grids are resized. Default `DEFAULTS.viewResize`. */
  viewResize?: ViewResize;
  /** Gaussian blur of the blurred global view, in output pixels. Default `DEFAULTS.blurSigma`. */
  blurSigma?: number;
  /** Proposals per kernel call, bounding memory. Default `DEFAULTS.regionChunk`. */
  chunk?: number;
}

/** The views made per proposal by the view kernels. */
type KernelView = "blur" | "local";

/**
 * Embeds each proposal's local view and its global views with CLIP.
 *
 * @example
 * ```ts
 * import { CPU_KERNELS } from "../../kernels/kernels.ts";
 * import { CLIP_NORMALISATION } from "../../kernels/clip_views.ts";
 * import { ClipVisionEncoder } from "../clip/vision.ts";
 * import { createSession } from "../models/session.ts";
 * import { DEMO_CLIP, demoModelFiles } from "../demo/models.ts";
 * import { generateScene } from "../demo/scenes.ts";
 * import { fromItems } from "./job.ts";
 *
 * const stock = demoModelFiles().get(`${DEMO_CLIP}/onnx/vision_model.onnx`)!;
 * const vision = new ClipVisionEncoder(await createSession(stock));
 * // A stock tower: the blurred global view (token-mask needs a derived one).
 * const stage = regionsStage(vision, CPU_KERNELS, {
 *   normalisation: CLIP_NORMALISATION,
 *   globalView: "blur",
 * });
 * // One proposal: the scene's first shape.
 * const { image, shapes } = generateScene(1);
 * const { mask, box } = shapes[0];
 * const proposal = { mask, box, area: 1, predictedIou: 1, stability: 1, point: [0, 0] as const };
 * const job = { id: 1, image, sentences: [], timings: {}, proposals: [proposal] };
 * for await (const done of stage(fromItems([job]))) console.log(done.regions.dim); // 512
 * ```
 */
export function regionsStage<J extends ImageJob & Proposed>(
  vision: ClipVisionEncoder,
  kernels: Kernels,
  options: RegionOptions,
): Stage<J, J & WithRegions> {
  const chunk = options.chunk ?? DEFAULTS.regionChunk;
  const main = options.globalView ?? DEFAULTS.globalView;
  const wanted = new Set<GlobalView>([main, ...options.extraGlobalViews ?? []]);
  if (wanted.has("token-mask") && !vision.tokenMasked) {
    throw new TypeError(
      "The token-masked global view needs a token-masked CLIP vision model (see deriveTokenMaskModel); use the blurred global view with a stock one.",
    );
  }
  const kinds: KernelView[] = wanted.has("blur")
    ? ["blur", "local"]
    : ["local"];
  const antialias = (options.viewResize ?? DEFAULTS.viewResize) ===
    "antialias";
  return mapStage("regions", async (job: J, signal) => {
    const { image, proposals } = job;
    const { width, height } = image;
    const parts: Record<KernelView, Float32Array[]> = { blur: [], local: [] };
    let dim = 0;
    // The views stay on the GPU when the vision session runs on the
    // kernels' device; otherwise they come back to the host.
    const ctx = await deviceViewsContext(vision, kernels);
    const embedViews = ctx
      ? (input: ViewsRequest) =>
        embedOnDevice(vision, kernels, ctx, input, kinds)
      : (input: ViewsRequest) =>
        embedOnHost(vision, kernels, input, kinds, signal);
    // On the device every view of a chunk goes to the model in one call,
    // which the encoder's batch size bounds. A chunk's image-size masks
    // stay within PACKED_MASK_BUDGET (fewer proposals on large images).
    const most = ctx
      ? Math.min(
        chunk,
        Math.max(1, Math.floor(vision.batchSize / kinds.length)),
      )
      : chunk;
    const per = masksPerBatch(most, width * height, PACKED_MASK_BUDGET);
    for (let start = 0; start < proposals.length; start += per) {
      signal?.throwIfAborted();
      const part = proposals.slice(start, start + per);
      const { embeds, dim: d } = await embedViews({
        image,
        masks: {
          data: packProposalMasks(part, width, height),
          count: part.length,
        },
        boxes: part.map((p) => p.box as Box),
        size: vision.size,
        normalisation: options.normalisation,
        sigma: options.blurSigma,
        antialias,
      });
      dim = d;
      kinds.forEach((kind, k) =>
        parts[kind].push(
          embeds.subarray(k * part.length * d, (k + 1) * part.length * d),
        )
      );
    }
    const globals: Partial<Record<GlobalView, Float32Array>> = {};
    if (wanted.has("blur")) globals.blur = concatFloat32(parts.blur);
    if (wanted.has("token-mask")) {
      globals["token-mask"] = await tokenMaskedGlobals(
        vision,
        job,
        options.normalisation,
        antialias,
        signal,
      );
    }
    return {
      ...job,
      regions: {
        global: globals[main]!,
        local: concatFloat32(parts.local),
        globals,
        dim,
      },
    };
  }, options);
}

/** The token-masked global vectors of a job's proposals (N x D). */
async function tokenMaskedGlobals(
  vision: ClipVisionEncoder,
  job: ImageJob & Proposed,
  normalisation: ClipNormalisation,
  antialias: boolean,
  signal?: AbortSignal,
): Promise<Float32Array> {
  const { image, proposals } = job;
  if (proposals.length === 0) return new Float32Array(0);
  const view = wholeImageView(image, vision.size, normalisation, antialias);
  const rows = tokenMaskRows(
    proposals,
    image.width,
    image.height,
    vision.patchGridSide,
    antialias,
  );
  return (await vision.embedTokenMasked(view, rows, proposals.length, {
    signal,
  })).embeds;
}

/**
 * The GPU context to leave the views on: the kernels' own when the vision
 * session runs on its device, else undefined (views made on the host or
 * read back). Throws {@linkcode GpuDeviceLostError} when the session's
 * device was lost (the kernels may have opened a new one since).
 */
async function deviceViewsContext(
  vision: ClipVisionEncoder,
  kernels: Kernels,
): Promise<GpuContext | undefined> {
  const device = vision.gpuDevice;
  if (!device || !kernels.onDevice) return undefined;
  assertDeviceAlive(device);
  const ctx = await kernels.onDevice.context();
  if (ctx.device !== device) {
    throw new GpuDeviceLostError(
      lostReason(device) ?? "the kernels now run on another device",
    );
  }
  return ctx;
}

/** What both view kernels take for one chunk of proposals (`antialias` is crop & fill's). */
type ViewsRequest = Omit<BlurOutsideInput, "output"> & { antialias: boolean };

/** Embeddings of the views of a chunk: its N views of each kind, kind after kind. */
type ViewEmbeddings = { embeds: Float32Array; dim: number };

/** The views of each kind made into one host tensor, then embedded. */
async function embedOnHost(
  vision: ClipVisionEncoder,
  kernels: Kernels,
  input: ViewsRequest,
  kinds: readonly KernelView[],
  signal?: AbortSignal,
): Promise<ViewEmbeddings> {
  const { count } = input.masks, size = vision.size;
  const views = count * 3 * size * size;
  const all = new Float32Array(kinds.length * views);
  await Promise.all(kinds.map((kind, k) => {
    const output = all.subarray(k * views, (k + 1) * views);
    return kind === "blur"
      ? kernels.blurOutside({ ...input, output })
      : kernels.cropAndFill({ ...input, output });
  }));
  return await vision.embed(all, kinds.length * count, { signal });
}

/**
 * The views of each kind made into one GPU buffer and embedded from there
 * by a session on the same device: no view comes to the host.
 */
async function embedOnDevice(
  vision: ClipVisionEncoder,
  kernels: Kernels,
  ctx: GpuContext,
  input: ViewsRequest,
  kinds: readonly KernelView[],
): Promise<ViewEmbeddings> {
  const { count } = input.masks, size = vision.size;
  const viewBytes = count * 3 * size * size * 4;
  const buffer = ctx.buffers.acquire("storage", kinds.length * viewBytes);
  try {
    await Promise.all(kinds.map((kind, k) => {
      const target = { buffer, offset: k * viewBytes };
      return kind === "blur"
        ? kernels.onDevice!.blurOutside(ctx, input, target)
        : kernels.onDevice!.cropAndFill(ctx, input, target);
    }));
    return await vision.embedOnDevice(buffer, kinds.length * count);
  } finally {
    ctx.buffers.release("storage", buffer);
  }
}
