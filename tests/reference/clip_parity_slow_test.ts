/**
 * The CLIP towers against PyTorch on every photo and backend (webgpu on
 * lavapipe in CI); the backend-independent stages, and the towers on wasm
 * on one photo, are in clip_parity_test.ts.
 */

import {
  checkDerivedQuantizedTowers,
  checkDerivedTowers,
  checkTowers,
} from "../helpers/reference_clip.ts";
import { parityBackends } from "./reference_data.ts";

const BACKENDS = await parityBackends();

for (const backend of BACKENDS) {
  Deno.test(`the CLIP towers give PyTorch's text_embeds and image_embeds within 1e-4 (${backend})`, async () => {
    await checkTowers(backend);
  });

  Deno.test(`token-masked towers derived from stock exports give PyTorch's global vectors within 1e-4 (12 blocks at opset 14, 6 blocks at opset 17; ${backend})`, async () => {
    await checkDerivedTowers(backend);
  });

  Deno.test(`token-masked towers derived from the quantized and fp16 files mask as the fp32 one does, within each file's own error (${backend})`, async () => {
    await checkDerivedQuantizedTowers(backend);
  });
}
