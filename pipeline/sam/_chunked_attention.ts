/**
 * SAM's image-encoder attention with decomposed relative positions,
 * rewritten to run one row of query tokens at a time (a `Scan`), so its
 * score matrix never exists whole.
 *
 * The reference computes, per head, scores = (q * scale) k^T over all
 * H x W query and key tokens, adds the relative-position terms rel_h
 * (per query and key row) and rel_w (per query and key column) by
 * broadcasting, takes the softmax over the keys and multiplies by v. In
 * a global-attention layer of SlimSAM (64 x 64 tokens, 12 heads) that
 * matrix is 12 x 4096 x 4096 floats, 805 MB, which the exported graph
 * writes and reads again four times (product, bias, sum, softmax): those
 * memory-bound passes take two thirds of the encoder's time on a CPU, and
 * the matrix is most of its peak memory. Each query's row of scores
 * depends only on that query, so the same nodes run on one row of H's
 * queries at a time (W queries, all heads: 12.6 MB on SlimSAM) stay in
 * the processor's cache, and the results, stacked, are the same numbers.
 *
 * The rewrite finds the structure the reference's exports have, in
 * either order of the additions (transformers 4's
 * `attn + rel_h[..., None] + rel_w[..., None, :]` and 5's
 * `attn + (rel_h[..., None] + rel_w[..., None, :])`): a `Softmax` over the
 * last axis whose input is a tree of `Add` and `Reshape` nodes over one
 * `MatMul` (the scores) and two `Unsqueeze`d rank-4 terms, and whose
 * output (through float `Cast`s) is the left side of a `MatMul` with v. It
 * keeps the tree's order of additions, so the sums are the same; what it
 * makes is checked on a probe with the rest of the derived encoder (see
 * `fast_encoder.ts`).
 *
 * @module
 */

import {
  constantInts,
  int64TensorAttribute,
  intAttribute,
  intsAttribute,
} from "../models/onnx/_constants.ts";
import { freshName, makeNode } from "../models/onnx/_edit.ts";
import { type GraphIndex, indexGraph } from "../models/onnx/_graph_index.ts";
import {
  graphAttribute,
  ONNX_TYPE,
  type OnnxGraph,
  type OnnxNode,
} from "../models/onnx/model.ts";

/** An addition tree over the three terms, in the export's order. */
type Term = "scores" | "rows" | "columns" | readonly [Term, Term];

/** One attention found in the graph. */
interface Attention {
  /** The `Softmax` node's index and name. */
  softmax: number;
  /** Indices of the nodes the rewrite replaces (the PV product last). */
  region: number[];
  /** The scaled queries and the transposed keys (the scores' inputs). */
  queries: string;
  keys: string;
  /** rel_h [BH, H, W, KH] and rel_w [BH, H, W, KW], before their Unsqueeze. */
  rows: string;
  columns: string;
  /** The values, the right side of the last product. */
  values: string;
  /** The product's output, which the rewrite computes under the same name. */
  output: string;
  /** How the three terms are added. */
  sum: Term;
  /** Element type of the scores (the float `Cast`s' target). */
  elemType: number;
}

/**
 * The single reader of `tensor`'s values, unless it is a graph output or
 * read twice (`Shape` nodes, which read only its shape, do not count: the
 * exports size their reshapes with them).
 */
function soleReader(
  index: GraphIndex,
  outputs: ReadonlySet<string>,
  tensor: string,
): number | undefined {
  const readers = (index.consumers.get(tensor) ?? []).filter((r) =>
    index.nodes[r].opType !== "Shape"
  );
  return readers.length === 1 && !outputs.has(tensor) ? readers[0] : undefined;
}

