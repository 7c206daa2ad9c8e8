import assert from "node:assert/strict";
import {
  assertRewriteKeepsResults,
  memoryDerivedFiles,
} from "../helpers/fast_rewrites.ts";
import { OnnxGraph } from "../../pipeline/demo/_onnx_graph.ts";
import { readOnnxModel } from "../../pipeline/models/onnx/model.ts";
import { createSession } from "../../pipeline/models/session.ts";
import type { ModelSource } from "../../pipeline/models/source.ts";
import type { Tensor } from "../../pipeline/models/tensor.ts";
import {
  checkFastDecoder,
  deriveFastDecoder,
  FAST_DECODER_DERIVATION,
  fastDecoderBytes,
  fastDecoderInfo,
  FastDecoderMappingError,
  perPromptImageCopies,
  probeFeeds,
  verifiedFastDecoder,
} from "../../pipeline/sam/fast_decoder.ts";
import {
  REFERENCE_MODELS_DIR,
  REFERENCE_SAM,
} from "../reference/reference_data.ts";

const DECODER = "onnx/prompt_encoder_mask_decoder.onnx";
const stock = await Deno.readFile(
  `${REFERENCE_MODELS_DIR}/${REFERENCE_SAM}/${DECODER}`,
);
const colorSam = await Deno.readFile(
  new URL(
    `../fixtures/models/fixture/color-sam/${DECODER}`,
    import.meta.url,
  ),
);

/** The largest absolute difference between two float outputs. */
function maxDifference(a: Tensor, b: Tensor): number {
  const x = a.data as Float32Array, y = b.data as Float32Array;
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}

Deno.test("perPromptImageCopies() finds the repeats of the image embeddings and of their positions, not the repeat of the output tokens", () => {
  const graph = readOnnxModel(stock).graph;
  const tiles = perPromptImageCopies(graph).map((i) => graph.nodes[i].name);
  assert.deepEqual(tiles, ["/mask_decoder/Tile_1", "/mask_decoder/Tile_2"]);
  assert.equal(graph.nodes.filter((n) => n.opType === "Tile").length, 3);
});

for (const backend of ["wasm", "native"] as const) {
  Deno.test(`the fast decoder computes what the stock decoder computes for 8, 3 and 1 prompts, without the image repeats and transposed convolutions (${backend})`, async () => {
    const { bytes, info } = deriveFastDecoder(stock);
    assert.equal(info.rewrite, "fast");
    assert.deepEqual(info.bypassed, [
      "/mask_decoder/Tile_1",
      "/mask_decoder/Tile_2",
    ]);
    assert.deepEqual(info.channelsLast, [
      "/mask_decoder/upscale_conv1/ConvTranspose",
      "/mask_decoder/upscale_conv2/ConvTranspose",
    ]);
    const ops = readOnnxModel(bytes).graph.nodes.map((n) => n.opType);
    assert.equal(ops.filter((op) => op === "Tile").length, 1);
    assert.equal(ops.filter((op) => op === "ConvTranspose").length, 0);
    const a = await createSession(stock, { backend });
    const b = await createSession(bytes, { backend });
    try {
      // Largest first: onnxruntime-web's threaded wasm can hang when a run
      // grows its memory while a second session is open (seen on these tiny
      // models about one run in three, whichever graphs they hold).
      for (const prompts of [8, 3, 1]) {
        const feeds = probeFeeds(a.inputs, prompts);
        const want = await a.run(feeds);
        const got = await b.run(feeds);
        for (const name of ["iou_scores", "pred_masks"]) {
          assert.deepEqual(got[name].dims, want[name].dims, name);
          assert.ok(
            maxDifference(got[name], want[name]) <= 1e-5,
            `${name} at ${prompts} prompts`,
          );
        }
      }
      assert.equal(await checkFastDecoder(a, b), undefined);
    } finally {
      await a.release();
      await b.release();
    }
  });
}

Deno.test("a derived decoder carries its record and is derived no further; a stock one has none", () => {
  const { bytes, info } = deriveFastDecoder(stock);
  assert.deepEqual(fastDecoderInfo(bytes), info);
  assert.equal(fastDecoderInfo(stock), undefined);
  assert.equal(fastDecoderInfo(new Uint8Array([1, 2, 3])), undefined);
  const again = deriveFastDecoder(bytes);
  assert.equal(again.bytes, bytes);
  assert.deepEqual(again.info, info);
});

Deno.test("a decoder without repeats of its image embeddings, or bytes that are no model, cannot be derived", () => {
  assert.throws(
    () => deriveFastDecoder(colorSam, { label: "color-sam" }),
    (e) =>
      e instanceof FastDecoderMappingError &&
      /color-sam has neither a Tile node that repeats its image embeddings per prompt nor SAM's 2x2 transposed-convolution upscaling/
        .test(e.message),
  );
  assert.throws(
    () => deriveFastDecoder(new Uint8Array([0xff, 0xff, 0xff])),
    (e) =>
      e instanceof FastDecoderMappingError &&
      /is not an ONNX model/.test(e.message),
  );
});

