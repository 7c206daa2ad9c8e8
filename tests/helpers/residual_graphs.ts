/**
 * Small ONNX graphs with CLIP's vision signature (pixel_values ->
 * image_embeds) for the token-mask derivation's tests: a residual stream
 * of a chosen number of residual additions, or none at all.
 *
 * @module
 */

import { attr, OnnxGraph } from "../fixtures/onnx/model.ts";

/**
 * A graph whose image_embeds comes through `adds` residual additions
 * x + 0.5 x on a [B, 5, 4] token stream (4 patches of 2 x 2 pixels and a
 * class token of zeros), then the class token's mean over the patches.
 * With an even `adds` that is adds / 2 blocks.
 */
export function residualGraph(adds: number): Uint8Array {
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
  for (let i = 0; i < adds; i++) {
    stream = g.node("Add", [stream, g.node("Mul", [stream, half])]);
  }
  const pool = new Float32Array(25);
  for (let j = 1; j < 5; j++) pool[j] = 0.25;
  const out = g.node("MatMul", [g.constFloat(pool, [5, 5]), stream]);
  g.node("Gather", [out, g.constInt64([0], [])], ["image_embeds"], {
    axis: attr.int(1),
  });
  g.output("image_embeds", "float32", ["batch_size", 3]);
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
