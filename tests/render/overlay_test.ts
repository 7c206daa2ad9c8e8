import assert from "node:assert/strict";
import {
  CANDIDATE_PALETTE,
  EDGE_COLOUR,
  formatCandidateLabel,
  layoutOverlayLabels,
  type OverlayCandidate,
  overlayFontScale,
  overlayUnit,
  renderMaskPair,
  renderOverlay,
  SELECTED_COLOUR,
  TRUTH_COLOUR,
} from "../../pipeline/render/overlay.ts";
import { copyImage, maskOutline } from "../../pipeline/render/_draw.ts";
import { measureText } from "../../pipeline/render/_font.ts";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import { patterned, pixel, rectMask } from "./helpers.ts";

type Box = [number, number, number, number];

const W = 120, H = 90;

function region(box: Box) {
  return { mask: rectMask(W, H, box), box };
}

/** Blends an opaque pixel with a colour as the overlay's tint does. */
function blend(
  rgb: number[],
  colour: readonly number[],
  opacity: number,
): number[] {
  return [0, 1, 2].map((c) =>
    Math.round(colour[c] * opacity + rgb[c] * (1 - opacity))
  );
}

function inside(
  box: readonly number[],
  width: number,
  height: number,
): boolean {
  return box[0] >= 0 && box[1] >= 0 && box[0] + box[2] <= width &&
    box[1] + box[3] <= height;
}

const selected = region([40, 30, 40, 30]);
const candidates: OverlayCandidate[] = [
  { ...selected, rank: 1, score: 0.305 },
  { ...region([5, 60, 20, 20]), rank: 3, score: 0.25 },
  { ...region([90, 10, 20, 20]), rank: 2, score: 0.271 },
];

Deno.test("overlayUnit() and overlayFontScale() grow with the shorter side", () => {
  assert.deepEqual([
    overlayUnit(120, 90),
    overlayUnit(640, 480),
    overlayUnit(3000, 900),
  ], [
    1,
    2,
    3,
  ]);
  assert.deepEqual(
    [
      overlayFontScale(120, 90),
      overlayFontScale(258, 308),
      overlayFontScale(640, 480),
    ],
    [1, 1, 2],
  );
  assert.equal(formatCandidateLabel(2, 0.27149), "#2 0.271");
  assert.equal(formatCandidateLabel(10, -0.5), "#10 -0.500");
});

Deno.test("renderOverlay() leaves the input unchanged and returns a new image", () => {
  const image = patterned(W, H);
  const before = copyImage(image);
  const out = renderOverlay(image, { selected, candidates });
  assert.deepEqual(image.data, before.data);
  assert.notEqual(out.data, image.data);
  assert.deepEqual([out.width, out.height], [W, H]);
  assert.notDeepEqual(out.data, image.data);
});

Deno.test("renderOverlay() tints the selected mask with the opacity and keeps far pixels", () => {
  const image = patterned(W, H);
  const out = renderOverlay(image, { selected, candidates, opacity: 0.45 });
  for (const [x, y] of [[50, 45], [60, 40], [75, 55]]) {
    assert.deepEqual(
      pixel(out, x, y).slice(0, 3),
      blend(pixel(image, x, y), SELECTED_COLOUR, 0.45),
      `(${x}, ${y})`,
    );
  }
  // Away from every region, frame and label, the image is as it was.
  for (const [x, y] of [[30, 10], [60, 85], [100, 80], [2, 40]]) {
    assert.deepEqual(pixel(out, x, y), pixel(image, x, y), `(${x}, ${y})`);
  }
});

Deno.test("renderOverlay() outlines the selected mask and frames its box just outside", () => {
  const image = patterned(W, H);
  const out = renderOverlay(image, { selected, candidates: [] });
  const green = [...SELECTED_COLOUR, 255];
  // The box is x 40..79, y 30..59; the frame lies 2 pixels out, the dark edge between.
  assert.deepEqual(pixel(out, 40, 45), green); // the mask's left boundary
  assert.deepEqual(pixel(out, 39, 45), [...EDGE_COLOUR, 255]); // the dark edge outside it
  assert.deepEqual(pixel(out, 38, 45), green); // the frame
  assert.deepEqual(pixel(out, 37, 45), pixel(image, 37, 45));
  assert.deepEqual(pixel(out, 81, 45), green); // right side of the frame
  assert.deepEqual(pixel(out, 82, 45), pixel(image, 82, 45));
  assert.deepEqual(pixel(out, 60, 60), [...EDGE_COLOUR, 255]);
  assert.deepEqual(pixel(out, 60, 61), green); // bottom of the frame
  assert.deepEqual(pixel(out, 60, 62), pixel(image, 60, 62));
  // At thickness 2 (no dark edge) the frame is 2 pixels wide, 2 pixels clear of the box.
  const thick = renderOverlay(image, {
    selected,
    thickness: 2,
    edgeColour: null,
  });
  assert.deepEqual([36, 37, 38, 39, 40].map((x) => pixel(thick, x, 45)), [
    green,
    green,
    pixel(image, 38, 45),
    pixel(image, 39, 45),
    green,
  ]);
});

