/**
 * Derives a token-masked CLIP image tower from a stock
 * `onnx/vision_model.onnx`, on bytes (no file system): the graph gets an
 * input `token_mask` [N, S, 1] (S = 1 class token + the patch tokens), and
 * before each of the last three transformer blocks the residual stream is
 * multiplied by it. One call then takes the whole image once
 * (pixel_values [1, 3, 224, 224]) and N masks, and gives N global vectors
 * (image_embeds [N, D]): the trunk runs once, the masked blocks and the
 * head N times (broadcasting). With pixel_values [B, ...] and a mask of
 * ones [B, S, 1] it computes what the stock model computes.
 *
 * This is the global view of Global-Local CLIP's RefCOCOg script
 * (ViT-B/32, masking from block 9 of 12). Blocks are found by the residual
 * stream's structure (see `findResidualStream`), so the fp32, fp16 and
 * quantized exports, and CLIP ViTs of other depths and widths, all map.
 * The stream must be batch-first ([batch, tokens, width]: its class token
 * read as token 0 of axis 1), and its token count is read off the position
 * embedding where the graph has one.
 *
 * @example
 * ```ts
 * import { DEMO_CLIP, demoModelFiles } from "../demo/models.ts";
 *
 * // A stock CLIP ViT-B/32 vision model's bytes (50 tokens); here the demo's.
 * const stockBytes = demoModelFiles().get(`${DEMO_CLIP}/onnx/vision_model.onnx`)!;
 * const derived = deriveTokenMaskModel(stockBytes, { sequenceLength: 50 });
 * // session inputs: pixel_values, token_mask; output: image_embeds
 * ```
 *
 * @module
 */

import { intAttribute } from "../models/onnx/_constants.ts";
import { freshName, interpose, makeNode } from "../models/onnx/_edit.ts";
import { indexGraph } from "../models/onnx/_graph_index.ts";
import {
  graphSignature,
  modelMetadata,
  ONNX_TYPE,
  type OnnxModel,
  readOnnxModel,
  writeOnnxModel,
} from "../models/onnx/model.ts";
import { ProtobufError } from "../models/onnx/protobuf.ts";
import {
  findResidualStream,
  type ResidualStream,
  ResidualStreamError,
} from "../models/onnx/_residual_stream.ts";
import {
  ModelSignatureError,
  type SessionSignature,
  signatureProblems,
} from "../models/session.ts";
import { cutToClassToken } from "./_class_token_cut.ts";
import { classTokenReaders, graphTokens } from "./_vit_geometry.ts";

/** Name of the derived model's mask input. */
export const TOKEN_MASK_INPUT = "token_mask";

/** Blocks masked at the end of the tower, as in the reference (9, 10, 11 of ViT-B/32). */
export const TOKEN_MASKED_BLOCKS = 3;

/** Version of the derivation, part of its cache key: bump it when the rewrite changes. */
export const TOKEN_MASK_DERIVATION = "token-mask-v1";

/** Metadata key the derived model carries (JSON of {@linkcode TokenMaskInfo}). */
export const TOKEN_MASK_METADATA = "oris.token_mask";

/** What the derivation found and did. */
export interface TokenMaskInfo {
  /** Transformer blocks of the tower. */
  readonly blocks: number;
  /** Indices of the masked blocks (0-based). */
  readonly maskedBlocks: readonly number[];
  /** Tokens per image: the class token and the patches. */
  readonly sequenceLength: number;
  /** Element type of the residual stream (ONNX code: 1 float, 10 float16). */
  readonly streamType: number;
  /**
   * Whether the last block's MLP runs on the class token alone (the only
   * token the output reads; done where that MLP is provably token-wise).
   */
  readonly classTokenOnly: boolean;
  /** Derivation version. */
  readonly derivation: string;
}

/** A vision model whose graph cannot be mapped for token masking. */
export class TokenMaskMappingError extends Error {
  /** Creates the error; `message` names what was not found. */
  constructor(message: string) {
    super(message);
    this.name = "TokenMaskMappingError";
  }
}