/** The axes an `Unsqueeze` inserts (its attribute, or its input from opset 13). */
function unsqueezeAxes(
  graph: OnnxGraph,
  index: GraphIndex,
  node: OnnxNode,
): number[] | undefined {
  const attr = node.attributes.find((a) => a.name === "axes")?.ints;
  const axes = attr ??
    (node.inputs[1] ? constantInts(graph, index, node.inputs[1]) : undefined);
  return axes?.map(Number);
}

/** An integer attribute's value, or `fallback` where the node has none. */
function intOf(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes.find((x) => x.name === name);
  return a?.int === undefined ? fallback : Number(a.int);
}

/**
 * The attention whose softmax is node `s`, or undefined where the
 * structure around it is not the one described in the module's doc.
 */
function matchAttention(
  graph: OnnxGraph,
  index: GraphIndex,
  s: number,
  opset: number,
): Attention | undefined {
  const softmax = index.nodes[s];
  const axis = intOf(softmax, "axis", opset >= 13 ? -1 : 1);
  if (axis !== -1) return undefined;
  const outputs = new Set(graph.outputs.map((v) => v.name));
  const region: number[] = [s];
  const leaves: Partial<Record<"scores" | "rows" | "columns", string>> = {};
  let queries = "", keys = "";
  // The addition tree below the softmax, each value read only there.
  const walk = (tensor: string, reader: number): Term | undefined => {
    const p = index.producer.get(tensor);
    if (p === undefined || soleReader(index, outputs, tensor) !== reader) {
      return undefined;
    }
    const node = index.nodes[p];
    region.push(p);
    if (node.opType === "Reshape") return walk(node.inputs[0], p);
    if (node.opType === "Add") {
      const a = walk(node.inputs[0], p), b = walk(node.inputs[1], p);
      return a && b ? [a, b] : undefined;
    }
    if (node.opType === "MatMul" && leaves.scores === undefined) {
      [queries, keys] = node.inputs;
      leaves.scores = tensor;
      return "scores";
    }
    if (node.opType === "Unsqueeze") {
      const axes = unsqueezeAxes(graph, index, node);
      if (axes?.length !== 1) return undefined;
      const term = axes[0] === -1 || axes[0] === 4
        ? "rows"
        : axes[0] === -2 || axes[0] === 3
        ? "columns"
        : undefined;
      if (term === undefined || leaves[term] !== undefined) return undefined;
      leaves[term] = node.inputs[0];
      return term;
    }
    return undefined;
  };
  const sum = walk(softmax.inputs[0], s);
  if (!sum || !leaves.scores || !leaves.rows || !leaves.columns) {
    return undefined;
  }
  // Forward: float Casts, then the product with the values.
  let elemType: number = ONNX_TYPE.float;
  let probs = softmax.outputs[0];
  for (;;) {
    const r = soleReader(index, outputs, probs);
    if (r === undefined) return undefined;
    const node = index.nodes[r];
    if (node.opType === "Cast") {
      const to = intOf(node, "to", 0);
      if (to !== ONNX_TYPE.float && to !== ONNX_TYPE.float16) return undefined;
      elemType = to;
      region.push(r);
      probs = node.outputs[0];
      continue;
    }
    if (node.opType !== "MatMul" || node.inputs[0] !== probs) return undefined;
    region.push(r);
    return {
      softmax: s,
      region,
      queries,
      keys,
      rows: leaves.rows,
      columns: leaves.columns,
      values: node.inputs[1],
      output: node.outputs[0],
      sum,
      elemType,
    };
  }
}

/** A tensor value info of rank `rank` with symbolic dims. */
function symbolic(name: string, elemType: number, rank: number) {
  return {
    name,
    elemType,
    dims: Array.from({ length: rank }, (_, i) => `${name}_d${i}`),
  };
}

/**
 * The nodes that compute `a.output` one row of queries at a time. `name`
 * makes fresh tensor names of the outer graph; `unsqueezeAttribute` says
 * whether this opset's Unsqueeze takes its axes as an attribute.
 */
