/**
 * "color-clip": a tiny stand-in for Xenova/clip-vit-base-patch32 with the
 * same ONNX inputs and outputs, that embeds images by colour and sentences
 * by their colour words.
 *
 * - vision_model.onnx: `pixel_values` float32 [batch_size, num_channels,
 *   height, width] (CLIP-normalised, 224x224) -> `image_embeds` float32
 *   [batch_size, 512]. It undoes CLIP's normalisation, and for each palette
 *   colour k measures the share of pixels close to it with a soft kernel
 *   exp(-d^2 / (2 sigma^2)) (d: RGB distance in 0-255 units), then returns
 *   sum_k share_k * e_k + IMAGE_EPS * e_common. The background grey and
 *   CLIP's mean colour (what a masked crop is filled with) are far from
 *   every palette colour, so they contribute nothing. The shares are
 *   computed per 32 x 32 patch and pooled through a ViT-shaped residual
 *   stream, so the token-masked tower oris derives from it embeds the
 *   colours inside a mask.
 * - text_model.onnx: `input_ids` int64 [batch_size, sequence_length] ->
 *   `text_embeds` float32 [batch_size, 512]: the sum over tokens of e_k for
 *   a colour-word token, TEXT_EPS * e_common for any other token, and 0 for
 *   the special tokens (so padding changes nothing).
 *
 * e_0 .. e_{K-1}, e_common are fixed orthonormal vectors of R^512 (dense,
 * pseudo-random), so cosine(text, image) is highest for the image whose
 * dominant colour the sentence names. Embeddings are not normalised, like
 * CLIP's projection outputs.
 *
 * @example
 * ```ts
 * import { buildClipVisionModel, buildClipTextModel } from "./_color_clip.ts";
 * const vision = buildClipVisionModel(); // ONNX bytes
 * const text = buildClipTextModel();
 * ```
 *
 * @module
 */

import { attr, OnnxGraph } from "./_onnx_graph.ts";
import { PALETTE } from "./palette.ts";
import {
  CLIP_BOS_ID,
  CLIP_EOS_ID,
  CLIP_MAX_LENGTH,
  CLIP_VOCAB_SIZE,
  wordTokenId,
} from "./_clip_tokenizer_json.ts";
import { mulberry32 } from "./_random.ts";

/** Embedding width of CLIP ViT-B/32's projections. */
export const CLIP_EMBED_DIM = 512;
/** CLIP's image normalisation mean (0-1 units). */
export const CLIP_MEAN: readonly number[] = [0.48145466, 0.4578275, 0.40821073];
/** CLIP's image normalisation std (0-1 units). */
export const CLIP_STD: readonly number[] = [
  0.26862954,
  0.26130258,
  0.27577711,
];
/** Width of the soft colour kernel, in 0-255 RGB units. */
export const COLOUR_SIGMA = 25;
/** Weight of the common direction in every image embedding. */
export const IMAGE_EPS = 0.01;
/** Weight of the common direction for each non-colour token. */
export const TEXT_EPS = 0.02;

/**
 * The orthonormal basis of the fixture embedding space: rows 0..K-1 are the
 * palette colours (palette order), row K is the common direction. Built by
 * Gram-Schmidt on seeded pseudo-random vectors with only exact IEEE
 * operations, so the values are the same on every machine.
 *
 * @returns a Float32Array of (K + 1) * 512 values, row-major.
 */
export function clipFixtureBasis(): Float32Array {
  const rows = PALETTE.length + 1;
  const rand = mulberry32(0x0c011);
  const basis: Float64Array[] = [];
  for (let r = 0; r < rows; r++) {
    const v = new Float64Array(CLIP_EMBED_DIM);
    for (let i = 0; i < v.length; i++) v[i] = rand() * 2 - 1;
    for (const b of basis) {
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i] * b[i];
      for (let i = 0; i < v.length; i++) v[i] -= dot * b[i];
    }
    let norm = 0;
    for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < v.length; i++) v[i] /= norm;
    basis.push(v);
  }
  const out = new Float32Array(rows * CLIP_EMBED_DIM);
  basis.forEach((b, r) => out.set(b, r * CLIP_EMBED_DIM));
  return out;
}

/** Transformer blocks of the fixture's residual stream. */
export const CLIP_FIXTURE_BLOCKS = 4;
/** Side of a patch, in input pixels (ViT-B/32's). */
export const CLIP_FIXTURE_PATCH = 32;

