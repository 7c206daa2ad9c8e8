/**
 * SAM's mask upscaling rewritten channels-last: the decoder's two 2x2,
 * stride-2 transposed convolutions become matrix products on the
 * transformer's image tokens as they are (channels last), so the layout
 * changes around them (image tokens to channels-first, around the layer
 * norm, and back for the masks) go.
 *
 * A 2x2 transposed convolution of stride 2 maps each input pixel to its
 * own 2x2 block of output pixels: out[o, 2h+i, 2w+j] = b[o] +
 * sum_c x[c, h, w] W[c, o, i, j]. With pixels in rows and channels in
 * columns that is one product x W' (W' = W as [c, (i, j, o)]), its rows
 * the input pixels and each row's (i, j, o) the block, channels last. The
 * channel layer norm and the GELUs between are element-wise or reduce over
 * the last axis, so they run on that layout unchanged; the hypernetwork's
 * product with the upscaled embedding then gives each mask pixel, in block
 * order, and one transpose of the small mask tensor (not of the 32-channel
 * embedding) puts the pixels in image order.
 *
 * The rewrite matches the structure the reference's export has (a
 * transposed convolution, the layer norm between two transposes, GELUs of
 * scalar constants, the product with the hypernetwork's output and the
 * reshape to [batch, prompts, masks, 4H, 4W]) and declines (returns
 * undefined) on anything else; what it makes is checked on a probe with
 * the rest of the derived decoder (see `fast_decoder.ts`).
 *
 * @module
 */

import {
  constantDims,
  intAttribute,
  intsAttribute,
} from "../models/onnx/_constants.ts";
import { freshName, makeNode } from "../models/onnx/_edit.ts";
import { type GraphIndex, indexGraph } from "../models/onnx/_graph_index.ts";
import {
  ONNX_TYPE,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxInitializer,
  type OnnxNode,
} from "../models/onnx/model.ts";
import { ProtoWriter, readFields } from "../models/onnx/protobuf.ts";

/** Element-wise ops the layer norm and the GELUs are made of. */
const ELEMENTWISE: ReadonlySet<string> = new Set([
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Pow",
  "Sqrt",
  "Erf",
  "Tanh",
  "Sigmoid",
  "Relu",
]);

/** A float32 initializer's values and dims; undefined for any other tensor. */
function floatInitializer(
  graph: OnnxGraph,
  index: GraphIndex,
  name: string,
): { data: Float32Array; dims: readonly number[] } | undefined {
  // Exporters share equal weights through Identity nodes.
  const p = index.producer.get(name);
  if (p !== undefined && index.nodes[p].opType === "Identity") {
    return floatInitializer(graph, index, index.nodes[p].inputs[0]);
  }
  const t = graph.initializers.find((i) => i.name === name);
  if (!t || t.dataType !== ONNX_TYPE.float) return undefined;
  let raw: Uint8Array | undefined;
  const listed: number[] = [];
  for (const f of readFields(t.raw)) {
    if (f.field === 9) raw = f.bytes;
    if (f.field === 13) return undefined; // external data
    if (f.field === 4 && f.bytes) {
      const v = new DataView(
        f.bytes.buffer,
        f.bytes.byteOffset,
        f.bytes.length,
      );
      for (let at = 0; at + 4 <= f.bytes.length; at += 4) {
        listed.push(v.getFloat32(at, true));
      }
    }
    if (f.field === 4 && f.fixed32 !== undefined) {
      const b = new DataView(new ArrayBuffer(4));
      b.setUint32(0, f.fixed32, true);
      listed.push(b.getFloat32(0, true));
    }
  }
  const count = t.dims.reduce((a, b) => a * b, 1);
  const data = raw
    ? new Float32Array(raw.slice().buffer, 0, raw.length / 4)
    : Float32Array.from(listed);
  return data.length === count ? { data, dims: t.dims } : undefined;
}

/** A new initializer's TensorProto: float32 or int64 values with dims. */
function newInitializer(
  name: string,
  dims: readonly number[],
  values: Float32Array | BigInt64Array,
): OnnxInitializer {
  const type = values instanceof Float32Array
    ? ONNX_TYPE.float
    : ONNX_TYPE.int64;
  const w = new ProtoWriter();
  for (const d of dims) w.int(1, d);
  w.int(2, type).string(8, name).bytes(
    9,
    new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  );
  return { name, dataType: type, dims, raw: w.finish() };
}

