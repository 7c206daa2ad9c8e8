/**
 * Small edits of an ONNX graph read by `readOnnxModel`: new nodes, fresh
 * tensor names, and a tensor's readers moved to another tensor computed
 * from it, keeping the nodes in topological order.
 *
 * @module
 */

import type { OnnxAttribute, OnnxGraph, OnnxNode } from "./model.ts";

/**
 * A node of the default ONNX domain with one output, named after it.
 *
 * @example
 * ```ts
 * makeNode("Mul", ["x", "mask"], "x/masked"); // { opType: "Mul", name: "x/masked/Mul", ... }
 * ```
 */
export function makeNode(
  opType: string,
  inputs: readonly string[],
  output: string,
  attributes: readonly OnnxAttribute[] = [],
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
 * A tensor name the graph does not use yet: `base`, else `base_1`, ...
 *
 * @example
 * ```ts
 * freshName(graph, "token_mask/cast"); // "token_mask/cast" unless taken
 * ```
 */
export function freshName(graph: OnnxGraph, base: string): string {
  const used = new Set<string>();
  for (const n of graph.nodes) for (const y of n.outputs) used.add(y);
  for (const v of graph.inputs) used.add(v.name);
  for (const t of graph.initializers) used.add(t.name);
  let name = base, k = 1;
  while (used.has(name)) name = `${base}_${k++}`;
  return name;
}

/**
 * Makes the readers of `tensor` (all of them, or the nodes at `readers`)
 * read `replacement` instead, and inserts `added` (which compute
 * `replacement`, from `tensor` among others) before the first of them.
 * Throws a RangeError when nothing reads `tensor`.
 *
 * @example
 * ```ts
 * // Every reader of "h" now reads h * mask.
 * interpose(graph, "h", [makeNode("Mul", ["h", "mask"], "h/masked")], "h/masked");
 * ```
 */
export function interpose(
  graph: OnnxGraph,
  tensor: string,
  added: readonly OnnxNode[],
  replacement: string,
  readers?: ReadonlySet<number>,
): void {
  const rewire = (n: OnnxNode, i: number) =>
    n.inputs.includes(tensor) && (!readers || readers.has(i));
  const first = graph.nodes.findIndex(rewire);
  if (first < 0) throw new RangeError(`nothing reads "${tensor}"`);
  const nodes = graph.nodes.map((n, i) =>
    rewire(n, i)
      ? { ...n, inputs: n.inputs.map((x) => (x === tensor ? replacement : x)) }
      : n
  );
  nodes.splice(first, 0, ...added);
  graph.nodes = nodes;
}
