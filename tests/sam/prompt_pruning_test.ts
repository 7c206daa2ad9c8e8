import assert from "node:assert/strict";
import { maskIou } from "../../kernels/mask_iou/cpu.ts";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import type { InferenceSession } from "../../pipeline/models/inference.ts";
import type { Tensor } from "../../pipeline/models/tensor.ts";
import {
  AutomaticMaskGenerator,
  type MaskGeneratorOptions,
  type Proposal,
} from "../../pipeline/sam/mask_generator.ts";
import type { MaskCandidate } from "../../pipeline/sam/postprocess.ts";
import {
  maskCovers,
  splitPromptPasses,
  uncoveredPrompts,
} from "../../pipeline/sam/prompt_pruning.ts";
import { validateSettings } from "../../pipeline/settings.ts";
import { fixtureSamSessions } from "../helpers/fixture_models.ts";

const { encoder, decoder } = await fixtureSamSessions();

/** The fixture decoder, recording the point prompts of each call. */
function recordingDecoder(calls: Float32Array[]): InferenceSession {
  return {
    backend: decoder.backend,
    label: decoder.label,
    inputs: decoder.inputs,
    outputs: decoder.outputs,
    run: (feeds, names) => {
      calls.push((feeds.input_points as Tensor).data as Float32Array);
      return decoder.run(feeds, names);
    },
    release: () => Promise.resolve(),
  };
}

/** Runs the generator on the fixture SAM, recording the decoder's prompts. */
async function generate(
  image: ReturnType<typeof generateScene>["image"],
  options: Partial<MaskGeneratorOptions>,
): Promise<{ proposals: Proposal[]; calls: Float32Array[] }> {
  const calls: Float32Array[] = [];
  const generator = new AutomaticMaskGenerator(
    encoder,
    recordingDecoder(calls),
    options,
  );
  return { proposals: await generator.generate(image), calls };
}

