import assert from "node:assert/strict";
import {
  deriveTokenMaskModel,
  TOKEN_MASK_DERIVATION,
  TOKEN_MASK_INPUT,
  tokenMaskInfo,
  TokenMaskMappingError,
} from "../../pipeline/clip/token_mask_model.ts";
import {
  tokenMaskRows,
  wholeImageView,
} from "../../pipeline/clip/_token_mask_inputs.ts";
import {
  CLIP_VISION_SIGNATURE,
  ClipVisionEncoder,
} from "../../pipeline/clip/vision.ts";
import { readOnnxModel } from "../../pipeline/models/onnx/model.ts";
import {
  findResidualStream,
  ResidualStreamError,
} from "../../pipeline/models/onnx/_residual_stream.ts";
import {
  createSession,
  ModelSignatureError,
} from "../../pipeline/models/session.ts";
import { tensor } from "../../pipeline/models/tensor.ts";
import { CLIP_NORMALISATION } from "../../kernels/clip_views.ts";
import {
  buildClipVisionModel,
  clipFixtureBasis,
} from "../../pipeline/demo/_color_clip.ts";
import { colourIndex, PALETTE } from "../../pipeline/demo/palette.ts";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import { flatGraph, residualGraph } from "../helpers/residual_graphs.ts";
import { tinyModel } from "../helpers/tiny_model.ts";

Deno.test("findResidualStream() pairs a chain of residual Adds into blocks and reads the stream's type", () => {
  const stream = findResidualStream(
    readOnnxModel(residualGraph(8)).graph,
    "pixel_values",
    "image_embeds",
  );
  assert.equal(stream.blockInputs.length, 4);
  assert.equal(stream.elemType, 1);
  assert.throws(
    () =>
      findResidualStream(
        readOnnxModel(residualGraph(5)).graph,
        "pixel_values",
        "image_embeds",
      ),
    (e: unknown) =>
      e instanceof ResidualStreamError &&
      /5 residual Adds, which do not pair into blocks/.test(e.message),
  );
});

Deno.test("deriveTokenMaskModel() masks the last three blocks' inputs and records what it did", async () => {
  const { bytes, info } = deriveTokenMaskModel(residualGraph(10), {
    sequenceLength: 5,
  });
  assert.deepEqual(info, {
    blocks: 5,
    maskedBlocks: [2, 3, 4],
    sequenceLength: 5,
    streamType: 1,
    // Its last "MLP" (x + 0.5 x) works token by token.
    classTokenOnly: true,
    derivation: TOKEN_MASK_DERIVATION,
  });
  assert.deepEqual(tokenMaskInfo(bytes), info);
  assert.equal(tokenMaskInfo(residualGraph(10)), undefined);
  // Deriving a derived model changes nothing.
  assert.equal(deriveTokenMaskModel(bytes, { sequenceLength: 5 }).bytes, bytes);
  const session = await createSession(bytes, { backend: "native" });
  try {
    assert.deepEqual(session.inputs.map((i) => [i.name, i.shape]), [
      ["pixel_values", ["batch_size", 3, 4, 4]],
      [TOKEN_MASK_INPUT, ["num_masks", 5, 1]],
    ]);
    // One image, two masks: patch p of the image is worth p + 1. Each Add
    // but the pooling one grows the stream by 1.5 (9 of the 10), the pooling
    // one (the last block's first) puts the patches' mean in the class
    // token, and the inputs of the last three blocks (Adds 4, 6, 8) are
    // multiplied by the mask: the class token ends as 1.5^9 * the mean over
    // patches of value * mask^3.
    const pixels = new Float32Array(48);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 4; y++) {
        for (let x = 0; x < 4; x++) {
          pixels[c * 16 + y * 4 + x] = (y >> 1) * 2 + (x >> 1) + 1;
        }
      }
    }
    const masks = Float32Array.from([1, 1, 0, 0.5, 0, 1, 1, 1, 1, 1]);
    const out = await session.run({
      pixel_values: tensor("float32", pixels, [1, 3, 4, 4]),
      [TOKEN_MASK_INPUT]: tensor("float32", masks, [2, 5, 1]),
    });
    assert.deepEqual(out.image_embeds.dims, [2, 3]);
    const grow = 1.5 ** 9;
    const want = [
      (1 * 1 + 3 * 0.125) / 4 * grow,
      (1 + 2 + 3 + 4) / 4 * grow,
    ];
    const got = out.image_embeds.data as Float32Array;
    for (let m = 0; m < 2; m++) {
      for (let c = 0; c < 3; c++) {
        assert.ok(Math.abs(got[m * 3 + c] - want[m]) < 1e-3 * want[m]);
      }
    }
  } finally {
    await session.release();
  }
});

