/**
 * An ONNX model (ModelProto) read for rewriting: the graph's nodes, inputs
 * and outputs decoded, everything else (initializers above all) kept as the
 * bytes it was, so that a rewrite of a 350 MB model costs one copy. Field
 * numbers follow onnx/onnx.proto.
 *
 * @example
 * ```ts
 * import { DEMO_CLIP, demoModelFiles } from "../../demo/models.ts";
 *
 * const bytes = demoModelFiles().get(`${DEMO_CLIP}/onnx/vision_model.onnx`)!;
 * const model = readOnnxModel(bytes);
 * model.graph.nodes.filter((n) => n.opType === "Add").length;
 * const same = writeOnnxModel(model); // an equivalent file
 * ```
 *
 * @module
 */

import {
  fieldInts,
  fieldString,
  ProtobufError,
  type ProtoField,
  ProtoWriter,
  readFields,
} from "./protobuf.ts";

/** ONNX TensorProto.DataType codes oris needs by name. */
export const ONNX_TYPE = {
  float: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  double: 11,
  bfloat16: 16,
} as const;

/** Names onnxruntime gives the ONNX element types. */
const TYPE_NAMES: Record<number, string> = {
  1: "float32",
  2: "uint8",
  3: "int8",
  4: "uint16",
  5: "int16",
  6: "int32",
  7: "int64",
  8: "string",
  9: "bool",
  10: "float16",
  11: "float64",
  12: "uint32",
  13: "uint64",
  16: "bfloat16",
};

/**
 * The name onnxruntime gives an ONNX element type code.
 *
 * @example
 * ```ts
 * onnxTypeName(1); // "float32"
 * ```
 */
export function onnxTypeName(code: number): string {
  return TYPE_NAMES[code] ?? "unknown";
}

/** The floating-point ONNX element types. */
export const FLOAT_TYPES: ReadonlySet<number> = new Set([
  ONNX_TYPE.float,
  ONNX_TYPE.float16,
  ONNX_TYPE.double,
  ONNX_TYPE.bfloat16,
]);

/** An attribute of a node: its name and the encoded AttributeProto. */
export interface OnnxAttribute {
  /** Attribute name. */
  readonly name: string;
  /** Integer value (`i`), when it has one. */
  readonly int?: bigint;
  /** Integer list (`ints`), when it has one. */
  readonly ints?: readonly bigint[];
  /** The encoded AttributeProto, written back as it was. */
  readonly raw: Uint8Array;
}

/** A node of the graph. */
export interface OnnxNode {
  /** Operator type, e.g. "Add". */
  readonly opType: string;
  /** Operator domain ("" for the default ONNX domain). */
  readonly domain: string;
  /** Node name ("" when unnamed). */
  readonly name: string;
  /** Input tensor names ("" for an omitted optional input). */
  readonly inputs: readonly string[];
  /** Output tensor names. */
  readonly outputs: readonly string[];
  /** Attributes. */
  readonly attributes: readonly OnnxAttribute[];
  /** Whether an attribute holds a subgraph (If, Loop, Scan bodies). */
  readonly hasSubgraph: boolean;
  /** Fields of the NodeProto not decoded above (doc strings, metadata). */
  readonly rest: readonly ProtoField[];
}

/** A graph input or output (ValueInfoProto). */
export interface OnnxValueInfo {
  /** Tensor name. */
  readonly name: string;
  /** Element type code (see {@linkcode ONNX_TYPE}); 0 when not a tensor. */
  readonly elemType: number;
  /** Dimensions: sizes, names of symbolic ones, or undefined when unknown; undefined shape when absent. */
  readonly dims?: readonly (number | string | undefined)[];
  /**
   * The ValueInfoProto as read, written back as it was (doc strings and
   * denotations included); absent on an entry made or changed by a rewrite,
   * which is encoded from the fields above.
   */
  readonly raw?: Uint8Array;
}

/** An initializer, decoded only as far as its name, type and dimensions. */
export interface OnnxInitializer {
  /** Tensor name. */
  readonly name: string;
  /** Element type code. */
  readonly dataType: number;
  /** Dimensions. */
  readonly dims: readonly number[];
  /** The whole TensorProto as it was. */
  readonly raw: Uint8Array;
}

/** The main graph. */
export interface OnnxGraph {
  /** Nodes, in file order (topological in a valid model). */
  nodes: OnnxNode[];
  /** Graph inputs. */
  inputs: OnnxValueInfo[];
  /** Graph outputs. */
  outputs: OnnxValueInfo[];
  /** Initializers (constant tensors). */
  readonly initializers: readonly OnnxInitializer[];
  /** Value-info entries (shape hints of inner tensors): names and raw bytes. */
  valueInfo: { readonly name: string; readonly raw: Uint8Array }[];
  /** Fields of the GraphProto not decoded above, in file order. */
  readonly rest: readonly ProtoField[];
}

