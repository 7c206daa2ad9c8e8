/**
 * Resolves the default backend (auto) and creates a session on it without
 * FFI permission. tests/mod_no_ffi_test.ts runs this with read access to
 * onnxruntime-web's package only: auto must fall back to wasm, without a
 * prompt or an error. Prints one JSON line.
 *
 * @module
 */

import { createSession, resolveBackend } from "../../pipeline/models/mod.ts";
import { DEFAULTS } from "../../mod.ts";
import { tinyModel } from "../helpers/tiny_model.ts";

const resolution = await resolveBackend();
const session = await createSession(tinyModel(), { label: "tiny" });
await session.release();
console.log(JSON.stringify({
  default: DEFAULTS.backend,
  resolution,
  session: session.backend,
}));