Deno.test("deriveTokenMaskModel() says what it could not find, and what to use instead", () => {
  const cases: [Uint8Array, RegExp][] = [
    [
      flatGraph(),
      /no residual Add \(x \+ f\(x\)\) between "pixel_values" and "image_embeds"/,
    ],
    [residualGraph(6), /3 blocks; masking the last 3 needs at least 4/],
    [new TextEncoder().encode("<html>not a model</html>"), /not an ONNX model/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(
      () => deriveTokenMaskModel(bytes, { sequenceLength: 5, label: "m.onnx" }),
      (e: unknown) =>
        e instanceof TokenMaskMappingError && message.test(e.message) &&
        e.message.startsWith("m.onnx cannot be token-masked") &&
        e.message.includes('globalView "blur"') &&
        !e.message.includes("--"),
    );
  }
  assert.throws(
    () =>
      deriveTokenMaskModel(tinyModel(), {
        sequenceLength: 5,
        label: "m.onnx",
        signature: CLIP_VISION_SIGNATURE,
      }),
    (e: unknown) =>
      e instanceof ModelSignatureError &&
      e.message.includes('missing input "pixel_values"'),
  );
  assert.throws(
    () => deriveTokenMaskModel(residualGraph(8), { sequenceLength: 1 }),
    RangeError,
  );
});

Deno.test("the token-masked color-clip fixture embeds a masked shape by its own colour", async () => {
  const { bytes, info } = deriveTokenMaskModel(buildClipVisionModel(), {
    sequenceLength: 50,
  });
  // Its output reads the class token alone and its last "MLP" is token-wise.
  assert.equal(info.classTokenOnly, true);
  const session = await createSession(bytes, { backend: "native" });
  const vision = new ClipVisionEncoder(session);
  try {
    const basis = clipFixtureBasis();
    const dim = 512;
    const colourOf = (v: Float32Array) => {
      let best = -1, bestDot = -Infinity;
      for (let k = 0; k < PALETTE.length; k++) {
        let dot = 0;
        for (let i = 0; i < dim; i++) dot += v[i] * basis[k * dim + i];
        if (dot > bestDot) [best, bestDot] = [k, dot];
      }
      return best;
    };
    for (const seed of [1, 2, 3]) {
      const scene = generateScene(seed);
      const { image } = scene;
      const view = wholeImageView(image, 224, CLIP_NORMALISATION);
      const rows = tokenMaskRows(
        scene.shapes.map((s) => ({ mask: s.mask, box: s.box })),
        image.width,
        image.height,
        vision.patchGridSide,
      );
      const { embeds } = await vision.embedTokenMasked(
        view,
        rows,
        scene.shapes.length,
      );
      scene.shapes.forEach((s, i) => {
        assert.equal(
          colourOf(embeds.subarray(i * dim, (i + 1) * dim)),
          colourIndex(s.colour),
          `seed ${seed}, shape ${i} (${s.colour})`,
        );
      });
    }
  } finally {
    await session.release();
  }
});

Deno.test("deriveTokenMaskModel() cuts the last MLP to the class token only where that changes nothing", () => {
  const cut = (bytes: Uint8Array) =>
    deriveTokenMaskModel(bytes, { sequenceLength: 5 }).info.classTokenOnly;
  assert.equal(cut(residualGraph(10)), true);
  assert.equal(cut(residualGraph(10, { identityConstant: true })), true);
  // A constant that differs from token to token in the last MLP.
  assert.equal(
    cut(residualGraph(10, { lastBranchConstant: "perToken" })),
    false,
  );
  // Every token after the last block is a graph output.
  assert.equal(
    cut(residualGraph(10, { expose: "last_hidden_state" })),
    false,
  );
  // The stream before the last MLP is read elsewhere too.
  assert.equal(cut(residualGraph(10, { expose: "last_mid" })), false);
});

Deno.test("deriveTokenMaskModel() refuses a stream that is not batch-first, and a token count the graph or an earlier derivation contradicts", () => {
  assert.throws(
    () =>
      deriveTokenMaskModel(residualGraph(10, { classAxis: 0 }), {
        sequenceLength: 5,
      }),
    (e: unknown) =>
      e instanceof TokenMaskMappingError &&
      /nothing reads the class token .* as token 0 of axis 1/.test(e.message),
  );
  // No position embedding to count by, and no count given.
  assert.throws(
    () => deriveTokenMaskModel(residualGraph(10)),
    (e: unknown) =>
      e instanceof TokenMaskMappingError &&
      /no position embedding .* and no token count was given/.test(e.message),
  );
  const { bytes } = deriveTokenMaskModel(residualGraph(10), {
    sequenceLength: 5,
  });
  assert.throws(
    () => deriveTokenMaskModel(bytes, { sequenceLength: 50 }),
    /already derived, for 5 tokens per image, not 50/,
  );
});