/** An attribute's integer list, or undefined when the node has none. */
function ints(node: OnnxNode, name: string): number[] | undefined {
  const a = node.attributes.find((x) => x.name === name);
  return a && (a.ints ?? []).map(Number);
}

/** Whether a transposed convolution is a plain 2x2 one of stride 2. */
function isBlockUpsample(node: OnnxNode): boolean {
  const same = (name: string, want: number[]) => {
    const got = ints(node, name);
    return got === undefined || got.join() === want.join();
  };
  return node.opType === "ConvTranspose" && node.domain === "" &&
    ints(node, "kernel_shape")?.join() === "2,2" &&
    ints(node, "strides")?.join() === "2,2" &&
    same("pads", [0, 0, 0, 0]) && same("dilations", [1, 1]) &&
    same("output_padding", [0, 0]) &&
    node.attributes.every((a) =>
      a.name !== "output_shape" && a.name !== "auto_pad" &&
      (a.name !== "group" || a.int === 1n)
    );
}

/** The only node reading `tensor` that is not a Shape; undefined otherwise. */
function soleReader(index: GraphIndex, tensor: string): OnnxNode | undefined {
  const readers = (index.consumers.get(tensor) ?? [])
    .map((i) => index.nodes[i])
    .filter((n) => n.opType !== "Shape");
  return readers.length === 1 ? readers[0] : undefined;
}

/**
 * Whether a constant input of an element-wise op is a scalar, or (where
 * `channels` is given) one value per channel.
 */
function isBroadcastConstant(
  graph: OnnxGraph,
  index: GraphIndex,
  name: string,
  channels: number | undefined,
): boolean {
  const dims = constantDims(graph, index, name);
  if (!dims) return false;
  const n = dims.reduce((a, b) => a * b, 1);
  return n === 1 ||
    (channels !== undefined && dims.length === 1 && dims[0] === channels);
}

/**
 * Follows a chain of element-wise ops (and, where `reduceLast`, ReduceMean
 * or LayerNormalization over the last axis) from `start` until `stop` says a node ends it;
 * returns the node that ends it, or undefined when a node of another kind
 * or a constant that is neither a scalar nor (where `channels` is given)
 * per-channel is met. Shape
 * readers are passed over: they size the old layout's reshapes.
 */
function followElementwise(
  graph: OnnxGraph,
  index: GraphIndex,
  start: string,
  channels: number | undefined,
  reduceLast: boolean,
  stop: (node: OnnxNode) => boolean,
): OnnxNode | undefined {
  const inside = new Set([start]);
  const first = Math.min(...(index.consumers.get(start) ?? [Infinity]));
  if (!Number.isFinite(first)) return undefined;
  for (let i = first; i < index.nodes.length; i++) {
    const node = index.nodes[i];
    // Shape readers compute the old layout's reshapes, which go.
    if (node.opType === "Shape" || !node.inputs.some((x) => inside.has(x))) {
      continue;
    }
    if (stop(node)) return node;
    const reduce = (node.opType === "ReduceMean" &&
      [[-1], [3]].some((a) => ints(node, "axes")?.join() === a.join())) ||
      (node.opType === "LayerNormalization" &&
        [undefined, -1n, 3n].includes(
          node.attributes.find((a) => a.name === "axis")?.int,
        ));
    if (!(ELEMENTWISE.has(node.opType) || (reduceLast && reduce))) {
      return undefined;
    }
    for (const x of node.inputs) {
      if (inside.has(x) || x === "") continue;
      if (!isBroadcastConstant(graph, index, x, channels)) return undefined;
    }
    for (const y of node.outputs) inside.add(y);
  }
  return undefined;
}

/** Nodes whose outputs nothing reads, removed until none is left; unused initializers too. */
function removeDeadNodes(graph: OnnxGraph): void {
  const needed = new Set(graph.outputs.map((v) => v.name));
  const kept: OnnxNode[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (!node.outputs.some((y) => needed.has(y))) continue;
    kept.push(node);
    for (const x of node.inputs) needed.add(x);
  }
  graph.nodes = kept.reverse();
  const inits = graph.initializers as OnnxInitializer[];
  const used = inits.filter((t) => needed.has(t.name));
  inits.splice(0, inits.length, ...used);
}

