import assert from "node:assert/strict";
import { FIXTURE_WORDS } from "../../pipeline/demo/_clip_tokenizer_json.ts";
import { BACKGROUND, PALETTE } from "../../pipeline/demo/palette.ts";
import {
  generateScene,
  generateScenes,
  type Scene,
  SCENE_POINT_GRIDS,
} from "../../pipeline/demo/scenes.ts";

const SCENES: Scene[] = generateScenes(30, 1);

function pixel(scene: Scene, i: number): [number, number, number] {
  const d = scene.image.data;
  return [d[i * 4], d[i * 4 + 1], d[i * 4 + 2]];
}

function centreX(box: readonly number[]): number {
  return box[0] + box[2] / 2;
}
function centreY(box: readonly number[]): number {
  return box[1] + box[3] / 2;
}

Deno.test("generateScene() is deterministic: same seed, same bytes; other seed, other scene", () => {
  const a = generateScene(42);
  const b = generateScene(42);
  assert.deepEqual(a.image.data, b.image.data);
  assert.deepEqual(a.shapes, b.shapes);
  assert.deepEqual(a.sentences, b.sentences);
  const c = generateScene(43);
  assert.notDeepEqual(
    [c.image.width, c.image.height, c.sentences],
    [a.image.width, a.image.height, a.sentences],
  );
});

Deno.test("generateScenes() draws varied sizes, 3-6 shapes and some repeated colours", () => {
  const widths = new Set(SCENES.map((s) => s.image.width));
  assert.ok(widths.size > 20);
  assert.ok(SCENES.some((s) => s.image.width % 2 === 1));
  assert.ok(SCENES.some((s) => s.image.width > s.image.height));
  assert.ok(SCENES.some((s) => s.image.width < s.image.height));
  for (const s of SCENES) {
    assert.ok(s.image.width >= 240 && s.image.width <= 640);
    assert.ok(s.image.height >= 240 && s.image.height <= 640);
    assert.equal(s.image.data.length, s.image.width * s.image.height * 4);
    assert.ok(s.shapes.length >= 3 && s.shapes.length <= 6);
  }
  assert.ok(
    SCENES.filter((s) => s.sentences.some((x) => x.needsDirection)).length > 15,
  );
  assert.ok(SCENES.some((s) => s.sentences.every((x) => !x.needsDirection)));
});

Deno.test("generateScene() paints each shape's mask in its colour on the grey background", () => {
  for (const s of SCENES) {
    const owner = new Int8Array(s.image.width * s.image.height).fill(-1);
    s.shapes.forEach((shape, k) => {
      const rgb = PALETTE.find((c) => c.name === shape.colour)!.rgb;
      let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1, area = 0;
      for (let i = 0; i < shape.mask.length; i++) {
        if (!shape.mask[i]) continue;
        assert.equal(owner[i], -1, "shapes overlap");
        owner[i] = k;
        assert.deepEqual(pixel(s, i), [...rgb]);
        const x = i % s.image.width, y = Math.floor(i / s.image.width);
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
        area++;
      }
      assert.deepEqual(shape.box, [x0, y0, x1 - x0 + 1, y1 - y0 + 1]);
      const long = Math.max(s.image.width, s.image.height);
      assert.ok(shape.box[2] >= 0.11 * long, `shape too small: ${shape.box}`);
      assert.ok(area > 0.4 * shape.box[2] * shape.box[3]);
    });
    for (let i = 0; i < owner.length; i += 7) {
      if (owner[i] === -1) assert.deepEqual(pixel(s, i), [...BACKGROUND]);
    }
  }
});