function chunkedNodes(
  a: Attention,
  name: (base: string) => string,
  unsqueezeAttribute: boolean,
): { nodes: OnnxNode[]; bodyReads: string[] } {
  const constant = (output: string, values: number[]) =>
    makeNode("Constant", [], output, [int64TensorAttribute("value", values)]);
  const slice = (input: string, from: number, to: number, output: string) => {
    const starts = name(`${output}/starts`), ends = name(`${output}/ends`);
    return [
      constant(starts, [from]),
      constant(ends, [to]),
      makeNode("Slice", [input, starts, ends], output),
    ];
  };
  const base = name(`${a.output}/by_rows`);
  const rowShape = name(`${base}/rows_shape`);
  const grid = name(`${base}/grid`);
  const keyRows = name(`${base}/key_rows`);
  const lead = name(`${base}/lead`);
  const tail = name(`${base}/minus_one`);
  const query4 = name(`${base}/queries_shape`);
  const scores4 = name(`${base}/scores_shape`);
  const valueShape = name(`${base}/values_shape`);
  const channels = name(`${base}/channels`);
  const outShape = name(`${base}/output_shape`);
  const queries = name(`${base}/queries`);
  const stacked = name(`${base}/stacked`);
  const flat = name(`${base}/flat_shape`);
  // [BH, H, W, C] queries; scores per row reshaped to [BH, W, KH, KW].
  const outer: OnnxNode[] = [
    makeNode("Shape", [a.rows], rowShape),
    ...slice(rowShape, 0, 3, grid),
    ...slice(rowShape, 3, 4, keyRows),
    constant(lead, [0, 0]),
    constant(tail, [-1]),
    makeNode("Concat", [grid, tail], query4, [intAttribute("axis", 0)]),
    makeNode("Concat", [lead, keyRows, tail], scores4, [
      intAttribute("axis", 0),
    ]),
    makeNode("Reshape", [a.queries, query4], queries),
    makeNode("Shape", [a.values], valueShape),
    ...slice(valueShape, -1, 2 ** 31 - 1, channels),
    constant(flat, [0, -1]),
    makeNode("Concat", [flat, channels], outShape, [intAttribute("axis", 0)]),
  ];
  const b = (x: string) => `${base}/body/${x}`;
  const unsqueeze = (input: string, axis: number, output: string) =>
    unsqueezeAttribute
      ? [
        makeNode("Unsqueeze", [input], output, [intsAttribute("axes", [axis])]),
      ]
      : [
        constant(`${output}/axes`, [axis]),
        makeNode("Unsqueeze", [input, `${output}/axes`], output),
      ];
  const body: OnnxNode[] = [
    makeNode("MatMul", [b("queries"), a.keys], b("scores")),
    makeNode("Reshape", [b("scores"), scores4], b("scores4")),
    ...unsqueeze(b("rows"), -1, b("rows5")),
    ...unsqueeze(b("columns"), -2, b("columns5")),
  ];
  const leaf = { scores: "scores4", rows: "rows5", columns: "columns5" };
  let sums = 0;
  const add = (t: Term): string => {
    if (typeof t === "string") return b(leaf[t as keyof typeof leaf]);
    const out = b(`sum${sums++}`);
    const [x, y] = [add(t[0]), add(t[1])];
    body.push(makeNode("Add", [x, y], out));
    return out;
  };
  const total = add(a.sum);
  const flatScores = b("flat");
  body.push(
    constant(b("flat_shape"), [0, 0, -1]),
    makeNode("Reshape", [total, b("flat_shape")], flatScores),
    makeNode("Softmax", [flatScores], b("probs"), [intAttribute("axis", -1)]),
    makeNode("MatMul", [b("probs"), a.values], b("out")),
  );
  const t = a.elemType;
  const scan: OnnxNode = {
    opType: "Scan",
    domain: "",
    name: `${stacked}/Scan`,
    inputs: [queries, a.rows, a.columns],
    outputs: [stacked],
    attributes: [
      graphAttribute("body", {
        name: `${base}/body`,
        nodes: body,
        inputs: [
          symbolic(b("queries"), t, 3),
          symbolic(b("rows"), t, 3),
          symbolic(b("columns"), t, 3),
        ],
        outputs: [symbolic(b("out"), t, 3)],
      }),
      intAttribute("num_scan_inputs", 3),
      intsAttribute("scan_input_axes", [1, 1, 1]),
      intsAttribute("scan_output_axes", [1]),
    ],
    hasSubgraph: true,
    rest: [],
  };
  return {
    nodes: [...outer, scan, makeNode("Reshape", [stacked, outShape], a.output)],
    bodyReads: [a.keys, a.values, scores4],
  };
}