/** A model read by {@linkcode readOnnxModel}. */
export interface OnnxModel {
  /** The main graph. */
  graph: OnnxGraph;
  /** Opset versions by domain ("" = the default ONNX domain). */
  readonly opsets: ReadonlyMap<string, number>;
  /** Fields of the ModelProto other than the graph, in file order. */
  readonly rest: readonly ProtoField[];
  /** Metadata entries to add (key, value) when written. */
  metadata: [string, string][];
}

const MODEL = { graph: 7, opset: 8, metadata: 14 } as const;
const GRAPH = {
  node: 1,
  initializer: 5,
  input: 11,
  output: 12,
  valueInfo: 13,
} as const;
const NODE = {
  input: 1,
  output: 2,
  name: 3,
  opType: 4,
  attribute: 5,
  domain: 7,
} as const;

function readAttribute(bytes: Uint8Array): OnnxAttribute {
  let name = "", int: bigint | undefined, ints: bigint[] | undefined;
  for (const f of readFields(bytes)) {
    if (f.field === 1) name = fieldString(f);
    else if (f.field === 3) int = BigInt.asIntN(64, f.varint!);
    else if (f.field === 8) (ints ??= []).push(...fieldInts(f));
  }
  return { name, int, ints, raw: bytes };
}

function attributeHasGraph(bytes: Uint8Array): boolean {
  for (const f of readFields(bytes)) {
    if (f.field === 6 || f.field === 11) return true;
  }
  return false;
}

function readNode(bytes: Uint8Array): OnnxNode {
  const inputs: string[] = [], outputs: string[] = [];
  const attributes: OnnxAttribute[] = [], rest: ProtoField[] = [];
  let opType = "", domain = "", name = "", hasSubgraph = false;
  for (const f of readFields(bytes)) {
    switch (f.field) {
      case NODE.input:
        inputs.push(fieldString(f));
        break;
      case NODE.output:
        outputs.push(fieldString(f));
        break;
      case NODE.name:
        name = fieldString(f);
        break;
      case NODE.opType:
        opType = fieldString(f);
        break;
      case NODE.domain:
        domain = fieldString(f);
        break;
      case NODE.attribute:
        attributes.push(readAttribute(f.bytes!));
        hasSubgraph ||= attributeHasGraph(f.bytes!);
        break;
      default:
        rest.push(f);
    }
  }
  return {
    opType,
    domain,
    name,
    inputs,
    outputs,
    attributes,
    hasSubgraph,
    rest,
  };
}

function readShape(bytes: Uint8Array): (number | string | undefined)[] {
  const dims: (number | string | undefined)[] = [];
  for (const f of readFields(bytes)) {
    if (f.field !== 1) continue;
    let dim: number | string | undefined;
    for (const d of readFields(f.bytes!)) {
      if (d.field === 1) dim = Number(BigInt.asIntN(64, d.varint!));
      if (d.field === 2) dim = fieldString(d);
    }
    dims.push(dim);
  }
  return dims;
}

function readValueInfo(bytes: Uint8Array): OnnxValueInfo {
  let name = "", elemType = 0;
  let dims: (number | string | undefined)[] | undefined;
  for (const f of readFields(bytes)) {
    if (f.field === 1) name = fieldString(f);
    if (f.field !== 2) continue;
    for (const t of readFields(f.bytes!)) {
      if (t.field !== 1) continue; // tensor_type
      for (const tt of readFields(t.bytes!)) {
        if (tt.field === 1) elemType = Number(tt.varint!);
        if (tt.field === 2) dims = readShape(tt.bytes!);
      }
    }
  }
  return { name, elemType, dims, raw: bytes };
}

function readInitializer(bytes: Uint8Array): OnnxInitializer {
  let name = "", dataType = 0;
  const dims: number[] = [];
  for (const f of readFields(bytes)) {
    if (f.field === 1) dims.push(...fieldInts(f).map(Number));
    else if (f.field === 2) dataType = Number(f.varint!);
    else if (f.field === 8) name = fieldString(f);
  }
  return { name, dataType, dims, raw: bytes };
}

function readValueInfoName(bytes: Uint8Array): string {
  for (const f of readFields(bytes)) if (f.field === 1) return fieldString(f);
  return "";
}

