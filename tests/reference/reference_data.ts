/**
 * The reference parity suite's committed data (tests/fixtures/reference/):
 * the tiny-random models of the real architectures in the hub layout, the
 * photos, and the goldens PyTorch computed; plus the checks the parity
 * tests share.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { readImageFile } from "../../io/image_file.ts";
import type { RgbaImage } from "../../pipeline/image/rgba.ts";
import type { BackendName } from "../../pipeline/models/session.ts";
import { ModelStore } from "../../io/model_store.ts";

/** The folder of the reference data. */
export const REFERENCE_DIR = fileURLToPath(
  new URL("../fixtures/reference/", import.meta.url),
);

/** The reference models' folder, in the hub layout (a `--models` folder). */
export const REFERENCE_MODELS_DIR = `${REFERENCE_DIR}models`;

/** The 12-block tiny CLIP (opset 14, decomposed layer norm) with the real tokenizer. */
export const REFERENCE_CLIP = "oris-reference/tiny-random-clip";

/** A 6-block CLIP tower of another width, patch and projection (opset 17). */
export const REFERENCE_CLIP_OTHER = "oris-reference/tiny-random-clip-vit-6";

/** The tiny SAM. */
export const REFERENCE_SAM = "oris-reference/tiny-random-sam";

/** A model source over the reference models. */
export function referenceModels(): ModelStore {
  return new ModelStore({ localDir: REFERENCE_MODELS_DIR });
}

/** Reads a golden JSON file (path relative to goldens/). */
export async function readGolden<T>(path: string): Promise<T> {
  return JSON.parse(
    await Deno.readTextFile(`${REFERENCE_DIR}goldens/${path}`),
  ) as T;
}

/** Decodes a photo of the reference data (path relative to its folder). */
export function readPhoto(path: string): Promise<RgbaImage> {
  return readImageFile(`${REFERENCE_DIR}${path}`);
}

/**
 * A binary mask from the goldens' run lengths: row-major, alternating runs
 * of 0 and 1, starting with 0.
 */
export function decodeRuns(
  counts: readonly number[],
  size: number,
): Uint8Array {
  const mask = new Uint8Array(size);
  let at = 0, value = 0;
  for (const c of counts) {
    if (value) mask.fill(1, at, at + c);
    at += c;
    value ^= 1;
  }
  assert.equal(at, size, "the runs do not cover the mask");
  return mask;
}

/** The golden of a large tensor: shape, sums, and sampled values. */
export interface TensorCheck {
  /** Its shape. */
  readonly shape: readonly number[];
  /** Sum of its values. */
  readonly sum: number;
  /** Sum of their squares. */
  readonly sumOfSquares: number;
  /** Flat indices of the sampled values. */
  readonly sampleIndex: readonly number[];
  /** The sampled values. */
  readonly sampleValue: readonly number[];
}

/**
 * The largest difference of `got` from a tensor golden at its sampled
 * values, and the differences of its sums relative to the tensor's size.
 */
export function compareToCheck(
  got: ArrayLike<number>,
  want: TensorCheck,
): { sampled: number; meanDiff: number; rmsDiff: number } {
  const size = want.shape.reduce((a, b) => a * b, 1);
  assert.equal(got.length, size, "tensor size");
  let sampled = 0;
  want.sampleIndex.forEach((i, k) => {
    sampled = Math.max(sampled, Math.abs(got[i] - want.sampleValue[k]));
  });
  let sum = 0, squares = 0;
  for (let i = 0; i < got.length; i++) {
    sum += got[i];
    squares += got[i] * got[i];
  }
  return {
    sampled,
    meanDiff: Math.abs(sum - want.sum) / size,
    rmsDiff: Math.abs(
      Math.sqrt(squares / size) - Math.sqrt(want.sumOfSquares / size),
    ),
  };
}

/** Largest absolute difference of two equally long arrays. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, "lengths differ");
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/**
 * The backends the parity tests run on: wasm and native always, webgpu
 * where an adapter exists (lavapipe in CI).
 */
export async function parityBackends(): Promise<BackendName[]> {
  const adapter = await navigator.gpu?.requestAdapter().catch(() => null);
  if (!adapter) {
    if (Deno.env.get("CI")) {
      throw new Error(
        "CI must provide a WebGPU adapter (lavapipe) for the parity tests",
      );
    }
    console.warn("skipping the webgpu parity tests: no WebGPU adapter here");
    return ["wasm", "native"];
  }
  return ["wasm", "native", "webgpu"];
}