Deno.test("renderOverlay() outlines the other candidates in palette colours by rank", () => {
  const image = patterned(W, H);
  const out = renderOverlay(image, { selected, candidates });
  // Rank 2 gets the first palette colour, rank 3 the second; the selected rank 1 gets none.
  assert.deepEqual(pixel(out, 109, 20), [...CANDIDATE_PALETTE[0], 255]);
  assert.deepEqual(pixel(out, 5, 70), [...CANDIDATE_PALETTE[1], 255]);
  assert.deepEqual(pixel(out, 4, 70), [...EDGE_COLOUR, 255]);
  // Only the outline: the candidates' insides are untouched.
  assert.deepEqual(pixel(out, 100, 25), pixel(image, 100, 25));
  assert.deepEqual(pixel(out, 15, 72), pixel(image, 15, 72));
  const palette = renderOverlay(image, {
    selected,
    candidates,
    palette: [[1, 2, 3]],
    edgeColour: null,
  });
  assert.deepEqual(pixel(palette, 109, 20), [1, 2, 3, 255]);
  assert.deepEqual(pixel(palette, 5, 70), [1, 2, 3, 255]);
  assert.deepEqual(pixel(palette, 4, 70), pixel(image, 4, 70));
});

Deno.test("renderOverlay() draws the outline pixels of a candidate exactly, at the thickness", () => {
  const image = patterned(W, H);
  const other = { ...region([20, 20, 30, 25]), rank: 2, score: 0.1 };
  const out = renderOverlay(image, {
    candidates: [other],
    thickness: 2,
    edgeColour: null,
  });
  const outline = maskOutline(other.mask, W, H, 2);
  const label =
    layoutOverlayLabels(W, H, { candidates: [other], thickness: 2 })[0].box;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inLabel = x >= label[0] && x < label[0] + label[2] &&
        y >= label[1] &&
        y < label[1] + label[3];
      if (inLabel) continue;
      const want = outline[y * W + x]
        ? [...CANDIDATE_PALETTE[0], 255]
        : pixel(image, x, y);
      assert.deepEqual(pixel(out, x, y), want, `(${x}, ${y})`);
    }
  }
});

Deno.test("layoutOverlayLabels() labels each region with its rank and score near its corner", () => {
  const labels = layoutOverlayLabels(W, H, { selected, candidates });
  assert.deepEqual(labels.map((l) => l.text), [
    "#1 0.305",
    "#2 0.271",
    "#3 0.250",
  ]);
  const size = measureText("#1 0.305", 1, 1);
  // The selected label sits on top of its frame (2 pixels outside the box), left-aligned.
  assert.deepEqual(labels[0].box, [
    38,
    28 - size.height,
    size.width,
    size.height,
  ]);
  assert.deepEqual(labels[0].background, SELECTED_COLOUR);
  assert.deepEqual(labels[1].background, CANDIDATE_PALETTE[0]);
  // A label given by the caller wins; without rank and score the selection has no label.
  assert.equal(
    layoutOverlayLabels(W, H, {
      selected: { ...selected, label: "best" },
      candidates,
    })[0]
      .text,
    "best",
  );
  assert.deepEqual(layoutOverlayLabels(W, H, { selected }), []);
});

Deno.test("layoutOverlayLabels() keeps labels inside the image for boxes on every border", () => {
  const boxes: Box[] = [
    [0, 0, 30, 20], // top-left corner
    [W - 25, 0, 25, 15], // top-right corner
    [0, H - 10, 40, 10], // bottom-left corner
    [W - 10, H - 10, 10, 10], // bottom-right corner
    [-20, 40, 30, 10], // partly outside, left
    [0, 0, W, H], // the whole image
    [200, 200, 10, 10], // wholly outside
  ];
  for (const scale of [1, 2]) {
    const labels = layoutOverlayLabels(W, H, {
      candidates: boxes.map((box, i) => ({
        ...region(box),
        rank: i + 2,
        score: 0.5,
      })),
      fontScale: scale,
    });
    assert.equal(labels.length, boxes.length);
    for (const label of labels) {
      assert.ok(
        inside(label.box, W, H),
        `${label.text} at ${label.box} (scale ${scale})`,
      );
    }
  }
});

Deno.test("layoutOverlayLabels() moves a label off another one when there is room", () => {
  const big = region([30, 30, 60, 50]);
  const small = region([30, 30, 20, 20]); // same top-left corner
  const labels = layoutOverlayLabels(W, H, {
    selected: big,
    candidates: [
      { ...big, rank: 1, score: 0.3 },
      { ...small, rank: 2, score: 0.2 },
    ],
  });
  const [a, b] = labels.map((l) => l.box);
  const overlap = a[0] < b[0] + b[2] && b[0] < a[0] + a[2] &&
    a[1] < b[1] + b[3] &&
    b[1] < a[1] + a[3];
  assert.ok(!overlap, `${a} overlaps ${b}`);
  assert.ok(inside(a, W, H) && inside(b, W, H));
});

