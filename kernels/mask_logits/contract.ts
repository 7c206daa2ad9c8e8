/**
 * Contract of the mask-logits kernel: SAM's low-resolution mask logits
 * (N x 256 x 256 over the padded 1024 x 1024 frame) upsampled bilinearly to
 * the image size, thresholded, with each mask's stability score, area and
 * box computed in the same pass. The CPU twin and the WebGPU kernel both
 * implement it.
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

/** Source coordinate mapping for one output axis: the two taps and the weight of the second. */
export interface AxisTaps {
  /** First source cell of each output pixel. */
  readonly i0: Int32Array;
  /** Second source cell of each output pixel. */
  readonly i1: Int32Array;
  /** Weight of the second cell. */
  readonly w1: Float32Array;
}

/**
 * Bilinear taps (align_corners = false) mapping `outSize` output pixels onto
 * the first `validSize` cells of a `lowSize` grid, clamped at the edges.
 */
export function axisTaps(
  outSize: number,
  validSize: number,
  lowSize: number,
): AxisTaps {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float32Array(outSize);
  const scale = validSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), lowSize - 1);
    const a = Math.floor(src);
    i0[o] = a;
    i1[o] = Math.min(a + 1, lowSize - 1);
    w1[o] = src - a;
  }
  return { i0, i1, w1 };
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
  if (
    !(input.validWidth > 0 && input.validWidth <= lowWidth &&
      input.validHeight > 0 && input.validHeight <= lowHeight)
  ) {
    throw new RangeError(
      `Valid region ${input.validWidth}x${input.validHeight} must lie within the ${lowWidth}x${lowHeight} grid.`,
    );
  }
}
