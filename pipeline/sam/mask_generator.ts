/**
 * SAM's automatic mask generator over the Xenova SAM exports: one encoder
 * pass per image, the decoder batched over a grid of point prompts, then the
 * reference generator's filters (predicted IoU, stability score, box NMS,
 * small-region clean-up), and optionally mask NMS. With `prunePoints`,
 * the decoder skips the grid points a mask kept so far already covers
 * (see `prompt_pruning.ts`).
 *
 * @module
 */

import { isParkable } from "../models/parked_session.ts";
import type { GpuContext } from "../../kernels/gpu_device.ts";
import { CPU_KERNELS, type Kernels } from "../../kernels/kernels.ts";
import type { RgbaImage } from "../image/rgba.ts";
import {
  assertSignature,
  type InferenceSession,
  type SessionSignature,
} from "../models/session.ts";
import {
  type DeviceOutput,
  isDeviceTensor,
  type Tensor,
  tensor,
} from "../models/tensor.ts";
import { DEFAULTS } from "../defaults.ts";
import {
  checkSetting,
  numberAtLeast,
  numberIn,
  type SettingRule,
  trueOrFalse,
  wholeNumber,
} from "../setting_error.ts";
import { maskNms } from "./_mask_nms.ts";
import type { MaskGeneratorOptions, Proposal } from "./types.ts";
import { buildPointGrid } from "./point_grid.ts";
import { splitPromptPasses, uncoveredPrompts } from "./prompt_pruning.ts";
import {
  filterDecoderBatch,
  type MaskCandidate,
  suppressDuplicates,
} from "./postprocess.ts";
import {
  SAM_PREPROCESS,
  samPreprocess,
  type SamPreprocessConfig,
  toSamFrame,
} from "./preprocess.ts";

/** Inputs and outputs the SAM vision encoder must have. */
export const SAM_ENCODER_SIGNATURE: SessionSignature = {
  inputs: [{ name: "pixel_values", type: "float32", rank: 4 }],
  outputs: [
    { name: "image_embeddings", type: "float32", rank: 4 },
    { name: "image_positional_embeddings", type: "float32", rank: 4 },
  ],
};

export type { MaskGeneratorOptions, Proposal } from "./types.ts";

/** Inputs and outputs the SAM prompt encoder + mask decoder must have. */
export const SAM_DECODER_SIGNATURE: SessionSignature = {
  inputs: [
    { name: "image_embeddings", type: "float32", rank: 4 },
    { name: "image_positional_embeddings", type: "float32", rank: 4 },
    { name: "input_points", type: "float32", rank: 4 },
    { name: "input_labels", type: "int64", rank: 3 },
  ],
  outputs: [
    { name: "iou_scores", type: "float32", rank: 3 },
    { name: "pred_masks", type: "float32", rank: 5 },
  ],
};

/** The defaults of {@linkcode MaskGeneratorOptions}: `DEFAULTS.generator`. */
export const MASK_GENERATOR_DEFAULTS: Readonly<MaskGeneratorOptions> =
  DEFAULTS.generator;

/**
 * The kernels the generator uses: mask decoding (on the GPU from the
 * decoder's own buffers when the decoder runs on the kernels' device), and
 * pairwise IoU for mask NMS.
 */
export type GeneratorKernels = Pick<
  Kernels,
  "decodeMaskLogits" | "pairwiseMaskIou" | "onDevice"
>;

/** Progress of {@linkcode AutomaticMaskGenerator.generate}. */
export interface MaskGeneratorProgress {
  /** The step under way: the image encoder, the batched decoder, or the filters. */
  stage: "encode" | "decode" | "filter";
  /** Units of the step done so far (point prompts for "decode", else 0 or 1). */
  done: number;
  /** Units of the step in all (point prompts for "decode", else 1). */
  total: number;
  /**
   * Point prompts the decoder has run so far ("decode" only): `done` less
   * the prompts pruning skipped (see `MaskGeneratorOptions.prunePoints`).
   */
  decoded?: number;
}

