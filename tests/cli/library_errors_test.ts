import assert from "node:assert/strict";
import { commandLineMessage } from "../../cli/library_errors.ts";
import { TokenMaskMappingError } from "../../pipeline/clip/token_mask_model.ts";
import { WebGpuUnavailableError } from "../../kernels/gpu_device.ts";
import {
  BackendUnavailableError,
  ModelLoadError,
} from "../../pipeline/models/inference.ts";

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
  assert.match(
    commandLineMessage(new ModelLoadError("m.onnx", new Error("bad"))),
    /fetch it again\. On the command line: `deno task models verify`, then `deno task models pull` the model again\.$/,
  );
});

Deno.test("commandLineMessage() leaves other errors as they are", () => {
  assert.equal(commandLineMessage(new RangeError("alpha ...")), "alpha ...");
  assert.equal(commandLineMessage("plain"), "plain");
});
