/**
 * How many point prompts one call of SAM's mask decoder may take on each
 * inference backend. A call's memory grows with its prompts: per prompt
 * the decoder upscales its own copy of the image embedding to SAM's
 * 256 x 256 mask grid with 32 channels (8 MiB of float32) and gives 3 mask
 * logits planes of 256 x 256 (768 KiB). `generator.pointsPerBatch` values
 * whose call would pass the backend's bound are refused before any model
 * runs, rather than failing inside the runtime (wasm's heap is 4 GiB in
 * all, shared with the encoder and CLIP).
 *
 * @module
 */

import type { BackendName } from "../models/inference.ts";
import { SettingError } from "../setting_error.ts";

/** Side of SAM's low-resolution mask grid (the decoder's output planes). */
export const SAM_MASK_GRID = 256;

/**
 * Float32 bytes one prompt costs a decoder call at least: its upscaled
 * mask embedding (32 channels) and its 3 output logit planes, each
 * 256 x 256.
 */
export const DECODER_BYTES_PER_PROMPT: number = (32 + 3) * SAM_MASK_GRID *
  SAM_MASK_GRID * 4;

/**
 * The bytes of those per-prompt tensors one decoder call may hold, per
 * backend: 1 GiB on wasm (a quarter of its 4 GiB heap, the rest for the
 * encoder, the decoder's other tensors and CLIP); 2 GiB on webgpu (a
 * storage buffer's size limit on common adapters); 16 GiB on native.
 */
export const DECODER_CALL_BYTES: Readonly<Record<BackendName, number>> = {
  wasm: 2 ** 30,
  webgpu: 2 * 2 ** 30,
  native: 16 * 2 ** 30,
};

/**
 * The most point prompts one decoder call may take on `backend`.
 *
 * @example
 * ```ts
 * maxPointsPerBatch("wasm"); // 117
 * ```
 */
export function maxPointsPerBatch(backend: BackendName): number {
  return Math.floor(DECODER_CALL_BYTES[backend] / DECODER_BYTES_PER_PROMPT);
}

/**
 * Throws a {@linkcode SettingError} for `generator.pointsPerBatch` when
 * `pointsPerBatch` prompts in one decoder call would pass what `backend`
 * can hold; its message says the limit and why.
 *
 * @example
 * ```ts
 * checkPointsPerBatch(64, "wasm"); // passes
 * try {
 *   checkPointsPerBatch(512, "wasm");
 * } catch (e) {
 *   console.log((e as Error).message); // "generator.pointsPerBatch must be at most 117 on the wasm backend (...), got 512."
 * }
 * ```
 */
export function checkPointsPerBatch(
  pointsPerBatch: number,
  backend: BackendName,
): void {
  const max = maxPointsPerBatch(backend);
  if (pointsPerBatch <= max) return;
  const mib = (bytes: number) => `${+(bytes / 2 ** 20).toFixed(2)} MiB`;
  throw new SettingError(
    "generator.pointsPerBatch",
    `at most ${max} on the ${backend} backend (one decoder call holds about ${
      mib(DECODER_BYTES_PER_PROMPT)
    } per prompt and ${backend} gives it ${mib(DECODER_CALL_BYTES[backend])})`,
    pointsPerBatch,
  );
}
