/**
 * Contract of the mask-logits kernel: SAM's low-resolution mask logits
 * (N x 256 x 256 over the padded 1024 x 1024 frame) upsampled to the image
 * size as the reference does it (bilinear to the 1024 frame, crop of the
 * resized image, bilinear to the image size), thresholded, with each
 * mask's stability score, area and box computed in the same pass. The CPU
 * twin and the WebGPU kernel both implement it.
 *
 * The two bilinear steps compose, per axis, into one linear map in which
 * each output pixel reads at most three neighbouring cells of the grid
 * ({@linkcode axisTaps}, computed once per axis on the host), so a mask
 * pixel costs nine reads and the 1024 frame is never built.
 *
 * @module
 */

/** Input of {@linkcode decodeMaskLogits}. */
export interface MaskLogitsInput extends MaskLogitsShape {
  /** Logits, N x lowHeight x lowWidth, row-major. */
  readonly logits: Float32Array;
}

/**
 * SAM logits left on the GPU by the decoder (a session on the kernels'
 * device): planes of lowHeight x lowWidth float32 in `buffer`, from byte
 * 0, of which the ones listed in `planes` are decoded, in that order.
 */
export interface DeviceLogits {
  /** The buffer of the decoder's `pred_masks` output (pooled: may be longer). */
  readonly buffer: GPUBuffer;
  /** Planes the tensor in `buffer` holds; bytes past them are not its own. */
  readonly planeCount: number;
  /** Indices of the planes to decode: the shape's `count` of them. */
  readonly planes: ArrayLike<number>;
}

/** What the mask-logits kernel needs besides the logits themselves. */
export interface MaskLogitsShape {
  /** Number of masks N. */
  readonly count: number;
  /** Low-resolution grid width (256 for SAM). */
  readonly lowWidth: number;
  /** Low-resolution grid height (256 for SAM). */
  readonly lowHeight: number;
  /**
   * Width of the part of the low-resolution grid that covers the image,
   * in grid cells (may be fractional): for SAM, 256 * resizedWidth / 1024.
   */
  readonly validWidth: number;
  /** Height of the covered part, in grid cells (256 * resizedHeight / 1024). */
  readonly validHeight: number;
  /** Output (image) width. */
  readonly width: number;
  /** Output (image) height. */
  readonly height: number;
  /** Logit threshold of a mask pixel. Default 0. */
  readonly threshold?: number;
  /** Offset of the stability score's two thresholds. Default 1. */
  readonly stabilityOffset?: number;
  /**
   * Width in pixels of the padded frame the reference first upsamples the
   * whole grid to (SAM: its pad size, 1024); give it with `frameHeight`.
   * Then a mask pixel is what the reference's two bilinear steps
   * (align_corners = false, no antialiasing) give: the grid upsampled to
   * the frame, its valid part cropped (`validWidth * frameWidth /
   * lowWidth` pixels, a whole number) and resized to `width`. Absent: one
   * bilinear step from the valid cells to the output.
   */
  readonly frameWidth?: number;
  /** Height of the padded frame, in pixels (see `frameWidth`). */
  readonly frameHeight?: number;
}

/** Output of {@linkcode decodeMaskLogits}: N masks and their statistics. */
export interface DecodedMasks {
  /** Binary masks, N x height x width, 1 inside, 0 outside. */
  readonly masks: Uint8Array;
  /** Pixels inside each mask (logit > threshold). */
  readonly areas: Uint32Array;
  /**
   * Stability score of each mask: the IoU of the masks thresholded at
   * threshold + offset and threshold - offset; 0 when both are empty.
   */
  readonly stability: Float32Array;
  /**
   * Boxes as [x0, y0, x1, y1] per mask, x1/y1 exclusive (pixel edges);
   * all zeros for an empty mask.
   */
  readonly boxes: Int32Array;
}

/**
 * How one output axis reads the low-resolution grid: each output pixel is
 * `w0 * cell[i0] + w1 * cell[i1] + w2 * cell[i2]`, three neighbouring
 * cells (`i0 <= i1 <= i2`, repeated at the grid's last cell) whose weights
 * are non-negative and sum to one.
 */