Deno.test("renderOverlay() draws the labels inside the image, in the label colours", () => {
  const image = patterned(W, H);
  const corner = { ...region([0, 0, 25, 20]), rank: 2, score: 0.271 };
  const options = {
    selected: { ...region([W - 30, H - 20, 30, 20]), rank: 1, score: 0.305 },
    candidates: [corner],
  };
  const out = renderOverlay(image, options);
  const labels = layoutOverlayLabels(W, H, options);
  // The box in the top-left corner has no room above it: its label moves into the image.
  assert.deepEqual(labels[1].box, [0, 0, 44, 9]);
  assert.equal(labels.length, 2);
  for (const label of labels) {
    assert.ok(inside(label.box, W, H), `${label.text} at ${label.box}`);
    const [x, y] = label.box;
    // The label's top-left pixel is background; the text's first column holds ink ("#").
    assert.deepEqual(pixel(out, x, y).slice(0, 3), [...label.background]);
    const column = [0, 1, 2, 3, 4, 5, 6].map((dy) =>
      pixel(out, x + 1, y + 1 + dy).slice(0, 3)
    );
    assert.ok(
      column.some((rgb) => rgb.join() === label.colour.join()),
      label.text,
    );
  }
});

Deno.test("renderOverlay() rejects masks of the wrong size, naming the region", () => {
  const image = patterned(W, H);
  assert.throws(
    () =>
      renderOverlay(image, {
        candidates: [{
          mask: new Uint8Array(10),
          box: [0, 0, 2, 2],
          rank: 4,
          score: 0,
        }],
      }),
    (e) =>
      e instanceof RangeError &&
      /candidate 0 \(rank 4\).*10 values/.test(e.message),
  );
  assert.throws(
    () => renderOverlay(image, { selected, candidates, opacity: 2 }),
    RangeError,
  );
  assert.throws(
    () => renderOverlay(image, { selected, candidates, thickness: 0 }),
    RangeError,
  );
});

Deno.test("renderOverlay() renders a synthetic scene with labels inside the image", () => {
  const scene = generateScene(10);
  const { width, height } = scene.image;
  const target = scene.sentences[0].target;
  const candidates = scene.shapes.map((s, i) => ({
    mask: s.mask,
    box: s.box,
    rank: i + 1,
    score: 0.3 - i / 100,
  }));
  const before = copyImage(scene.image);
  const options = { selected: scene.shapes[target], candidates };
  const out = renderOverlay(scene.image, options);
  assert.deepEqual(scene.image.data, before.data);
  for (const label of layoutOverlayLabels(width, height, options)) {
    assert.ok(
      inside(label.box, width, height),
      `${label.text} at ${label.box}`,
    );
  }
  assert.deepEqual([out.width, out.height], [width, height]);
});

Deno.test("renderMaskPair() puts the tinted prediction left and the ground truth right", () => {
  const image = patterned(W, H);
  const before = copyImage(image);
  const predicted = rectMask(W, H, [10, 20, 40, 40]);
  const truth = rectMask(W, H, [60, 30, 40, 40]);
  const pair = renderMaskPair(image, predicted, truth, {
    gap: 6,
    opacity: 0.5,
  });
  assert.deepEqual(image.data, before.data);
  assert.deepEqual([pair.width, pair.height], [2 * W + 6, H]);
  const right = W + 6;
  // Prediction inside (left panel), truth inside (right panel), untouched elsewhere.
  assert.deepEqual(
    pixel(pair, 30, 40).slice(0, 3),
    blend(pixel(image, 30, 40), SELECTED_COLOUR, 0.5),
  );
  assert.deepEqual(pixel(pair, 80, 50), pixel(image, 80, 50));
  assert.deepEqual(
    pixel(pair, right + 80, 50).slice(0, 3),
    blend(pixel(image, 80, 50), TRUTH_COLOUR, 0.5),
  );
  assert.deepEqual(pixel(pair, right + 30, 40), pixel(image, 30, 40));
  assert.deepEqual(pixel(pair, W + 3, 40), [255, 255, 255, 255]); // the gap
  // Titles in the top-left corners, on the panel colours.
  assert.deepEqual(pixel(pair, 0, 0).slice(0, 3), [...SELECTED_COLOUR]);
  assert.deepEqual(pixel(pair, right, 0).slice(0, 3), [...TRUTH_COLOUR]);
  const untitled = renderMaskPair(image, predicted, truth, {
    titles: ["", ""],
    gap: 0,
  });
  assert.deepEqual(pixel(untitled, 0, 0), pixel(image, 0, 0));
  assert.deepEqual(pixel(untitled, W, 0), pixel(image, 0, 0));
  assert.throws(
    () => renderMaskPair(image, predicted, new Uint8Array(3)),
    RangeError,
  );
});
