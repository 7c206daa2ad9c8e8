/**
 * Builds ONNX models (ModelProto) in TypeScript, for fixture generators.
 * Field numbers follow onnx/onnx.proto (IR version 8, opset 17).
 *
 * @example
 * ```ts
 * const g = new OnnxGraph("double");
 * g.input("x", "float32", ["n", 4]);
 * g.initializer("two", "float32", [], new Float32Array([2]));
 * g.node("Mul", ["x", "two"], ["y"]);
 * g.output("y", "float32", ["n", 4]);
 * const bytes = g.encode();
 * ```
 *
 * @module
 */

import { ProtoWriter } from "../models/onnx/protobuf.ts";

/** Element types supported by the fixture builder. */
export type OnnxDType = "float32" | "int64" | "int32" | "bool" | "uint8";

const DTYPE_CODE: Record<OnnxDType, number> = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
};

/** A dimension: a fixed size or a symbolic name such as "batch_size". */
export type OnnxDim = number | string;

/** Data of a constant tensor. */
export type OnnxData = Float32Array | BigInt64Array | Int32Array | Uint8Array;

/** An attribute value, tagged with its ONNX kind. */
export type OnnxAttribute =
  | { kind: "int"; value: number }
  | { kind: "float"; value: number }
  | { kind: "string"; value: string }
  | { kind: "ints"; value: number[] }
  | { kind: "floats"; value: number[] }
  | {
    kind: "tensor";
    value: { dtype: OnnxDType; dims: number[]; data: OnnxData };
  };

/** Shorthands for attribute values. */
export const attr = {
  int: (value: number): OnnxAttribute => ({ kind: "int", value }),
  float: (value: number): OnnxAttribute => ({ kind: "float", value }),
  string: (value: string): OnnxAttribute => ({ kind: "string", value }),
  ints: (value: number[]): OnnxAttribute => ({ kind: "ints", value }),
  floats: (value: number[]): OnnxAttribute => ({ kind: "floats", value }),
  tensor: (
    dtype: OnnxDType,
    dims: number[],
    data: OnnxData,
  ): OnnxAttribute => ({ kind: "tensor", value: { dtype, dims, data } }),
};

interface ValueInfo {
  name: string;
  dtype: OnnxDType;
  dims: OnnxDim[];
}

interface Initializer {
  name: string;
  dtype: OnnxDType;
  dims: number[];
  data: OnnxData;
}

interface NodeDef {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttribute>;
  domain: string;
}

function writeTensor(
  w: ProtoWriter,
  t: { name?: string; dtype: OnnxDType; dims: number[]; data: OnnxData },
): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, DTYPE_CODE[t.dtype]);
  if (t.name) w.string(8, t.name);
  w.bytes(
    9,
    new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
  );
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, DTYPE_CODE[v.dtype]);
      tensor.message(2, (shape) => {
        for (const d of v.dims) {
          shape.message(1, (dim) => {
            if (typeof d === "number") dim.int(1, d);
            else dim.string(2, d);
          });
        }
      });
    }));
}

function writeAttribute(w: ProtoWriter, name: string, a: OnnxAttribute): void {
  w.string(1, name);
  switch (a.kind) {
    case "float":
      w.float(2, a.value).int(20, 1);
      break;
    case "int":
      w.int(3, a.value).int(20, 2);
      break;
    case "string":
      w.string(4, a.value).int(20, 3);
      break;
    case "tensor":
      w.message(5, (t) => writeTensor(t, a.value)).int(20, 4);
      break;
    case "floats":
      for (const f of a.value) w.float(7, f);
      w.int(20, 6);
      break;
    case "ints":
      for (const i of a.value) w.int(8, i);
      w.int(20, 7);
      break;
  }
}

/** A graph under construction; `encode()` returns the model file's bytes. */
export class OnnxGraph {
  readonly name: string;
  #inputs: ValueInfo[] = [];
  #outputs: ValueInfo[] = [];
  #initializers: Initializer[] = [];
  #nodes: NodeDef[] = [];
  #counter = 0;

  /** Starts an empty graph called `name`. */
  constructor(name: string) {
    this.name = name;
  }

  /** Declares a graph input. */
  input(name: string, dtype: OnnxDType, dims: OnnxDim[]): string {
    this.#inputs.push({ name, dtype, dims });
    return name;
  }

  /** Declares a graph output. */
  output(name: string, dtype: OnnxDType, dims: OnnxDim[]): string {
    this.#outputs.push({ name, dtype, dims });
    return name;
  }

  /** Adds a constant tensor and returns its name. */
  initializer(
    name: string,
    dtype: OnnxDType,
    dims: number[],
    data: OnnxData,
  ): string {
    this.#initializers.push({ name, dtype, dims, data });
    return name;
  }

  /** Shorthand for a float32 constant with a generated name. */
  constFloat(values: number[] | Float32Array, dims?: number[]): string {
    const data = Float32Array.from(values);
    return this.initializer(
      this.fresh("c"),
      "float32",
      dims ?? [data.length],
      data,
    );
  }

  /** Shorthand for an int64 constant with a generated name. */
  constInt64(values: number[], dims?: number[]): string {
    const data = BigInt64Array.from(values.map(BigInt));
    return this.initializer(
      this.fresh("k"),
      "int64",
      dims ?? [data.length],
      data,
    );
  }

  /** A unique value name with the given prefix. */
  fresh(prefix = "t"): string {
    return `${prefix}_${this.#counter++}`;
  }

  /**
   * Adds a node. With `outputs` omitted, one fresh output name is created
   * and returned.
   */
  node(
    op: string,
    inputs: string[],
    outputs?: string[],
    attributes: Record<string, OnnxAttribute> = {},
    domain = "",
  ): string {
    const outs = outputs ?? [this.fresh(op.toLowerCase())];
    this.#nodes.push({ op, inputs, outputs: outs, attributes, domain });
    return outs[0];
  }

  /** Serialises the graph as an ONNX model (IR 8, default opset 17). */
  encode(opset = 17, producer = "oris-fixtures"): Uint8Array {
    const w = new ProtoWriter();
    w.int(1, 8); // ir_version
    w.string(2, producer);
    w.message(7, (g) => {
      this.#nodes.forEach((n, i) =>
        g.message(1, (nw) => {
          for (const x of n.inputs) nw.string(1, x);
          for (const y of n.outputs) nw.string(2, y);
          nw.string(3, `${n.op}_${i}`);
          nw.string(4, n.op);
          for (const [k, a] of Object.entries(n.attributes)) {
            nw.message(5, (aw) => writeAttribute(aw, k, a));
          }
          if (n.domain) nw.string(7, n.domain);
        })
      );
      g.string(2, this.name);
      for (const t of this.#initializers) {
        g.message(5, (tw) => writeTensor(tw, t));
      }
      for (const v of this.#inputs) {
        g.message(11, (vw) => writeValueInfo(vw, v));
      }
      for (const v of this.#outputs) {
        g.message(12, (vw) => writeValueInfo(vw, v));
      }
    });
    w.message(8, (o) => o.string(1, "").int(2, opset));
    return w.finish();
  }
}