/**
 * Proposes class-agnostic masks for an image with SAM.
 *
 * @example
 * ```ts
 * import { createSession } from "../models/session.ts";
 * import { DEMO_SAM, demoModelFiles } from "../demo/models.ts";
 * import { generateScene } from "../demo/scenes.ts";
 *
 * const files = demoModelFiles(); // a SAM export's files, here the demo's
 * const encoder = await createSession(
 *   files.get(`${DEMO_SAM}/onnx/vision_encoder.onnx`)!,
 * );
 * const decoder = await createSession(
 *   files.get(`${DEMO_SAM}/onnx/prompt_encoder_mask_decoder.onnx`)!,
 * );
 * const generator = new AutomaticMaskGenerator(encoder, decoder, { pointsPerSide: 4 });
 * const proposals = await generator.generate(generateScene(1).image);
 * proposals[0].box; // [x, y, width, height]
 * ```
 */
export class AutomaticMaskGenerator {
  /** Effective options. */
  readonly options: Readonly<MaskGeneratorOptions>;
  #encoder: InferenceSession;
  #decoder: InferenceSession;
  #preprocess: SamPreprocessConfig;
  #kernels: GeneratorKernels;

  /**
   * Checks both sessions' signatures and sets up the generator.
   *
   * @param encoder Session of `onnx/vision_encoder.onnx`.
   * @param decoder Session of `onnx/prompt_encoder_mask_decoder.onnx`.
   * @param options Overrides of {@linkcode MASK_GENERATOR_DEFAULTS}.
   * @param preprocess SAM's preprocessing constants (from preprocessor_config.json).
   * @param kernels Mask kernels; the CPU twin by default.
   */
  constructor(
    encoder: InferenceSession,
    decoder: InferenceSession,
    options: Partial<MaskGeneratorOptions> = {},
    preprocess: SamPreprocessConfig = SAM_PREPROCESS,
    kernels: GeneratorKernels = CPU_KERNELS,
  ) {
    assertSignature(encoder, SAM_ENCODER_SIGNATURE);
    assertSignature(decoder, SAM_DECODER_SIGNATURE);
    const merged = { ...MASK_GENERATOR_DEFAULTS, ...options };
    checkGeneratorOptions(merged);
    this.options = merged;
    this.#encoder = encoder;
    this.#decoder = decoder;
    this.#preprocess = preprocess;
    this.#kernels = kernels;
  }

  /**
   * A generator on the same sessions, preprocessing and kernels with some
   * options changed (e.g. `prunePoints` for an ablation); nothing is
   * loaded again.
   */
  withOptions(
    overrides: Partial<MaskGeneratorOptions>,
  ): AutomaticMaskGenerator {
    return new AutomaticMaskGenerator(
      this.#encoder,
      this.#decoder,
      { ...this.options, ...overrides },
      this.#preprocess,
      this.#kernels,
    );
  }

  /**
   * The kernels' GPU context when the decoder leaves its logits on that
   * device (a webgpu session on it created with `deviceOutputs`), so they
   * are decoded there; else undefined, and the logits come to the host.
   */
  async #logitsContext(): Promise<GpuContext | undefined> {
    const onDevice = this.#kernels.onDevice;
    if (!onDevice || !this.#decoder.runOnDevice) return undefined;
    const ctx = await onDevice.context();
    return ctx.device === this.#decoder.gpuDevice ? ctx : undefined;
  }

