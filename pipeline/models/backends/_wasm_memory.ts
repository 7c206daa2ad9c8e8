/**
 * A workaround for onnxruntime-web's threaded WebAssembly runtime under
 * Deno: a run that has to grow the runtime's memory while its worker
 * threads compute can lose its worker, and the JavaScript thread then
 * waits for it forever. Seen with the small models of the tests (about one
 * process in eight hung at the second run of a decoder, whichever session
 * ran), never once the memory had grown before the first run. So the wasm
 * backend grows the memory once when it starts, by running a one-node
 * model on an input of {@linkcode GROWN_BYTES}: the runs that follow find
 * that much room already there. A run that needs more than that still
 * grows it; with the real-size models no such run was seen to hang.
 *
 * @module
 */

import { ONNX_TYPE } from "../onnx/model.ts";
import { ProtoWriter } from "../onnx/protobuf.ts";
import type { InferenceSession } from "../inference.ts";
import { tensor } from "../tensor.ts";

/** Bytes of the input the memory is grown with (it holds input and output). */
export const GROWN_BYTES = 16 * 1024 * 1024;

/** An ONNX model of one `Identity` node on a float vector of any length. */
export function identityModel(): Uint8Array {
  const vector = (w: ProtoWriter, name: string) =>
    w.string(1, name).message(
      2,
      (type) =>
        type.message(1, (t) =>
          t.int(1, ONNX_TYPE.float).message(2, (shape) =>
            shape.message(1, (dim) =>
              dim.string(2, "n")))),
    );
  return new ProtoWriter()
    .int(1, 8) // ir_version
    .message(
      7,
      (g) =>
        g.message(
          1,
          (n) => n.string(1, "x").string(2, "y").string(4, "Identity"),
        )
          .string(2, "grow_memory")
          .message(11, (v) => vector(v, "x"))
          .message(12, (v) => vector(v, "y")),
    )
    .message(8, (o) => o.string(1, "").int(2, 13))
    .finish();
}

/**
 * Grows a runtime's memory by {@linkcode GROWN_BYTES} at least, with a
 * session `open` makes from {@linkcode identityModel}'s bytes, run once on
 * a zero vector and released.
 */
export async function growWasmMemory(
  open: (model: Uint8Array) => Promise<InferenceSession>,
): Promise<void> {
  const session = await open(identityModel());
  try {
    const n = GROWN_BYTES / 4;
    await session.run({ x: tensor("float32", new Float32Array(n), [n]) });
  } finally {
    await session.release();
  }
}
