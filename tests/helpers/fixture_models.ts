/**
 * The fixture models (tests/fixtures/models) as a model source, and a
 * segmenter on them.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { ModelStore } from "../../pipeline/models/store.ts";
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
