/**
 * Overlay images for people: the image with the selected mask tinted, outlined and boxed, the
 * other top-k candidates outlined in distinct colours, each labelled with its rank and score
 * ("#2 0.271"); and side-by-side prediction / ground-truth images for evaluation reports.
 *
 * Line widths and the font size grow with the image ({@link overlayUnit},
 * {@link overlayFontScale}), labels stay inside
 * the image and avoid each other where there is room, and the input image is never changed.
 *
 * @example
 * ```ts
 * import { renderOverlay } from "./overlay.ts";
 * import { createRgbaImage } from "../image/rgba.ts";
 *
 * const image = createRgbaImage(64, 48);
 * const mask = new Uint8Array(64 * 48);
 * for (let y = 10; y < 30; y++) mask.fill(1, y * 64 + 20, y * 64 + 40);
 * const other = new Uint8Array(64 * 48).fill(1, 40 * 64, 44 * 64);
 * const out = renderOverlay(image, {
 *   selected: { mask, box: [20, 10, 20, 20], rank: 1, score: 0.305 },
 *   candidates: [{ mask: other, box: [0, 40, 64, 4], rank: 2, score: 0.271 }],
 * });
 * console.log(out !== image, out.width, out.height); // true 64 48
 * ```
 *
 * @module
 */

import type { RgbaImage } from "../image/rgba.ts";
import {
  copyImage,
  type DrawBox,
  drawBox,
  type DrawColour,
  type DrawMask,
  outlineMask,
  tintMask,
} from "./_draw.ts";
import { drawText, measureText } from "./_font.ts";

/** The selected mask's colour by default: a clear green. */
export const SELECTED_COLOUR: DrawColour = [0, 214, 96];

/** The other candidates' colours by default, used in rank order and cycled. */
export const CANDIDATE_PALETTE: readonly DrawColour[] = [
  [255, 140, 0], // orange
  [236, 64, 200], // magenta
  [0, 162, 255], // sky blue
  [255, 222, 0], // yellow
  [232, 40, 48], // red
  [150, 100, 255], // violet
];

/** The ground truth's colour in {@link renderMaskPair} by default: a clear blue. */
export const TRUTH_COLOUR: DrawColour = [40, 130, 255];

/** The line just outside every outline by default: near-black. */
export const EDGE_COLOUR: DrawColour = [24, 24, 24];

/** The default opacity of a mask's tint. */
export const TINT_OPACITY = 0.45;

/** A mask at the image's size and its box. */
export interface OverlayRegion {
  /** `width * height` values at the image's size, nonzero inside. */
  readonly mask: DrawMask;
  /** Box `[x, y, width, height]` of the mask in pixels (may reach outside the image). */
  readonly box: DrawBox;
}

/** A top-k candidate: a region with its rank (1 = best score) and score. */
export interface OverlayCandidate extends OverlayRegion {
  /** Rank by score, 1 for the best. */
  readonly rank: number;
  /** Score against the sentence. */
  readonly score: number;
}

/** The selected region. */
export interface OverlaySelection extends OverlayRegion {
  /**
   * The label to show; by default "#rank score" from `rank` and `score`, or from the candidate
   * that is the same region (same mask object, or same rank).
   */
  readonly label?: string;
  /** Rank by score, 1 for the best. */
  readonly rank?: number;
  /** Score against the sentence. */
  readonly score?: number;
}

/** Options of {@link renderOverlay}. */
export interface OverlayOptions {
  /** The region the sentence refers to: tinted, outlined, boxed and labelled. */
  readonly selected?: OverlaySelection;
  /**
   * The top-k candidates: each one other than the selected region is outlined and labelled.
   * A candidate is the selected region when it has the same mask object or the same rank.
   */
  readonly candidates?: readonly OverlayCandidate[];
  /** The other candidates' colours, in rank order, cycled (default {@link CANDIDATE_PALETTE}). */
  readonly palette?: readonly DrawColour[];
  /** The selected region's colour (default {@link SELECTED_COLOUR}). */
  readonly selectedColour?: DrawColour;
  /** Opacity of the selected region's tint, 0 to 1 (default {@link TINT_OPACITY}). */
  readonly opacity?: number;
  /** Line width in pixels (default {@link overlayUnit} of the image). */
  readonly thickness?: number;
  /** Image pixels per font pixel (default {@link overlayFontScale} of the image). */
  readonly fontScale?: number;
  /**
   * A line drawn just outside each outline, so an outline reads even on an object of its own
   * colour (default {@link EDGE_COLOUR}; null for none).
   */
  readonly edgeColour?: DrawColour | null;
}

