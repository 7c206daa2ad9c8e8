/**
 * Values of an ONNX graph's integer constants (initializers and Constant
 * nodes), and the encoding of the small constants and attributes a rewrite
 * adds.
 *
 * @module
 */

import type { GraphIndex } from "./_graph_index.ts";
import { ONNX_TYPE, type OnnxAttribute, type OnnxGraph } from "./model.ts";
import { fieldInts, ProtoWriter, readFields } from "./protobuf.ts";

/**
 * The integer values of an encoded TensorProto; undefined when it holds no
 * integers.
 *
 * @example
 * ```ts
 * tensorInts(initializer.raw); // [0n] for an int64 scalar 0
 * ```
 */
export function tensorInts(bytes: Uint8Array): bigint[] | undefined {
  let type = 0;
  const values: bigint[] = [];
  let raw: Uint8Array | undefined;
  for (const f of readFields(bytes)) {
    if (f.field === 2) type = Number(f.varint!);
    else if (f.field === 5 || f.field === 7) values.push(...fieldInts(f));
    else if (f.field === 9) raw = f.bytes;
  }
  if (type !== ONNX_TYPE.int64 && type !== ONNX_TYPE.int32) return undefined;
  if (!raw) return values;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const width = type === ONNX_TYPE.int64 ? 8 : 4;
  const out: bigint[] = [];
  for (let at = 0; at + width <= raw.length; at += width) {
    out.push(
      width === 8
        ? view.getBigInt64(at, true)
        : BigInt(view.getInt32(at, true)),
    );
  }
  return out;
}

/**
 * Where a constant tensor's value lies: an encoded TensorProto (an
 * initializer or a Constant node's `value`), or the integers of a Constant
 * node's `value_int(s)`; undefined when `name` is no constant. Identity
 * nodes, through which exporters hand shared weights on, are followed.
 */
function constantValue(
  graph: OnnxGraph,
  index: GraphIndex,
  name: string,
): { tensor: Uint8Array } | { ints: bigint[]; dims: number[] } | undefined {
  const initializer = graph.initializers.find((t) => t.name === name);
  if (initializer) return { tensor: initializer.raw };
  const p = index.producer.get(name);
  if (p === undefined) return undefined;
  const node = index.nodes[p];
  if (node.domain !== "") return undefined;
  if (node.opType === "Identity") {
    return constantValue(graph, index, node.inputs[0]);
  }
  if (node.opType !== "Constant") return undefined;
  for (const a of node.attributes) {
    if (a.name === "value_int" && a.int !== undefined) {
      return { ints: [a.int], dims: [] };
    }
    if (a.name === "value_ints" && a.ints) {
      return { ints: [...a.ints], dims: [a.ints.length] };
    }
    if (a.name === "value_float") return { ints: [], dims: [] };
    if (a.name !== "value") continue;
    for (const f of readFields(a.raw)) {
      if (f.field === 5 && f.bytes) return { tensor: f.bytes };
    }
  }
  return undefined;
}

/**
 * The integer values of tensor `name` when it is a constant: an
 * initializer, the output of a Constant node, or an Identity of either;
 * undefined otherwise.
 *
 * @example
 * ```ts
 * constantInts(graph, indexGraph(graph), gather.inputs[1]); // [0n]: the class token
 * ```
 */
export function constantInts(
  graph: OnnxGraph,
  index: GraphIndex,
  name: string,
): bigint[] | undefined {
  const value = constantValue(graph, index, name);
  if (!value) return undefined;
  return "tensor" in value ? tensorInts(value.tensor) : value.ints;
}

/** The dimensions of an encoded TensorProto. */
function tensorDims(bytes: Uint8Array): number[] {
  const dims: number[] = [];
  for (const f of readFields(bytes)) {
    if (f.field === 1) dims.push(...fieldInts(f).map(Number));
  }
  return dims;
}

/**
 * The dimensions of tensor `name` when it is a constant (an initializer, a
 * Constant node's output, or an Identity of either); undefined otherwise.
 *
 * @example
 * ```ts
 * constantDims(graph, indexGraph(graph), "encoder.layers.0.mlp.fc1.bias"); // [3072]
 * ```
 */
export function constantDims(
  graph: OnnxGraph,
  index: GraphIndex,
  name: string,
): number[] | undefined {
  const value = constantValue(graph, index, name);
  if (!value) return undefined;
  return "tensor" in value ? tensorDims(value.tensor) : value.dims;
}

/**
 * An integer attribute, encoded.
 *
 * @example
 * ```ts
 * intAttribute("axis", 1); // a Gather's axis
 * ```
 */
export function intAttribute(name: string, value: number): OnnxAttribute {
  const raw = new ProtoWriter().string(1, name).int(3, value).int(20, 2)
    .finish();
  return { name, int: BigInt(value), raw };
}

/**
 * An `ints` attribute (AttributeProto type INTS), e.g. a Transpose's `perm`.
 *
 * @example
 * ```ts
 * intsAttribute("perm", [0, 2, 1]).ints; // [0n, 2n, 1n]
 * ```
 */
export function intsAttribute(
  name: string,
  values: readonly number[],
): OnnxAttribute {
  const w = new ProtoWriter().string(1, name);
  for (const v of values) w.int(8, v);
  return { name, ints: values.map(BigInt), raw: w.int(20, 7).finish() };
}

/**
 * A 1-D int64 tensor attribute (a Constant node's `value`), encoded.
 *
 * @example
 * ```ts
 * makeNode("Constant", [], "first", [int64TensorAttribute("value", [0])]);
 * ```
 */
export function int64TensorAttribute(
  name: string,
  values: readonly number[],
): OnnxAttribute {
  const data = new Uint8Array(values.length * 8);
  const view = new DataView(data.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  const raw = new ProtoWriter()
    .string(1, name)
    .message(
      5,
      (t) => t.int(1, values.length).int(2, ONNX_TYPE.int64).bytes(9, data),
    )
    .int(20, 4)
    .finish();
  return { name, raw };
}