  /**
   * Runs the generator on one image; proposals come sorted by predicted
   * IoU. An abort of `options.signal` stops it after the encoder and
   * between decoder calls, with the signal's reason.
   */
  async generate(
    image: RgbaImage,
    onProgress?: (p: MaskGeneratorProgress) => void,
    options: { signal?: AbortSignal } = {},
  ): Promise<Proposal[]> {
    const { signal } = options;
    signal?.throwIfAborted();
    const o = this.options;
    const { width, height } = image;
    const input = samPreprocess(image, this.#preprocess);
    const pad = input.padSize;
    onProgress?.({ stage: "encode", done: 0, total: 1 });
    const encoded = await this.#encoder.run({
      pixel_values: tensor("float32", input.pixels, [1, 3, pad, pad]),
    });
    // A parkable encoder hands its working memory back until the next image.
    if (isParkable(this.#encoder)) await this.#encoder.park();
    onProgress?.({ stage: "encode", done: 1, total: 1 });

    const grid = buildPointGrid(o.pointsPerSide);
    const points = new Float32Array(grid.length);
    for (let i = 0; i < grid.length; i += 2) {
      points[i] = grid[i] * width;
      points[i + 1] = grid[i + 1] * height;
    }
    const framed = toSamFrame(points, input);
    const gpu = await this.#logitsContext();
    const frame = {
      gpu,
      validFractionX: input.resizedWidth / pad,
      validFractionY: input.resizedHeight / pad,
      frameSize: pad,
      width,
      height,
    };
    const total = grid.length / 2;
    const candidates: MaskCandidate[] = [];
    let done = 0, decoded = 0;
    const decodeAll = async (prompts: readonly number[]) => {
      for (let start = 0; start < prompts.length; start += o.pointsPerBatch) {
        signal?.throwIfAborted();
        const batch = prompts.slice(start, start + o.pointsPerBatch);
        const n = batch.length;
        const feeds = {
          image_embeddings: encoded.image_embeddings,
          image_positional_embeddings: encoded.image_positional_embeddings,
          input_points: tensor(
            "float32",
            gatherPoints(framed, batch),
            [1, n, 1, 2],
          ),
          input_labels: tensor(
            "int64",
            new BigInt64Array(n).fill(1n),
            [1, n, 1],
          ),
        };
        candidates.push(
          ...await decodePrompts(
            this.#decoder,
            feeds,
            { ...frame, points: gatherPoints(points, batch) },
            o,
            this.#kernels,
          ),
        );
        done += n;
        decoded += n;
        onProgress?.({ stage: "decode", done, total, decoded });
      }
    };
    if (o.prunePoints) {
      const passes = splitPromptPasses(o.pointsPerSide);
      await decodeAll(passes.coarse);
      const rest = uncoveredPrompts(passes.fine, points, candidates);
      if (rest.length < passes.fine.length) {
        done += passes.fine.length - rest.length;
        onProgress?.({ stage: "decode", done, total, decoded });
      }
      await decodeAll(rest);
    } else {
      await decodeAll(Array.from({ length: total }, (_, i) => i));
    }
    signal?.throwIfAborted();
    onProgress?.({ stage: "filter", done: 0, total: 1 });
    const proposals = await maskNms(
      suppressDuplicates(candidates, width, height, o),
      width,
      height,
      o.maskNmsThresh,
      this.#kernels,
    );
    onProgress?.({ stage: "filter", done: 1, total: 1 });
    return proposals;
  }
}

/** Where a decoder call's prompts and masks lie, and where its logits go. */
export interface PromptFrame {
  /**
   * The kernels' GPU context when the decoder shares its device and
   * leaves `pred_masks` there (`runOnDevice`); else the logits come to
   * the host.
   */
  readonly gpu?: GpuContext;
  /** The call's point prompts in image pixels, [x0, y0, x1, y1, ...]. */
  readonly points: Float32Array;
  /** Share of the padded frame's width the resized image covers. */
  readonly validFractionX: number;
  /** Share of the padded frame's height the resized image covers. */
  readonly validFractionY: number;
  /**
   * Side of the padded input frame in pixels (SAM's pad size): masks are
   * upsampled through it as the reference does (see `DecoderBatch`).
   */
  readonly frameSize: number;
  /** Image width. */
  readonly width: number;
  /** Image height. */
  readonly height: number;
}

/**
 * One decoder call and its per-call filters: runs `decoder` on `feeds`
 * and keeps the masks that pass (see `filterDecoderBatch`), decoding the
 * logits on the GPU where they stay there. Outputs left on the GPU are
 * released before it returns.
 *
 * @example
 * ```ts
 * import { CPU_KERNELS } from "../../kernels/kernels.ts";
 * import { createSession } from "../models/session.ts";
 * import { tensor } from "../models/tensor.ts";
 * import { DEMO_SAM, demoModelFiles } from "../demo/models.ts";
 * import { generateScene } from "../demo/scenes.ts";
 * import { samPreprocess, toSamFrame } from "./preprocess.ts";
 *
 * const files = demoModelFiles(); // a SAM export's files, here the demo's
 * const encoder = await createSession(
 *   files.get(`${DEMO_SAM}/onnx/vision_encoder.onnx`)!,
 * );
 * const decoder = await createSession(
 *   files.get(`${DEMO_SAM}/onnx/prompt_encoder_mask_decoder.onnx`)!,
 * );
 * const { image } = generateScene(1);
 * const input = samPreprocess(image);
 * const pad = input.padSize;
 * const encoded = await encoder.run({
 *   pixel_values: tensor("float32", input.pixels, [1, 3, pad, pad]),
 * });
 * // One point prompt, at the image's centre.
 * const points = new Float32Array([image.width / 2, image.height / 2]);
 * const feeds = {
 *   image_embeddings: encoded.image_embeddings,
 *   image_positional_embeddings: encoded.image_positional_embeddings,
 *   input_points: tensor("float32", toSamFrame(points, input), [1, 1, 1, 2]),
 *   input_labels: tensor("int64", new BigInt64Array([1n]), [1, 1, 1]),
 * };
 * const frame = {
 *   points,
 *   validFractionX: input.resizedWidth / pad,
 *   validFractionY: input.resizedHeight / pad,
 *   frameSize: pad,
 *   width: image.width,
 *   height: image.height,
 * };
 * const candidates = await decodePrompts(decoder, feeds, frame, MASK_GENERATOR_DEFAULTS, CPU_KERNELS);
 * ```
 */
export async function decodePrompts(
  decoder: InferenceSession,
  feeds: Record<string, Tensor>,
  frame: PromptFrame,
  o: MaskGeneratorOptions,
  kernels: GeneratorKernels,
): Promise<MaskCandidate[]> {
  const { gpu, ...where } = frame;
  const out = gpu
    ? await decoder.runOnDevice!(feeds)
    : await decoder.run(feeds);
  const masks = out.pred_masks;
  try {
    return await filterDecoderBatch(
      {
        ...where,
        iou: hostData(out.iou_scores, "iou_scores"),
        logits: isDeviceTensor(masks)
          ? { context: gpu!, buffer: masks.gpuBuffer }
          : hostData(masks, "pred_masks"),
        dims: masks.dims,
      },
      o,
      kernels,
    );
  } finally {
    for (const t of Object.values(out)) {
      if (isDeviceTensor(t)) t.release();
    }
  }
}

/** The (x, y) pairs of `prompts` out of [x0, y0, x1, y1, ...], in order. */
function gatherPoints(
  points: Float32Array,
  prompts: readonly number[],
): Float32Array {
  const out = new Float32Array(prompts.length * 2);
  prompts.forEach((p, k) => {
    out[k * 2] = points[p * 2];
    out[k * 2 + 1] = points[p * 2 + 1];
  });
  return out;
}

/** The float32 data of a decoder output that must be on the host. */
function hostData(t: Tensor | DeviceOutput, name: string): Float32Array {
  if (isDeviceTensor(t)) {
    throw new TypeError(
      `The SAM decoder left "${name}" on the GPU; only pred_masks may stay there (see deviceOutputs).`,
    );
  }
  return t.data as Float32Array;
}

/** The range of each checked option of the mask generator. */
const GENERATOR_RULES: Readonly<
  Partial<Record<keyof MaskGeneratorOptions, SettingRule>>
> = {
  pointsPerSide: wholeNumber(1, 128),
  pointsPerBatch: wholeNumber(1, 1024),
  predIouThresh: numberIn(0, 1),
  stabilityScoreThresh: numberIn(0, 1),
  boxNmsThresh: numberIn(0, 1),
  maskNmsThresh: numberIn(0, 1),
  minMaskRegionArea: numberAtLeast(0),
  prunePoints: trueOrFalse(),
};

/**
 * Checks the mask generator's options that are given; throws
 * {@linkcode SettingError} naming the option (after `prefix`, e.g.
 * "generator.") and its range.
 *
 * @example
 * ```ts
 * import { checkGeneratorOptions } from "./mask_generator.ts";
 *
 * checkGeneratorOptions({ pointsPerSide: 16 }); // passes
 * try {
 *   checkGeneratorOptions({ pointsPerSide: 0 });
 * } catch (e) {
 *   console.log((e as Error).message); // "pointsPerSide must be a whole number from 1 to 128, got 0."
 * }
 * ```
 */
export function checkGeneratorOptions(
  options: Partial<MaskGeneratorOptions>,
  prefix = "",
): void {
  for (const [name, rule] of Object.entries(GENERATOR_RULES)) {
    checkSetting(
      prefix + name,
      options[name as keyof MaskGeneratorOptions],
      rule,
    );
  }
}
