/**
 * Types shared by the mask generator, its postprocessing and the stages
 * that consume its proposals.
 *
 * @module
 */

/** Parameters of the automatic mask generator; their defaults are `DEFAULTS.generator`. */
export interface MaskGeneratorOptions {
  /** Points sampled along each side of the image; the grid has n x n prompts. */
  pointsPerSide: number;
  /**
   * Point prompts per decoder call. More is faster per point up to ~16 and
   * costs memory; `createSegmenter()` refuses more than the backend can hold
   * (117 on wasm; see `decoder_memory.ts`).
   */
  pointsPerBatch: number;
  /** Keep masks whose predicted IoU exceeds this. */
  predIouThresh: number;
  /** Keep masks whose stability score is at least this. */
  stabilityScoreThresh: number;
  /** Offset of the two thresholds the stability score compares. */
  stabilityScoreOffset: number;
  /** Logit threshold of a mask pixel. */
  maskThreshold: number;
  /** Box IoU above which the lower-scoring of two masks is dropped. */
  boxNmsThresh: number;
  /** Islands and holes smaller than this many pixels are removed/filled (0 = off). */
  minMaskRegionArea: number;
  /**
   * Mask IoU above which the lower-scoring of two proposals that passed
   * box NMS is dropped (1 = off, as the reference generator). Catches
   * duplicates whose boxes differ, and saves their CLIP views.
   */
  maskNmsThresh: number;
  /**
   * Decode the grid coarse to fine: every other point on each axis first,
   * then only the other points that no mask kept so far (past the
   * predicted-IoU and stability thresholds) covers. Fewer decoder calls;
   * off, every point is decoded, as the reference generator does.
   */
  prunePoints: boolean;
}

/** One proposed region. */
export interface Proposal {
  /**
   * Binary mask at the image's size (1 inside). The generator's proposals
   * expand it from `crop` at each read (width x height bytes, not kept):
   * read it once per use, and prefer `crop` where the box suffices.
   */
  readonly mask: Uint8Array;
  /**
   * The mask inside `box`, row by row (1 inside), as the generator holds
   * it; absent on proposals made from a full-size mask alone (see `cropOf`).
   */
  readonly crop?: Uint8Array;
  /** Bounding box [x, y, width, height] in pixels. */
  readonly box: readonly [number, number, number, number];
  /** Pixels inside the mask. */
  readonly area: number;
  /** The decoder's predicted IoU. */
  readonly predictedIou: number;
  /** Stability score of the mask. */
  readonly stability: number;
  /** The point prompt that produced it, in image pixels. */
  readonly point: readonly [number, number];
}
