/**
 * A tiny but non-trivial ONNX model (convolution, matrix product, softmax,
 * reduction) used to check that the inference backends agree.
 *
 * @module
 */

import { attr, OnnxGraph } from "../../pipeline/demo/_onnx_graph.ts";
import { probeValues } from "../../pipeline/models/verified_rewrite.ts";

/**
 * Deterministic pseudo-random numbers in [-1, 1): the rewrites' probe
 * values, under the name the tests use.
 */
export const seededValues: (count: number, seed: number) => Float32Array =
  probeValues;

/**
 * Builds the model: input `pixels` [batch, 3, 16, 16] float32, outputs
 * `embeds` [batch, 8] (softmax of a conv + linear head) and `energy`
 * [batch, 1] (sum of squares of the convolution).
 */
export function tinyModel(): Uint8Array {
  const g = new OnnxGraph("tiny");
  g.input("pixels", "float32", ["batch", 3, 16, 16]);
  const w = g.constFloat(seededValues(4 * 3 * 3 * 3, 1), [4, 3, 3, 3]);
  const b = g.constFloat(seededValues(4, 2), [4]);
  const conv = g.node("Conv", ["pixels", w, b], undefined, {
    kernel_shape: attr.ints([3, 3]),
    strides: attr.ints([2, 2]),
    pads: attr.ints([1, 1, 1, 1]),
  });
  const act = g.node("Relu", [conv]);
  const flat = g.node("Flatten", [act], undefined, { axis: attr.int(1) });
  const fc = g.constFloat(seededValues(4 * 8 * 8 * 8, 3), [256, 8]);
  const logits = g.node("MatMul", [flat, fc]);
  g.node("Softmax", [logits], ["embeds"], { axis: attr.int(-1) });
  const sq = g.node("Mul", [conv, conv]);
  const e = g.node("ReduceSum", [sq, g.constInt64([1, 2, 3])], undefined, {
    keepdims: attr.int(0),
  });
  g.node("Unsqueeze", [e, g.constInt64([1])], ["energy"]);
  g.output("embeds", "float32", ["batch", 8]);
  g.output("energy", "float32", ["batch", 1]);
  return g.encode();
}

/**
 * A model that computes in half precision: input `x` [batch, 16] float32,
 * cast to float16, squared, cast back to `y` [batch, 16]. On WebGPU it
 * needs a device with the shader-f16 feature.
 */
export function halfPrecisionModel(): Uint8Array {
  const FLOAT16 = 10, FLOAT = 1; // ONNX TensorProto element types
  const g = new OnnxGraph("half");
  g.input("x", "float32", ["batch", 16]);
  const half = g.node("Cast", ["x"], undefined, { to: attr.int(FLOAT16) });
  const squared = g.node("Mul", [half, half]);
  g.node("Cast", [squared], ["y"], { to: attr.int(FLOAT) });
  g.output("y", "float32", ["batch", 16]);
  return g.encode();
}