Deno.test("verifiedFastDecoder() runs a decoder without repeats as it is, with its record", async () => {
  const made = await verifiedFastDecoder(
    colorSam,
    (b) => createSession(b),
  );
  assert.equal(made.info.rewrite, "none");
  assert.deepEqual(fastDecoderInfo(made.bytes), made.info);
  assert.equal(
    readOnnxModel(made.bytes).graph.nodes.length,
    readOnnxModel(colorSam).graph.nodes.length,
  );
});

/**
 * A decoder whose repeat of the image embeddings is summed over the prompts
 * afterwards: taking the repeat out changes its output (P times less).
 */
function summingDecoder(): Uint8Array {
  const g = new OnnxGraph("summing-decoder");
  g.input("input_points", "float32", [1, "point_batch_size", 1, 2]);
  g.input("input_labels", "int64", [1, "point_batch_size", 1]);
  const image = g.input("image_embeddings", "float32", [1, 2, 2, 2]);
  g.input("image_positional_embeddings", "float32", [1, 2, 2, 2]);
  const shape = g.node("Shape", ["input_points"]);
  const prompts = g.node("Gather", [shape, g.constInt64([1])], undefined, {
    axis: { kind: "int", value: 0 },
  });
  const repeats = g.node(
    "Concat",
    [prompts, g.constInt64([1, 1, 1])],
    undefined,
    {
      axis: { kind: "int", value: 0 },
    },
  );
  const tiled = g.node("Tile", [image, repeats]);
  g.node("ReduceSum", [tiled, g.constInt64([0])], ["iou_scores"], {
    keepdims: { kind: "int", value: 1 },
  });
  g.output("iou_scores", "float32", [1, 2, 2, 2]);
  return g.encode();
}

Deno.test("verifiedFastDecoder() keeps the stock graph, saying why, when taking the repeats out changes the outputs", async () => {
  const decoder = summingDecoder();
  const made = await verifiedFastDecoder(
    decoder,
    (b) => createSession(b),
    "summing",
  );
  assert.equal(made.info.rewrite, "refused");
  assert.match(
    made.info.unchanged ?? "",
    /^summing: the fast decoder's output "iou_scores" differs from the stock decoder's by .* \(relative\) on the probe$/,
  );
  assert.deepEqual(fastDecoderInfo(made.bytes), made.info);
  assert.equal(
    readOnnxModel(made.bytes).graph.nodes.length,
    readOnnxModel(decoder).graph.nodes.length,
  );
});

Deno.test("probeFeeds() fills the decoder's inputs and names one it cannot fill", () => {
  const feeds = probeFeeds([
    { name: "input_points", type: "float32", shape: ["b", "p", "n", 2] },
    { name: "input_labels", type: "int64", shape: ["b", "p", "n"] },
    { name: "image_embeddings", type: "float32", shape: ["b", 4, 8, 8] },
  ], 5);
  assert.deepEqual(feeds.input_points.dims, [1, 5, 1, 2]);
  assert.deepEqual(feeds.input_labels.dims, [1, 5, 1]);
  assert.deepEqual(feeds.image_embeddings.dims, [1, 4, 8, 8]);
  const points = feeds.input_points.data as Float32Array;
  assert.ok(points.every((v) => v >= 0 && v < 1024));
  assert.throws(
    () => probeFeeds([{ name: "input_masks", type: "float32", shape: [1, 1] }]),
    /input "input_masks" \(float32\) the probe cannot fill/,
  );
  assert.throws(
    () =>
      probeFeeds([{
        name: "image_embeddings",
        type: "float32",
        shape: ["b", 256, "h", "w"],
      }]),
    /"image_embeddings" has sizes the probe cannot know \(\[b,256,h,w\]\)/,
  );
});

/** A session opener (createSession by default) that counts its calls. */
function countingOpen(
  make: (b: Uint8Array) => ReturnType<typeof createSession> = (b) =>
    createSession(b),
) {
  let count = 0;
  const open = (b: Uint8Array) => {
    count++;
    return make(b);
  };
  return { open, opened: () => count };
}

/** A source over one decoder file that keeps derived files in memory. */
function keepingSource(bytes: Uint8Array) {
  const { derived, kept } = memoryDerivedFiles();
  let reads = 0;
  const source: ModelSource = {
    read: () => {
      reads++;
      return Promise.resolve(bytes);
    },
    describe: (repo, path) => `${repo}/${path}`,
    derived,
  };
  return { source, kept, reads: () => reads };
}

Deno.test("fastDecoderBytes() derives and checks once, keeps the decoder, and reads it back on the next run", async () => {
  const { source, kept, reads } = keepingSource(stock);
  const { open, opened } = countingOpen();
  const first = await fastDecoderBytes(
    source,
    "acme/sam",
    DECODER,
    open,
  );
  assert.equal(first.from, "derived");
  assert.equal(first.stored, true);
  assert.equal(first.info.rewrite, "fast");
  assert.equal(opened(), 2); // the stock and the derived decoder, on the probe
  assert.deepEqual([...kept.keys()], [
    `acme/sam/${DECODER}/${FAST_DECODER_DERIVATION}`,
  ]);
  const second = await fastDecoderBytes(
    source,
    "acme/sam",
    DECODER,
    open,
  );
  assert.equal(second.from, "kept");
  assert.deepEqual(second.info, first.info);
  assert.equal(opened(), 2);
  assert.equal(reads(), 1);
});

