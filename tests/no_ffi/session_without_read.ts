/**
 * Creates a wasm session with no permission at all, so onnxruntime-web
 * cannot read its `.wasm` file. tests/models/session_test.ts runs it and
 * checks the error. Prints one JSON line: the error's name and message.
 *
 * @module
 */

import { createSession } from "../../pipeline/models/mod.ts";
import { tinyModel } from "../helpers/tiny_model.ts";

try {
  const session = await createSession(tinyModel(), {
    backend: "wasm",
    label: "tiny.onnx",
  });
  await session.release();
  console.log(JSON.stringify({ name: "none", message: "" }));
} catch (error) {
  const e = error as Error;
  console.log(JSON.stringify({ name: e.name, message: e.message }));
}
