/**
 * Small ONNX graphs with CLIP's vision signature (pixel_values ->
 * image_embeds) for the token-mask derivation's tests: a residual stream
 * of a chosen number of residual additions, or none at all.
 *
 * @module
 */

import { attr, OnnxGraph } from "../../pipeline/demo/_onnx_graph.ts";

/** Variations of {@linkcode residualGraph}. */
export interface ResidualGraphOptions {
  /** The axis image_embeds reads token 0 of. Default 1 (batch-first). */
  classAxis?: number;
  /**
   * The last Add's branch multiplies by 0.5 through a constant that is per
   * feature ([3], default) or per token ([5, 3]).
   */
  lastBranchConstant?: "perFeature" | "perToken";
  /** Also a graph output: the stream after the last block, or before its last Add. */
  expose?: "last_hidden_state" | "last_mid";
  /** Hand the last branch's constant on through an Identity node, as exporters do with shared weights. */
  identityConstant?: boolean;
}

/**
 * A graph whose image_embeds comes through `adds` residual additions on a
 * [B, 5, 3] token stream (4 patches of 2 x 2 pixels, each its mean colour,
 * and a class token of zeros): each adds half the stream (x + 0.5 x),
 * except the second-to-last, which adds the patches' mean to the class
 * token (as attention gathers into it); image_embeds is the class token
 * (token 0 of axis 1). With an even `adds` that is adds / 2 blocks.
 */
export function residualGraph(
  adds: number,
  options: ResidualGraphOptions = {},
): Uint8Array {
  const g = new OnnxGraph("residual");
  g.input("pixel_values", "float32", ["batch_size", 3, 4, 4]);
  // Patch tokens [B, 4, 3]: each 2 x 2 patch's mean colour.
  const pooled = g.node("AveragePool", ["pixel_values"], undefined, {
    kernel_shape: attr.ints([2, 2]),
    strides: attr.ints([2, 2]),
  });
  const patches = g.node(
    "Transpose",
    [
      g.node("Reshape", [pooled, g.constInt64([0, 3, -1])]),
    ],
    undefined,
    { perm: attr.ints([0, 2, 1]) },
  );
  const cls = g.node("Mul", [
    g.node("ReduceMean", [patches], undefined, {
      axes: attr.ints([1]),
      keepdims: attr.int(1),
    }),
    g.constFloat([0], []),
  ]);
  let stream = g.node("Concat", [cls, patches], undefined, {
    axis: attr.int(1),
  }); // [B, 5, 3]
  const half = g.constFloat([0.5], []);
  const pool = new Float32Array(25);
  for (let j = 1; j < 5; j++) pool[j] = 0.25;
  const poolIntoClass = g.constFloat(pool, [5, 5]);
  let lastHalf = options.lastBranchConstant === "perToken"
    ? g.constFloat(new Float32Array(15).fill(0.5), [5, 3])
    : g.constFloat(new Float32Array(3).fill(0.5), [3]);
  if (options.identityConstant) lastHalf = g.node("Identity", [lastHalf]);
  for (let i = 0; i < adds; i++) {
    if (i === adds - 1 && options.expose === "last_mid") {
      g.node("Identity", [stream], ["last_mid"]);
      g.output("last_mid", "float32", ["batch_size", 5, 3]);
    }
    const branch = i === adds - 2
      ? g.node("MatMul", [poolIntoClass, stream])
      : g.node("Mul", [stream, i === adds - 1 ? lastHalf : half]);
    stream = g.node("Add", [stream, branch]);
  }
  g.node("Gather", [stream, g.constInt64([0], [])], ["image_embeds"], {
    axis: attr.int(options.classAxis ?? 1),
  });
  g.output("image_embeds", "float32", ["batch_size", 3]);
  if (options.expose === "last_hidden_state") {
    g.node("Identity", [stream], ["last_hidden_state"]);
    g.output("last_hidden_state", "float32", ["batch_size", 5, 3]);
  }
  return g.encode();
}

/**
 * A graph with CLIP's vision signature and no residual stream: the image's
 * mean colour, spread over `dim` outputs (output i takes channel i % 3).
 */
export function flatGraph(dim = 3): Uint8Array {
  const g = new OnnxGraph("flat");
  g.input("pixel_values", "float32", ["batch_size", 3, "height", "width"]);
  const mean = g.node("ReduceMean", ["pixel_values"], undefined, {
    axes: attr.ints([2, 3]),
    keepdims: attr.int(0),
  });
  const spread = new Float32Array(3 * dim);
  for (let i = 0; i < dim; i++) spread[(i % 3) * dim + i] = 1;
  g.node("MatMul", [mean, g.constFloat(spread, [3, dim])], ["image_embeds"]);
  g.output("image_embeds", "float32", ["batch_size", dim]);
  return g.encode();
}
