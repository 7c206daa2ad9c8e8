/**
 * Adapts an ONNX Runtime JavaScript session (onnxruntime-web or
 * onnxruntime-node, which share one API) to oris's
 * {@linkcode InferenceSession}.
 *
 * @module
 */

import type { BackendName, InferenceSession, ValueInfo } from "../session.ts";
import type { Tensor } from "../tensor.ts";

/** The parts of an ONNX Runtime tensor oris reads. */
interface OrtTensorLike {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
  dispose?(): void;
}

/** The parts of an ONNX Runtime session oris uses. */
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadata[];
  readonly outputMetadata?: readonly OrtValueMetadata[];
  run(
    feeds: Record<string, unknown>,
    fetches?: readonly string[],
  ): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

/** Metadata of one session input or output, as ONNX Runtime reports it. */
interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: readonly (number | string)[];
}

/** The tensor constructor of an ONNX Runtime module. */
export type OrtTensorConstructor = new (
  type: string,
  data: unknown,
  dims: readonly number[],
) => OrtTensorLike;

function toValueInfo(
  names: readonly string[],
  metadata: readonly OrtValueMetadata[] | undefined,
): ValueInfo[] {
  return names.map((name) => {
    const m = metadata?.find((v) => v.name === name);
    return {
      name,
      type: m?.isTensor ? m.type ?? "unknown" : "unknown",
      shape: m?.isTensor ? [...(m.shape ?? [])] : [],
    };
  });
}

/** Wraps an ONNX Runtime session so it speaks oris's plain tensors. */
export function wrapOrtSession(
  session: OrtSessionLike,
  OrtTensor: OrtTensorConstructor,
  backend: BackendName,
  label: string,
): InferenceSession {
  const inputs = toValueInfo(session.inputNames, session.inputMetadata);
  const outputs = toValueInfo(session.outputNames, session.outputMetadata);
  return {
    backend,
    label,
    inputs,
    outputs,
    async run(feeds, outputNames) {
      const ortFeeds: Record<string, OrtTensorLike> = {};
      for (const [name, t] of Object.entries(feeds)) {
        if (!session.inputNames.includes(name)) {
          throw new RangeError(
            `The model ${label} has no input "${name}" (inputs: ${
              session.inputNames.join(", ")
            }).`,
          );
        }
        ortFeeds[name] = new OrtTensor(t.type, t.data, t.dims);
      }
      let result: Record<string, OrtTensorLike>;
      try {
        result = await session.run(ortFeeds, outputNames);
      } catch (e) {
        throw new Error(
          `Running the model ${label} on the ${backend} backend failed: ${
            e instanceof Error ? e.message : String(e)
          }`,
          { cause: e },
        );
      }
      const out: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(result)) {
        out[name] = {
          type: t.type,
          data: t.data,
          dims: [...t.dims],
        } as Tensor;
      }
      return out;
    },
    release: () => session.release(),
  };
}