/** A 2x2 stride-2 kernel [Cin, Cout, 2, 2] as [Cin, (i, j, Cout)], and its bias per (i, j, Cout). */
function blockWeights(
  w: Float32Array,
  b: Float32Array,
  cin: number,
  cout: number,
): { weight: Float32Array; bias: Float32Array } {
  const weight = new Float32Array(cin * 4 * cout);
  for (let c = 0; c < cin; c++) {
    for (let o = 0; o < cout; o++) {
      for (let k = 0; k < 4; k++) {
        weight[c * 4 * cout + k * cout + o] = w[(c * cout + o) * 4 + k];
      }
    }
  }
  const bias = new Float32Array(4 * cout);
  for (let k = 0; k < 4; k++) bias.set(b, k * cout);
  return { weight, bias };
}

/**
 * Rewrites SAM's mask upscaling channels-last in `graph` (see the module's
 * doc); returns the names of the transposed convolutions replaced, or
 * undefined (the graph untouched) where the structure is not the expected
 * one. `height` and `width` are the image embeddings' (64 x 64 for SAM).
 */
export function channelsLastUpscale(
  graph: OnnxGraph,
  height: number,
  width: number,
): string[] | undefined {
  const index = indexGraph(graph);
  const convs = graph.nodes.filter((n) => n.opType === "ConvTranspose");
  if (convs.length !== 2 || !convs.every(isBlockUpsample)) return undefined;
  const [c1, c2] = convs;
  const w1 = floatInitializer(graph, index, c1.inputs[1]);
  const b1 = floatInitializer(graph, index, c1.inputs[2] ?? "");
  const w2 = floatInitializer(graph, index, c2.inputs[1]);
  const b2 = floatInitializer(graph, index, c2.inputs[2] ?? "");
  if (!w1 || !b1 || !w2 || !b2) return undefined;
  const [cin, ch1] = w1.dims, [ch1b, ch2] = w2.dims;
  if (ch1b !== ch1 || b1.data.length !== ch1 || b2.data.length !== ch2) {
    return undefined;
  }
  const node = (name: string | undefined) => {
    const p = name === undefined ? undefined : index.producer.get(name);
    return p === undefined ? undefined : index.nodes[p];
  };
  // Image tokens [.., H*W, C] -> Transpose -> Reshape [.., C, H, W] -> c1.
  const reshape = node(c1.inputs[0]);
  const toChannels = node(reshape?.inputs[0]);
  const perm0 = toChannels && ints(toChannels, "perm");
  if (
    reshape?.opType !== "Reshape" || toChannels?.opType !== "Transpose" ||
    !perm0 || perm0.length < 3 ||
    perm0.join() !==
      [...perm0.keys()].map((k) =>
        k < perm0.length - 2 ? k : k === perm0.length - 2 ? k + 1 : k - 1
      ).join()
  ) return undefined;
  const tokens = toChannels.inputs[0];
  // c1 -> Transpose to channels-last -> layer norm -> Transpose back.
  const toLast = soleReader(index, c1.outputs[0]);
  if (
    toLast?.opType !== "Transpose" || ints(toLast, "perm")?.join() !== "0,2,3,1"
  ) return undefined;
  const back = followElementwise(
    graph,
    index,
    toLast.outputs[0],
    ch1,
    true,
    (n) => n.opType === "Transpose",
  );
  if (back === undefined || ints(back, "perm")?.join() !== "0,3,1,2") {
    return undefined;
  }
  // GELU -> c2 -> GELU -> Reshape -> MatMul(hyper, .) -> Reshape (the masks).
  if (
    followElementwise(
      graph,
      index,
      back.outputs[0],
      undefined,
      false,
      (n) => n === c2,
    ) !== c2
  ) return undefined;
  const flatten = followElementwise(
    graph,
    index,
    c2.outputs[0],
    undefined,
    false,
    (n) => n.opType === "Reshape",
  );
  const product = flatten && soleReader(index, flatten.outputs[0]);
  const toMasks = product && soleReader(index, product.outputs[0]);
  if (
    !flatten || product?.opType !== "MatMul" ||
    product.inputs[1] !== flatten.outputs[0] ||
    toMasks?.opType !== "Reshape" ||
    graph.outputs.some((v) => v.name === toMasks.outputs[0]) ||
    !graph.inputs.some((v) => v.name === "input_points")
  ) return undefined;
  const upscaled = flatten.inputs[0];
  const hyper = product.inputs[0];

  const name = (base: string) => freshName(graph, `channels_last/${base}`);
  const added: OnnxInitializer[] = [];
  const init = (
    base: string,
    dims: number[],
    values: Float32Array | BigInt64Array,
  ) => {
    const n = freshName(graph, `channels_last/${base}`);
    added.push(newInitializer(n, dims, values));
    return n;
  };
  const int64 = (base: string, values: number[]) =>
    init(base, [values.length], BigInt64Array.from(values.map(BigInt)));
  const k1 = blockWeights(w1.data, b1.data, cin, ch1);
  const k2 = blockWeights(w2.data, b2.data, ch1, ch2);
  const nodes: OnnxNode[] = [];
  const op = (
    type: string,
    inputs: string[],
    base: string,
    attributes: OnnxAttribute[] = [],
  ) => {
    const out = name(base);
    nodes.push(makeNode(type, inputs, out, attributes));
    return out;
  };
  const w1n = init("w1", [cin, 4 * ch1], k1.weight);
  const b1n = init("b1", [4 * ch1], k1.bias);
  const w2n = init("w2", [ch1, 4 * ch2], k2.weight);
  const b2n = init("b2", [4 * ch2], k2.bias);
  // Conv 1 on the tokens: [Q, H*W, 4, C1] (pixels, 2x2 block, channels).
  const y1 = op(
    "Reshape",
    [
      op("Add", [op("MatMul", [tokens, w1n], "conv1"), b1n], "conv1_bias"),
      int64("conv1_shape", [-1, height * width, 4, ch1]),
    ],
    "conv1_blocks",
  );
  const firstNodes = nodes.splice(0);
  // Conv 2 on the GELU's output: [Q, H*W, 4, 4 * C2].
  const geluOut = c2.inputs[0];
  const y2 = op(
    "Add",
    [op("MatMul", [geluOut, w2n], "conv2"), b2n],
    "conv2_bias",
  );
  const secondNodes = nodes.splice(0);
  // The masks: [d0, d1, H*W*16, C2] x [d0, d1, C2, M], to image order.
  const hyperShape = op("Shape", [hyper], "hyper_shape");
  const zero = int64("zero", [0]), two = int64("two", [2]);
  const three = int64("three", [3]);
  const flatShape = op(
    "Concat",
    [
      op("Slice", [hyperShape, zero, two], "hyper_batch"),
      int64("flat_tail", [-1, ch2]),
    ],
    "flat_shape",
    [intAttribute("axis", 0)],
  );
  const masksFlat = op(
    "MatMul",
    [
      op("Reshape", [upscaled, flatShape], "upscaled_flat"),
      op("Transpose", [hyper], "hyper_t", [
        intsAttribute("perm", [0, 1, 3, 2]),
      ]),
    ],
    "masks_blocks",
  );
  const count = op("Slice", [hyperShape, two, three], "mask_count");
  const blocks = op(
    "Reshape",
    [
      masksFlat,
      op(
        "Concat",
        [int64("blocks_head", [-1, height, width, 2, 2, 2, 2]), count],
        "blocks_shape",
        [intAttribute("axis", 0)],
      ),
    ],
    "masks_by_block",
  );
  const ordered = op("Transpose", [blocks], "masks_ordered", [
    intsAttribute("perm", [0, 7, 1, 3, 5, 2, 4, 6]),
  ]);
  const masks = op(
    "Reshape",
    [
      ordered,
      op(
        "Concat",
        [
          op(
            "Slice",
            [op("Shape", ["input_points"], "points_shape"), zero, two],
            "prompt_batch",
          ),
          count,
          int64("mask_side", [4 * height, 4 * width]),
        ],
        "masks_shape",
        [intAttribute("axis", 0)],
      ),
    ],
    "masks",
  );
  const lastNodes = nodes.splice(0);

  // Wire in: the layer norm reads y1; the GELU reads the norm's output;
  // the second GELU reads y2; the masks' readers read the new masks.
  const rewire = new Map<string, string>([
    [toLast.outputs[0], y1],
    [back.outputs[0], back.inputs[0]],
    [c2.outputs[0], y2],
    [toMasks.outputs[0], masks],
  ]);
  const out: OnnxNode[] = [];
  for (const n of graph.nodes) {
    if (n === toLast) out.push(...firstNodes);
    if (n === c2) out.push(...secondNodes);
    if (n === toMasks) out.push(...lastNodes);
    out.push(
      n.inputs.some((x) => rewire.has(x))
        ? { ...n, inputs: n.inputs.map((x) => rewire.get(x) ?? x) }
        : n,
    );
  }
  graph.nodes = out;
  (graph.initializers as OnnxInitializer[]).push(...added);
  removeDeadNodes(graph);
  return [c1.name, c2.name];
}
