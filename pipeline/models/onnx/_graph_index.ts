/**
 * Who makes and who reads each tensor of an ONNX graph, which tensors
 * depend on the graph's inputs, and ancestry between tensors: what the
 * structural searches over a graph need.
 *
 * @module
 */

import type { OnnxGraph, OnnxNode } from "./model.ts";

/** A graph that cannot be indexed (a tensor read before it is made). */
export class GraphIndexError extends Error {
  /** Creates the error; `message` names the node and tensor. */
  constructor(message: string) {
    super(message);
    this.name = "GraphIndexError";
  }
}

/** Producers and consumers of every tensor, and which tensors depend on the graph inputs. */
export interface GraphIndex {
  /** The graph's nodes, in order. */
  readonly nodes: readonly OnnxNode[];
  /** Tensor -> index of the node that makes it. */
  readonly producer: ReadonlyMap<string, number>;
  /** Tensor -> indices of the nodes that read it. */
  readonly consumers: ReadonlyMap<string, readonly number[]>;
  /** Tensors that depend on a graph input (not constants). */
  readonly dynamic: ReadonlySet<string>;
}

/**
 * Indexes a graph whose nodes are in topological order (as ONNX requires);
 * throws a {@linkcode GraphIndexError} when a node reads a tensor that no
 * earlier node, input or initializer provides.
 *
 * @example
 * ```ts
 * const index = indexGraph(readOnnxModel(bytes).graph);
 * index.consumers.get("pixel_values"); // the nodes that read the input
 * ```
 */
export function indexGraph(graph: OnnxGraph): GraphIndex {
  const producer = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  const known = new Set<string>([
    ...graph.inputs.map((v) => v.name),
    ...graph.initializers.map((t) => t.name),
    "",
  ]);
  const dynamic = new Set<string>(graph.inputs.map((v) => v.name));
  graph.nodes.forEach((node, i) => {
    let isDynamic = false;
    for (const x of node.inputs) {
      if (!known.has(x)) {
        throw new GraphIndexError(
          `node ${i} (${node.opType} ${node.name}) reads "${x}" before any node makes it: the graph is not in topological order`,
        );
      }
      if (x !== "") {
        const list = consumers.get(x);
        if (list) list.push(i);
        else consumers.set(x, [i]);
      }
      if (dynamic.has(x)) isDynamic = true;
    }
    for (const y of node.outputs) {
      producer.set(y, i);
      known.add(y);
      if (isDynamic) dynamic.add(y);
    }
  });
  return { nodes: graph.nodes, producer, consumers, dynamic };
}

/**
 * Whether tensor `a` is an ancestor of tensor `b` (b is computed from a,
 * through the activations that depend on the graph's inputs).
 *
 * @example
 * ```ts
 * isAncestor(index, "pixel_values", "image_embeds"); // true
 * ```
 */
export function isAncestor(index: GraphIndex, a: string, b: string): boolean {
  const floor = index.producer.get(a) ?? -1;
  const start = index.producer.get(b);
  if (start === undefined || start <= floor) return false;
  const seen = new Set<number>([start]);
  const stack = [start];
  while (stack.length > 0) {
    const node = index.nodes[stack.pop()!];
    for (const x of node.inputs) {
      if (x === a) return true;
      if (!index.dynamic.has(x)) continue;
      const p = index.producer.get(x);
      // Nodes before a's producer cannot depend on a.
      if (p === undefined || p <= floor || seen.has(p)) continue;
      seen.add(p);
      stack.push(p);
    }
  }
  return false;
}
