/**
 * The synthetic scenes `serve --demo` offers its page: each a PNG and the
 * sentences written for it, so the demo models can be tried without a photo
 * of one's own (the demo models only know these scenes' shapes and colours).
 *
 * @module
 */

import { generateScene } from "../../pipeline/demo/scenes.ts";
import { encodePng } from "../../pipeline/image/png_encode.ts";
import { toBase64 } from "./handler.ts";

/** One scene as the page receives it. */
export interface DemoScene {
  /** The scene generator's seed. */
  readonly seed: number;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** The scene as a PNG, base64. */
  readonly png: string;
  /** Sentences that each refer to one of its shapes. */
  readonly sentences: readonly string[];
}

/** The seeds of the scenes offered by default. */
export const DEMO_SCENE_SEEDS: readonly number[] = [7, 3, 11, 21, 5, 13];

/**
 * The scenes of `seeds` at 480 x 320, with their sentences.
 *
 * @example
 * ```ts
 * const [scene] = await demoScenes([7]);
 * scene.width; // 480
 * scene.sentences.length > 0; // true
 * ```
 */
export async function demoScenes(
  seeds: readonly number[] = DEMO_SCENE_SEEDS,
): Promise<DemoScene[]> {
  return await Promise.all(seeds.map(async (seed) => {
    const scene = generateScene(seed, { width: 480, height: 320 });
    return {
      seed,
      width: scene.image.width,
      height: scene.image.height,
      png: toBase64(await encodePng(scene.image)),
      sentences: scene.sentences.map((s) => s.text),
    };
  }));
}
