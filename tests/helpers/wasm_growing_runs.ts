/**
 * Runs the tiny reference SAM decoder on the wasm backend with 2 threads
 * for 1, 3 and 8 prompts, each run needing more memory than the last, then
 * prints "done". tests/models/wasm_memory_slow_test.ts runs it in fresh
 * processes: onnxruntime-web's threaded runtime hung at the second run in
 * about one process of eight before the backend grew its memory at start.
 *
 * @module
 */

import { createSession } from "../../pipeline/models/session.ts";
import { probeFeeds } from "../../pipeline/sam/fast_decoder.ts";
import {
  REFERENCE_MODELS_DIR,
  REFERENCE_SAM,
} from "../reference/reference_data.ts";

const decoder = await createSession(
  await Deno.readFile(
    `${REFERENCE_MODELS_DIR}/${REFERENCE_SAM}/onnx/prompt_encoder_mask_decoder.onnx`,
  ),
  { backend: "wasm", threads: 2 },
);
for (const prompts of [1, 3, 8]) {
  await decoder.run(probeFeeds(decoder.inputs, prompts));
}
await decoder.release();
console.log("done");
