import assert from "node:assert/strict";
import {
  graphSignature,
  readOnnxModel,
  writeOnnxModel,
} from "../../pipeline/models/onnx/model.ts";
import {
  ProtobufError,
  ProtoWriter,
  readFields,
} from "../../pipeline/models/onnx/protobuf.ts";
import { createSession } from "../../pipeline/models/session.ts";
import { tensor } from "../../pipeline/models/tensor.ts";
import { buildClipVisionModel } from "../../pipeline/demo/_color_clip.ts";
import { buildSamDecoder } from "../../pipeline/demo/_color_sam.ts";

Deno.test("readFields() walks varints, fixed32 and length-delimited fields, int64 and negatives included", () => {
  const bytes = new ProtoWriter()
    .int(1, 300)
    .int(2, -2n)
    .int(3, 2n ** 62n)
    .float(4, 1.5)
    .string(5, "oris")
    .message(6, (w) => w.int(1, 7))
    .finish();
  const fields = [...readFields(bytes)];
  assert.deepEqual(fields.map((f) => [f.field, f.wire]), [
    [1, 0],
    [2, 0],
    [3, 0],
    [4, 5],
    [5, 2],
    [6, 2],
  ]);
  assert.equal(fields[0].varint, 300n);
  assert.equal(BigInt.asIntN(64, fields[1].varint!), -2n);
  assert.equal(fields[2].varint, 2n ** 62n);
  assert.equal(
    new DataView(new Float32Array([1.5]).buffer).getUint32(0, true),
    fields[3].fixed32,
  );
  assert.equal(new TextDecoder().decode(fields[4].bytes), "oris");
  assert.deepEqual([...readFields(fields[5].bytes!)].map((f) => f.varint), [
    7n,
  ]);
  // Raw fields copy back to the same bytes.
  const copy = new ProtoWriter();
  for (const f of fields) copy.raw(f);
  assert.deepEqual(copy.finish(), bytes);
});

Deno.test("readOnnxModel() refuses truncated and foreign bytes with a ProtobufError", () => {
  const model = buildClipVisionModel();
  assert.throws(
    () => readOnnxModel(model.subarray(0, model.length - 100)),
    ProtobufError,
  );
  assert.throws(
    () => readOnnxModel(new TextEncoder().encode('{"json": true}')),
    ProtobufError,
  );
  assert.throws(
    () => readOnnxModel(new ProtoWriter().int(1, 8).finish()),
    /no graph/,
  );
});

Deno.test("graphSignature() lists a graph's inputs and outputs as onnxruntime names them", () => {
  const { inputs, outputs } = graphSignature(
    readOnnxModel(buildSamDecoder()).graph,
  );
  assert.deepEqual(inputs.map((v) => [v.name, v.type]), [
    ["input_points", "float32"],
    ["input_labels", "int64"],
    ["image_embeddings", "float32"],
    ["image_positional_embeddings", "float32"],
  ]);
  assert.deepEqual(outputs.map((v) => [v.name, v.type, v.shape.length]), [
    ["iou_scores", "float32", 3],
    ["pred_masks", "float32", 5],
  ]);
});

Deno.test("writeOnnxModel() of a model read unchanged gives a model that computes the same", async () => {
  const original = buildClipVisionModel();
  const model = readOnnxModel(original);
  model.metadata.push(["oris.test", "1"]);
  const rewritten = writeOnnxModel(model);
  assert.equal(
    readOnnxModel(rewritten).graph.nodes.length,
    model.graph.nodes.length,
  );
  const pixels = new Float32Array(2 * 3 * 224 * 224);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.sin(i * 0.37);
  const outputs = [];
  for (const bytes of [original, rewritten]) {
    const session = await createSession(bytes, { backend: "native" });
    try {
      const out = await session.run({
        pixel_values: tensor("float32", pixels, [2, 3, 224, 224]),
      });
      outputs.push(out.image_embeds.data as Float32Array);
    } finally {
      await session.release();
    }
  }
  assert.deepEqual(outputs[1], outputs[0]);
});

Deno.test("writeOnnxModel() keeps what it does not decode: unknown and doc fields, metadata, inputs' own bytes", () => {
  const original = buildClipVisionModel();
  // The same model with a doc string and an unknown field on the graph and
  // on the model, an earlier metadata entry, and a documented input.
  const w = new ProtoWriter();
  for (const f of readFields(original)) {
    if (f.field !== 7) {
      w.raw(f);
      continue;
    }
    w.message(7, (g) => {
      for (const gf of readFields(f.bytes!)) {
        if (gf.field !== 11) {
          g.raw(gf);
          continue;
        }
        g.message(11, (v) => {
          for (const vf of readFields(gf.bytes!)) v.raw(vf);
          v.string(3, "pixels, CLIP-normalised");
        });
      }
      g.string(10, "graph doc").int(99, 7);
    });
  }
  w.message(14, (m) => m.string(1, "earlier").string(2, "kept"));
  w.int(98, 5);
  const model = readOnnxModel(w.finish());
  model.metadata.push(["added", "too"]);
  const out = writeOnnxModel(model);
  const top = [...readFields(out)];
  assert.ok(top.some((f) => f.field === 98 && f.varint === 5n));
  const metadata = top.filter((f) => f.field === 14).map((f) =>
    [...readFields(f.bytes!)].map((e) => new TextDecoder().decode(e.bytes))
  );
  assert.deepEqual(metadata, [["earlier", "kept"], ["added", "too"]]);
  const graph = [...readFields(top.find((f) => f.field === 7)!.bytes!)];
  assert.ok(graph.some((f) => f.field === 99 && f.varint === 7n));
  assert.ok(graph.some((f) => f.field === 10));
  const input = graph.find((f) => f.field === 11)!;
  assert.ok(
    [...readFields(input.bytes!)].some((f) =>
      f.field === 3 &&
      new TextDecoder().decode(f.bytes) === "pixels, CLIP-normalised"
    ),
  );
});

Deno.test("graphSignature() leaves out inputs that are initializers (defaults), as onnxruntime does", () => {
  const model = readOnnxModel(buildClipVisionModel());
  const weight = model.graph.initializers[0];
  model.graph.inputs = [...model.graph.inputs, {
    name: weight.name,
    elemType: weight.dataType,
    dims: weight.dims,
  }];
  assert.deepEqual(graphSignature(model.graph).inputs.map((v) => v.name), [
    "pixel_values",
  ]);
});

Deno.test("readFields() refuses a varint longer than 10 bytes", () => {
  const bytes = new Uint8Array([0x08, ...new Array(10).fill(0xff), 0x01]);
  assert.throws(() => [...readFields(bytes)], /varint too long/);
  const ten = new Uint8Array([0x08, ...new Array(9).fill(0xff), 0x01]);
  assert.equal([...readFields(ten)][0].varint, 2n ** 64n - 1n);
});
