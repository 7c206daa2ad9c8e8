import assert from "node:assert/strict";
import {
  assertFastEncoderOnlyWhenAsked,
  assertRewriteKeepsResults,
} from "../helpers/fast_rewrites.ts";
import { OnnxGraph } from "../../pipeline/demo/_onnx_graph.ts";
import { readOnnxModel } from "../../pipeline/models/onnx/model.ts";
import { createSession } from "../../pipeline/models/session.ts";
import { type Tensor, tensor } from "../../pipeline/models/tensor.ts";
import {
  probeValues,
  RewriteMappingError,
} from "../../pipeline/models/verified_rewrite.ts";
import { chunkAttentionByRows } from "../../pipeline/sam/_chunked_attention.ts";
import {
  deriveFastEncoder,
  FAST_ENCODER_DERIVATION,
  fastEncoderInfo,
  verifiedFastEncoder,
} from "../../pipeline/sam/fast_encoder.ts";
import {
  REFERENCE_MODELS_DIR,
  REFERENCE_SAM,
} from "../reference/reference_data.ts";

const ENCODER = "onnx/vision_encoder.onnx";
const stock = await Deno.readFile(
  `${REFERENCE_MODELS_DIR}/${REFERENCE_SAM}/${ENCODER}`,
);

/** max |a - b| / max(1, max |a|) over two float outputs. */
function relativeDifference(a: Tensor, b: Tensor): number {
  const x = a.data as Float32Array, y = b.data as Float32Array;
  let d = 0, scale = 1;
  for (let i = 0; i < x.length; i++) {
    d = Math.max(d, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(x[i]));
  }
  return d / scale;
}

