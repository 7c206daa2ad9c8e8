/**
 * The class-token cut of a token-masked tower: in the last block, only the
 * class token goes through the MLP, since it is all the output reads. It
 * is made only where the graph shows it changes nothing: the stream after
 * the last block is read by class-token readers alone, and the last MLP
 * works token by token and feeds nothing but its residual Add. It saves
 * the MLP of every patch token of every mask (about a sixth of the masked
 * blocks' work for ViT-B/32).
 *
 * @module
 */

import {
  int64TensorAttribute,
  intAttribute,
} from "../models/onnx/_constants.ts";
import { freshName, interpose, makeNode } from "../models/onnx/_edit.ts";
import { indexGraph } from "../models/onnx/_graph_index.ts";
import type { OnnxGraph } from "../models/onnx/model.ts";
import type { ResidualStream } from "../models/onnx/_residual_stream.ts";
import { tokenwiseBranch } from "../models/onnx/_tokenwise.ts";
import { classTokenReaders } from "./_vit_geometry.ts";

/**
 * Cuts the input of the last block's MLP to the class token (a Gather of
 * token 0 that keeps the axis) when that changes nothing the graph gives;
 * returns whether it did.
 *
 * @example
 * ```ts
 * const cut = cutToClassToken(model.graph, stream); // true for the Xenova fp32 and fp16 files
 * ```
 */
export function cutToClassToken(
  graph: OnnxGraph,
  stream: ResidualStream,
): boolean {
  const last = stream.adds[stream.adds.length - 1];
  const index = indexGraph(graph);
  const outputs = new Set(graph.outputs.map((v) => v.name));
  if (outputs.has(last.out) || outputs.has(last.skip)) return false;
  const readers = index.consumers.get(last.out) ?? [];
  const classReaders = classTokenReaders(graph, index, last.out);
  if (readers.length === 0 || classReaders.length !== readers.length) {
    return false;
  }
  const sink = index.nodes.findIndex((n) => n.outputs.includes(last.out));
  const mlp = tokenwiseBranch(graph, index, last.skip, last.branch, sink);
  if (!mlp) return false;
  // The stream before the MLP feeds the MLP and the residual Add, nothing else.
  const skipReaders = index.consumers.get(last.skip) ?? [];
  if (skipReaders.some((r) => r !== sink && !mlp.has(r))) return false;
  const first = freshName(graph, `${last.skip}/class_token_index`);
  const cut = freshName(graph, `${last.skip}/class_token`);
  interpose(graph, last.skip, [
    makeNode("Constant", [], first, [int64TensorAttribute("value", [0])]),
    makeNode("Gather", [last.skip, first], cut, [intAttribute("axis", 1)]),
  ], cut);
  return true;
}
