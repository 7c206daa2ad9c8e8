/**
 * "color-sam": a tiny stand-in for Xenova/slimsam-77-uniform with the same
 * ONNX inputs and outputs, that segments the flat-coloured blob under each
 * point prompt.
 *
 * - vision_encoder.onnx: `pixel_values` float32 [batch_size, 3, 1024, 1024]
 *   (SAM-normalised, resized so the longest side is 1024, padded bottom and
 *   right) -> `image_embeddings` and `image_positional_embeddings`, both
 *   float32 [batch_size, 256, 64, 64]. It undoes the normalisation,
 *   averages 4x4 blocks into a 256x256 RGB image (0-1) and packs it into
 *   channels 0..47 with SpaceToDepth(4); channels 48..255 are zero. The
 *   positional embeddings are fixed sine/cosine features of the 64x64 grid.
 * - prompt_encoder_mask_decoder.onnx: `input_points` float32 [batch_size,
 *   point_batch_size, nb_points_per_image, 2] (x, y in the 1024 frame, as
 *   SAM's processor gives them), `input_labels` int64 [batch_size,
 *   point_batch_size, nb_points_per_image], `image_embeddings`,
 *   `image_positional_embeddings` -> `iou_scores` float32 [batch_size,
 *   point_batch_size, 3] and `pred_masks` float32 [batch_size,
 *   point_batch_size, 3, 256, 256]: low-resolution mask logits over the
 *   padded 1024x1024 frame (one cell = 4x4 pixels).
 *
 * For each point the decoder takes the colour of the 256x256 cell under it
 * and scores every cell with `min(colour, WINDOW_SLOPE * (W_m - c))`,
 * colour = `COLOUR_SLOPE * (COLOUR_THRESHOLD - d) + COLOUR_JUMP * sign(COLOUR_THRESHOLD - d)`,
 * where d is the RGB distance (0-255 units) of the cell to the clicked
 * colour and c the Chebyshev distance (cells) of the cell centre to the
 * point; the three masks use the windows W_m = WINDOW_HALF_SIZES (small,
 * medium, large). Points whose label is not positive (0, -1 padding, -10)
 * are ignored; the masks of a prompt's positive points are united (max of
 * logits). `iou_scores[m]` = IOU_SCALE * (area(mask m) / area(large
 * mask))^4: a mask that the window cuts short scores low (below SAM's 0.88
 * threshold unless it keeps 97% of the blob), a mask holding the whole blob
 * scores IOU_SCALE. A click on an edge (the 3x3 cells around it vary in
 * colour) multiplies its scores by exp(-variance / EDGE_VARIANCE), so SAM's
 * filter drops the thin rings such clicks produce.
 *
 * @example
 * ```ts
 * import { buildSamEncoder, buildSamDecoder } from "./_color_sam.ts";
 * const encoder = buildSamEncoder(); // ONNX bytes
 * const decoder = buildSamDecoder();
 * ```
 *
 * @module
 */

import { attr, OnnxGraph } from "./_onnx_graph.ts";

/** SAM's input frame (pixels per side after resize and pad). */
export const SAM_INPUT_SIZE = 1024;
/** Side of the low-resolution mask grid. */
export const SAM_MASK_SIZE = 256;
/** Side of the image embedding grid. */
export const SAM_EMBED_SIZE = 64;
/** Channels of the image embedding. */
export const SAM_EMBED_CHANNELS = 256;
/** SAM's pixel mean (0-255 units). */
export const SAM_MEAN: readonly number[] = [123.675, 116.28, 103.53];
/** SAM's pixel std (0-255 units). */
export const SAM_STD: readonly number[] = [58.395, 57.12, 57.375];
/** Colour distance (0-255 RGB units) at which a cell's logit crosses 0. */
export const COLOUR_THRESHOLD = 48;
/** Logit change per unit of colour distance. */
export const COLOUR_SLOPE = 0.5;
/**
 * Step added at the colour threshold (+ inside, - outside), so that no
 * cell's colour logit falls in (-COLOUR_JUMP, COLOUR_JUMP): blended edge
 * cells never land in the stability band (logits within +-1), whatever
 * fraction of them the shape covers.
 */
