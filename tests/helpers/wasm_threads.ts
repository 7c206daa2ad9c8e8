/**
 * Creates a wasm session with the default threads (auto) as the process's
 * first, then prints onnxruntime-web's thread count and the cores as one
 * JSON line. tests/models/threads_test.ts runs it in a process of its own,
 * since the runtime takes the count of its first session only.
 *
 * @module
 */

import { createSession } from "../../pipeline/models/session.ts";
import { tinyModel } from "./tiny_model.ts";

const session = await createSession(tinyModel(), { backend: "wasm" });
await session.release();
const ort = await import("onnxruntime-web");
console.log(JSON.stringify({
  numThreads: ort.env.wasm.numThreads,
  cores: navigator.hardwareConcurrency,
}));
