/**
 * Whether a sub-graph works token by token: each output token computed
 * from the same token of its input alone (a transformer's MLP and its
 * layer norm do; attention does not). A branch that does can be run on one
 * token instead of all of them and give that token's result unchanged.
 *
 * Only operators whose behaviour is known are accepted: elementwise ones
 * whose constant operands vary along the last (feature) axis alone,
 * reductions and normalisations over the last axis, and MatMul by a
 * constant weight. Anything else (attention's MatMul of two activations,
 * reshapes, DynamicQuantizeLinear's scale over the whole tensor) makes the
 * answer no.
 *
 * @module
 */

import { constantDims, constantInts } from "./_constants.ts";
import type { GraphIndex } from "./_graph_index.ts";
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

/** Whether a constant operand broadcasts along the last axis only (size 1 on every other). */
function perFeature(
  graph: OnnxGraph,
  index: GraphIndex,
  name: string,
): boolean {
  const dims = constantDims(graph, index, name);
  return dims !== undefined && dims.slice(0, -1).every((d) => d === 1);
}

/**
 * Whether a node works token by token; `constants` are the inputs that are
 * no activations, which it also checks.
 */
function nodeIsTokenwise(
  graph: OnnxGraph,
  index: GraphIndex,
  node: OnnxNode,
): boolean {
  if (node.domain !== "" || node.hasSubgraph) return false;
  const constants = node.inputs.filter((x) =>
    x !== "" && !index.dynamic.has(x)
  );
  const attr = (name: string) => node.attributes.find((a) => a.name === name);
  if (ELEMENTWISE.has(node.opType)) {
    return constants.every((c) => perFeature(graph, index, c));
  }
  if (LAST_AXIS_REDUCTIONS.has(node.opType)) {
    if (attr("keepdims")?.int === 0n) return false;
    const axes = attr("axes")?.ints ??
      (node.inputs[1] ? constantInts(graph, index, node.inputs[1]) : undefined);
    return lastAxisOnly(axes) && index.dynamic.has(node.inputs[0]);
  }
  if (node.opType === "LayerNormalization") {
    return (attr("axis")?.int ?? -1n) === -1n &&
      constants.every((c) => perFeature(graph, index, c));
  }
  if (node.opType === "MatMul") {
    // x @ W with a constant W mixes features, never tokens.
    return node.inputs.length === 2 && index.dynamic.has(node.inputs[0]) &&
      !index.dynamic.has(node.inputs[1]);
  }
  return false;
}

/**
 * The nodes that compute tensor `to` from tensor `from` token by token
 * (see the module doc), or undefined when they do not: every node between
 * them must be of a known token-wise kind, read no activation from outside
 * the branch, and give its outputs to nothing outside the branch but the
 * node at `sink` (the residual Add that takes `to`), never to a graph output.
 *
 * @example
 * ```ts
 * const mlp = tokenwiseBranch(graph, indexGraph(graph), last.skip, last.branch, addIndex);
 * ```
 */
export function tokenwiseBranch(
  graph: OnnxGraph,
  index: GraphIndex,
  from: string,
  to: string,
  sink: number,
): ReadonlySet<number> | undefined {
  const inside = new Set<number>();
  const stack = [to];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t === from || !index.dynamic.has(t)) continue;
    const p = index.producer.get(t);
    if (p === undefined) return undefined; // another graph input
    if (inside.has(p)) continue;
    const node = index.nodes[p];
    if (!nodeIsTokenwise(graph, index, node)) return undefined;
    inside.add(p);
    stack.push(...node.inputs.filter((x) => x !== ""));
  }
  if (inside.size === 0) return undefined;
  const outputs = new Set(graph.outputs.map((v) => v.name));
  for (const i of inside) {
    for (const y of index.nodes[i].outputs) {
      if (outputs.has(y)) return undefined;
      const readers = index.consumers.get(y) ?? [];
      if (readers.some((r) => r !== sink && !inside.has(r))) return undefined;
    }
  }
  return inside;
}