export const COLOUR_JUMP = 2;
/** Half-sizes (cells of the 256 grid) of the small, medium, large windows. */
export const WINDOW_HALF_SIZES: readonly number[] = [16, 32, 64];
/** Logit change per cell of distance past the window's edge. */
export const WINDOW_SLOPE = 40;
/** Predicted IoU of a mask that holds the whole blob. */
export const IOU_SCALE = 0.98;
/**
 * Colour variance (summed over RGB, 0-255 units squared) of the 3x3 cells
 * around a click at which its predicted IoU falls to 1/e of its value.
 */
export const EDGE_VARIANCE = 100;
/** Logit offset that switches off non-positive points. */
const IGNORED_POINT = -1000;

const CELLS = SAM_MASK_SIZE * SAM_MASK_SIZE;
const CELL = SAM_INPUT_SIZE / SAM_MASK_SIZE; // pixels per cell side

/**
 * Builds onnx/vision_encoder.onnx of the color-sam fixture.
 *
 * @returns the model file's bytes.
 */
export function buildSamEncoder(): Uint8Array {
  const g = new OnnxGraph("color_sam_encoder");
  g.input("pixel_values", "float32", [
    "batch_size",
    3,
    SAM_INPUT_SIZE,
    SAM_INPUT_SIZE,
  ]);
  // Back to 0-1 RGB: (x * std + mean) / 255.
  const scale = g.constFloat(SAM_STD.map((s) => s / 255), [1, 3, 1, 1]);
  const shift = g.constFloat(SAM_MEAN.map((m) => m / 255), [1, 3, 1, 1]);
  const rgb = g.node("Add", [g.node("Mul", ["pixel_values", scale]), shift]);
  const pooled = g.node("AveragePool", [rgb], undefined, {
    kernel_shape: attr.ints([CELL, CELL]),
    strides: attr.ints([CELL, CELL]),
  }); // [B,3,256,256]
  const packed = g.node("SpaceToDepth", [pooled], undefined, {
    blocksize: attr.int(SAM_MASK_SIZE / SAM_EMBED_SIZE),
  }); // [B,48,64,64]
  const used = 3 * (SAM_MASK_SIZE / SAM_EMBED_SIZE) ** 2;
  g.node(
    "Pad",
    [packed, g.constInt64([0, 0, 0, 0, 0, SAM_EMBED_CHANNELS - used, 0, 0])],
    ["image_embeddings"],
  );
  // Positional embeddings: sin(f x) in channels 0..127, cos(f y) in 128..255.
  const half = SAM_EMBED_CHANNELS / 2;
  const n = SAM_EMBED_SIZE;
  const coords = Array.from({ length: n }, (_, i) => (i + 0.5) / n);
  const freqs = Array.from({ length: half }, (_, i) => Math.PI * (i + 1) / 8);
  const fx = g.node("Mul", [
    g.constFloat(freqs, [1, half, 1, 1]),
    g.constFloat(coords, [1, 1, 1, n]),
  ]);
  const fy = g.node("Mul", [
    g.constFloat(freqs, [1, half, 1, 1]),
    g.constFloat(coords, [1, 1, n, 1]),
  ]);
  const full = g.constInt64([1, half, n, n]);
  const pos = g.node(
    "Concat",
    [
      g.node("Expand", [g.node("Sin", [fx]), full]),
      g.node("Expand", [g.node("Cos", [fy]), full]),
    ],
    undefined,
    { axis: attr.int(1) },
  ); // [1,256,64,64]
  const batch = g.node("Slice", [
    g.node("Shape", ["pixel_values"]),
    g.constInt64([0]),
    g.constInt64([1]),
  ]);
  const posShape = g.node(
    "Concat",
    [
      batch,
      g.constInt64([SAM_EMBED_CHANNELS, n, n]),
    ],
    undefined,
    { axis: attr.int(0) },
  );
  g.node("Expand", [pos, posShape], ["image_positional_embeddings"]);
  const embedDims = ["batch_size", SAM_EMBED_CHANNELS, n, n];
  g.output("image_embeddings", "float32", embedDims);
  g.output("image_positional_embeddings", "float32", embedDims);
  return g.encode();
}

