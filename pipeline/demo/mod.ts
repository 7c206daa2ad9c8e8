/**
 * The demo: a tiny colour CLIP and colour SAM with the real models' inputs,
 * outputs and repository layout, built in memory, and synthetic scenes of
 * flat coloured shapes with their masks and sentences. Runs the whole
 * method with nothing downloaded (`deno task demo`).
 *
 * @example
 * ```ts
 * import { createSegmenter, memorySource } from "../../mod.ts";
 * import { DEMO_CLIP, DEMO_SAM, demoModelFiles, generateScene } from "./mod.ts";
 *
 * const scene = generateScene(3);
 * await using segmenter = await createSegmenter({
 *   source: memorySource(demoModelFiles()),
 *   clip: DEMO_CLIP,
 *   sam: DEMO_SAM,
 *   device: "cpu",
 * });
 * const result = await segmenter.segment(scene.image, [scene.sentences[0].text]);
 * console.log(result.sentences[0].rule);
 * ```
 *
 * @module
 */

export * from "./models.ts";
export * from "./scenes.ts";
export * from "./palette.ts";
