/**
 * Whether a sub-graph works token by token: each output token computed
 * from the same token of its input alone (a transformer's MLP and its
 * layer norm do; attention does not). A branch that does can be run on one
 * token instead of all of them and give that token's result unchanged.
 *
 * Only operators whose behaviour is known are accepted: elementwise ones,
 * reductions and normalisations over the last axis, and MatMul by a
 * constant weight. Anything else (attention's MatMul of two activations,
 * reshapes, DynamicQuantizeLinear's scale over the whole tensor) makes the
 * answer no.
 *
 * @module
 */

import { constantInts } from "./constants.ts";
import type { GraphIndex } from "./graph_index.ts";
import type { OnnxGraph, OnnxNode } from "./model.ts";

/** Operators that work element by element (broadcasting constants). */
const ELEMENTWISE: ReadonlySet<string> = new Set([
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Pow",
  "Sqrt",
  "Reciprocal",
  "Neg",
  "Exp",
  "Sigmoid",
  "Tanh",
  "Erf",
  "Relu",
  "Gelu",
  "Cast",
  "Identity",
  "Clip",
]);

/** Reductions accepted over the last axis only. */
const LAST_AXIS_REDUCTIONS: ReadonlySet<string> = new Set([
  "ReduceMean",
  "ReduceSum",
]);

function lastAxisOnly(axes: readonly bigint[] | undefined): boolean {
  return axes !== undefined && axes.length === 1 && axes[0] === -1n;
}

function nodeIsTokenwise(
  graph: OnnxGraph,
  index: GraphIndex,
  node: OnnxNode,
): boolean {
  if (node.domain !== "" || node.hasSubgraph) return false;
  if (ELEMENTWISE.has(node.opType)) return true;
  const attr = (name: string) => node.attributes.find((a) => a.name === name);
  if (LAST_AXIS_REDUCTIONS.has(node.opType)) {
    if (attr("keepdims")?.int === 0n) return false;
    const axes = attr("axes")?.ints ??
      (node.inputs[1] ? constantInts(graph, index, node.inputs[1]) : undefined);
    return lastAxisOnly(axes);
  }
  if (node.opType === "LayerNormalization") {
    return (attr("axis")?.int ?? -1n) === -1n;
  }
  if (node.opType === "MatMul") {
    // x @ W with a constant W mixes features, never tokens.
    return node.inputs.length === 2 && !index.dynamic.has(node.inputs[1]);
  }
  return false;
}

/**
 * Whether tensor `to` is computed from tensor `from` token by token (see
 * the module doc): every node between them is of a known token-wise kind,
 * and reads no activation from outside the branch.
 */
export function branchIsTokenwise(
  graph: OnnxGraph,
  index: GraphIndex,
  from: string,
  to: string,
): boolean {
  const inside = new Set<number>();
  const stack = [to];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t === from || !index.dynamic.has(t)) continue;
    const p = index.producer.get(t);
    if (p === undefined) return false; // another graph input
    if (inside.has(p)) continue;
    const node = index.nodes[p];
    if (!nodeIsTokenwise(graph, index, node)) return false;
    inside.add(p);
    stack.push(...node.inputs.filter((x) => x !== ""));
  }
  return inside.size > 0;
}