/**
 * Builds onnx/prompt_encoder_mask_decoder.onnx of the color-sam fixture.
 *
 * @returns the model file's bytes.
 */
export function buildSamDecoder(): Uint8Array {
  const g = new OnnxGraph("color_sam_decoder");
  const pointDims = ["batch_size", "point_batch_size", "nb_points_per_image"];
  g.input("input_points", "float32", [...pointDims, 2]);
  g.input("input_labels", "int64", pointDims);
  const n = SAM_EMBED_SIZE;
  g.input("image_embeddings", "float32", [
    "batch_size",
    SAM_EMBED_CHANNELS,
    n,
    n,
  ]);
  g.input("image_positional_embeddings", "float32", [
    "batch_size",
    SAM_EMBED_CHANNELS,
    n,
    n,
  ]);
  const scalar = (v: number) => g.constFloat([v], []);
  const axes = (...a: number[]) => g.constInt64(a);

  // Unpack the 256x256 RGB image (0-255) as [B,3,65536].
  const packed = g.node("Slice", [
    "image_embeddings",
    axes(0),
    axes(3 * (SAM_MASK_SIZE / n) ** 2),
    axes(1),
  ]);
  const image = g.node("DepthToSpace", [packed], undefined, {
    blocksize: attr.int(SAM_MASK_SIZE / n),
    mode: attr.string("DCR"),
  });
  const img = g.node("Reshape", [
    g.node("Mul", [image, scalar(255)]),
    g.constInt64([0, 3, CELLS]),
  ]);

  // Points as [B,PN,2] -> cell coordinates.
  const pts = g.node("Reshape", ["input_points", g.constInt64([0, -1, 2])]);
  const px = g.node("Mul", [
    g.node("Gather", [pts, g.constInt64([0], [])], undefined, {
      axis: attr.int(2),
    }),
    scalar(1 / CELL),
  ]); // [B,PN] in cells
  const py = g.node("Mul", [
    g.node("Gather", [pts, g.constInt64([1], [])], undefined, {
      axis: attr.int(2),
    }),
    scalar(1 / CELL),
  ]);
  const cellIndex = (v: string) =>
    g.node(
      "Cast",
      [
        g.node("Clip", [
          g.node("Floor", [v]),
          scalar(0),
          scalar(SAM_MASK_SIZE - 1),
        ]),
      ],
      undefined,
      { to: attr.int(7) },
    );
  const idx = g.node("Add", [
    g.node("Mul", [cellIndex(py), g.constInt64([SAM_MASK_SIZE], [])]),
    cellIndex(px),
  ]); // [B,PN]
  const idx1 = g.node("Unsqueeze", [idx, axes(1)]); // [B,1,PN]
  const idx3 = g.node("Concat", [idx1, idx1, idx1], undefined, {
    axis: attr.int(1),
  });
  const clicked = g.node(
    "Transpose",
    [
      g.node("GatherElements", [img, idx3], undefined, { axis: attr.int(2) }),
    ],
    undefined,
    { perm: attr.ints([0, 2, 1]) },
  ); // [B,PN,3]

  // Colour distance of every cell to the clicked colour: [B,PN,65536].
  const imgSq = g.node("ReduceSum", [g.node("Mul", [img, img]), axes(1)]);
  const clickedSq = g.node("ReduceSum", [
    g.node("Mul", [clicked, clicked]),
    axes(2),
  ]);
  const dots = g.node("MatMul", [clicked, img]);
  const dist = g.node("Sqrt", [
    g.node("Relu", [
      g.node("Sub", [
        g.node("Add", [imgSq, clickedSq]),
        g.node("Mul", [dots, scalar(2)]),
      ]),
    ]),
  ]);

  // Chebyshev distance of every cell centre to the point, in cells.
  const centres = Array.from({ length: SAM_MASK_SIZE }, (_, i) => i + 0.5);
  const axisDistance = (p: string) =>
    g.node("Abs", [
      g.node("Sub", [
        g.constFloat(centres, [SAM_MASK_SIZE]),
        g.node("Unsqueeze", [p, axes(2)]),
      ]),
    ]); // [B,PN,256]
  const cheb = g.node("Unsqueeze", [
    g.node("Reshape", [
      g.node("Max", [
        g.node("Unsqueeze", [axisDistance(px), axes(2)]), // [B,PN,1,256]
        g.node("Unsqueeze", [axisDistance(py), axes(3)]), // [B,PN,256,1]
      ]),
      g.constInt64([0, 0, CELLS]),
    ]),
    axes(2),
  ]); // [B,PN,1,65536]
  const windowLogit = g.node("Sub", [
    g.constFloat(WINDOW_HALF_SIZES.map((w) => w * WINDOW_SLOPE), [1, 1, 3, 1]),
    g.node("Mul", [cheb, scalar(WINDOW_SLOPE)]),
  ]); // [B,PN,3,65536]

  // Non-positive points get a large negative offset, so that they drop out
  // of the union of a prompt's points.
  const positive = g.node(
    "Cast",
    [
      g.node("Greater", [
        g.node("Reshape", ["input_labels", g.constInt64([0, -1])]),
        g.constInt64([0], []),
      ]),
    ],
    undefined,
    { to: attr.int(1) },
  ); // [B,PN]
  const offset = g.node("Unsqueeze", [
    g.node("Mul", [
      g.node("Sub", [positive, scalar(1)]),
      scalar(-IGNORED_POINT),
    ]),
    axes(2),
  ]); // [B,PN,1]
  const margin = g.node("Sub", [scalar(COLOUR_THRESHOLD), dist]);
  const colourLogit = g.node("Unsqueeze", [
    g.node("Add", [
      g.node("Add", [
        g.node("Mul", [margin, scalar(COLOUR_SLOPE)]),
        g.node("Mul", [g.node("Sign", [margin]), scalar(COLOUR_JUMP)]),
      ]),
      offset,
    ]),
    axes(2),
  ]); // [B,PN,1,65536]
  const logits = g.node("Min", [colourLogit, windowLogit]);

  // Unite a prompt's points.
  const shape = g.node("Shape", ["input_points"]);
  const bpn = g.node("Slice", [shape, axes(0), axes(3)]);
  const bp = g.node("Slice", [shape, axes(0), axes(2)]);
  const perPoint = g.node("Reshape", [
    logits,
    g.node("Concat", [bpn, g.constInt64([3, CELLS])], undefined, {
      axis: attr.int(0),
    }),
  ]); // [B,P,N,3,65536]
  const united = g.node("ReduceMax", [perPoint], undefined, {
    axes: attr.ints([2]),
    keepdims: attr.int(0),
  }); // [B,P,3,65536]
  g.node("Reshape", [
    united,
    g.node(
      "Concat",
      [
        bp,
        g.constInt64([3, SAM_MASK_SIZE, SAM_MASK_SIZE]),
      ],
      undefined,
      { axis: attr.int(0) },
    ),
  ], ["pred_masks"]);

  // Predicted IoU: area of each mask relative to the large window's mask.
  const area = g.node(
    "ReduceSum",
    [
      g.node("Cast", [g.node("Greater", [united, scalar(0)])], undefined, {
        to: attr.int(1),
      }),
      axes(3),
    ],
    undefined,
    { keepdims: attr.int(0) },
  ); // [B,P,3]
  const largest = g.node("Slice", [area, axes(2), axes(3), axes(2)]);
  // IOU_SCALE * ratio^4: only masks holding nearly the whole blob pass
  // SAM's 0.88 threshold (ratio >= 0.97), as SAM scores partial masks low.
  const ratio = g.node("Div", [area, g.node("Max", [largest, scalar(1)])]);
  const squared = g.node("Mul", [ratio, ratio]);
  // A click on an edge, where the 3x3 cells around it differ in colour, is
  // ambiguous: its masks score low, as SAM's do.
  const image4 = g.node("Reshape", [
    img,
    g.constInt64([0, 3, SAM_MASK_SIZE, SAM_MASK_SIZE]),
  ]);
  const pool = (x: string) =>
    g.node("AveragePool", [x], undefined, {
      kernel_shape: attr.ints([3, 3]),
      pads: attr.ints([1, 1, 1, 1]),
      count_include_pad: attr.int(0),
    });
  const mean = pool(image4);
  const variance = g.node(
    "ReduceSum",
    [
      g.node("Relu", [
        g.node("Sub", [
          pool(g.node("Mul", [image4, image4])),
          g.node("Mul", [mean, mean]),
        ]),
      ]),
      axes(1),
    ],
    undefined,
    { keepdims: attr.int(0) },
  ); // [B,256,256]
  const flatness = g.node("Exp", [
    g.node("Mul", [
      g.node(
        "GatherElements",
        [
          g.node("Reshape", [variance, g.constInt64([0, CELLS])]),
          idx,
        ],
        undefined,
        { axis: attr.int(1) },
      ),
      scalar(-1 / EDGE_VARIANCE),
    ]),
  ]); // [B,PN]
  const promptFlatness = g.node("Unsqueeze", [
    g.node(
      "ReduceMax",
      [
        g.node("Reshape", [
          flatness,
          g.node("Shape", ["input_labels"]),
        ]),
      ],
      undefined,
      { axes: attr.ints([2]), keepdims: attr.int(0) },
    ),
    axes(2),
  ]); // [B,P,1]
  g.node("Mul", [
    g.node("Mul", [g.node("Mul", [squared, squared]), scalar(IOU_SCALE)]),
    promptFlatness,
  ], ["iou_scores"]);

  g.output("iou_scores", "float32", ["batch_size", "point_batch_size", 3]);
  g.output("pred_masks", "float32", [
    "batch_size",
    "point_batch_size",
    3,
    SAM_MASK_SIZE,
    SAM_MASK_SIZE,
  ]);
  return g.encode();
}

