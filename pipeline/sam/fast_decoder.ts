/**
 * The fast SAM decoder: a stock `onnx/prompt_encoder_mask_decoder.onnx`
 * rewritten to compute the same with less work, in two rewrites.
 *
 * 1. **Shared image.** SAM's exported decoder repeats the image embeddings
 *    and their positional embeddings once per prompt (`Tile` nodes, from
 *    the reference's `repeat_interleave`) before its two-way transformer.
 *    Until a prompt's attention output is added to them the copies are
 *    equal, so the first projections of the image tokens (keys and values
 *    of the first token-to-image attention, queries of the first
 *    image-to-token attention) and the layout changes before them run P
 *    times over. Without the repeats they run once and broadcast against
 *    the prompts' tensors. A repeat is a `Tile` whose repeated input
 *    carries the image's values (computed from `image_embeddings` or
 *    `image_positional_embeddings` other than through their shapes) and
 *    none of the prompts' values.
 * 2. **Channels-last upscaling** (`_channels_last_upscale.ts`): the two
 *    2x2 stride-2 transposed convolutions that upscale the image tokens to
 *    the mask embedding become matrix products on the tokens as they are,
 *    so the layout changes around them go.
 *
 * On SlimSAM-77 at 8 prompts a call they take a prompt's time from about
 * 36 ms to 23 ms on this 2-core machine. Each rewrite applies where its
 * structure is found; the result is checked by running it and the stock
 * decoder on a probe (see {@linkcode checkFastDecoder}), and a decoder
 * whose outputs differ runs as exported.
 *
 * @example
 * ```ts
 * import { readOnnxModel } from "../models/onnx/model.ts";
 *
 * // A stock decoder's bytes, e.g. Xenova/slimsam-77-uniform's.
 * const stock = await Deno.readFile(
 *   "tests/fixtures/reference/models/oris-reference/tiny-random-sam/onnx/prompt_encoder_mask_decoder.onnx",
 * );
 * const { bytes, info } = deriveFastDecoder(stock);
 * info.bypassed.length; // 2: the embeddings' and the positions' repeats
 * info.channelsLast.length; // 2: both transposed convolutions
 * readOnnxModel(bytes).graph.nodes.some((n) => n.opType === "ConvTranspose"); // false
 * ```
 *
 * @module
 */

import type { OnnxGraph, OnnxModel } from "../models/onnx/model.ts";
import { channelsLastUpscale } from "./_channels_last_upscale.ts";
import type { InferenceSession, ValueInfo } from "../models/inference.ts";
import type { ModelSource } from "../models/source.ts";
import { type Tensor, tensor } from "../models/tensor.ts";
import {
  deriveRewrite,
  type GraphRewrite,
  outputDifference,
  PROBE_TOLERANCE,
  probeValues,
  RewriteMappingError,
  type RewriteRecord,
  rewriteRecord,
  type Rewritten,
  type RewrittenModel,
  rewrittenModel,
  unchangedModel,
  verifiedRewrite,
} from "../models/verified_rewrite.ts";

export { PROBE_TOLERANCE };

/** The derived file's kind in the model cache (see `DerivedFiles`). */
export const FAST_DECODER_DERIVATION = "fast-decoder-v1";

/** Metadata key the derived model carries (JSON of {@linkcode FastDecoderInfo}). */
export const FAST_DECODER_METADATA = "oris.fast_decoder";

/** What a derivation did, as the derived file records it. */
export interface FastDecoderInfo extends RewriteRecord {
  /** Names of the repeat nodes taken out (rewrite 1). */
  readonly bypassed: readonly string[];
  /** Names of the transposed convolutions made channels-last (rewrite 2). */
  readonly channelsLast: readonly string[];
}

/** A decoder in which neither rewrite's structure is found, or bytes that are no model. */
export class FastDecoderMappingError extends RewriteMappingError {
  /** Creates the error; `message` says what was not found. */
  constructor(message: string) {
    super(message);
    this.name = "FastDecoderMappingError";
  }
}

/** Graph inputs that carry the image: its embeddings and their positions. */
const IMAGE_INPUTS: ReadonlySet<string> = new Set([
  "image_embeddings",
  "image_positional_embeddings",
]);

/** Ops whose outputs hold their inputs' shapes, not their values. */
const SHAPE_ONLY: ReadonlySet<string> = new Set(["Shape", "Size"]);

