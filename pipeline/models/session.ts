/**
 * One small interface over ONNX Runtime sessions, whatever the backend:
 * `wasm` (onnxruntime-web, runs everywhere), `webgpu` (onnxruntime-web's
 * WebGPU execution provider) and `native` (onnxruntime-node, loaded lazily
 * and only when asked for, by name or by `auto`, the default).
 *
 * @module
 */

import type { TensorType } from "./tensor.ts";
import { resolveBackend } from "./backend_choice.ts";
import { resolveThreads } from "./threads.ts";
import {
  BACKEND_CHOICES,
  type BackendChoice,
  type InferenceSession,
  type SessionOptions,
  type ValueInfo,
} from "./inference.ts";

export * from "./inference.ts";

/**
 * Parses a backend choice (a backend name or `auto`) from user input.
 *
 * @example
 * ```ts
 * parseBackend("native"); // "native"
 * parseBackend("Auto"); // "auto"
 * ```
 */
export function parseBackend(value: string): BackendChoice {
  const v = value.trim().toLowerCase();
  if ((BACKEND_CHOICES as readonly string[]).includes(v)) {
    return v as BackendChoice;
  }
  throw new RangeError(
    `Unknown backend "${value}": use one of ${BACKEND_CHOICES.join(", ")}.`,
  );
}

/**
 * Loads an ONNX model from its bytes on the chosen backend (`auto`: native
 * where onnxruntime-node loads, else wasm; the session's `backend` says
 * which), with `threads` resolved by `resolveThreads`. The native backend
 * also takes the path of a local file (see `ModelSource.file`): it reads
 * the file itself, in less time and memory than from bytes; the others
 * refuse a path.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { DEMO_CLIP, demoModelFiles } from "../demo/models.ts";
 *
 * // The bytes of an ONNX file, e.g. await Deno.readFile(path); here the demo CLIP's.
 * const bytes = demoModelFiles().get(`${DEMO_CLIP}/onnx/vision_model.onnx`)!;
 * const session = await createSession(bytes, { backend: "wasm", label: "vision_model.onnx" });
 * const out = await session.run({
 *   pixel_values: tensor("float32", new Float32Array(3 * 224 * 224), [1, 3, 224, 224]),
 * });
 * out.image_embeds.dims; // [1, 512]
 * await session.release();
 * ```
 */
export async function createSession(
  model: Uint8Array | string,
  options: SessionOptions = {},
): Promise<InferenceSession> {
  const { backend } = await resolveBackend(options.backend);
  const label = options.label ?? "model";
  if (options.gpuDevice && backend !== "webgpu") {
    throw new RangeError(
      `A GPU device was given for the ${backend} backend of ${label}; only the webgpu backend runs on one. Use the webgpu backend or drop the device.`,
    );
  }
  if (options.deviceOutputs?.length && !options.gpuDevice) {
    throw new RangeError(
      `Outputs of ${label} (${
        options.deviceOutputs.join(", ")
      }) were asked to stay on the GPU, but no GPU device was given: pass gpuDevice with the webgpu backend, or drop deviceOutputs.`,
    );
  }
  const resolved = {
    ...options,
    threads: resolveThreads(backend, options.threads),
  };
  if (backend === "native") {
    const { createNativeSession } = await import("./backends/_ort_native.ts");
    return await createNativeSession(model, label, resolved);
  }
  if (typeof model === "string") {
    throw new RangeError(
      `${label}: the ${backend} backend takes a model's bytes, not a file path (${model}); read the file first, or use the native backend.`,
    );
  }
  const { createWebSession } = await import("./backends/_ort_web.ts");
  return await createWebSession(model, label, backend, resolved);
}

/** One input or output a model must have: its name, element type and rank. */
export interface ValueSignature {
  /** Name in the model graph. */
  readonly name: string;
  /** Element type. */
  readonly type: TensorType;
  /** Number of dimensions. */
  readonly rank: number;
}

/** What a model must look like: input and output names with their types and ranks. */
export interface SessionSignature {
  /** Inputs the model must have (it may have more). */
  inputs: readonly ValueSignature[];
  /** Outputs the model must have (it may have more). */
  outputs: readonly ValueSignature[];
}

/** Thrown when a model's inputs or outputs are not the ones oris expects. */
export class ModelSignatureError extends Error {
  /** Creates the error for the model `label` with the list of mismatches. */
  constructor(label: string, problems: readonly string[]) {
    super(
      `The ONNX model ${label} does not have the inputs/outputs oris expects: ` +
        `${problems.join("; ")}. Use a model exported in the same layout ` +
        "(see README, Models), or check the clip and sam model ids.",
    );
    this.name = "ModelSignatureError";
  }
}

/**
 * Lists how `actual` differs from `expected` (missing names, wrong element
 * type or rank); empty when it matches. Extra inputs/outputs are allowed.
 */
export function signatureProblems(
  actual: { inputs: readonly ValueInfo[]; outputs: readonly ValueInfo[] },
  expected: SessionSignature,
): string[] {
  const problems: string[] = [];
  const check = (
    kind: "input" | "output",
    have: readonly ValueInfo[],
    want: SessionSignature["inputs"],
  ) => {
    for (const w of want) {
      const h = have.find((v) => v.name === w.name);
      if (!h) {
        problems.push(
          `missing ${kind} "${w.name}" (it has ${
            have.map((v) => `"${v.name}"`).join(", ") || "none"
          })`,
        );
        continue;
      }
      if (h.type !== w.type) {
        problems.push(`${kind} "${w.name}" is ${h.type}, expected ${w.type}`);
      }
      if (h.shape.length !== w.rank) {
        problems.push(
          `${kind} "${w.name}" has shape [${h.shape}], expected rank ${w.rank}`,
        );
      }
    }
  };
  check("input", actual.inputs, expected.inputs);
  check("output", actual.outputs, expected.outputs);
  return problems;
}

/** Throws {@linkcode ModelSignatureError} unless `session` matches `expected`. */
export function assertSignature(
  session: InferenceSession,
  expected: SessionSignature,
): void {
  const problems = signatureProblems(session, expected);
  if (problems.length > 0) {
    throw new ModelSignatureError(session.label, problems);
  }
}
