import assert from "node:assert/strict";
import { CLIP_MEAN } from "../../pipeline/demo/_color_clip.ts";
import { COLOUR_THRESHOLD } from "../../pipeline/demo/_color_sam.ts";
import {
  BACKGROUND,
  COLOUR_WORDS,
  colourDistance,
  colourIndex,
  PALETTE,
  type Rgb,
} from "../../pipeline/demo/palette.ts";

Deno.test("PALETTE colours are far apart and far from the background and CLIP's mean colour", () => {
  const mean = CLIP_MEAN.map((m) => m * 255) as unknown as Rgb;
  PALETTE.forEach((a, i) => {
    assert.ok(colourDistance(a.rgb, BACKGROUND) >= 115, a.name);
    assert.ok(colourDistance(a.rgb, mean) >= 115, a.name);
    PALETTE.slice(i + 1).forEach((b) => {
      const d = colourDistance(a.rgb, b.rgb);
      assert.ok(d >= 85, `${a.name}/${b.name}`);
      // color-sam never takes one palette colour for another.
      assert.ok(d > COLOUR_THRESHOLD, `${a.name}/${b.name}`);
    });
  });
});

Deno.test("colourIndex() finds palette words and rejects others", () => {
  assert.ok(COLOUR_WORDS.length >= 8);
  for (
    const w of [
      "red",
      "green",
      "blue",
      "yellow",
      "orange",
      "purple",
      "white",
      "black",
    ]
  ) {
    assert.equal(PALETTE[colourIndex(w)].name, w);
  }
  assert.throws(() => colourIndex("grey"), RangeError);
});
