/**
 * Inference backends on one small model: the fixed cost each backend adds
 * per call (feeds, run, outputs), at batch 1 and 16.
 */
import { type BackendName, createSession } from "../pipeline/models/session.ts";
import { hasWebGpuAdapter } from "../pipeline/models/backends/_ort_web.ts";
import { tensor } from "../pipeline/models/tensor.ts";
import { seededValues, tinyModel } from "../tests/helpers/tiny_model.ts";

const model = tinyModel();
const backends: BackendName[] = ["wasm", "native"];
if (await hasWebGpuAdapter()) backends.push("webgpu");

for (const backend of backends) {
  const session = await createSession(model, { backend, label: "tiny" });
  for (const batch of [1, 16]) {
    const input = tensor(
      "float32",
      seededValues(batch * 3 * 16 * 16, batch),
      [batch, 3, 16, 16],
    );
    Deno.bench({
      name: `${backend}: tiny model, batch ${batch}`,
      group: `tiny model batch ${batch}`,
      baseline: backend === "wasm",
      async fn() {
        await session.run({ pixels: input });
      },
    });
  }
}