Deno.test("generateScene() keeps two shapes of one colour apart and at the extremes of their axis", () => {
  for (const s of SCENES) {
    const long = Math.max(s.image.width, s.image.height);
    for (const sentence of s.sentences.filter((x) => x.needsDirection)) {
      const target = s.shapes[sentence.target];
      const twins = s.shapes.filter((o) => o.colour === target.colour);
      assert.equal(twins.length, 2);
      const [a, b] = twins;
      const gapX = Math.max(
        b.box[0] - (a.box[0] + a.box[2]),
        a.box[0] - (b.box[0] + b.box[2]),
      );
      const gapY = Math.max(
        b.box[1] - (a.box[1] + a.box[3]),
        a.box[1] - (b.box[1] + b.box[3]),
      );
      // Farther than color-sam's large window (a quarter of the long side).
      assert.ok(
        Math.max(gapX, gapY) > long / 4,
        `twins too close in seed ${s.seed}`,
      );
      const word = sentence.spatialWord!;
      const others = s.shapes.filter((o) => o !== target);
      const cx = centreX(target.box), cy = centreY(target.box);
      if (["left", "leftmost"].includes(word)) {
        assert.ok(others.every((o) => centreX(o.box) > cx));
      } else if (["right", "rightmost"].includes(word)) {
        assert.ok(others.every((o) => centreX(o.box) < cx));
      } else if (["top", "upper", "above"].includes(word)) {
        assert.ok(others.every((o) => centreY(o.box) > cy));
      } else if (["bottom", "lower", "below"].includes(word)) {
        assert.ok(others.every((o) => centreY(o.box) < cy));
      } else {
        assert.fail(`unexpected spatial word ${word}`);
      }
      assert.ok(sentence.text.split(" ").includes(word));
    }
  }
});

Deno.test("generateScene() writes one sentence per shape, naming its colour and kind", () => {
  for (const s of SCENES) {
    assert.deepEqual(
      s.sentences.map((x) => x.target),
      s.shapes.map((_, i) => i),
    );
    for (const sentence of s.sentences) {
      const shape = s.shapes[sentence.target];
      const words = sentence.text.split(" ");
      assert.ok(words.includes(shape.colour) && words.includes(shape.kind));
      const repeated = s.shapes.filter((o) =>
        o.colour === shape.colour
      ).length > 1;
      assert.equal(sentence.needsDirection, repeated);
      assert.equal(sentence.spatialWord !== undefined, repeated);
      for (const w of words) {
        assert.ok(FIXTURE_WORDS.includes(w), `"${w}" is not a fixture word`);
      }
    }
  }
});

Deno.test("generateScene() puts a point of each automatic-generator grid inside every shape", () => {
  for (const s of SCENES) {
    for (const shape of s.shapes) {
      for (const n of SCENE_POINT_GRIDS) {
        let hit = false;
        for (let j = 0; j < n && !hit; j++) {
          for (let i = 0; i < n && !hit; i++) {
            const x = Math.floor((i + 0.5) / n * s.image.width);
            const y = Math.floor((j + 0.5) / n * s.image.height);
            hit = shape.mask[y * s.image.width + x] === 1;
          }
        }
        assert.ok(
          hit,
          `seed ${s.seed}: no ${n}x${n} grid point in ${shape.colour} ${shape.kind}`,
        );
      }
    }
  }
});

Deno.test("generateScene() honours its options and rejects impossible ones", () => {
  const s = generateScene(9, {
    width: 333,
    height: 251,
    shapeCount: 4,
    repeatedColours: 1,
  });
  assert.equal(s.image.width, 333);
  assert.equal(s.image.height, 251);
  assert.equal(s.shapes.length, 4);
  assert.equal(s.sentences.filter((x) => x.needsDirection).length, 2);
  const none = generateScene(9, { repeatedColours: 0 });
  assert.ok(none.sentences.every((x) => !x.needsDirection));
  assert.throws(() => generateScene(1, { shapeCount: 12 }), RangeError);
  assert.throws(
    () =>
      generateScene(1, {
        width: 640,
        height: 60,
        shapeCount: 6,
        repeatedColours: 2,
      }),
    RangeError,
  );
});
