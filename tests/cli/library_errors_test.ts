import assert from "node:assert/strict";
import { commandLineMessage } from "../../cli/library_errors.ts";
import { TokenMaskMappingError } from "../../pipeline/clip/token_mask_model.ts";
import { WebGpuUnavailableError } from "../../kernels/gpu_device.ts";
import { BackendUnavailableError } from "../../pipeline/models/inference.ts";

Deno.test("commandLineMessage() adds the flag that applies a library error's advice", () => {
  assert.equal(
    commandLineMessage(
      new TokenMaskMappingError(
        'm.onnx cannot be token-masked (globalView "blur").',
      ),
    ),
    'm.onnx cannot be token-masked (globalView "blur"). On the command line: --global-view blur.',
  );
  assert.match(
    commandLineMessage(new WebGpuUnavailableError('no GPU: use device "cpu"')),
    /use device "cpu"\. On the command line: --device cpu\.$/,
  );
  assert.match(
    commandLineMessage(new BackendUnavailableError("webgpu", "no adapter")),
    /no adapter\. On the command line: choose another with --backend\.$/,
  );
});

Deno.test("commandLineMessage() leaves other errors as they are", () => {
  assert.equal(commandLineMessage(new RangeError("alpha ...")), "alpha ...");
  assert.equal(commandLineMessage("plain"), "plain");
});