export interface AxisTaps {
  /** First cell of each output pixel. */
  readonly i0: Int32Array;
  /** Second cell of each output pixel. */
  readonly i1: Int32Array;
  /** Third cell of each output pixel. */
  readonly i2: Int32Array;
  /** Weight of the first cell. */
  readonly w0: Float32Array;
  /** Weight of the second cell. */
  readonly w1: Float32Array;
  /** Weight of the third cell. */
  readonly w2: Float32Array;
}

/** One bilinear step (align_corners = false): an output pixel's two source pixels and the second's weight. */
export interface BilinearStep {
  /** First source pixel. */
  readonly a: number;
  /** Second source pixel (a + 1, or a at the last pixel). */
  readonly b: number;
  /** Weight of the second source pixel. */
  readonly t: number;
}

/**
 * The source pixels of output pixel `o` when `outSize` pixels resample a
 * span of `inSpan` source pixels (may be fractional) whose last readable
 * pixel is `last`: PyTorch's bilinear interpolation with align_corners =
 * false, source coordinate `(o + 0.5) * inSpan / outSize - 0.5` clamped
 * at 0 (no antialiasing when shrinking).
 *
 * @example
 * ```ts
 * bilinearStep(0, 1024, 256, 255); // { a: 0, b: 1, t: 0 } (clamped at 0)
 * bilinearStep(5, 1024, 256, 255); // { a: 0, b: 1, t: 0.875 }
 * ```
 */
export function bilinearStep(
  o: number,
  outSize: number,
  inSpan: number,
  last: number,
): BilinearStep {
  const src = Math.max((o + 0.5) * inSpan / outSize - 0.5, 0);
  const a = Math.min(Math.floor(src), last);
  return { a, b: Math.min(a + 1, last), t: a === last ? 0 : src - a };
}

/**
 * The taps of one output axis of `outSize` pixels on a grid of `lowSize`
 * cells whose first `validSize` cells (may be fractional) cover the image.
 * Without `frameSize`, one bilinear step from the valid cells (two taps,
 * the third weighs 0). With it, the reference's two steps composed: the
 * grid upsampled to `frameSize` pixels, the first `validSize * frameSize /
 * lowSize` of them (a whole number) resized to `outSize`.
 *
 * @example
 * ```ts
 * // SAM: 256 cells over the 1024 frame, a 683-pixel-high resized image, 427 rows out.
 * const ys = axisTaps(427, 256 * 683 / 1024, 256, 1024);
 * ys.w0[10] + ys.w1[10] + ys.w2[10]; // 1
 * ```
 */
export function axisTaps(
  outSize: number,
  validSize: number,
  lowSize: number,
  frameSize?: number,
): AxisTaps {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const i2 = new Int32Array(outSize);
  const w0 = new Float32Array(outSize);
  const w1 = new Float32Array(outSize);
  const w2 = new Float32Array(outSize);
  const last = lowSize - 1;
  const crop = frameSize === undefined
    ? 0
    : croppedFrame(validSize, lowSize, frameSize);
  const w = [0, 0, 0];
  for (let o = 0; o < outSize; o++) {
    let base: number;
    if (frameSize === undefined) {
      const s = bilinearStep(o, outSize, validSize, last);
      base = s.a;
      w[0] = 1 - s.t;
      w[1] = s.t;
      w[2] = 0;
    } else {
      // Output -> cropped frame pixels c, d -> grid cells.
      const s = bilinearStep(o, outSize, crop, crop - 1);
      const first = bilinearStep(s.a, frameSize, lowSize, last);
      const second = bilinearStep(s.b, frameSize, lowSize, last);
      base = first.a;
      w[0] = w[1] = w[2] = 0;
      w[first.a - base] += (1 - s.t) * (1 - first.t);
      w[first.b - base] += (1 - s.t) * first.t;
      w[second.a - base] += s.t * (1 - second.t);
      w[second.b - base] += s.t * second.t;
    }
    i0[o] = base;
    i1[o] = Math.min(base + 1, last);
    i2[o] = Math.min(base + 2, last);
    w0[o] = w[0];
    w1[o] = w[1];
    w2[o] = w[2];
  }
  return { i0, i1, i2, w0, w1, w2 };
}

/**
 * Frame pixels the valid cells cover (`validSize * frameSize / lowSize`),
 * checked to be a whole number no larger than the frame, with a frame at
 * least as fine as the grid.
 */