/** A label as {@link layoutOverlayLabels} places it. */
export interface OverlayLabel {
  /** The text, e.g. "#2 0.271". */
  readonly text: string;
  /** The label's box `[x, y, width, height]`, background included; inside the image when it fits. */
  readonly box: DrawBox;
  /** The background colour (the region's colour). */
  readonly background: DrawColour;
  /** The text colour: black or white, whichever reads better on the background. */
  readonly colour: DrawColour;
}

/**
 * The default line width of overlay marks for an image: `max(1, round(min(width, height) / 300))`
 * pixels.
 *
 * @param width the image's width
 * @param height the image's height
 * @returns the line width in pixels, 1 or more
 *
 * @example
 * ```ts
 * import { overlayUnit } from "./overlay.ts";
 *
 * console.log(overlayUnit(320, 240), overlayUnit(1280, 960)); // 1 3
 * ```
 */
export function overlayUnit(width: number, height: number): number {
  return Math.max(1, Math.round(Math.min(width, height) / 300));
}

/**
 * The default font scale of overlay labels for an image: `max(1, round(min(width, height) /
 * 200))` image pixels per font pixel, so a label is about 4% of the image's shorter side tall.
 *
 * @param width the image's width
 * @param height the image's height
 * @returns the scale, 1 or more
 *
 * @example
 * ```ts
 * import { overlayFontScale } from "./overlay.ts";
 *
 * console.log(overlayFontScale(320, 240), overlayFontScale(640, 480)); // 1 2
 * ```
 */
export function overlayFontScale(width: number, height: number): number {
  return Math.max(1, Math.round(Math.min(width, height) / 200));
}

/**
 * The label of a ranked candidate: "#rank score", the score with 3 decimals.
 *
 * @param rank rank by score, 1 for the best
 * @param score the score
 * @returns the label, e.g. "#2 0.271"
 *
 * @example
 * ```ts
 * import { formatCandidateLabel } from "./overlay.ts";
 *
 * console.log(formatCandidateLabel(2, 0.27149)); // "#2 0.271"
 * ```
 */
export function formatCandidateLabel(rank: number, score: number): string {
  return `#${rank} ${score.toFixed(3)}`;
}

/** WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white). */
function luminance(colour: DrawColour): number {
  const linear = (v: number) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(colour[0]) + 0.7152 * linear(colour[1]) +
    0.0722 * linear(colour[2]);
}

/** Black or white, whichever has the higher WCAG contrast with the background. */
function textColourOn(background: DrawColour): DrawColour {
  const l = luminance(background);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? [0, 0, 0] : [255, 255, 255];
}

function checkOption(
  value: number,
  name: string,
  test: (v: number) => boolean,
  expected: string,
): void {
  if (!test(value)) {
    throw new RangeError(
      `renderOverlay(): ${name} must be ${expected}, got ${value}`,
    );
  }
}

function checkRegionMask(
  region: OverlayRegion,
  width: number,
  height: number,
  what: string,
  caller: string,
): void {
  if (region.mask.length !== width * height) {
    throw new RangeError(
      `${caller}: ${what} has a mask of ${region.mask.length} values but the ${width} x ` +
        `${height} image needs ${
          width * height
        }; pass masks at the image's size ` +
        "(resize model-sized masks to the image first)",
    );
  }
}

interface Resolved {
  readonly thickness: number;
  readonly fontScale: number;
  readonly selectedColour: DrawColour;
  readonly selectedLabel?: string;
  /** The candidates other than the selected one, best rank first, with their colours. */
  readonly others: readonly {
    candidate: OverlayCandidate;
    colour: DrawColour;
  }[];
}

