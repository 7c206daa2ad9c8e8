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
  readFields,
} from "../models/onnx/protobuf.ts";
import {
  constantInts,
  int64TensorAttribute,
  intAttribute,
} from "../models/onnx/constants.ts";
import { indexGraph } from "../models/onnx/graph_index.ts";
import {
  findResidualStream,
  type ResidualStream,
  ResidualStreamError,
} from "../models/onnx/residual_stream.ts";
import { branchIsTokenwise } from "../models/onnx/tokenwise.ts";
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

function node(
  opType: string,
  inputs: string[],
  output: string,
  attributes: OnnxNode["attributes"] = [],
): OnnxNode {
  return {
    opType,
    domain: "",
    name: `${output}/${opType}`,
    inputs,
    outputs: [output],
    attributes,
    hasSubgraph: false,
    rest: [],
  };
}

/**
 * Whether the graph reads nothing of tensor `t` but its first token: each
 * reader is a Gather of index 0 along axis 1, and `t` is no graph output.
 */
function onlyFirstTokenRead(model: OnnxModel, t: string): boolean {
  const { graph } = model;
  if (graph.outputs.some((v) => v.name === t)) return false;
  const index = indexGraph(graph);
  const readers = index.consumers.get(t) ?? [];
  return readers.length > 0 && readers.every((i) => {
    const n = index.nodes[i];
    const axis = n.attributes.find((a) => a.name === "axis")?.int ?? 0n;
    const indices = constantInts(graph, index, n.inputs[1] ?? "");
    return n.opType === "Gather" && n.domain === "" && n.inputs[0] === t &&
      axis === 1n && indices?.length === 1 && indices[0] === 0n;
  });
}

/**
 * Runs the last block's MLP on the class token alone when nothing else
 * of its output is read and the MLP is token-wise: its input is cut to
 * the first token (a Gather keeping the axis). Returns whether it did.
 */
function classTokenOnly(model: OnnxModel, stream: ResidualStream): boolean {
  const last = stream.adds[stream.adds.length - 1];
  if (!onlyFirstTokenRead(model, last.out)) return false;
  const index = indexGraph(model.graph);
  if (model.graph.outputs.some((v) => v.name === last.skip)) return false;
  if (!branchIsTokenwise(model.graph, index, last.skip, last.branch)) {
    return false;
  }
  const first = freshName(model, `${last.skip}/class_token_index`);
  const cut = freshName(model, `${last.skip}/class_token`);
  const nodes = model.graph.nodes;
  const at = nodes.findIndex((n) => n.inputs.includes(last.skip));
  const rewired = nodes.map((n) =>
    n.inputs.includes(last.skip)
      ? { ...n, inputs: n.inputs.map((x) => (x === last.skip ? cut : x)) }
      : n
  );
  rewired.splice(
    at,
    0,
    node("Constant", [], first, [int64TensorAttribute("value", [0])]),
    node("Gather", [last.skip, first], cut, [intAttribute("axis", 1)]),
  );
  model.graph.nodes = rewired;
  return true;
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
  rewired.splice(first, 0, node("Mul", [t, mask], masked));
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
      node("Cast", [TOKEN_MASK_INPUT], mask, [
        intAttribute("to", stream.elemType),
      ]),
      ...graph.nodes,
    ];
  }
  const maskedBlocks: number[] = [];
  for (let b = blocks - masked; b < blocks; b++) {
    maskTensor(model, stream.blockInputs[b], mask);
    maskedBlocks.push(b);
  }
  const pruned = classTokenOnly(model, stream);
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
    classTokenOnly: pruned,
    derivation: TOKEN_MASK_DERIVATION,
  };
  model.metadata.push([TOKEN_MASK_METADATA, JSON.stringify(info)]);
  return { bytes: writeOnnxModel(model), info };
}
