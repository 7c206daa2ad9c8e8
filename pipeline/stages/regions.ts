/**
 * Stage 2: CLIP features of every proposal, from a local view (box crop,
 * outside filled with the mean colour) and a global view (whole image,
 * outside blurred), once per image. The two embeddings are kept apart so
 * that the mixing weight can vary without recomputing them.
 *
 * @module
 */

import type { Box, ClipNormalisation } from "../../kernels/clip_views.ts";
import type { BlurOutsideInput } from "../../kernels/blur_outside/contract.ts";
import type { GpuContext } from "../../kernels/gpu_device.ts";
import type { Kernels } from "../../kernels/kernels.ts";
import type { ClipVisionEncoder } from "../clip/vision.ts";
import {
  assertDeviceAlive,
  GpuDeviceLostError,
  lostReason,
} from "../models/device_lost.ts";
import type { Proposal } from "../sam/mask_generator.ts";
import { type ImageJob, mapStage, type Stage } from "./job.ts";
import type { Proposed } from "./propose.ts";

/** Raw CLIP embeddings of the proposals' two views. */
export interface RegionFeatures {
  /** N x D embeddings of the global (blurred-outside) views. */
  readonly global: Float32Array;
  /** N x D embeddings of the local (crop & fill) views. */
  readonly local: Float32Array;
  /** Embedding dimension D (0 when there are no proposals). */
  readonly dim: number;
}

/** What the region stage adds to a job. */
export interface WithRegions {
  /** CLIP features of every proposal's global and local views. */
  readonly regions: RegionFeatures;
}

/** Options of {@linkcode regionsStage}. */
export interface RegionOptions {
  /** CLIP's normalisation (from the model's preprocessor_config.json). */
  normalisation: ClipNormalisation;
  /** Gaussian blur of the global view, in output pixels. */
  blurSigma?: number;
  /** Proposals per kernel call, bounding memory. Default 32. */
  chunk?: number;
}

/** Packs the masks of some proposals into one batch. */
function packMasks(
  proposals: readonly Proposal[],
  pixels: number,
): Uint8Array {
  const out = new Uint8Array(proposals.length * pixels);
  proposals.forEach((p, i) => out.set(p.mask, i * pixels));
  return out;
}

/**
 * Embeds each proposal's local and global views with CLIP.
 *
 * @example
 * ```ts
 * const stage = regionsStage(vision, CPU_KERNELS, { normalisation: CLIP_NORMALISATION });
 * ```
 */
export function regionsStage<J extends ImageJob & Proposed>(
  vision: ClipVisionEncoder,
  kernels: Kernels,
  options: RegionOptions,
): Stage<J, J & WithRegions> {
  const chunk = options.chunk ?? 32;
  return mapStage("regions", async (job: J) => {
    const { image, proposals } = job;
    const pixels = image.width * image.height;
    const globals: Float32Array[] = [];
    const locals: Float32Array[] = [];
    let dim = 0;
    // The views stay on the GPU when the vision session runs on the
    // kernels' device; otherwise they come back to the host.
    const ctx = await deviceViewsContext(vision, kernels);
    const embedViews = ctx
      ? (input: ViewsRequest) => embedOnDevice(vision, kernels, ctx, input)
      : (input: ViewsRequest) => embedOnHost(vision, kernels, input);
    // On the device both views of a chunk go to the model in one call,
    // which the encoder's batch size bounds.
    const per = ctx
      ? Math.min(chunk, Math.max(1, vision.batchSize >> 1))
      : chunk;
    for (let start = 0; start < proposals.length; start += per) {
      const part = proposals.slice(start, start + per);
      const { embeds, dim: d } = await embedViews({
        image,
        masks: { data: packMasks(part, pixels), count: part.length },
        boxes: part.map((p) => p.box as Box),
        size: vision.size,
        normalisation: options.normalisation,
        sigma: options.blurSigma,
      });
      dim = d;
      globals.push(embeds.subarray(0, part.length * d));
      locals.push(embeds.subarray(part.length * d));
    }
    return {
      ...job,
      regions: { global: concat(globals), local: concat(locals), dim },
    };
  });
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

/** What both view kernels take for one chunk of proposals. */
type ViewsRequest = Omit<BlurOutsideInput, "output">;

/** Embeddings of both views of a chunk: its N global views, then its N local ones. */
type ViewEmbeddings = { embeds: Float32Array; dim: number };

/** Both views made into one host tensor (global views first), then embedded. */
async function embedOnHost(
  vision: ClipVisionEncoder,
  kernels: Kernels,
  input: ViewsRequest,
): Promise<ViewEmbeddings> {
  const { count } = input.masks, size = vision.size;
  const views = count * 3 * size * size;
  const both = new Float32Array(2 * views);
  await Promise.all([
    kernels.cropAndFill({ ...input, output: both.subarray(views) }),
    kernels.blurOutside({ ...input, output: both.subarray(0, views) }),
  ]);
  return await vision.embed(both, 2 * count);
}

/**
 * Both views made into one GPU buffer (global views first) and embedded
 * from there by a session on the same device: no view comes to the host.
 */
async function embedOnDevice(
  vision: ClipVisionEncoder,
  kernels: Kernels,
  ctx: GpuContext,
  input: ViewsRequest,
): Promise<ViewEmbeddings> {
  const { count } = input.masks, size = vision.size;
  const viewBytes = count * 3 * size * size * 4;
  const buffer = ctx.buffers.acquire("storage", 2 * viewBytes);
  try {
    await Promise.all([
      kernels.onDevice!.blurOutside(ctx, input, { buffer }),
      kernels.onDevice!.cropAndFill(ctx, input, { buffer, offset: viewBytes }),
    ]);
    return await vision.embedOnDevice(buffer, 2 * count);
  } finally {
    ctx.buffers.release("storage", buffer);
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
