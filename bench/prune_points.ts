/**
 * Measures coarse-to-fine prompt pruning (`prunePoints`): on synthetic
 * scenes with the fixture SAM, per scene, the decoder prompts, the time,
 * and each ground-truth shape's best proposal IoU with pruning off and on;
 * then on the reference photos with the tiny-random SAM of the parity
 * suite (options of its goldens), how many of the proposals made without
 * pruning have one with mask IoU >= 0.9 made with it.
 *
 * Run: `XDG_RUNTIME_DIR=/tmp deno run -A bench/prune_points.ts`
 *
 * @module
 */

import { maskIou } from "../kernels/mask_iou/cpu.ts";
import { generateScene, type SceneOptions } from "../pipeline/demo/scenes.ts";
import { createSession } from "../pipeline/models/session.ts";
import { AutomaticMaskGenerator } from "../pipeline/sam/mask_generator.ts";
import { samPreprocessConfig } from "../pipeline/sam/preprocess.ts";
import type { MaskGeneratorOptions } from "../pipeline/sam/types.ts";
import { FIXTURE_MODELS_DIR } from "../tests/helpers/fixture_models.ts";
import {
  readGolden,
  readPhoto,
  REFERENCE_SAM,
  referenceModels,
} from "../tests/reference/reference_data.ts";

const dir = `${FIXTURE_MODELS_DIR}/fixture/color-sam/onnx`;
const encoder = await createSession(
  await Deno.readFile(`${dir}/vision_encoder.onnx`),
);
const decoder = await createSession(
  await Deno.readFile(`${dir}/prompt_encoder_mask_decoder.onnx`),
);

/** The scenes measured: the fixture scenes' seeds, then larger ones. */
const SCENES: { seed: number; options: SceneOptions }[] = [
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((seed) => ({ seed, options: {} })),
  ...[11, 12, 13, 14].map((seed) => ({
    seed,
    options: { width: 1024, height: 768, shapeCount: 6, repeatedColours: 2 },
  })),
];

async function run(
  image: ReturnType<typeof generateScene>["image"],
  pointsPerSide: number,
  prunePoints: boolean,
) {
  const generator = new AutomaticMaskGenerator(encoder, decoder, {
    pointsPerSide,
    prunePoints,
  });
  let decoded = 0;
  const t0 = performance.now();
  const proposals = await generator.generate(image, (p) => {
    if (p.decoded !== undefined) decoded = p.decoded;
  });
  return { proposals, decoded, ms: performance.now() - t0 };
}

console.log(
  "scene | size | shapes | grid | prompts off -> on | ms off -> on | proposals off -> on | min best IoU off -> on | shapes lost | best IoU changed",
);
for (const pointsPerSide of [16, 32]) {
  for (const { seed, options } of SCENES) {
    const scene = generateScene(seed, options);
    const off = await run(scene.image, pointsPerSide, false);
    const on = await run(scene.image, pointsPerSide, true);
    const best = (ps: typeof off.proposals) =>
      scene.shapes.map((s) =>
        Math.max(0, ...ps.map((p) => maskIou(p.mask, s.mask).iou))
      );
    const bestOff = best(off.proposals), bestOn = best(on.proposals);
    const lost = bestOn.filter((b, i) => b < 0.9 && bestOff[i] >= 0.9).length;
    const changed = bestOn.filter((b, i) => b !== bestOff[i]).length;
    const largest = Math.max(...bestOn.map((b, i) => Math.abs(b - bestOff[i])));
    console.log(
      [
        seed,
        `${scene.image.width}x${scene.image.height}`,
        scene.shapes.length,
        pointsPerSide,
        `${off.decoded} -> ${on.decoded}`,
        `${off.ms.toFixed(0)} -> ${on.ms.toFixed(0)}`,
        `${off.proposals.length} -> ${on.proposals.length}`,
        `${Math.min(...bestOff).toFixed(3)} -> ${
          Math.min(...bestOn).toFixed(3)
        }`,
        lost,
        `${changed} (by <= ${largest.toFixed(4)})`,
      ].join(" | "),
    );
  }
}

const source = referenceModels();
const refEncoder = await createSession(
  await source.read(REFERENCE_SAM, "onnx/vision_encoder.onnx"),
);
const refDecoder = await createSession(
  await source.read(REFERENCE_SAM, "onnx/prompt_encoder_mask_decoder.onnx"),
);
const config = samPreprocessConfig(
  JSON.parse(
    new TextDecoder().decode(
      await source.read(REFERENCE_SAM, "preprocessor_config.json"),
    ),
  ),
);
const amg = await readGolden<
  { runs: { photo: string; options: MaskGeneratorOptions }[] }
>("sam/amg.json");
console.log(
  "\nphoto (tiny-random SAM) | grid | prompts off -> on | proposals off -> on | off's proposals matched (IoU >= 0.9)",
);
for (const r of amg.runs) {
  const image = await readPhoto(r.photo);
  const results = [];
  for (const prunePoints of [false, true]) {
    const generator = new AutomaticMaskGenerator(refEncoder, refDecoder, {
      ...r.options,
      prunePoints,
    }, config);
    let decoded = 0;
    const proposals = await generator.generate(image, (p) => {
      if (p.decoded !== undefined) decoded = p.decoded;
    });
    results.push({ proposals, decoded });
  }
  const [off, on] = results;
  const matched = off.proposals.filter((p) =>
    on.proposals.some((q) =>
      maskIou(p.mask, q.mask).iou >= 0.9
    )
  ).length;
  console.log(
    [
      r.photo,
      r.options.pointsPerSide,
      `${off.decoded} -> ${on.decoded}`,
      `${off.proposals.length} -> ${on.proposals.length}`,
      `${matched}/${off.proposals.length}`,
    ].join(" | "),
  );
}