function resolve(
  width: number,
  height: number,
  options: OverlayOptions,
): Resolved {
  const unit = overlayUnit(width, height);
  const thickness = options.thickness ?? unit;
  const fontScale = options.fontScale ?? overlayFontScale(width, height);
  checkOption(
    thickness,
    "thickness",
    (v) => Number.isSafeInteger(v) && v >= 1,
    "a whole number of pixels, 1 or more",
  );
  checkOption(
    fontScale,
    "fontScale",
    (v) => Number.isSafeInteger(v) && v >= 1,
    "a whole number, 1 or more",
  );
  const palette = options.palette ?? CANDIDATE_PALETTE;
  if (palette.length === 0) {
    throw new RangeError(
      "renderOverlay(): the palette is empty; pass at least one colour or leave it out",
    );
  }
  const selected = options.selected;
  const candidates = options.candidates ?? [];
  const isSelected = (c: OverlayCandidate) =>
    selected !== undefined &&
    (c.mask === selected.mask ||
      (selected.rank !== undefined && c.rank === selected.rank));
  const match = candidates.find(isSelected);
  let selectedLabel = selected?.label;
  if (selected && selectedLabel === undefined) {
    const rank = selected.rank ?? match?.rank;
    const score = selected.score ?? match?.score;
    if (rank !== undefined && score !== undefined) {
      selectedLabel = formatCandidateLabel(rank, score);
    } else if (score !== undefined) selectedLabel = score.toFixed(3);
    else if (rank !== undefined) selectedLabel = `#${rank}`;
  }
  const others = candidates
    .filter((c) => !isSelected(c))
    .sort((a, b) => a.rank - b.rank)
    .map((candidate, i) => ({
      candidate,
      colour: palette[i % palette.length],
    }));
  return {
    thickness,
    fontScale,
    selectedColour: options.selectedColour ?? SELECTED_COLOUR,
    selectedLabel,
    others,
  };
}

function overlaps(a: DrawBox, b: DrawBox): boolean {
  return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] &&
    b[1] < a[1] + a[3];
}

function clamp(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(value, high));
}

/**
 * Places one label near the frame's top-left corner: above it, else just inside it, else below
 * it, else at its top-right; always inside the image when the label fits, and not on a label
 * placed before when some spot is free.
 */
function placeLabel(
  frame: DrawBox,
  size: { width: number; height: number },
  imageWidth: number,
  imageHeight: number,
  placed: readonly DrawBox[],
  inset: number,
): DrawBox {
  const [fx, fy, fw, fh] = frame.map(Math.round);
  const { width: lw, height: lh } = size;
  const spots: [number, number][] = [
    [fx, fy - lh], // above, left-aligned
    [fx + inset, fy + inset], // just inside the top-left corner
    [fx, fy + fh], // below, left-aligned
    [fx + fw - lw, fy - lh], // above, right-aligned
    [fx + fw - lw, fy + fh], // below, right-aligned
  ];
  const boxes: DrawBox[] = spots.map(([x, y]) => [
    clamp(x, 0, Math.max(0, imageWidth - lw)),
    clamp(y, 0, Math.max(0, imageHeight - lh)),
    lw,
    lh,
  ]);
  return boxes.find((box) => !placed.some((p) => overlaps(p, box))) ??
    boxes[0];
}

/**
 * The frame drawn around a tight box: `thickness` pixels wide, `thickness` pixels clear of the
 * box (so it does not hide the object's edge).
 */
function frameAround(box: DrawBox, thickness: number): DrawBox {
  const margin = 2 * thickness;
  return [
    box[0] - margin,
    box[1] - margin,
    box[2] + 2 * margin,
    box[3] + 2 * margin,
  ];
}

/**
 * Where {@link renderOverlay} puts its labels: the selected region's label first (the best
 * spot), then the other candidates' by rank, each near its box's top-left corner and inside the
 * image.
 *
 * @param width the image's width
 * @param height the image's height
 * @param options the same options as {@link renderOverlay}
 * @returns the labels, selected first, then the other candidates by rank
 * @throws {RangeError} when thickness or fontScale is not a whole number of 1 or more, or the
 *   palette is empty
 *
 * @example
 * ```ts
 * import { layoutOverlayLabels } from "./overlay.ts";
 *
 * const mask = new Uint8Array(100 * 80);
 * const [label] = layoutOverlayLabels(100, 80, {
 *   candidates: [{ mask, box: [0, 0, 30, 30], rank: 2, score: 0.271 }],
 * });
 * console.log(label.text, label.box); // "#2 0.271" [0, 0, 44, 9]
 * ```
 */
export function layoutOverlayLabels(
  width: number,
  height: number,
  options: OverlayOptions,
): OverlayLabel[] {
  return layout(width, height, options, resolve(width, height, options));
}

