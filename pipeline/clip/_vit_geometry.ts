/**
 * The geometry of a CLIP ViT image tower: the side of its square input and
 * its tokens per image (class token + patches), from config.json and, where
 * the export shows them, from its graph (the patch embedding's convolution
 * and the position embedding); and which readers of the residual stream
 * take its class token.
 *
 * @module
 */

import { constantDims, constantInts } from "../models/onnx/_constants.ts";
import type { GraphIndex } from "../models/onnx/_graph_index.ts";
import type { OnnxGraph } from "../models/onnx/model.ts";

/** The input side and tokens per image of a CLIP ViT tower. */
export interface VisionGeometry {
  /** Side of the square input, in pixels (224 for ViT-B/32). */
  readonly size: number;
  /** Tokens per image: the class token and the patches (50 for ViT-B/32). */
  readonly tokens: number;
}

/**
 * The geometry config.json's vision_config gives (image_size, patch_size),
 * with ViT-B/32's 224 and 32 where absent; throws a RangeError when the
 * image does not divide into patches.
 *
 * @example
 * ```ts
 * visionGeometry({ vision_config: { image_size: 224, patch_size: 32 } }); // { size: 224, tokens: 50 }
 * ```
 */
export function visionGeometry(
  config: { vision_config?: { image_size?: number; patch_size?: number } },
): VisionGeometry {
  const size = config.vision_config?.image_size ?? 224;
  const patch = config.vision_config?.patch_size ?? 32;
  if (
    !(Number.isInteger(size) && Number.isInteger(patch) && patch > 0 &&
      size % patch === 0)
  ) {
    throw new RangeError(
      `CLIP's config.json gives image_size ${size} and patch_size ${patch}: the image does not divide into patches.`,
    );
  }
  return { size, tokens: 1 + (size / patch) ** 2 };
}

/** Every tensor `t` is computed from, constants included, with `t` itself. */
function ancestry(index: GraphIndex, t: string): Set<string> {
  const seen = new Set<string>([t]);
  const stack = [t];
  while (stack.length > 0) {
    const p = index.producer.get(stack.pop()!);
    if (p === undefined) continue;
    for (const x of index.nodes[p].inputs) {
      if (x !== "" && !seen.has(x)) {
        seen.add(x);
        stack.push(x);
      }
    }
  }
  return seen;
}

/**
 * The tokens per image the graph itself shows, when it does: the length of
 * the position embedding (a [S, W] or [1, S, W] constant, initializer or
 * Constant node, the stream's start is computed from, W being the width of
 * the patch convolution reading the pixels). Undefined when there is no such convolution or embedding, or
 * several lengths.
 *
 * @example
 * ```ts
 * graphTokens(graph, indexGraph(graph), stream.blockInputs[0]); // 50 for ViT-B/32
 * ```
 */
export function graphTokens(
  graph: OnnxGraph,
  index: GraphIndex,
  streamStart: string,
): number | undefined {
  const upstream = ancestry(index, streamStart);
  const dimsOf = (name: string) => constantDims(graph, index, name);
  // The patch embedding (ConvInteger in a dynamically quantized file).
  const conv = index.nodes.find((n) =>
    (n.opType === "Conv" || n.opType === "ConvInteger") &&
    upstream.has(n.outputs[0]) &&
    dimsOf(n.inputs[1])?.length === 4
  );
  if (!conv) return undefined;
  const width = dimsOf(conv.inputs[1])![0];
  const lengths = new Set<number>();
  for (const name of upstream) {
    if (name === conv.inputs[1] || index.dynamic.has(name)) continue;
    const d = dimsOf(name);
    if (!d) continue;
    const [s, w] = d.length === 2
      ? d
      : d.length === 3 && d[0] === 1
      ? d.slice(1)
      : [];
    if (w === width && s > 1) lengths.add(s);
  }
  return lengths.size === 1 ? [...lengths][0] : undefined;
}

/**
 * The nodes that read tensor `t`'s class token: a Gather of index 0 along
 * axis 1, or a Slice of [0, 1) along axis 1 (the token axis of a
 * batch-first [batch, tokens, width] stream).
 *
 * @example
 * ```ts
 * classTokenReaders(graph, indexGraph(graph), stream.output).length; // 1
 * ```
 */
export function classTokenReaders(
  graph: OnnxGraph,
  index: GraphIndex,
  t: string,
): number[] {
  const ints = (name: string | undefined) =>
    name ? constantInts(graph, index, name) : undefined;
  const one = (v: bigint[] | undefined, want: bigint) =>
    v?.length === 1 && v[0] === want;
  return (index.consumers.get(t) ?? []).filter((i) => {
    const n = index.nodes[i];
    if (n.domain !== "" || n.inputs[0] !== t) return false;
    if (n.opType === "Gather") {
      const axis = n.attributes.find((a) => a.name === "axis")?.int ?? 0n;
      return axis === 1n && one(ints(n.inputs[1]), 0n);
    }
    if (n.opType === "Slice") {
      return one(ints(n.inputs[1]), 0n) && one(ints(n.inputs[2]), 1n) &&
        one(ints(n.inputs[3]), 1n);
    }
    return false;
  });
}