/**
 * Indices of the `Tile` nodes of a SAM decoder graph that repeat image-only
 * values (see the module's doc), in graph order.
 *
 * @example
 * ```ts
 * import { readOnnxModel } from "../models/onnx/model.ts";
 *
 * const stock = await Deno.readFile(
 *   "tests/fixtures/reference/models/oris-reference/tiny-random-sam/onnx/prompt_encoder_mask_decoder.onnx",
 * );
 * const graph = readOnnxModel(stock).graph;
 * perPromptImageCopies(graph).map((i) => graph.nodes[i].name);
 * // ["/mask_decoder/Tile_1", "/mask_decoder/Tile_2"] on the Xenova exports
 * ```
 */
export function perPromptImageCopies(graph: OnnxGraph): number[] {
  const image = new Set<string>();
  const prompt = new Set<string>();
  for (const v of graph.inputs) {
    (IMAGE_INPUTS.has(v.name) ? image : prompt).add(v.name);
  }
  const found: number[] = [];
  graph.nodes.forEach((node, i) => {
    if (SHAPE_ONLY.has(node.opType)) return;
    const data = node.inputs[0];
    if (node.opType === "Tile" && image.has(data) && !prompt.has(data)) {
      found.push(i);
    }
    // A node with a subgraph may read anything: its outputs carry both.
    const fromImage = node.hasSubgraph || node.inputs.some((x) => image.has(x));
    const fromPrompt = node.hasSubgraph ||
      node.inputs.some((x) => prompt.has(x));
    for (const y of node.outputs) {
      if (fromImage) image.add(y);
      if (fromPrompt) prompt.add(y);
    }
  });
  const outputs = new Set(graph.outputs.map((v) => v.name));
  return found.filter((i) => !outputs.has(graph.nodes[i].outputs[0]));
}

/**
 * Takes the nodes at `indices` (one-output nodes such as `Tile`) out of the
 * graph: their readers read the node's first input instead. The graph's
 * shape hints (value_info) are dropped, since the tensors after them may
 * now be smaller; the runtime infers shapes again.
 */
function bypass(graph: OnnxGraph, indices: readonly number[]): void {
  const replaced = new Map<string, string>();
  for (const i of indices) {
    const node = graph.nodes[i];
    // A repeat of a repeat reads what the first one read.
    replaced.set(
      node.outputs[0],
      replaced.get(node.inputs[0]) ?? node.inputs[0],
    );
  }
  const skip = new Set(indices);
  graph.nodes = graph.nodes
    .filter((_, i) => !skip.has(i))
    .map((n) =>
      n.inputs.some((x) => replaced.has(x))
        ? { ...n, inputs: n.inputs.map((x) => replaced.get(x) ?? x) }
        : n
    );
  graph.valueInfo = [];
}

/** Height and width of the image embeddings, where the graph declares them. */
function embeddingSide(graph: OnnxGraph): [number, number] | undefined {
  const dims = graph.inputs.find((v) => v.name === "image_embeddings")?.dims;
  const [h, w] = dims?.slice(2) ?? [];
  return typeof h === "number" && typeof w === "number" ? [h, w] : undefined;
}

/** The fast decoder as a {@linkcode GraphRewrite}. */
export const FAST_DECODER: GraphRewrite<FastDecoderInfo> = {
  derivation: FAST_DECODER_DERIVATION,
  metadataKey: FAST_DECODER_METADATA,
  title: "the fast decoder",
  stockTitle: "the stock decoder",
  apply: rewriteDecoder,
  untouched: { bypassed: [], channelsLast: [] },
  probe: (inputs) => probeFeeds(inputs),
  mappingError: (message) => new FastDecoderMappingError(message),
};

/** Both rewrites on a decoder's graph, in place; throws where neither applies. */
function rewriteDecoder(
  model: OnnxModel,
  label: string,
): Pick<FastDecoderInfo, "bypassed" | "channelsLast"> {
  const tiles = perPromptImageCopies(model.graph);
  const bypassed = tiles.map((i) => model.graph.nodes[i].name);
  bypass(model.graph, tiles);
  const side = embeddingSide(model.graph);
  const channelsLast =
    (side && channelsLastUpscale(model.graph, side[0], side[1])) ?? [];
  if (bypassed.length === 0 && channelsLast.length === 0) {
    throw new FastDecoderMappingError(
      `${label} has neither a Tile node that repeats its image embeddings per prompt nor SAM's 2x2 transposed-convolution upscaling`,
    );
  }
  return { bypassed, channelsLast };
}

