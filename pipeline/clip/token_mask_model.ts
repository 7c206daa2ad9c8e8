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
 *
 * @example
 * ```ts
 * const derived = deriveTokenMaskModel(stockBytes, { sequenceLength: 50 });
 * // session inputs: pixel_values, token_mask; output: image_embeds
 * ```
 *
 * @module
 */

import {
  graphSignature,
  ONNX_TYPE,
  type OnnxModel,
  type OnnxNode,
  readOnnxModel,
  writeOnnxModel,
} from "../models/onnx/model.ts";
import {
  fieldString,
  ProtobufError,
  ProtoWriter,
  readFields,
} from "../models/onnx/protobuf.ts";
import {
  findResidualStream,
  ResidualStreamError,
} from "../models/onnx/residual_stream.ts";
import {
  ModelSignatureError,
  type SessionSignature,
  signatureProblems,
} from "../models/session.ts";

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
  /** Tokens per image (1 + patches): 50 for ViT-B/32 at 224. */
  readonly sequenceLength: number;
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

function castNode(input: string, output: string, to: number): OnnxNode {
  const attribute = new ProtoWriter().string(1, "to").int(3, to).int(20, 2)
    .finish();
  return {
    opType: "Cast",
    domain: "",
    name: `${output}/Cast`,
    inputs: [input],
    outputs: [output],
    attributes: [{ name: "to", int: BigInt(to), raw: attribute }],
    hasSubgraph: false,
    rest: [],
  };
}

function mulNode(a: string, b: string, output: string): OnnxNode {
  return {
    opType: "Mul",
    domain: "",
    name: `${output}/Mul`,
    inputs: [a, b],
    outputs: [output],
    attributes: [],
    hasSubgraph: false,
    rest: [],
  };
}

/** A tensor name not yet used in the model. */
function freshName(model: OnnxModel, base: string): string {
  const used = new Set<string>();
  for (const n of model.graph.nodes) for (const y of n.outputs) used.add(y);
  for (const v of model.graph.inputs) used.add(v.name);
  for (const t of model.graph.initializers) used.add(t.name);
  let name = base, k = 1;
  while (used.has(name)) name = `${base}_${k++}`;
  return name;
}

/**
 * Multiplies tensor `t` by `mask` for every node that reads it: a Mul is
 * inserted before the first reader, and each reader reads its output.
 */
function maskTensor(model: OnnxModel, t: string, mask: string): void {
  const masked = freshName(model, `${t}/token_masked`);
  const nodes = model.graph.nodes;
  const first = nodes.findIndex((n) => n.inputs.includes(t));
  if (first < 0) {
    throw new TokenMaskMappingError(`nothing reads the block input "${t}"`);
  }
  const rewired = nodes.map((n) =>
    n.inputs.includes(t)
      ? { ...n, inputs: n.inputs.map((x) => (x === t ? masked : x)) }
      : n
  );
  rewired.splice(first, 0, mulNode(t, mask, masked));
  model.graph.nodes = rewired;
}

/** Reads the derivation record of a derived model; undefined for a stock one. */
export function tokenMaskInfo(bytes: Uint8Array): TokenMaskInfo | undefined {
  let model: OnnxModel;
  try {
    model = readOnnxModel(bytes);
  } catch {
    return undefined;
  }
  for (const f of model.rest) {
    if (f.field !== 14 || !f.bytes) continue; // metadata_props
    let key = "", value = "";
    for (const e of readFields(f.bytes)) {
      if (e.field === 1) key = fieldString(e);
      if (e.field === 2) value = fieldString(e);
    }
    if (key !== TOKEN_MASK_METADATA) continue;
    try {
      return JSON.parse(value) as TokenMaskInfo;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Derives the token-masked tower from a stock CLIP vision model's bytes.
 * A model that already has a `token_mask` input is returned as it is.
 *
 * @throws {TokenMaskMappingError} naming what was not found (no
 *   pixel_values input, no image_embeds output, no residual stream, too few
 *   blocks); use the blurred global view (`--global-view blur`) there.
 */
export function deriveTokenMaskModel(
  bytes: Uint8Array,
  options: TokenMaskOptions,
): { bytes: Uint8Array; info: TokenMaskInfo } {
  const label = options.label ?? "the CLIP vision model";
  const masked = options.maskedBlocks ?? TOKEN_MASKED_BLOCKS;
  const fail = (what: string) =>
    new TokenMaskMappingError(
      `${label} cannot be token-masked: ${what}. Use the blurred global view instead (--global-view blur).`,
    );
  if (
    !(Number.isInteger(options.sequenceLength) && options.sequenceLength > 1)
  ) {
    throw new RangeError(
      `sequenceLength must be a whole number > 1 (class token + patches), got ${options.sequenceLength}.`,
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
    if (info) return { bytes, info };
    throw fail(
      `it already has an input "${TOKEN_MASK_INPUT}" of unknown meaning`,
    );
  }
  let stream;
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
  const graph = model.graph;
  graph.inputs = [...graph.inputs, {
    name: TOKEN_MASK_INPUT,
    elemType: ONNX_TYPE.float,
    dims: ["num_masks", options.sequenceLength, 1],
  }];
  let mask = TOKEN_MASK_INPUT;
  if (stream.elemType !== ONNX_TYPE.float) {
    mask = freshName(model, `${TOKEN_MASK_INPUT}/cast`);
    graph.nodes = [
      castNode(TOKEN_MASK_INPUT, mask, stream.elemType),
      ...graph.nodes,
    ];
  }
  const maskedBlocks: number[] = [];
  for (let b = blocks - masked; b < blocks; b++) {
    maskTensor(model, stream.blockInputs[b], mask);
    maskedBlocks.push(b);
  }
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
  const info: TokenMaskInfo = {
    blocks,
    maskedBlocks,
    sequenceLength: options.sequenceLength,
    streamType: stream.elemType,
    derivation: TOKEN_MASK_DERIVATION,
  };
  model.metadata.push([TOKEN_MASK_METADATA, JSON.stringify(info)]);
  return { bytes: writeOnnxModel(model), info };
}