function readGraph(bytes: Uint8Array): OnnxGraph {
  const graph: OnnxGraph = {
    nodes: [],
    inputs: [],
    outputs: [],
    initializers: [],
    valueInfo: [],
    rest: [],
  };
  const initializers = graph.initializers as OnnxInitializer[];
  const rest = graph.rest as ProtoField[];
  for (const f of readFields(bytes)) {
    switch (f.field) {
      case GRAPH.node:
        graph.nodes.push(readNode(f.bytes!));
        break;
      case GRAPH.initializer:
        initializers.push(readInitializer(f.bytes!));
        break;
      case GRAPH.input:
        graph.inputs.push(readValueInfo(f.bytes!));
        break;
      case GRAPH.output:
        graph.outputs.push(readValueInfo(f.bytes!));
        break;
      case GRAPH.valueInfo:
        graph.valueInfo.push({
          name: readValueInfoName(f.bytes!),
          raw: f.bytes!,
        });
        break;
      default:
        rest.push(f);
    }
  }
  return graph;
}

/**
 * A graph's inputs and outputs as onnxruntime describes a session's
 * (names, element type names, dimensions; unknown dimensions as "?").
 *
 * @example
 * ```ts
 * import { DEMO_CLIP, demoModelFiles } from "../../demo/models.ts";
 *
 * const bytes = demoModelFiles().get(`${DEMO_CLIP}/onnx/vision_model.onnx`)!;
 * graphSignature(readOnnxModel(bytes).graph).inputs[0]; // { name: "pixel_values", type: "float32", shape: [...] }
 * ```
 */
export function graphSignature(graph: OnnxGraph): {
  inputs: { name: string; type: string; shape: (number | string)[] }[];
  outputs: { name: string; type: string; shape: (number | string)[] }[];
} {
  const describe = (v: OnnxValueInfo) => ({
    name: v.name,
    type: onnxTypeName(v.elemType),
    shape: (v.dims ?? []).map((d) => d ?? "?"),
  });
  const initializers = new Set(graph.initializers.map((t) => t.name));
  return {
    // Inputs that are also initializers are defaults, not inputs to feed.
    inputs: graph.inputs.filter((v) => !initializers.has(v.name)).map(describe),
    outputs: graph.outputs.map(describe),
  };
}

/**
 * Reads an ONNX model file for rewriting; throws {@linkcode ProtobufError}
 * when the bytes are not a model.
 *
 * @example
 * ```ts
 * import { DEMO_CLIP, demoModelFiles } from "../../demo/models.ts";
 *
 * const bytes = demoModelFiles().get(`${DEMO_CLIP}/onnx/vision_model.onnx`)!; // or await Deno.readFile(path)
 * const model = readOnnxModel(bytes);
 * model.graph.nodes.length;
 * ```
 */
export function readOnnxModel(bytes: Uint8Array): OnnxModel {
  let graph: OnnxGraph | undefined;
  const opsets = new Map<string, number>();
  const rest: ProtoField[] = [];
  for (const f of readFields(bytes)) {
    if (f.field === MODEL.graph && f.wire === 2) {
      graph = readGraph(f.bytes!);
      continue;
    }
    if (f.field === MODEL.opset && f.wire === 2) {
      let domain = "", version = 0;
      for (const o of readFields(f.bytes!)) {
        if (o.field === 1) domain = fieldString(o);
        if (o.field === 2) version = Number(o.varint!);
      }
      opsets.set(domain, version);
    }
    rest.push(f);
  }
  if (!graph) throw new ProtobufError("no graph (ModelProto field 7)");
  return { graph, opsets, rest, metadata: [] };
}

/**
 * The value of metadata entry `key` of a model (its `metadata_props`), or
 * undefined where it has none. Given a model's bytes, only their top-level
 * fields are read, the graph skipped: what checking a derived file's record
 * needs, without decoding tens of MB of nodes. Bytes that are no protobuf
 * throw a `ProtobufError`.
 *
 * @example
 * ```ts
 * import { DEMO_CLIP, demoModelFiles } from "../../demo/models.ts";
 *
 * const model = readOnnxModel(demoModelFiles().get(`${DEMO_CLIP}/onnx/vision_model.onnx`)!);
 * model.metadata.push(["oris.note", "rewritten"]);
 * modelMetadata(readOnnxModel(writeOnnxModel(model)), "oris.note"); // "rewritten"
 * modelMetadata(writeOnnxModel(model), "oris.note"); // "rewritten", from the bytes
 * ```
 */
