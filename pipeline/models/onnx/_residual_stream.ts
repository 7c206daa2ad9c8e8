/**
 * Finds the residual stream of a transformer in an ONNX graph by its
 * structure alone: the chain of residual additions x + f(x), two per
 * block (attention, then MLP). Node names and operator spellings differ
 * between exports (LayerNormalization nodes at opset 17, ReduceMean, Sub,
 * Pow, Sqrt and Div at opset 14, DynamicQuantizeLinear and MatMulInteger
 * in quantized files, Cast nodes in float16 ones), so none of them is
 * relied on: an Add is residual when one of its inputs is an ancestor of
 * the other.
 *
 * @example
 * ```ts
 * const stream = findResidualStream(readOnnxModel(bytes).graph, "pixel_values", "image_embeds");
 * stream.blockInputs.length; // 12 for CLIP ViT-B/32
 * ```
 *
 * @module
 */

import {
  type GraphIndex,
  GraphIndexError,
  indexGraph,
  isAncestor,
} from "./_graph_index.ts";
import { ONNX_TYPE, type OnnxGraph } from "./model.ts";

/** A residual addition: out = skip + branch, where branch is computed from skip. */
export interface ResidualAdd {
  /** The stream before the addition. */
  readonly skip: string;
  /** What the block's sub-layer (attention or MLP) adds. */
  readonly branch: string;
  /** The stream after the addition. */
  readonly out: string;
}

/** The residual stream of a transformer. */
export interface ResidualStream {
  /** The residual additions along the stream, two per block. */
  readonly adds: readonly ResidualAdd[];
  /** The tensor each block starts from (it feeds the block's first norm and its first residual Add), in order. */
  readonly blockInputs: readonly string[];
  /** The stream after the last block. */
  readonly output: string;
  /** Element type of the stream (an ONNX type code, e.g. 1 float, 10 float16). */
  readonly elemType: number;
}

/** A graph in which no residual stream could be found, saying what was missing. */
export class ResidualStreamError extends Error {
  /** Creates the error; `message` names what was not found. */
  constructor(message: string) {
    super(message);
    this.name = "ResidualStreamError";
  }
}

function residualAdds(index: GraphIndex): ResidualAdd[] {
  const out: ResidualAdd[] = [];
  for (const node of index.nodes) {
    if (
      node.opType !== "Add" || node.domain !== "" || node.inputs.length !== 2
    ) {
      continue;
    }
    const [a, b] = node.inputs;
    if (!index.dynamic.has(a) || !index.dynamic.has(b)) continue;
    if (isAncestor(index, a, b)) {
      out.push({ skip: a, branch: b, out: node.outputs[0] });
    } else if (isAncestor(index, b, a)) {
      out.push({ skip: b, branch: a, out: node.outputs[0] });
    }
  }
  return out;
}

/** The chains of residual Adds, each Add's skip being the previous one's output; longest first. */
function residualChains(adds: readonly ResidualAdd[]): ResidualAdd[][] {
  const bySkip = new Map(adds.map((r) => [r.skip, r]));
  const outputs = new Set(adds.map((r) => r.out));
  const chains: ResidualAdd[][] = [];
  for (const first of adds) {
    if (outputs.has(first.skip)) continue; // not the start of a chain
    const chain: ResidualAdd[] = [];
    let at: ResidualAdd | undefined = first;
    while (at && chain.length < adds.length) {
      chain.push(at);
      at = bySkip.get(at.out);
    }
    chains.push(chain);
  }
  return chains.sort((x, y) => y.length - x.length);
}

/**
 * The element type of a tensor, read off the nearest evidence upstream: a
 * Cast's target type, a floating-point initializer operand, or a graph
 * input's declared type.
 */
function tensorElemType(
  graph: OnnxGraph,
  index: GraphIndex,
  name: string,
): number {
  const initializerType = new Map(
    graph.initializers.map((t) => [t.name, t.dataType]),
  );
  const inputType = new Map(graph.inputs.map((v) => [v.name, v.elemType]));
  const floats = new Set<number>([
    ONNX_TYPE.float,
    ONNX_TYPE.float16,
    ONNX_TYPE.bfloat16,
    ONNX_TYPE.double,
  ]);
  let at = name;
  for (let steps = 0; steps < index.nodes.length; steps++) {
    const declared = inputType.get(at);
    if (declared !== undefined) return declared;
    const p = index.producer.get(at);
    if (p === undefined) break;
    const node = index.nodes[p];
    if (node.opType === "Cast") {
      const to = node.attributes.find((a) => a.name === "to")?.int;
      if (to !== undefined) return Number(to);
    }
    const constant = node.inputs
      .map((x) => initializerType.get(x))
      .find((t) => t !== undefined && floats.has(t));
    if (constant !== undefined) return constant;
    const next = node.inputs.find((x) => index.dynamic.has(x));
    if (next === undefined) break;
    at = next;
  }
  throw new ResidualStreamError(
    `could not tell the element type of the residual stream ("${name}")`,
  );
}

/**
 * Finds the residual stream between graph input `from` and graph output
 * `to`: the longest chain of residual Adds that depends on `from` and that
 * `to` depends on, paired into blocks in order (the first two Adds are
 * block 0's, and so on).
 *
 * @example
 * ```ts
 * findResidualStream(graph, "pixel_values", "image_embeds").blockInputs.length; // 12
 * ```
 *
 * @throws {ResidualStreamError} naming what was not found.
 */
export function findResidualStream(
  graph: OnnxGraph,
  from: string,
  to: string,
): ResidualStream {
  if (!graph.inputs.some((v) => v.name === from)) {
    throw new ResidualStreamError(`no graph input "${from}"`);
  }
  if (!graph.outputs.some((v) => v.name === to)) {
    throw new ResidualStreamError(`no graph output "${to}"`);
  }
  let index: GraphIndex;
  try {
    index = indexGraph(graph);
  } catch (e) {
    if (e instanceof GraphIndexError) throw new ResidualStreamError(e.message);
    throw e;
  }
  const adds = residualAdds(index);
  if (adds.length === 0) {
    throw new ResidualStreamError(
      `no residual Add (x + f(x)) between "${from}" and "${to}": not a transformer`,
    );
  }
  const chain = residualChains(adds).find((c) => {
    const end = c[c.length - 1].out;
    return isAncestor(index, from, c[0].skip) &&
      (end === to || isAncestor(index, end, to));
  });
  if (!chain) {
    throw new ResidualStreamError(
      `no chain of residual Adds leads from "${from}" to "${to}"`,
    );
  }
  if (chain.length % 2 !== 0) {
    throw new ResidualStreamError(
      `the residual stream has ${chain.length} residual Adds, which do not pair into blocks of attention + MLP`,
    );
  }
  return {
    adds: chain,
    blockInputs: chain.filter((_, i) => i % 2 === 0).map((r) => r.skip),
    output: chain[chain.length - 1].out,
    elemType: tensorElemType(graph, index, chain[0].skip),
  };
}
