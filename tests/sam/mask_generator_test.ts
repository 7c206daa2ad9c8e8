import assert from "node:assert/strict";
import { CPU_KERNELS } from "../../kernels/kernels.ts";
import { maskIou } from "../../kernels/mask_iou/cpu.ts";
import type { PairwiseIouInput } from "../../kernels/mask_pairwise_iou/contract.ts";
import {
  AutomaticMaskGenerator,
  type Proposal,
} from "../../pipeline/sam/mask_generator.ts";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import { fixtureSamSessions } from "../helpers/fixture_models.ts";

const { encoder, decoder } = await fixtureSamSessions();

Deno.test("AutomaticMaskGenerator proposes every flat shape of a scene as its own mask", async () => {
  const generator = new AutomaticMaskGenerator(encoder, decoder, {
    pointsPerSide: 8,
  });
  for (const seed of [1, 2, 3]) {
    const scene = generateScene(seed);
    const proposals = await generator.generate(scene.image);
    for (const shape of scene.shapes) {
      const best = Math.max(
        ...proposals.map((p) => maskIou(p.mask, shape.mask).iou),
      );
      assert.ok(
        best >= 0.9,
        `scene ${seed}: best IoU ${best} for the ${shape.colour} ${shape.kind}`,
      );
    }
    // Sorted by predicted IoU, boxes match masks, no duplicates above the NMS threshold.
    for (let i = 1; i < proposals.length; i++) {
      assert.ok(proposals[i - 1].predictedIou >= proposals[i].predictedIou);
    }
    for (const p of proposals) {
      assert.ok(p.area > 0 && p.stability >= 0.95 && p.predictedIou > 0.88);
      const [x, y, w, h] = p.box;
      assert.equal(p.mask[y * scene.image.width + x] !== undefined, true);
      assert.ok(x + w <= scene.image.width && y + h <= scene.image.height);
    }
  }
});

Deno.test("AutomaticMaskGenerator reports progress per decoder batch", async () => {
  const generator = new AutomaticMaskGenerator(encoder, decoder, {
    pointsPerSide: 4,
    pointsPerBatch: 5,
    prunePoints: false,
  });
  const seen: string[] = [];
  await generator.generate(
    generateScene(4).image,
    (p) => seen.push(`${p.stage}:${p.done}/${p.total}`),
  );
  assert.deepEqual(seen, [
    "encode:0/1",
    "encode:1/1",
    "decode:5/16",
    "decode:10/16",
    "decode:15/16",
    "decode:16/16",
    "filter:0/1",
    "filter:1/1",
  ]);
});

Deno.test("AutomaticMaskGenerator rejects options out of range and swapped models", () => {
  assert.throws(
    () => new AutomaticMaskGenerator(encoder, decoder, { pointsPerSide: 0 }),
    /pointsPerSide/,
  );
  assert.throws(
    () => new AutomaticMaskGenerator(encoder, decoder, { predIouThresh: 2 }),
    /predIouThresh/,
  );
  assert.throws(
    () => new AutomaticMaskGenerator(encoder, decoder, { maskNmsThresh: -0.1 }),
    /maskNmsThresh must be a number from 0 to 1, got -0\.1\./,
  );
  assert.throws(
    () => new AutomaticMaskGenerator(decoder, encoder),
    /does not have the inputs\/outputs/,
  );
});

Deno.test("AutomaticMaskGenerator removes small islands when minMaskRegionArea is set", async () => {
  const scene = generateScene(5);
  const { width, data } = scene.image;
  const shape = scene.shapes[0];
  const [x, y, w] = shape.box;
  // A 5x5 speck of the shape's colour just right of it: the fixture SAM
  // takes it into the shape's mask as an island.
  const centre = ((y + (shape.box[3] >> 1)) * width + x + (w >> 1)) * 4;
  const colour = data.slice(centre, centre + 4);
  const speck: number[] = [];
  for (let dy = 0; dy < 5; dy++) {
    for (let dx = 0; dx < 5; dx++) {
      const p = (y + dy) * width + x + w + 6 + dx;
      data.set(colour, p * 4);
      speck.push(p);
    }
  }
  const shapeProposal = async (minMaskRegionArea: number) => {
    const generator = new AutomaticMaskGenerator(encoder, decoder, {
      pointsPerSide: 8,
      minMaskRegionArea,
    });
    const proposals = await generator.generate(scene.image);
    return proposals.reduce((a, b) =>
      maskIou(b.mask, shape.mask).iou > maskIou(a.mask, shape.mask).iou ? b : a
    );
  };
  const raw = await shapeProposal(0);
  assert.ok(
    speck.some((p) => raw.mask[p]),
    "the speck should join the raw mask",
  );
  const clean = await shapeProposal(100);
  assert.ok(
    speck.every((p) => !clean.mask[p]),
    "the clean-up should remove the speck",
  );
  assert.ok(maskIou(clean.mask, shape.mask).iou >= 0.9);
});

Deno.test("AutomaticMaskGenerator with maskNmsThresh keeps a subset with no two masks above it, through the kernels", async () => {
  const scene = generateScene(2);
  const all = await new AutomaticMaskGenerator(encoder, decoder, {
    pointsPerSide: 8,
  }).generate(scene.image);
  let calls = 0;
  const kernels = {
    ...CPU_KERNELS,
    pairwiseMaskIou: (input: PairwiseIouInput) => {
      calls++;
      return CPU_KERNELS.pairwiseMaskIou(input);
    },
  };
  const threshold = 0.3;
  const kept = await new AutomaticMaskGenerator(
    encoder,
    decoder,
    { pointsPerSide: 8, maskNmsThresh: threshold },
    undefined,
    kernels,
  ).generate(scene.image);
  assert.equal(calls, 1);
  assert.ok(kept.length < all.length, `${kept.length} of ${all.length} kept`);
  const key = (p: Proposal) => p.box.join() + ":" + p.predictedIou;
  const allKeys = all.map(key);
  let last = -1;
  for (const p of kept) {
    const at = allKeys.indexOf(key(p));
    assert.ok(at > last, "a subset, in the same order");
    last = at;
  }
  for (let i = 0; i < kept.length; i++) {
    for (let j = i + 1; j < kept.length; j++) {
      assert.ok(maskIou(kept[i].mask, kept[j].mask).iou <= threshold);
    }
  }
});

Deno.test("AutomaticMaskGenerator holds each proposal as its box crop and expands the same mask on demand", async () => {
  const generator = new AutomaticMaskGenerator(encoder, decoder, {
    pointsPerSide: 4,
  });
  const { image } = generateScene(2);
  const proposals = await generator.generate(image);
  assert.ok(proposals.length > 0);
  for (const p of proposals) {
    const [x, y, w, h] = p.box;
    assert.ok(p.crop, "a crop");
    assert.equal(p.crop.length, w * h);
    const mask = p.mask;
    assert.equal(mask.length, image.width * image.height);
    let inside = 0, total = 0;
    for (let i = 0; i < mask.length; i++) total += mask[i];
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        assert.equal(mask[(y + r) * image.width + x + c], p.crop[r * w + c]);
        inside += p.crop[r * w + c];
      }
    }
    assert.equal(inside, p.area);
    assert.equal(total, p.area, "nothing outside the box");
  }
});