/**
 * The derivation record of a derived decoder; undefined for a stock one
 * (or bytes that are no model).
 *
 * @example
 * ```ts
 * const stock = await Deno.readFile(
 *   "tests/fixtures/reference/models/oris-reference/tiny-random-sam/onnx/prompt_encoder_mask_decoder.onnx",
 * );
 * fastDecoderInfo(deriveFastDecoder(stock).bytes)?.bypassed.length; // 2
 * fastDecoderInfo(stock); // undefined
 * ```
 */
export function fastDecoderInfo(
  bytes: Uint8Array,
): FastDecoderInfo | undefined {
  return rewriteRecord(FAST_DECODER, bytes);
}

/**
 * Derives the fast decoder from a stock decoder's bytes (no file
 * system needed). A decoder already derived is returned as it is.
 *
 * @example
 * ```ts
 * const stock = await Deno.readFile(
 *   "tests/fixtures/reference/models/oris-reference/tiny-random-sam/onnx/prompt_encoder_mask_decoder.onnx",
 * );
 * const { bytes, info } = deriveFastDecoder(stock, { label: "tiny-random-sam" });
 * info.bypassed; // ["/mask_decoder/Tile_1", "/mask_decoder/Tile_2"]
 * info.channelsLast; // ["/mask_decoder/upscale_conv1/ConvTranspose", "/mask_decoder/upscale_conv2/ConvTranspose"]
 * ```
 *
 * @throws {FastDecoderMappingError} when the bytes are no ONNX model, or
 *   neither rewrite's structure is found (the decoder is then used as
 *   exported).
 */
export function deriveFastDecoder(
  bytes: Uint8Array,
  options: { label?: string; checkedOn?: readonly string[] } = {},
): Rewritten<FastDecoderInfo> {
  return deriveRewrite(FAST_DECODER, bytes, options);
}

/**
 * The stock decoder's graph unchanged, with a record saying why it is used
 * as exported: what is kept in place of a derived decoder that could not
 * be made or did not compute the same, so the next runs do not try again.
 *
 * @example
 * ```ts
 * const stock = await Deno.readFile(
 *   "tests/fixtures/reference/models/oris-reference/tiny-random-sam/onnx/prompt_encoder_mask_decoder.onnx",
 * );
 * const kept = unchangedDecoder(stock, "refused", "its outputs differ on the probe");
 * fastDecoderInfo(kept.bytes)?.unchanged; // "its outputs differ on the probe"
 * ```
 */
export function unchangedDecoder(
  bytes: Uint8Array,
  rewrite: "none" | "refused",
  reason: string,
): Rewritten<FastDecoderInfo> {
  return unchangedModel(FAST_DECODER, bytes, rewrite, reason);
}

/** Prompts in the probe: enough for a repeat's count to matter. */
export const PROBE_PROMPTS = 3;

/** Side of SAM's input frame, where the probe's points lie. */
const FRAME = 1024;

/**
 * Inputs that exercise a decoder with `prompts` one-point prompts: image
 * embeddings and positions of the sizes the model declares (a symbolic
 * size is taken as 1), points spread over SAM's 1024 frame, labels 1.
 * Throws a {@linkcode FastDecoderMappingError} for an input it cannot fill.
 *
 * @example
 * ```ts
 * const feeds = probeFeeds([
 *   { name: "input_points", type: "float32", shape: ["batch_size", "point_batch_size", "nb_points_per_image", 2] },
 *   { name: "input_labels", type: "int64", shape: ["batch_size", "point_batch_size", "nb_points_per_image"] },
 *   { name: "image_embeddings", type: "float32", shape: ["batch_size", 256, 64, 64] },
 * ]);
 * feeds.input_points.dims; // [1, 3, 1, 2]
 * ```
 */