function layout(
  width: number,
  height: number,
  options: OverlayOptions,
  resolved: Resolved,
): OverlayLabel[] {
  const { thickness, fontScale } = resolved;
  const entries: { text: string; frame: DrawBox; background: DrawColour }[] =
    [];
  if (options.selected && resolved.selectedLabel) {
    entries.push({
      text: resolved.selectedLabel,
      frame: frameAround(options.selected.box, thickness),
      background: resolved.selectedColour,
    });
  }
  for (const { candidate, colour } of resolved.others) {
    entries.push({
      text: formatCandidateLabel(candidate.rank, candidate.score),
      frame: frameAround(candidate.box, thickness),
      background: colour,
    });
  }
  const placed: DrawBox[] = [];
  return entries.map(({ text, frame, background }) => {
    const size = measureText(text, fontScale, fontScale);
    const box = placeLabel(frame, size, width, height, placed, thickness);
    placed.push(box);
    return { text, box, background, colour: textColourOn(background) };
  });
}

/**
 * Renders the overlay of a segmentation: the selected mask tinted (see-through green by
 * default), outlined, and framed by its box; every other candidate outlined in its own colour;
 * and a label "#rank score" on each, near its box's top-left corner and inside the image. Line
 * width and font size follow {@link overlayUnit} and {@link overlayFontScale} unless given.
 *
 * @param image the image (not changed)
 * @param options the selected region, the top-k candidates and the look
 * @returns a new image of the same size
 * @throws {RangeError} when a mask's size differs from the image's, or an option is out of range
 *
 * @example
 * ```ts
 * import { renderOverlay } from "./overlay.ts";
 * import { createRgbaImage } from "../image/rgba.ts";
 *
 * const image = createRgbaImage(32, 32);
 * const mask = new Uint8Array(32 * 32).fill(1, 0, 32 * 8);
 * const out = renderOverlay(image, {
 *   selected: { mask, box: [0, 0, 32, 8], label: "#1 0.305" },
 *   candidates: [],
 * });
 * console.log(out.width, image.data[3]); // 32 0 (the input stays transparent)
 * ```
 */
export function renderOverlay(
  image: RgbaImage,
  options: OverlayOptions,
): RgbaImage {
  const { width, height } = image;
  const caller = "renderOverlay()";
  if (options.selected) {
    checkRegionMask(
      options.selected,
      width,
      height,
      "the selected region",
      caller,
    );
  }
  for (const [i, c] of (options.candidates ?? []).entries()) {
    checkRegionMask(
      c,
      width,
      height,
      `candidate ${i} (rank ${c.rank})`,
      caller,
    );
  }
  const opacity = options.opacity ?? TINT_OPACITY;
  checkOption(
    opacity,
    "opacity",
    (v) => v >= 0 && v <= 1,
    "a number from 0 to 1",
  );
  const resolved = resolve(width, height, options);
  const { thickness, fontScale } = resolved;
  const out = copyImage(image);
  // Worst rank first, so better candidates' outlines end on top.
  const edge = options.edgeColour === undefined
    ? EDGE_COLOUR
    : options.edgeColour;
  const outline = (mask: DrawMask, colour: DrawColour) => {
    if (edge) outlineMask(out, mask, edge, thickness, "outside");
    outlineMask(out, mask, colour, thickness);
  };
  for (const { candidate, colour } of [...resolved.others].reverse()) {
    outline(candidate.mask, colour);
  }
  if (options.selected) {
    const colour = resolved.selectedColour;
    tintMask(out, options.selected.mask, colour, opacity);
    outline(options.selected.mask, colour);
    drawBox(
      out,
      frameAround(options.selected.box, thickness),
      colour,
      thickness,
    );
  }
  // The selected label is placed first but drawn last, so it is never covered.
  const labels = layout(width, height, options, resolved);
  for (const label of labels.reverse()) {
    drawText(out, label.box[0], label.box[1], label.text, label.colour, {
      scale: fontScale,
      background: label.background,
      padding: fontScale,
    });
  }
  return out;
}

