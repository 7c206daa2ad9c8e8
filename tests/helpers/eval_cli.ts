/**
 * What the tests of `oris eval` share: the fixture data's options, a JSONL
 * dataset of generated scenes, and the command run with its output captured.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { runEvalCommand } from "../../cli/eval.ts";
import { maskToCompressedRle } from "../../pipeline/datasets/coco_mask.ts";
import { encodePng } from "../../pipeline/image/png_encode.ts";
import { generateScene } from "../../pipeline/demo/scenes.ts";
import { FIXTURE_MODEL_OPTIONS } from "./fixture_models.ts";
import { type CapturedRun, runCaptured } from "./cli.ts";

/** The repository root, ending with a slash. */
export const REPO = fileURLToPath(new URL("../../", import.meta.url));
/** The REFER fixture. */
export const REFER = `${REPO}tests/fixtures/refer`;
/** Options that load the fixture models on the native backend. */
export const MODELS = [...FIXTURE_MODEL_OPTIONS, "--backend", "native"];

/** Runs the command, capturing its output. */
export const run = (args: string[]): Promise<CapturedRun> =>
  runCaptured(runEvalCommand, args);

/** Options that evaluate split `split` of the REFER fixture into `out`. */
export const referArgs = (split: string, out: string): string[] => [
  "--refer",
  REFER,
  "--images",
  `${REFER}/images`,
  "--split",
  split,
  "--out",
  out,
  ...MODELS,
];

/** Options that evaluate the scenes {@linkcode writeScenes} wrote in `dir`. */
export const sceneArgs = (dir: string, data: string): string[] => [
  "--jsonl",
  data,
  "--images",
  `${dir}/images`,
  ...MODELS,
];

/** Writes a JSONL dataset of generated scenes (PNG images, RLE and polygon masks). */
export async function writeScenes(dir: string, count: number): Promise<string> {
  await Deno.mkdir(`${dir}/images`, { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const scene = generateScene(500 + i);
    const file = `scene-${i}.png`;
    await Deno.writeFile(`${dir}/images/${file}`, await encodePng(scene.image));
    lines.push(JSON.stringify({
      id: i,
      file,
      width: scene.image.width,
      height: scene.image.height,
      sentences: scene.sentences.map((s, k) => ({
        id: `${i}-${k}`,
        sent: s.text,
        mask: maskToCompressedRle(
          scene.shapes[s.target].mask,
          scene.image.width,
          scene.image.height,
        ),
      })),
    }));
  }
  await Deno.writeTextFile(`${dir}/scenes.jsonl`, lines.join("\n") + "\n");
  return `${dir}/scenes.jsonl`;
}

/** A line of predictions.jsonl, as the tests read it. */
export interface Line {
  ref_id: string | number;
  sent_id: string | number;
  sentence: string;
  mask: { size: [number, number]; counts: string };
  i: number;
  u: number;
  config?: string;
}

/** The lines of a predictions file. */
export async function readLines(path: string): Promise<Line[]> {
  return (await Deno.readTextFile(path)).split("\n").filter((l) => l)
    .map((l) => JSON.parse(l));
}