Deno.test("createSegmenter() runs SAM's decoder as the fast decoder unless told not to, with the same proposals and choices", async () => {
  await assertRewriteKeepsResults("fastDecoder", FAST_DECODER_DERIVATION);
});

/** Two transposed convolutions of `kernel` x `kernel`, stride 2, one after the other. */
function upscalingGraph(kernel: number): Uint8Array {
  const g = new OnnxGraph("upscaling");
  const x = g.input("x", "float32", [1, 4, 3, 3]);
  const w1 = g.constFloat(new Float32Array(4 * 2 * kernel * kernel), [
    4,
    2,
    kernel,
    kernel,
  ]);
  const w2 = g.constFloat(new Float32Array(2 * 2 * kernel * kernel), [
    2,
    2,
    kernel,
    kernel,
  ]);
  const b1 = g.constFloat(new Float32Array(2), [2]);
  const b2 = g.constFloat(new Float32Array(2), [2]);
  const conv = (input: string, w: string, b: string, out?: string) =>
    g.node("ConvTranspose", [input, w, b], out ? [out] : undefined, {
      kernel_shape: { kind: "ints", value: [kernel, kernel] },
      strides: { kind: "ints", value: [2, 2] },
    });
  conv(conv(x, w1, b1), w2, b2, "y");
  g.output("y", "float32", [1, 2, "h", "w"]);
  return g.encode();
}

Deno.test("channelsLastUpscale() leaves a graph alone where its upscaling is not SAM's: 3x3 kernels, or 2x2 ones not fed by the image tokens' transpose", async () => {
  const { channelsLastUpscale } = await import(
    "../../pipeline/sam/_channels_last_upscale.ts"
  );
  for (const kernel of [3, 2]) {
    const graph = readOnnxModel(upscalingGraph(kernel)).graph;
    const before = graph.nodes.map((n) => n.name);
    assert.equal(
      channelsLastUpscale(graph, 3, 3),
      undefined,
      `${kernel}x${kernel}`,
    );
    assert.deepEqual(graph.nodes.map((n) => n.name), before);
  }
});

Deno.test("fastDecoderBytes() reuses a kept refusal without checking again", async () => {
  const { source, kept } = keepingSource(summingDecoder());
  const { open, opened } = countingOpen();
  const first = await fastDecoderBytes(
    source,
    "acme/sam",
    DECODER,
    open,
    "wasm",
  );
  assert.equal(first.info.rewrite, "refused");
  assert.equal(first.stored, true);
  assert.equal(kept.size, 1);
  const second = await fastDecoderBytes(
    source,
    "acme/sam",
    DECODER,
    open,
    "native",
  );
  assert.equal(second.from, "kept");
  assert.equal(second.info.rewrite, "refused");
  assert.equal(opened(), 2);
});

Deno.test("fastDecoderBytes() checks a kept fast decoder again on a backend it has not run on, and records both", async () => {
  const { source } = keepingSource(stock);
  const opens: string[] = [];
  const open = (backend: "wasm" | "native") => (b: Uint8Array) => {
    opens.push(backend);
    return createSession(b, { backend });
  };
  const onWasm = await fastDecoderBytes(
    source,
    "acme/sam",
    DECODER,
    open("wasm"),
    "wasm",
  );
  assert.deepEqual(onWasm.info.checkedOn, ["wasm"]);
  const onNative = await fastDecoderBytes(
    source,
    "acme/sam",
    DECODER,
    open("native"),
    "native",
  );
  assert.equal(onNative.from, "derived");
  assert.deepEqual(onNative.info.checkedOn, ["wasm", "native"]);
  const again = await fastDecoderBytes(
    source,
    "acme/sam",
    DECODER,
    open("wasm"),
    "wasm",
  );
  assert.equal(again.from, "kept");
  assert.deepEqual(opens, ["wasm", "wasm", "native", "native"]);
});

Deno.test("a fast decoder that cannot be opened on the backend leaves the stock decoder running, nothing kept, and is tried again next time", async () => {
  const { source, kept } = keepingSource(stock);
  const { open, opened } = countingOpen((b) =>
    b === stock
      ? createSession(b)
      : Promise.reject(new Error("no kernel for this op"))
  );
  for (const run of [1, 2]) {
    const made = await fastDecoderBytes(
      source,
      "acme/sam",
      DECODER,
      open,
      "webgpu",
    );
    assert.equal(made.info.rewrite, "unchecked", `run ${run}`);
    assert.equal(made.bytes, stock);
    assert.equal(made.stored, false);
    assert.match(
      made.info.unchanged ?? "",
      /could not run on the webgpu backend \(no kernel for this op\); the next run checks it again/,
    );
  }
  assert.equal(kept.size, 0);
  assert.equal(opened(), 4);
});