export function probeFeeds(
  inputs: readonly ValueInfo[],
  prompts: number = PROBE_PROMPTS,
): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const [k, input] of inputs.entries()) {
    if (input.name === "input_points") {
      const points = new Float32Array(prompts * 2);
      for (let p = 0; p < prompts; p++) {
        points[p * 2] = ((p + 0.5) / prompts) * FRAME;
        points[p * 2 + 1] = ((prompts - p - 0.3) / prompts) * FRAME;
      }
      feeds[input.name] = tensor("float32", points, [1, prompts, 1, 2]);
    } else if (input.name === "input_labels") {
      feeds[input.name] = tensor(
        "int64",
        new BigInt64Array(prompts).fill(1n),
        [1, prompts, 1],
      );
    } else if (IMAGE_INPUTS.has(input.name) && input.type === "float32") {
      // Only the batch may be symbolic: a size the probe would guess (as 1)
      // could hide a rewrite that fails at the real size.
      if (input.shape.slice(1).some((d) => typeof d !== "number")) {
        throw new FastDecoderMappingError(
          `the decoder's input "${input.name}" has sizes the probe cannot know ([${input.shape}])`,
        );
      }
      const dims = input.shape.map((d) => (typeof d === "number" ? d : 1));
      const n = dims.reduce((a, b) => a * b, 1);
      feeds[input.name] = tensor("float32", probeValues(n, 17 + k), dims);
    } else {
      throw new FastDecoderMappingError(
        `the decoder has an input "${input.name}" (${input.type}) the probe cannot fill`,
      );
    }
  }
  return feeds;
}

/**
 * Runs the stock and the derived decoder on the same probe
 * ({@linkcode probeFeeds}) and returns undefined when every output has the
 * same dims and values within {@linkcode PROBE_TOLERANCE}, else what
 * differs. A run that fails throws; so does a probe that cannot fill the
 * decoder's inputs ({@linkcode FastDecoderMappingError}).
 *
 * @example
 * ```ts
 * import { createSession } from "../models/session.ts";
 *
 * const stock = await Deno.readFile(
 *   "tests/fixtures/reference/models/oris-reference/tiny-random-sam/onnx/prompt_encoder_mask_decoder.onnx",
 * );
 * const stockSession = await createSession(stock);
 * const derivedSession = await createSession(deriveFastDecoder(stock).bytes);
 * await checkFastDecoder(stockSession, derivedSession); // undefined: they compute the same
 * await stockSession.release();
 * await derivedSession.release();
 * ```
 */
export async function checkFastDecoder(
  stock: InferenceSession,
  derived: InferenceSession,
): Promise<string | undefined> {
  const feeds = probeFeeds(stock.inputs);
  return outputDifference(
    FAST_DECODER,
    await stock.run(feeds),
    await derived.run(feeds),
  );
}

/**
 * The decoder to run, as bytes: the fast decoder derived from `stock` when
 * it computes what `stock` computes on the probe (see `verifiedRewrite`),
 * else `stock` with a record of why. `info` says which.
 *
 * @example
 * ```ts
 * import { createSession } from "../models/session.ts";
 *
 * const stock = await Deno.readFile(
 *   "tests/fixtures/reference/models/oris-reference/tiny-random-sam/onnx/prompt_encoder_mask_decoder.onnx",
 * );
 * const { bytes, info } = await verifiedFastDecoder(stock, (b) => createSession(b));
 * info.rewrite; // "fast"
 * ```
 */
export function verifiedFastDecoder(
  stock: Uint8Array,
  open: (bytes: Uint8Array) => Promise<InferenceSession>,
  label = "the SAM decoder",
  options: { backend?: string; checkedOn?: readonly string[] } = {},
): Promise<Rewritten<FastDecoderInfo>> {
  return verifiedRewrite(FAST_DECODER, stock, open, label, options);
}

/** The decoder {@linkcode fastDecoderBytes} found or made, and where it came from. */
export type FastDecoder = RewrittenModel<FastDecoderInfo>;

/**
 * The decoder to run for the stock decoder `path` of `repo` on `backend`
 * (see `rewrittenModel`): the fast decoder the source keeps or one derived
 * and checked now, else the stock decoder with its record.
 *
 * @example
 * ```ts
 * import { createSession } from "../models/session.ts";
 * import { DEMO_SAM, demoModelFiles } from "../demo/models.ts";
 * import { memorySource } from "../models/source.ts";
 *
 * const source = memorySource(demoModelFiles());
 * const decoder = await fastDecoderBytes(source, DEMO_SAM,
 *   "onnx/prompt_encoder_mask_decoder.onnx", (b) => createSession(b));
 * decoder.info.rewrite; // "none": the demo decoder has no repeats, it runs as it is
 * ```
 */
export function fastDecoderBytes(
  source: ModelSource,
  repo: string,
  path: string,
  open: (bytes: Uint8Array) => Promise<InferenceSession>,
  backend?: string,
): Promise<FastDecoder> {
  return rewrittenModel(FAST_DECODER, source, repo, path, open, backend);
}