/** Runs a model's bytes once on `feeds` and releases it. */
async function runOnce(
  bytes: Uint8Array,
  feeds: Record<string, Tensor>,
  backend: "wasm" | "native" = "native",
): Promise<Record<string, Tensor>> {
  const session = await createSession(bytes, { backend });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

Deno.test("chunkAttentionByRows() finds the windowed and the global attention of the exported encoder and leaves no whole score matrix", () => {
  const model = readOnnxModel(stock);
  const found = chunkAttentionByRows(model.graph, 13);
  assert.deepEqual(found, [
    "/vision_encoder/layers.0/attn/Softmax",
    "/vision_encoder/layers.1/attn/Softmax",
  ]);
  const ops = model.graph.nodes.map((n) => n.opType);
  assert.equal(ops.filter((op) => op === "Scan").length, 2);
  assert.equal(ops.filter((op) => op === "Softmax").length, 0);
  // The reshapes' shape computations of the score matrix went with it.
  const made = new Set(model.graph.nodes.flatMap((n) => n.outputs));
  for (const n of model.graph.nodes) {
    for (const x of n.inputs) {
      assert.ok(
        x === "" || made.has(x) ||
          model.graph.initializers.some((t) => t.name === x) ||
          x === "pixel_values",
        `${n.name} reads ${x}, which nothing makes`,
      );
    }
  }
});

for (const backend of ["native", "wasm"] as const) {
  Deno.test(`the fast encoder computes what the stock encoder computes on an image (${backend})`, async () => {
    const { bytes, info } = deriveFastEncoder(stock);
    assert.equal(info.rewrite, "fast");
    assert.equal(info.chunkedAttention.length, 2);
    const pixels = tensor(
      "float32",
      probeValues(3 * 1024 * 1024, 3).map((v) => v * 2),
      [1, 3, 1024, 1024],
    );
    const want = await runOnce(stock, { pixel_values: pixels }, backend);
    const got = await runOnce(bytes, { pixel_values: pixels }, backend);
    for (const name of ["image_embeddings", "image_positional_embeddings"]) {
      assert.deepEqual(got[name].dims, want[name].dims);
      assert.ok(
        relativeDifference(want[name], got[name]) < 1e-5,
        `${name} differs by ${relativeDifference(want[name], got[name])}`,
      );
    }
  });
}

/** Sizes of the hand-made attention: heads x batch, query grid, channels. */
const BH = 3, H = 4, W = 5, C = 6, N = H * W;

/**
 * One attention with decomposed relative positions as the exports write
 * it: `order` "4" adds the terms one after the other on the 5-D scores
 * (transformers 4), "5" sums the terms first and adds the sum to the flat
 * scores (transformers 5). Inputs are the queries, keys, values and the
 * two position terms.
 */
function attentionGraph(order: "4" | "5", opset: number): Uint8Array {
  const g = new OnnxGraph(`attention-${order}`);
  const q = g.input("q", "float32", [BH, N, C]);
  const k = g.input("k", "float32", [BH, N, C]);
  const v = g.input("v", "float32", [BH, N, C]);
  const rows = g.input("rows", "float32", [BH, H, W, H]);
  const columns = g.input("columns", "float32", [BH, H, W, W]);
  const qs = g.node("Mul", [q, g.constFloat([C ** -0.5], [])]);
  const kT = g.node("Transpose", [k], undefined, {
    perm: { kind: "ints", value: [0, 2, 1] },
  });
  const scores = g.node("MatMul", [qs, kT]);
  const unsqueeze = (x: string, axis: number) =>
    opset >= 13
      ? g.node("Unsqueeze", [x, g.constInt64([axis])])
      : g.node("Unsqueeze", [x], undefined, {
        axes: { kind: "ints", value: [axis] },
      });
  const r5 = unsqueeze(rows, -1), c5 = unsqueeze(columns, -2);
  let biased: string;
  if (order === "4") {
    const s5 = g.node("Reshape", [scores, g.constInt64([BH, H, W, H, W])]);
    const summed = g.node("Add", [g.node("Add", [s5, r5]), c5]);
    biased = g.node("Reshape", [summed, g.constInt64([BH, N, N])]);
  } else {
    const terms = g.node("Add", [r5, c5]);
    const flat = g.node("Reshape", [terms, g.node("Shape", [scores])]);
    biased = g.node("Add", [scores, flat]);
  }
  const probs = g.node("Softmax", [biased], undefined, {
    axis: { kind: "int", value: -1 },
  });
  const cast = g.node("Cast", [probs], undefined, {
    to: { kind: "int", value: 1 },
  });
  g.node("MatMul", [cast, v], ["out"]);
  g.output("out", "float32", [BH, N, C]);
  return g.encode(opset);
}

/** Random inputs of the hand-made attention. */
function attentionFeeds(): Record<string, Tensor> {
  const t = (dims: number[], seed: number) =>
    tensor(
      "float32",
      probeValues(dims.reduce((a, b) => a * b, 1), seed).map((x) => 3 * x),
      dims,
    );
  return {
    q: t([BH, N, C], 1),
    k: t([BH, N, C], 2),
    v: t([BH, N, C], 3),
    rows: t([BH, H, W, H], 4),
    columns: t([BH, H, W, W], 5),
  };
}

for (const [order, opset] of [["4", 12], ["4", 17], ["5", 13]] as const) {
  Deno.test(`the chunked attention computes what the export computes with the terms added as transformers ${order} adds them (opset ${opset}), on a grid of ${H} x ${W}`, async () => {
    const bytes = attentionGraph(order, opset);
    const { bytes: fast, info } = deriveFastEncoder(bytes);
    assert.equal(info.chunkedAttention.length, 1);
    const model = readOnnxModel(fast);
    assert.ok(model.graph.nodes.some((n) => n.opType === "Scan"));
    assert.ok(!model.graph.nodes.some((n) => n.opType === "Softmax"));
    const feeds = attentionFeeds();
    const want = await runOnce(bytes, feeds);
    const got = await runOnce(fast, feeds);
    assert.deepEqual(got.out.dims, [BH, N, C]);
    assert.ok(relativeDifference(want.out, got.out) < 1e-6);
  });
}

Deno.test("chunkAttentionByRows() leaves alone an attention without the two position terms, or whose scores are also a graph output", () => {
  // Plain attention: softmax(q k^T) v.
  const plain = new OnnxGraph("plain");
  const q = plain.input("q", "float32", [BH, N, C]);
  const v = plain.input("v", "float32", [BH, N, C]);
  const kT = plain.node("Transpose", [q], undefined, {
    perm: { kind: "ints", value: [0, 2, 1] },
  });
  const probs = plain.node("Softmax", [plain.node("MatMul", [q, kT])], [
    "p",
  ], { axis: { kind: "int", value: -1 } });
  plain.node("MatMul", [probs, v], ["out"]);
  plain.output("out", "float32", [BH, N, C]);
  const graph = readOnnxModel(plain.encode()).graph;
  const nodes = graph.nodes.length;
  assert.deepEqual(chunkAttentionByRows(graph, 17), []);
  assert.equal(graph.nodes.length, nodes);
  assert.throws(
    () => deriveFastEncoder(plain.encode()),
    (e) =>
      e instanceof RewriteMappingError &&
      /no attention with SAM's decomposed relative positions/.test(e.message),
  );

  // The position terms are there, but the probabilities are read twice.
  const model = readOnnxModel(attentionGraph("4", 17));
  const softmax = model.graph.nodes.find((n) => n.opType === "Softmax")!;
  model.graph.outputs.push({
    name: softmax.outputs[0],
    elemType: 1,
    dims: [BH, N, N],
  });
  assert.deepEqual(chunkAttentionByRows(model.graph, 17), []);
});

Deno.test("a derived encoder carries its record and is derived no further; bytes that are no model cannot be derived", () => {
  const derived = deriveFastEncoder(stock, { checkedOn: ["native"] });
  assert.deepEqual(fastEncoderInfo(derived.bytes), derived.info);
  assert.deepEqual(derived.info.checkedOn, ["native"]);
  assert.equal(deriveFastEncoder(derived.bytes).bytes, derived.bytes);
  assert.equal(fastEncoderInfo(stock), undefined);
  assert.throws(
    () => deriveFastEncoder(new Uint8Array([1, 2, 3]), { label: "junk" }),
    (e) =>
      e instanceof RewriteMappingError &&
      /^junk is not an ONNX model/.test(e.message),
  );
});

Deno.test("verifiedFastEncoder() checks the fast encoder on a probe image with one session open at a time", async () => {
  let open = 0, most = 0, opened = 0;
  const { info } = await verifiedFastEncoder(
    stock,
    async (bytes) => {
      const session = await createSession(bytes);
      open++, opened++;
      most = Math.max(most, open);
      return {
        ...session,
        inputs: session.inputs,
        outputs: session.outputs,
        run: (feeds, names) => session.run(feeds, names),
        release: async () => {
          open--;
          await session.release();
        },
      };
    },
    "tiny-random-sam",
    { backend: "native" },
  );
  assert.equal(info.rewrite, "fast");
  assert.deepEqual(info.checkedOn, ["native"]);
  assert.equal(opened, 2);
  assert.equal(most, 1);
  assert.equal(open, 0);
});

Deno.test("createSegmenter() runs SAM's encoder as the fast encoder unless told not to, with the same proposals and choices", async () => {
  await assertRewriteKeepsResults("fastEncoder", FAST_ENCODER_DERIVATION);
});

Deno.test("createSegmenter() with a source that keeps no derived files (a models folder) runs the encoder as exported unless the fast encoder is asked for", async () => {
  const { referenceModels } = await import("../reference/reference_data.ts");
  const source = referenceModels();
  assert.equal(source.derived, undefined);
  await assertFastEncoderOnlyWhenAsked(source, "native");
});
