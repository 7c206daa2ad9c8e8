/**
 * WebGPU host code of the cosine-similarity kernel (see contract.ts):
 * uploads the vectors (in chunks of proposals when they exceed a storage
 * binding), dispatches cosine.wgsl.ts, reads the E x N scores back once.
 *
 * @module
 */

import { chunks, runBatch } from "../_gpu_batch.ts";
import type { GpuContext } from "../gpu_device.ts";
import { COSINE_WGSL } from "./_cosine.wgsl.ts";
import { type CosineInput, cosineShape } from "./contract.ts";

/**
 * Cosine similarity of every sentence vector with every proposal vector on
 * the GPU: E x N, row-major (0 where a vector is all zeros).
 *
 * @example
 * ```ts
 * const scores = await cosineSimilarityGpu(await gpuContext(), { proposals, sentences, dim: 512 });
 * ```
 */
export async function cosineSimilarityGpu(
  ctx: GpuContext,
  input: CosineInput,
): Promise<Float32Array> {
  const { n, e } = cosineShape(input);
  const out = new Float32Array(e * n);
  if (n === 0 || e === 0) return out;
  const { dim } = input;
  const pipeline = await ctx.pipeline(COSINE_WGSL, "cosine");
  await runBatch(ctx, "cosine", (batch) => {
    const sentences = batch.upload(input.sentences);
    const scores = batch.storage(out.byteLength);
    for (const part of chunks(n, dim * 4, ctx.maxBindingBytes)) {
      const proposals = batch.upload(
        input.proposals.subarray(
          part.start * dim,
          (part.start + part.count) * dim,
        ),
      );
      const params = batch.upload(
        Uint32Array.of(part.count, e, dim, n, part.start, 0, 0, 0),
        "uniform",
      );
      batch.dispatch(pipeline, {
        0: proposals,
        1: sentences,
        2: scores,
        3: params,
      }, [Math.ceil(part.count / 64), e, 1]);
    }
    batch.read(
      scores,
      out.byteLength,
      (bytes) => out.set(new Float32Array(bytes, 0, out.length)),
    );
  });
  return out;
}
