import assert from "node:assert/strict";
import {
  checkPointsPerBatch,
  DECODER_BYTES_PER_PROMPT,
  maxPointsPerBatch,
} from "../../pipeline/sam/decoder_memory.ts";
import { SettingError } from "../../pipeline/setting_error.ts";
import { validateSettings } from "../../pipeline/settings.ts";
import { methodArgs } from "../../cli/method_options.ts";
import { UsageError } from "../../cli/usage_error.ts";
import { commandLineMessage } from "../../cli/library_errors.ts";

Deno.test("a decoder prompt costs its 32-channel upscaled embedding and 3 logit planes of 256 x 256 floats", () => {
  assert.equal(DECODER_BYTES_PER_PROMPT, 35 * 256 * 256 * 4);
});

Deno.test("maxPointsPerBatch() allows fewer prompts per decoder call on wasm than on webgpu and native", () => {
  assert.equal(maxPointsPerBatch("wasm"), 117);
  assert.equal(maxPointsPerBatch("webgpu"), 234);
  assert.ok(maxPointsPerBatch("native") >= 1024);
});

Deno.test("checkPointsPerBatch() refuses a batch the backend cannot hold, naming the setting, the limit and why", () => {
  checkPointsPerBatch(117, "wasm");
  checkPointsPerBatch(1024, "native");
  assert.throws(
    () => checkPointsPerBatch(512, "wasm"),
    (e: unknown) =>
      e instanceof SettingError && e.setting === "generator.pointsPerBatch" &&
      /must be at most 117 on the wasm backend \(one decoder call holds about 8\.75 MiB per prompt and wasm gives it 1024 MiB\), got 512\./
        .test(e.message),
  );
});

Deno.test("validateSettings() checks pointsPerBatch against a backend named outright, not against auto", () => {
  assert.throws(
    () =>
      validateSettings({ backend: "wasm", generator: { pointsPerBatch: 256 } }),
    /generator\.pointsPerBatch must be at most 117 on the wasm backend/,
  );
  validateSettings({ backend: "auto", generator: { pointsPerBatch: 256 } });
  validateSettings({ generator: { pointsPerBatch: 256 } });
});

Deno.test("the command line names --points-per-batch when the backend cannot hold its batch", () => {
  assert.throws(
    () => methodArgs({ backend: "wasm", "points-per-batch": "500" }),
    (e: unknown) =>
      e instanceof UsageError &&
      /^--points-per-batch must be at most 117 on the wasm backend .*, not "500"$/
        .test(e.message),
  );
  let error: unknown;
  try {
    checkPointsPerBatch(500, "webgpu");
  } catch (e) {
    error = e;
  }
  assert.match(
    commandLineMessage(error),
    /On the command line: a smaller --points-per-batch\.$/,
  );
});