function croppedFrame(
  validSize: number,
  lowSize: number,
  frameSize: number,
): number {
  const crop = validSize * frameSize / lowSize;
  const whole = Math.round(crop);
  if (
    !Number.isInteger(frameSize) || frameSize < lowSize ||
    Math.abs(crop - whole) > 1e-6 || whole < 1 || whole > frameSize
  ) {
    throw new RangeError(
      `A frame of ${frameSize} pixels over a grid of ${lowSize} cells with ${validSize} valid cells: the frame must be a whole number of pixels, at least the grid's size, and the valid cells must cover a whole number of its pixels.`,
    );
  }
  return whole;
}

/** Checks the shapes of a mask-logits input; throws a RangeError saying what is wrong. */
export function checkMaskLogitsInput(input: MaskLogitsInput): void {
  const { logits, count, lowWidth, lowHeight } = input;
  if (logits.length !== count * lowWidth * lowHeight) {
    throw new RangeError(
      `Mask logits hold ${logits.length} values; ${count} masks of ${lowWidth}x${lowHeight} need ${
        count * lowWidth * lowHeight
      }.`,
    );
  }
  checkMaskLogitsShape(input);
}

/**
 * Checks device logits against a shape: one plane index per mask, each
 * plane one of the tensor's, the tensor inside the buffer; throws a
 * RangeError saying what is wrong.
 */
export function checkDeviceLogits(
  shape: MaskLogitsShape,
  from: DeviceLogits,
): void {
  const { count, lowWidth, lowHeight } = shape;
  const { planeCount } = from;
  if (from.planes.length !== count) {
    throw new RangeError(
      `Device logits list ${from.planes.length} planes for ${count} masks.`,
    );
  }
  const planeBytes = lowWidth * lowHeight * 4;
  if (
    !Number.isInteger(planeCount) || planeCount * planeBytes > from.buffer.size
  ) {
    throw new RangeError(
      `Device logits of ${planeCount} planes of ${lowWidth}x${lowHeight} need ${
        planeCount * planeBytes
      } bytes; the GPU buffer holds ${from.buffer.size}.`,
    );
  }
  for (let k = 0; k < count; k++) {
    const p = from.planes[k];
    if (!Number.isInteger(p) || p < 0 || p >= planeCount) {
      throw new RangeError(
        `Device logits plane ${p} is not one of the tensor's ${planeCount} planes of ${lowWidth}x${lowHeight}.`,
      );
    }
  }
  checkMaskLogitsShape(shape);
}

function checkMaskLogitsShape(input: MaskLogitsShape): void {
  const { width, height, lowWidth, lowHeight } = input;
  if (!(width > 0 && height > 0)) {
    throw new RangeError(`Output size ${width}x${height} must be positive.`);
  }
  if ((input.frameWidth === undefined) !== (input.frameHeight === undefined)) {
    throw new RangeError(
      `Give the frame's width and height together, got ${input.frameWidth}x${input.frameHeight}.`,
    );
  }
  if (
    !(input.validWidth > 0 && input.validWidth <= lowWidth &&
      input.validHeight > 0 && input.validHeight <= lowHeight)
  ) {
    throw new RangeError(
      `Valid region ${input.validWidth}x${input.validHeight} must lie within the ${lowWidth}x${lowHeight} grid.`,
    );
  }
}

/**
 * The taps of both axes of a shape (see {@linkcode axisTaps}); checks the
 * frame.
 *
 * @example
 * ```ts
 * const { xs, ys } = shapeTaps({
 *   count: 1, lowWidth: 256, lowHeight: 256, validWidth: 256, validHeight: 170.75,
 *   width: 640, height: 427, frameWidth: 1024, frameHeight: 1024,
 * });
 * ```
 */
export function shapeTaps(
  shape: MaskLogitsShape,
): { xs: AxisTaps; ys: AxisTaps } {
  return {
    xs: axisTaps(
      shape.width,
      shape.validWidth,
      shape.lowWidth,
      shape.frameWidth,
    ),
    ys: axisTaps(
      shape.height,
      shape.validHeight,
      shape.lowHeight,
      shape.frameHeight,
    ),
  };
}