export function modelMetadata(
  model: OnnxModel | Uint8Array,
  key: string,
): string | undefined {
  const fields = model instanceof Uint8Array ? readFields(model) : model.rest;
  for (const f of fields) {
    if (f.field !== MODEL.metadata || !f.bytes) continue;
    let k = "", value = "";
    for (const e of readFields(f.bytes)) {
      if (e.field === 1) k = fieldString(e);
      if (e.field === 2) value = fieldString(e);
    }
    if (k === key) return value;
  }
  return undefined;
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const x of n.inputs) w.string(NODE.input, x);
  for (const y of n.outputs) w.string(NODE.output, y);
  if (n.name) w.string(NODE.name, n.name);
  w.string(NODE.opType, n.opType);
  for (const a of n.attributes) w.bytes(NODE.attribute, a.raw);
  if (n.domain) w.string(NODE.domain, n.domain);
  for (const f of n.rest) w.raw(f);
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  if (v.raw) {
    for (const f of readFields(v.raw)) w.raw(f);
    return;
  }
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      if (!v.dims) return;
      tensor.message(2, (shape) => {
        for (const d of v.dims!) {
          shape.message(1, (dim) => {
            if (typeof d === "number") dim.int(1, d);
            else if (typeof d === "string") dim.string(2, d);
          });
        }
      });
    }));
}

/** A subgraph to encode as an attribute (a `Scan`, `Loop` or `If` body). */
export interface OnnxSubgraph {
  /** The subgraph's name. */
  readonly name: string;
  /** Its nodes, in topological order; they may read the outer graph's tensors. */
  readonly nodes: readonly OnnxNode[];
  /** Its inputs (a body's loop-carried and scanned values). */
  readonly inputs: readonly OnnxValueInfo[];
  /** Its outputs. */
  readonly outputs: readonly OnnxValueInfo[];
}

/**
 * A graph attribute (AttributeProto type GRAPH) holding `body`, e.g. a
 * `Scan` node's `body`.
 *
 * @example
 * ```ts
 * const body = graphAttribute("body", {
 *   name: "double",
 *   nodes: [],
 *   inputs: [{ name: "x", elemType: ONNX_TYPE.float, dims: ["n"] }],
 *   outputs: [{ name: "x", elemType: ONNX_TYPE.float, dims: ["n"] }],
 * });
 * body.name; // "body"
 * ```
 */
export function graphAttribute(
  name: string,
  body: OnnxSubgraph,
): OnnxAttribute {
  const raw = new ProtoWriter()
    .string(1, name)
    .message(6, (g) => {
      for (const n of body.nodes) {
        g.message(GRAPH.node, (nw) => writeNode(nw, n));
      }
      g.string(2, body.name);
      for (const v of body.inputs) {
        g.message(GRAPH.input, (vw) => writeValueInfo(vw, v));
      }
      for (const v of body.outputs) {
        g.message(GRAPH.output, (vw) => writeValueInfo(vw, v));
      }
    })
    .int(20, 5)
    .finish();
  return { name, raw };
}

/**
 * Writes a model read by {@linkcode readOnnxModel}, with its graph as it now
 * stands and its metadata entries added.
 *
 * @example
 * ```ts
 * import { DEMO_CLIP, demoModelFiles } from "../../demo/models.ts";
 *
 * const bytes = demoModelFiles().get(`${DEMO_CLIP}/onnx/vision_model.onnx`)!;
 * const model = readOnnxModel(bytes);
 * model.metadata.push(["oris.note", "rewritten"]);
 * const rewritten = writeOnnxModel(model);
 * ```
 */
export function writeOnnxModel(model: OnnxModel): Uint8Array {
  const { graph } = model;
  const w = new ProtoWriter();
  let graphWritten = false;
  const writeGraph = () => {
    w.message(MODEL.graph, (g) => {
      for (const n of graph.nodes) {
        g.message(GRAPH.node, (nw) => writeNode(nw, n));
      }
      for (const f of graph.rest) g.raw(f);
      for (const t of graph.initializers) g.bytes(GRAPH.initializer, t.raw);
      for (const v of graph.inputs) {
        g.message(GRAPH.input, (vw) => writeValueInfo(vw, v));
      }
      for (const v of graph.outputs) {
        g.message(GRAPH.output, (vw) => writeValueInfo(vw, v));
      }
      for (const v of graph.valueInfo) g.bytes(GRAPH.valueInfo, v.raw);
    });
    graphWritten = true;
  };
  for (const f of model.rest) {
    // The graph goes where it was: before the opsets in torch's files.
    if (!graphWritten && f.field > MODEL.graph) writeGraph();
    w.raw(f);
  }
  if (!graphWritten) writeGraph();
  for (const [key, value] of model.metadata) {
    w.message(MODEL.metadata, (m) => m.string(1, key).string(2, value));
  }
  return w.finish();
}
