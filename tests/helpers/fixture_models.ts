/**
 * The fixture models (tests/fixtures/models) as a model source, and a
 * segmenter on them.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { InferenceSession } from "../../pipeline/models/inference.ts";
import { createSession } from "../../pipeline/models/session.ts";
import { ModelStore } from "../../io/model_store.ts";
import {
  createSegmenter,
  type Segmenter,
  type SegmenterOptions,
} from "../../pipeline/segmenter.ts";

/** Folder of the fixture models, in the hub layout. */
export const FIXTURE_MODELS_DIR = fileURLToPath(
  new URL("../fixtures/models", import.meta.url),
);

/** Ids of the fixture models inside that folder. */
export const FIXTURE_CLIP = "fixture/color-clip";
/** Id of the fixture SAM. */
export const FIXTURE_SAM = "fixture/color-sam";

/** Command-line options of `segment` and `eval` that choose the fixture models. */
export const FIXTURE_MODEL_OPTIONS: readonly string[] = [
  "--models",
  FIXTURE_MODELS_DIR,
  "--clip",
  FIXTURE_CLIP,
  "--sam",
  FIXTURE_SAM,
];

/** A segmenter on the fixture models; other options as given. */
export function fixtureSegmenter(
  options: Partial<SegmenterOptions> = {},
): Promise<Segmenter> {
  return createSegmenter({
    source: new ModelStore({ localDir: FIXTURE_MODELS_DIR }),
    clip: FIXTURE_CLIP,
    sam: FIXTURE_SAM,
    ...options,
  });
}

/**
 * Copies the fixture models into `dir` (same layout), then writes the files
 * of `replace` over them: paths like `fixture/color-clip/onnx/vision_model.onnx`.
 */
export async function copyFixtureModels(
  dir: string,
  replace: Record<string, Uint8Array> = {},
): Promise<void> {
  await Deno.mkdir(`${dir}/fixture`, { recursive: true });
  for (const id of ["color-clip", "color-sam"]) {
    const { success } = await new Deno.Command("cp", {
      args: ["-r", `${FIXTURE_MODELS_DIR}/fixture/${id}`, `${dir}/fixture/`],
    }).output();
    if (!success) throw new Error(`could not copy the fixture model ${id}`);
  }
  for (const [path, bytes] of Object.entries(replace)) {
    await Deno.writeFile(`${dir}/${path}`, bytes);
  }
}

/**
 * The fixture SAM's encoder and decoder sessions, read from
 * tests/fixtures/models (for tests of the mask generator itself).
 */
export async function fixtureSamSessions(): Promise<{
  encoder: InferenceSession;
  decoder: InferenceSession;
}> {
  const dir = `${FIXTURE_MODELS_DIR}/${FIXTURE_SAM}/onnx`;
  const open = async (file: string, label: string) =>
    await createSession(await Deno.readFile(`${dir}/${file}`), { label });
  return {
    encoder: await open("vision_encoder.onnx", "encoder"),
    decoder: await open("prompt_encoder_mask_decoder.onnx", "decoder"),
  };
}
