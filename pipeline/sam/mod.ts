/**
 * SAM's automatic mask generator as the reference runs it: the point grid,
 * the image preprocessing, prompting in batches, and the postprocessing
 * (thresholds, stability score, box and mask NMS, small-region removal);
 * and the fast encoder and decoder, rewrites of the stock ONNX graphs that
 * compute the same with less work, each checked on a probe before use.
 *
 * @module
 */

export * from "./mask_generator.ts";
export * from "./preprocess.ts";
export * from "./postprocess.ts";
export * from "./point_grid.ts";
export * from "./types.ts";
export * from "./compact_mask.ts";
export * from "./decoder_memory.ts";
export * from "./fast_decoder.ts";
export * from "./fast_encoder.ts";