/** Takes out nodes none of whose outputs is read (a region's shape computations). */
function dropUnread(graph: OnnxGraph, extraReads: ReadonlySet<string>): void {
  for (;;) {
    const read = new Set<string>(extraReads);
    for (const n of graph.nodes) for (const x of n.inputs) read.add(x);
    for (const v of graph.outputs) read.add(v.name);
    const kept = graph.nodes.filter((n) =>
      n.hasSubgraph || n.outputs.some((y) => read.has(y))
    );
    if (kept.length === graph.nodes.length) return;
    graph.nodes = kept;
  }
}

/**
 * Rewrites every attention of `graph` with SAM's decomposed relative
 * positions to run a row of queries at a time (see the module's doc), in
 * place; returns the names of their `Softmax` nodes (empty where none is
 * found, the graph then untouched). `opset` is the model's default-domain
 * opset (9 at least: `Scan` with axes).
 *
 * @example
 * ```ts
 * import { readOnnxModel } from "../models/onnx/model.ts";
 *
 * const model = readOnnxModel(await Deno.readFile(
 *   "tests/fixtures/reference/models/oris-reference/tiny-random-sam/onnx/vision_encoder.onnx",
 * ));
 * chunkAttentionByRows(model.graph, model.opsets.get("") ?? 13);
 * // ["/vision_encoder/layers.0/attn/Softmax", "/vision_encoder/layers.1/attn/Softmax"]
 * ```
 */
export function chunkAttentionByRows(
  graph: OnnxGraph,
  opset: number,
): string[] {
  if (opset < 9 || graph.nodes.some((n) => n.hasSubgraph)) return [];
  const index = indexGraph(graph);
  const found: Attention[] = [];
  const taken = new Set<number>();
  index.nodes.forEach((n, i) => {
    if (n.opType !== "Softmax") return;
    const a = matchAttention(graph, index, i, opset);
    if (!a || a.region.some((r) => taken.has(r))) return;
    for (const r of a.region) taken.add(r);
    found.push(a);
  });
  if (found.length === 0) return [];
  const names = new Set<string>();
  const name = (base: string) => {
    let fresh = freshName(graph, base), k = 1;
    while (names.has(fresh)) fresh = freshName(graph, `${base}_${k++}`);
    names.add(fresh);
    return fresh;
  };
  const replacement = new Map<number, OnnxNode[]>();
  const bodyReads = new Set<string>();
  for (const a of found) {
    const made = chunkedNodes(a, name, opset < 13);
    replacement.set(a.region[a.region.length - 1], made.nodes);
    for (const x of made.bodyReads) bodyReads.add(x);
  }
  const before = graph.nodes;
  graph.nodes = index.nodes.flatMap((n, i) =>
    replacement.get(i) ?? (taken.has(i) ? [] : [n])
  );
  // The shapes the exports compute for the replaced reshapes are unread now.
  dropUnread(graph, bodyReads);
  try {
    indexGraph(graph);
  } catch {
    // Something outside the attention read a value it no longer makes.
    graph.nodes = before;
    return [];
  }
  graph.valueInfo = [];
  return found.map((a) => index.nodes[a.softmax].name);
}