/** Options of {@linkcode deriveTokenMaskModel}. */
export interface TokenMaskOptions {
  /**
   * Tokens per image (1 + patches), e.g. from config.json: 50 for ViT-B/32
   * at 224. Checked against the graph's position embedding where it has
   * one; needed where it has none.
   */
  readonly sequenceLength?: number;
  /** Blocks masked at the end. Default {@linkcode TOKEN_MASKED_BLOCKS}. */
  readonly maskedBlocks?: number;
  /** Names the model in errors. Default "the CLIP vision model". */
  readonly label?: string;
  /**
   * Inputs and outputs the stock model must have; a model without them is
   * refused with a `ModelSignatureError` before any mapping. Default: not
   * checked.
   */
  readonly signature?: SessionSignature;
}

/**
 * Reads the derivation record of a derived model; undefined for a stock
 * one (or bytes that are no model).
 *
 * @example
 * ```ts
 * import { DEMO_CLIP, demoModelFiles } from "../demo/models.ts";
 *
 * const stock = demoModelFiles().get(`${DEMO_CLIP}/onnx/vision_model.onnx`)!;
 * const derivedBytes = deriveTokenMaskModel(stock, { sequenceLength: 50 }).bytes;
 * tokenMaskInfo(derivedBytes)?.sequenceLength; // 50
 * tokenMaskInfo(stock); // undefined: not derived
 * ```
 */
export function tokenMaskInfo(bytes: Uint8Array): TokenMaskInfo | undefined {
  let value: string | undefined;
  try {
    value = modelMetadata(bytes, TOKEN_MASK_METADATA);
  } catch {
    return undefined;
  }
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as TokenMaskInfo;
  } catch {
    return undefined;
  }
}

/** The tokens per image: the graph's own count, checked against the one asked for. */
function tokensOf(
  model: OnnxModel,
  stream: ResidualStream,
  asked: number | undefined,
  fail: (what: string) => Error,
): number {
  const shown = graphTokens(
    model.graph,
    indexGraph(model.graph),
    stream.blockInputs[0],
  );
  if (shown !== undefined && asked !== undefined && shown !== asked) {
    throw fail(
      `its position embedding holds ${shown} tokens per image, but ${asked} were asked for (from config.json's image_size and patch_size?): the config does not belong to this model`,
    );
  }
  const tokens = shown ?? asked;
  if (tokens === undefined) {
    throw fail(
      "its graph shows no position embedding to count its tokens by, and no token count was given (sequenceLength, from config.json's image_size and patch_size)",
    );
  }
  return tokens;
}

/**
 * Derives the token-masked tower from a stock CLIP vision model's bytes.
 * A model already derived is returned as it is (when its token count is the
 * one asked for).
 *
 * @example
 * ```ts
 * import { DEMO_CLIP, demoModelFiles } from "../demo/models.ts";
 *
 * const stock = demoModelFiles().get(`${DEMO_CLIP}/onnx/vision_model.onnx`)!;
 * const { bytes, info } = deriveTokenMaskModel(stock, { sequenceLength: 50 });
 * info.maskedBlocks; // the last three: [1, 2, 3] here, [9, 10, 11] for ViT-B/32
 * ```
 *
 * @throws {TokenMaskMappingError} naming what was not found (no residual
 *   stream, too few blocks, no class token read on the token axis, a token
 *   count that disagrees with the graph); the blurred global view
 *   (`globalView: "blur"`) works there.
 * @throws {ModelSignatureError} when `options.signature` is given and the
 *   model lacks those inputs or outputs.
 */