/**
 * Builds onnx/vision_model.onnx of the color-clip fixture. Its graph has a
 * ViT's shape: patch tokens (each patch's colour shares), a class token, a
 * residual stream of {@linkcode CLIP_FIXTURE_BLOCKS} blocks of two residual
 * additions whose branches add nothing, except the last block's first
 * (attention) branch, which adds the mean of the patch tokens to the class
 * token; the
 * class token is then projected. So the stock model embeds an image by its
 * colour shares, and a token-masked one (its patch tokens multiplied by a
 * mask's patch grid before the last blocks) by those of the masked patches.
 * Inputs are 224 x 224 (7 x 7 patches).
 *
 * @returns the model file's bytes.
 */
export function buildClipVisionModel(): Uint8Array {
  const k = PALETTE.length;
  const g = new OnnxGraph("color_clip_vision");
  g.input("pixel_values", "float32", [
    "batch_size",
    "num_channels",
    "height",
    "width",
  ]);
  // Back to 0-255 RGB: x * std * 255 + mean * 255.
  const scale = g.constFloat(CLIP_STD.map((s) => s * 255), [1, 3, 1, 1]);
  const shift = g.constFloat(CLIP_MEAN.map((m) => m * 255), [1, 3, 1, 1]);
  const rgb = g.node("Add", [g.node("Mul", ["pixel_values", scale]), shift]);
  // Squared distance of each pixel to each palette colour: |x|^2 - 2 p.x + |p|^2.
  const palette = g.constFloat(PALETTE.flatMap((c) => [...c.rgb]), [
    k,
    3,
    1,
    1,
  ]);
  const paletteSq = g.constFloat(
    PALETTE.map((c) => c.rgb.reduce((s, v) => s + v * v, 0)),
    [1, k, 1, 1],
  );
  const xSq = g.node(
    "ReduceSum",
    [g.node("Mul", [rgb, rgb]), g.constInt64([1])],
    undefined,
    { keepdims: attr.int(1) },
  ); // [B,1,H,W]
  const dots = g.node("Conv", [rgb, palette]); // [B,K,H,W]
  const d2 = g.node("Relu", [
    g.node("Add", [
      g.node("Sub", [xSq, g.node("Mul", [dots, g.constFloat([2], [])])]),
      paletteSq,
    ]),
  ]);
  const kernel = g.node("Exp", [
    g.node("Mul", [d2, g.constFloat([-1 / (2 * COLOUR_SIGMA ** 2)], [])]),
  ]); // [B,K,H,W]
  // Patch tokens: the mean share of each colour in each 32 x 32 patch.
  const pooled = g.node("AveragePool", [kernel], undefined, {
    kernel_shape: attr.ints([CLIP_FIXTURE_PATCH, CLIP_FIXTURE_PATCH]),
    strides: attr.ints([CLIP_FIXTURE_PATCH, CLIP_FIXTURE_PATCH]),
  }); // [B,K,7,7]
  const patches = g.node(
    "Transpose",
    [
      g.node("Reshape", [pooled, g.constInt64([0, k, -1])]),
    ],
    undefined,
    { perm: attr.ints([0, 2, 1]) },
  ); // [B,49,K]
  const zero = g.constFloat([0], []);
  const cls = g.node("Mul", [
    g.node("ReduceMean", [patches], undefined, {
      axes: attr.ints([1]),
      keepdims: attr.int(1),
    }),
    zero,
  ]); // [B,1,K] of zeros
  let stream = g.node("Concat", [cls, patches], undefined, {
    axis: attr.int(1),
  }); // [B,50,K]
  const tokens = 1 + (224 / CLIP_FIXTURE_PATCH) ** 2;
  const pool = new Float32Array(tokens * tokens);
  for (let j = 1; j < tokens; j++) pool[j] = 1 / (tokens - 1);
  const poolIntoClass = g.constFloat(pool, [tokens, tokens]);
  for (let b = 0; b < CLIP_FIXTURE_BLOCKS; b++) {
    // The "attention" branch mixes tokens (in the last block only); the
    // "MLP" branch works token by token, as a transformer's does.
    const last = b === CLIP_FIXTURE_BLOCKS - 1;
    const attention = last
      ? g.node("MatMul", [poolIntoClass, stream])
      : g.node("Mul", [stream, zero]);
    stream = g.node("Add", [stream, attention]);
    stream = g.node("Add", [stream, g.node("Mul", [stream, zero])]);
  }
  const shares = g.node("Gather", [stream, g.constInt64([0], [])], undefined, {
    axis: attr.int(1),
  }); // [B,K]: the class token
  const basis = clipFixtureBasis();
  const colourBasis = g.constFloat(
    basis.subarray(0, k * CLIP_EMBED_DIM),
    [k, CLIP_EMBED_DIM],
  );
  const common = g.constFloat(
    basis.subarray(k * CLIP_EMBED_DIM).map((v) => v * IMAGE_EPS),
    [CLIP_EMBED_DIM],
  );
  g.node("Add", [g.node("MatMul", [shares, colourBasis]), common], [
    "image_embeds",
  ]);
  g.output("image_embeds", "float32", ["batch_size", CLIP_EMBED_DIM]);
  return g.encode();
}