/** SHA-256 of proposals: each one's statistics and mask bytes, in order. */
async function proposalsDigest(proposals: Proposal[]): Promise<string> {
  const parts = proposals.flatMap((p) => [
    new TextEncoder().encode(
      JSON.stringify([p.box, p.area, p.predictedIou, p.stability, p.point]),
    ),
    p.mask,
  ]);
  const all = new Uint8Array(parts.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of parts) {
    all.set(a, offset);
    offset += a.length;
  }
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return [...hash].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A candidate whose mask is the box [x0, y0, x1, y1) less the pixels `holes`. */
function boxCandidate(
  box: [number, number, number, number],
  holes: [number, number][] = [],
): MaskCandidate {
  const w = box[2] - box[0], h = box[3] - box[1];
  const crop = new Uint8Array(w * h).fill(1);
  for (const [x, y] of holes) crop[(y - box[1]) * w + x - box[0]] = 0;
  return {
    crop,
    box,
    area: w * h - holes.length,
    predictedIou: 0.9,
    stability: 1,
    point: [box[0], box[1]],
  };
}

Deno.test("splitPromptPasses() puts every other point of each axis in the coarse pass and each grid point in exactly one pass", () => {
  assert.deepEqual(splitPromptPasses(4), {
    coarse: [0, 2, 8, 10],
    fine: [1, 3, 4, 5, 6, 7, 9, 11, 12, 13, 14, 15],
  });
  for (const n of [1, 5, 16]) {
    const { coarse, fine } = splitPromptPasses(n);
    assert.equal(coarse.length, Math.ceil(n / 2) ** 2);
    assert.deepEqual(
      [...coarse, ...fine].sort((a, b) => a - b),
      Array.from({ length: n * n }, (_, i) => i),
    );
  }
});

Deno.test("maskCovers() reads the mask pixel under a point, not just its box", () => {
  const c = boxCandidate([10, 20, 14, 23], [[12, 21]]);
  assert.equal(maskCovers(c, 10.5, 20.5), true);
  assert.equal(maskCovers(c, 13.9, 22.9), true);
  assert.equal(maskCovers(c, 12.5, 21.5), false); // a hole
  assert.equal(maskCovers(c, 14, 21), false); // x1 is exclusive
  assert.equal(maskCovers(c, 9.5, 21), false);
});

Deno.test("uncoveredPrompts() keeps, in order, the prompts no candidate's mask holds", () => {
  const points = new Float32Array([1, 1, 5, 5, 11, 21, 30, 30, 12, 21]);
  const candidates = [
    boxCandidate([0, 0, 2, 2]),
    boxCandidate([10, 20, 14, 23], [[12, 21]]),
  ];
  assert.deepEqual(uncoveredPrompts([4, 3, 2, 1, 0], points, candidates), [
    4,
    3,
    1,
  ]);
  assert.deepEqual(uncoveredPrompts([0, 1], points, []), [0, 1]);
});

Deno.test("AutomaticMaskGenerator with prunePoints off decodes every grid point in order and proposes what it did before pruning existed", async () => {
  // Digests of the proposals of the generator before prunePoints was added
  // (commit 6fbb572), pointsPerSide 8 and pointsPerBatch 5.
  const before: Record<number, string> = {
    1: "0601ada75a4de087897492dd841f01f9198dbc247e8e670b42b514e3e535bde0",
    2: "54bd8a297bfca691d7f65ecc4dcf2beb04703f2deefec018dac1e3aae2dbcf17",
  };
  for (const seed of [1, 2]) {
    const scene = generateScene(seed);
    const { proposals, calls } = await generate(scene.image, {
      pointsPerSide: 8,
      pointsPerBatch: 5,
      prunePoints: false,
    });
    assert.deepEqual(
      calls.map((c) => c.length / 2),
      [...Array(12).fill(5), 4],
      `scene ${seed}: batches`,
    );
    assert.equal(await proposalsDigest(proposals), before[seed]);
  }
});

Deno.test("AutomaticMaskGenerator with prunePoints on decodes fewer prompts and keeps every shape's best proposal", async () => {
  for (const seed of [1]) {
    const scene = generateScene(seed);
    const options = { pointsPerSide: 16 };
    const off = await generate(scene.image, { ...options, prunePoints: false });
    const on = await generate(scene.image, { ...options, prunePoints: true });
    const prompts = (calls: Float32Array[]) =>
      calls.reduce((n, c) => n + c.length / 2, 0);
    assert.equal(prompts(off.calls), 256);
    // The coarse pass (64 prompts), then a few uncovered points.
    assert.ok(
      prompts(on.calls) >= 64 && prompts(on.calls) < 128,
      `scene ${seed}: ${prompts(on.calls)} prompts decoded`,
    );
    for (const shape of scene.shapes) {
      const best = (ps: Proposal[]) =>
        Math.max(...ps.map((p) => maskIou(p.mask, shape.mask).iou));
      const where = `scene ${seed}, the ${shape.colour} ${shape.kind}`;
      assert.ok(best(on.proposals) >= 0.9, where);
      assert.equal(best(on.proposals), best(off.proposals), where);
    }
  }
});

Deno.test("AutomaticMaskGenerator with prunePoints reports the prompts decoded and counts skipped ones as done", async () => {
  const generator = new AutomaticMaskGenerator(encoder, decoder, {
    pointsPerSide: 8,
    pointsPerBatch: 16,
    prunePoints: true,
  });
  const events: { done: number; total: number; decoded?: number }[] = [];
  await generator.generate(generateScene(3).image, (p) => {
    if (p.stage === "decode") events.push(p);
  });
  assert.deepEqual(events[0], {
    stage: "decode",
    done: 16,
    total: 64,
    decoded: 16,
  });
  const last = events.at(-1)!;
  assert.equal(last.done, 64);
  assert.ok(last.decoded! < 64, `${last.decoded} prompts decoded`);
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i].done > events[i - 1].done);
  }
});

Deno.test("prunePoints must be true or false, in the generator and in validateSettings", () => {
  assert.throws(
    () =>
      new AutomaticMaskGenerator(encoder, decoder, {
        prunePoints: "on" as unknown as boolean,
      }),
    /prunePoints must be true or false, got "on"\./,
  );
  assert.throws(
    () =>
      validateSettings({
        generator: { prunePoints: 1 as unknown as boolean },
      }),
    /generator\.prunePoints must be true or false, got 1\./,
  );
  assert.doesNotThrow(() =>
    validateSettings({ generator: { prunePoints: true } })
  );
});