/** Options of {@link renderMaskPair}. */
export interface MaskPairOptions {
  /** Titles of the two panels (default "PREDICTION" and "GROUND TRUTH"; "" for none). */
  readonly titles?: readonly [string, string];
  /** The prediction's colour (default {@link SELECTED_COLOUR}). */
  readonly predictedColour?: DrawColour;
  /** The ground truth's colour (default {@link TRUTH_COLOUR}). */
  readonly truthColour?: DrawColour;
  /** Opacity of the tints, 0 to 1 (default {@link TINT_OPACITY}). */
  readonly opacity?: number;
  /** Pixels between the panels (default 4 x {@link overlayUnit}). */
  readonly gap?: number;
  /** The gap's colour (default white). */
  readonly gapColour?: DrawColour;
  /** Line width in pixels (default {@link overlayUnit} of the image). */
  readonly thickness?: number;
  /** Image pixels per font pixel (default {@link overlayFontScale} of the image). */
  readonly fontScale?: number;
}

/**
 * Renders a prediction beside its ground truth: the image twice, side by side, the predicted
 * mask tinted and outlined on the left and the ground-truth mask on the right, each panel titled
 * in its top-left corner.
 *
 * @param image the image (not changed)
 * @param predicted the predicted mask at the image's size (nonzero inside)
 * @param groundTruth the ground-truth mask at the image's size (nonzero inside)
 * @param options titles, colours, opacity, gap and sizes
 * @returns a new image, `2 * width + gap` wide and as tall as the input
 * @throws {RangeError} when a mask's size differs from the image's, or an option is out of range
 *
 * @example
 * ```ts
 * import { renderMaskPair } from "./overlay.ts";
 * import { createRgbaImage } from "../image/rgba.ts";
 *
 * const image = createRgbaImage(40, 30);
 * const predicted = new Uint8Array(40 * 30).fill(1, 0, 400);
 * const truth = new Uint8Array(40 * 30).fill(1, 200, 800);
 * const pair = renderMaskPair(image, predicted, truth);
 * console.log(pair.width, pair.height); // 84 30
 * ```
 */
export function renderMaskPair(
  image: RgbaImage,
  predicted: DrawMask,
  groundTruth: DrawMask,
  options: MaskPairOptions = {},
): RgbaImage {
  const { width, height } = image;
  const caller = "renderMaskPair()";
  checkRegionMask(
    { mask: predicted, box: [0, 0, 0, 0] },
    width,
    height,
    "the prediction",
    caller,
  );
  checkRegionMask(
    { mask: groundTruth, box: [0, 0, 0, 0] },
    width,
    height,
    "the ground truth",
    caller,
  );
  const unit = overlayUnit(width, height);
  const gap = options.gap ?? 4 * unit;
  if (!Number.isSafeInteger(gap) || gap < 0) {
    throw new RangeError(
      `${caller}: gap must be a whole number of pixels, 0 or more, got ${gap}`,
    );
  }
  const thickness = options.thickness ?? unit;
  const fontScale = options.fontScale ?? overlayFontScale(width, height);
  const opacity = options.opacity ?? TINT_OPACITY;
  const [leftTitle, rightTitle] = options.titles ??
    ["PREDICTION", "GROUND TRUTH"];
  const panels = [
    {
      mask: predicted,
      colour: options.predictedColour ?? SELECTED_COLOUR,
      title: leftTitle,
    },
    {
      mask: groundTruth,
      colour: options.truthColour ?? TRUTH_COLOUR,
      title: rightTitle,
    },
  ];
  const outWidth = 2 * width + gap;
  const data = new Uint8ClampedArray(4 * outWidth * height);
  const gapColour = options.gapColour ?? [255, 255, 255];
  for (let y = 0; y < height; y++) {
    for (let x = width; x < width + gap; x++) {
      data.set([...gapColour, 255], 4 * (y * outWidth + x));
    }
  }
  panels.forEach(({ mask, colour, title }, i) => {
    const panel = copyImage(image);
    tintMask(panel, mask, colour, opacity);
    outlineMask(panel, mask, colour, thickness);
    if (title) {
      drawText(panel, 0, 0, title, textColourOn(colour), {
        scale: fontScale,
        background: colour,
        padding: fontScale,
      });
    }
    const left = i * (width + gap);
    for (let y = 0; y < height; y++) {
      data.set(
        panel.data.subarray(4 * y * width, 4 * (y + 1) * width),
        4 * (y * outWidth + left),
      );
    }
  });
  return { width: outWidth, height, data };
}