/**
 * The per-token weights of the text model: row t holds the weight of each
 * palette colour (columns 0..K-1) and of the common direction (column K)
 * for token id t.
 */
export function clipTokenWeights(): Float32Array {
  const k = PALETTE.length;
  const w = new Float32Array(CLIP_VOCAB_SIZE * (k + 1));
  for (let t = 0; t < CLIP_VOCAB_SIZE; t++) w[t * (k + 1) + k] = TEXT_EPS;
  PALETTE.forEach((c, i) => {
    const t = wordTokenId(c.name);
    w[t * (k + 1) + k] = 0;
    w[t * (k + 1) + i] = 1;
  });
  for (const t of [CLIP_BOS_ID, CLIP_EOS_ID]) w[t * (k + 1) + k] = 0;
  return w;
}

/**
 * Builds onnx/text_model.onnx of the color-clip fixture.
 *
 * @returns the model file's bytes.
 */
export function buildClipTextModel(): Uint8Array {
  const k = PALETTE.length;
  const g = new OnnxGraph("color_clip_text");
  g.input("input_ids", "int64", ["batch_size", "sequence_length"]);
  const table = g.initializer(
    "token_weights",
    "float32",
    [CLIP_VOCAB_SIZE, k + 1],
    clipTokenWeights(),
  );
  const perToken = g.node("Gather", [table, "input_ids"], undefined, {
    axis: attr.int(0),
  }); // [B,S,K+1]
  const summed = g.node("ReduceSum", [perToken, g.constInt64([1])], undefined, {
    keepdims: attr.int(0),
  }); // [B,K+1]
  const basis = g.constFloat(clipFixtureBasis(), [k + 1, CLIP_EMBED_DIM]);
  g.node("MatMul", [summed, basis], ["text_embeds"]);
  g.output("text_embeds", "float32", ["batch_size", CLIP_EMBED_DIM]);
  return g.encode();
}

/**
 * config.json of the fixture: the fields of openai/clip-vit-base-patch32's
 * config that loaders read (model_type, projection_dim, text/vision
 * sizes), with the fixture's vocabulary size.
 */
export function clipConfigJson(): Record<string, unknown> {
  return {
    _name_or_path: "fixture/color-clip",
    architectures: ["CLIPModel"],
    initializer_factor: 1.0,
    logit_scale_init_value: 2.6592,
    model_type: "clip",
    projection_dim: CLIP_EMBED_DIM,
    text_config: {
      bos_token_id: 0,
      eos_token_id: 2,
      hidden_size: 512,
      max_position_embeddings: CLIP_MAX_LENGTH,
      model_type: "clip_text_model",
      pad_token_id: 1,
      projection_dim: CLIP_EMBED_DIM,
      vocab_size: CLIP_VOCAB_SIZE,
    },
    vision_config: {
      hidden_size: 768,
      image_size: 224,
      model_type: "clip_vision_model",
      patch_size: 32,
      projection_dim: CLIP_EMBED_DIM,
    },
    oris_fixture:
      "color-clip: image_embeds = colour shares of the palette, text_embeds = colour words; see tests/fixtures/README.md",
  };
}

/**
 * preprocessor_config.json, identical to openai/clip-vit-base-patch32's:
 * resize the shortest edge to 224 (bicubic), centre-crop 224, rescale to
 * 0-1, normalise with CLIP's mean and std.
 */
export function clipPreprocessorConfigJson(): Record<string, unknown> {
  return {
    crop_size: 224,
    do_center_crop: true,
    do_normalize: true,
    do_resize: true,
    feature_extractor_type: "CLIPFeatureExtractor",
    image_mean: [...CLIP_MEAN],
    image_std: [...CLIP_STD],
    resample: 3,
    size: 224,
  };
}