export function deriveTokenMaskModel(
  bytes: Uint8Array,
  options: TokenMaskOptions = {},
): { bytes: Uint8Array; info: TokenMaskInfo } {
  const label = options.label ?? "the CLIP vision model";
  const masked = options.maskedBlocks ?? TOKEN_MASKED_BLOCKS;
  const asked = options.sequenceLength;
  const fail = (what: string) =>
    new TokenMaskMappingError(
      `${label} cannot be token-masked: ${what}. Use the blurred global view instead (globalView "blur").`,
    );
  if (asked !== undefined && !(Number.isInteger(asked) && asked > 1)) {
    throw new RangeError(
      `sequenceLength must be a whole number > 1 (class token + patches), got ${asked}.`,
    );
  }
  let model: OnnxModel;
  try {
    model = readOnnxModel(bytes);
  } catch (e) {
    if (e instanceof ProtobufError) {
      throw fail(`it is not an ONNX model (${e.message})`);
    }
    throw e;
  }
  if (options.signature) {
    const problems = signatureProblems(
      graphSignature(model.graph),
      options.signature,
    );
    if (problems.length > 0) throw new ModelSignatureError(label, problems);
  }
  if (model.graph.inputs.some((v) => v.name === TOKEN_MASK_INPUT)) {
    const info = tokenMaskInfo(bytes);
    if (!info) {
      throw fail(
        `it already has an input "${TOKEN_MASK_INPUT}" of unknown meaning`,
      );
    }
    if (asked !== undefined && info.sequenceLength !== asked) {
      throw fail(
        `it is already derived, for ${info.sequenceLength} tokens per image, not ${asked}`,
      );
    }
    return { bytes, info };
  }
  let stream: ResidualStream;
  try {
    stream = findResidualStream(model.graph, "pixel_values", "image_embeds");
  } catch (e) {
    if (e instanceof ResidualStreamError) throw fail(e.message);
    throw e;
  }
  const blocks = stream.blockInputs.length;
  if (blocks <= masked) {
    throw fail(
      `its residual stream has ${blocks} blocks; masking the last ${masked} needs at least ${
        masked + 1
      }`,
    );
  }
  if (
    classTokenReaders(model.graph, indexGraph(model.graph), stream.output)
      .length === 0
  ) {
    throw fail(
      `nothing reads the class token of its residual stream as token 0 of axis 1: oris needs a batch-first stream [batch, tokens, width]`,
    );
  }
  const tokens = tokensOf(model, stream, asked, fail);
  const info = rewrite(model, stream, masked, tokens);
  model.metadata.push([TOKEN_MASK_METADATA, JSON.stringify(info)]);
  return { bytes: writeOnnxModel(model), info };
}

/** The rewrite itself: the token_mask input, a Mul at each masked block's input, the class-token cut. */
function rewrite(
  model: OnnxModel,
  stream: ResidualStream,
  masked: number,
  tokens: number,
): TokenMaskInfo {
  const graph = model.graph;
  const blocks = stream.blockInputs.length;
  graph.inputs = [...graph.inputs, {
    name: TOKEN_MASK_INPUT,
    elemType: ONNX_TYPE.float,
    dims: ["num_masks", tokens, 1],
  }];
  let mask = TOKEN_MASK_INPUT;
  if (stream.elemType !== ONNX_TYPE.float) {
    mask = freshName(graph, `${TOKEN_MASK_INPUT}/cast`);
    graph.nodes = [
      makeNode("Cast", [TOKEN_MASK_INPUT], mask, [
        intAttribute("to", stream.elemType),
      ]),
      ...graph.nodes,
    ];
  }
  const maskedBlocks: number[] = [];
  for (let b = blocks - masked; b < blocks; b++) {
    // Every reader of the block's input (its first norm and its residual
    // Add) reads the masked stream, as the reference masks the stream.
    const t = stream.blockInputs[b];
    const out = freshName(graph, `${t}/token_masked`);
    interpose(graph, t, [makeNode("Mul", [t, mask], out)], out);
    maskedBlocks.push(b);
  }
  const classTokenOnly = cutToClassToken(graph, stream);
  // The output's first axis is now the masks' (or the views').
  graph.outputs = graph.outputs.map((v) =>
    v.name === "image_embeds" && v.dims
      ? {
        name: v.name,
        elemType: v.elemType,
        dims: ["num_views", ...v.dims.slice(1)],
      }
      : v
  );
  // Shape hints of inner tensors may state the old batch axis: drop them.
  graph.valueInfo = [];
  return {
    blocks,
    maskedBlocks,
    sequenceLength: tokens,
    streamType: stream.elemType,
    classTokenOnly,
    derivation: TOKEN_MASK_DERIVATION,
  };
}
