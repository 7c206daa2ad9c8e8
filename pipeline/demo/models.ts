/**
 * The demo models: a tiny colour CLIP and a colour SAM with the real
 * models' input and output names and shapes, built in memory. They tell
 * the palette's colours and flat shapes apart, which is enough to run the
 * whole method on a synthetic scene with nothing downloaded.
 *
 * The repositories have the layout of the Hub repositories
 * Xenova/clip-vit-base-patch32 and Xenova/slimsam-77-uniform.
 *
 * @example
 * ```ts
 * import { demoModelFiles, DEMO_CLIP } from "./models.ts";
 *
 * const files = demoModelFiles();
 * console.log(files.has(`${DEMO_CLIP}/onnx/vision_model.onnx`)); // true
 * ```
 *
 * @module
 */

import {
  buildClipTokenizerConfigJson,
  buildClipTokenizerJson,
} from "./_clip_tokenizer_json.ts";
import {
  buildClipTextModel,
  buildClipVisionModel,
  clipConfigJson,
  clipPreprocessorConfigJson,
} from "./_color_clip.ts";
import {
  buildSamDecoder,
  buildSamEncoder,
  samConfigJson,
  samPreprocessorConfigJson,
} from "./_color_sam.ts";

/** Repository id of the demo colour CLIP. */
export const DEMO_CLIP = "fixture/color-clip";
/** Repository id of the demo colour SAM. */
export const DEMO_SAM = "fixture/color-sam";

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value, null, 2) + "\n");
}

/**
 * Every demo model file, keyed `repo/path`, in a fixed order. Pure and
 * deterministic: the same bytes on every call.
 */
export function demoModelFiles(): Map<string, Uint8Array> {
  return new Map<string, Uint8Array>([
    [`${DEMO_CLIP}/config.json`, json(clipConfigJson())],
    [
      `${DEMO_CLIP}/preprocessor_config.json`,
      json(clipPreprocessorConfigJson()),
    ],
    [`${DEMO_CLIP}/tokenizer.json`, json(buildClipTokenizerJson())],
    [
      `${DEMO_CLIP}/tokenizer_config.json`,
      json(buildClipTokenizerConfigJson()),
    ],
    [`${DEMO_CLIP}/onnx/vision_model.onnx`, buildClipVisionModel()],
    [`${DEMO_CLIP}/onnx/text_model.onnx`, buildClipTextModel()],
    [`${DEMO_SAM}/config.json`, json(samConfigJson())],
    [
      `${DEMO_SAM}/preprocessor_config.json`,
      json(samPreprocessorConfigJson()),
    ],
    [`${DEMO_SAM}/onnx/vision_encoder.onnx`, buildSamEncoder()],
    [`${DEMO_SAM}/onnx/prompt_encoder_mask_decoder.onnx`, buildSamDecoder()],
  ]);
}