/** config.json, as in Xenova/slimsam-77-uniform (a SamModel config). */
export function samConfigJson(): Record<string, unknown> {
  return {
    _name_or_path: "fixture/color-sam",
    architectures: ["SamModel"],
    initializer_range: 0.02,
    mask_decoder_config: { model_type: "" },
    model_type: "sam",
    prompt_encoder_config: { model_type: "" },
    vision_config: { hidden_size: 168, mlp_dim: 696, model_type: "" },
    oris_fixture:
      "color-sam: masks the flat-coloured blob under each point; see tests/fixtures/README.md",
  };
}

/**
 * preprocessor_config.json, as in the SAM repositories (facebook/sam-vit-*,
 * Xenova/slimsam-77-uniform): resize the longest edge to 1024 (bilinear),
 * rescale to 0-1, normalise with ImageNet mean/std, pad to 1024x1024.
 */
export function samPreprocessorConfigJson(): Record<string, unknown> {
  return {
    do_convert_rgb: true,
    do_normalize: true,
    do_pad: true,
    do_rescale: true,
    do_resize: true,
    image_mean: [0.485, 0.456, 0.406],
    image_processor_type: "SamImageProcessor",
    image_std: [0.229, 0.224, 0.225],
    pad_size: { height: SAM_INPUT_SIZE, width: SAM_INPUT_SIZE },
    processor_class: "SamProcessor",
    resample: 2,
    rescale_factor: 0.00392156862745098,
    size: { longest_edge: SAM_INPUT_SIZE },
  };
}
