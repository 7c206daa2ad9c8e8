import assert from "node:assert/strict";
import {
  DEFAULT_CLIP,
  DEFAULT_SAM,
  findRegisteredModel,
  locateModelFile,
  MODEL_REGISTRY,
  modelFilePath,
  modelFiles,
  parseModelId,
  resolveModelSpec,
} from "../../pipeline/models/registry.ts";
import { InvalidModelIdError } from "../../pipeline/models/errors.ts";

Deno.test("MODEL_REGISTRY holds the default CLIP and SAM models and SAM ViT-B", () => {
  assert.deepEqual(
    MODEL_REGISTRY.map((m) => [m.id, m.kind]),
    [
      ["Xenova/clip-vit-base-patch32", "clip"],
      ["Xenova/slimsam-77-uniform", "sam"],
      ["Xenova/sam-vit-base", "sam"],
    ],
  );
  assert.equal(DEFAULT_CLIP, "Xenova/clip-vit-base-patch32");
  assert.equal(DEFAULT_SAM, "Xenova/slimsam-77-uniform");
});

Deno.test("modelFiles() lists the Xenova CLIP layout for each variant", () => {
  const clip = resolveModelSpec(DEFAULT_CLIP, "clip");
  assert.equal(clip.revision, "main");
  assert.deepEqual(modelFiles(clip, "fp32"), [
    { role: "tokenizer", path: "tokenizer.json" },
    { role: "config", path: "config.json" },
    { role: "preprocessor", path: "preprocessor_config.json" },
    { role: "vision", path: "onnx/vision_model.onnx" },
    { role: "text", path: "onnx/text_model.onnx" },
  ]);
  assert.deepEqual(
    modelFiles(clip, "fp16").slice(3).map((f) => f.path),
    ["onnx/vision_model_fp16.onnx", "onnx/text_model_fp16.onnx"],
  );
  assert.deepEqual(
    modelFiles(clip, "quantized").slice(3).map((f) => f.path),
    ["onnx/vision_model_quantized.onnx", "onnx/text_model_quantized.onnx"],
  );
});

Deno.test("modelFiles() lists the Xenova SAM layout for each variant", () => {
  for (const id of [DEFAULT_SAM, "Xenova/sam-vit-base"]) {
    const sam = resolveModelSpec(id, "sam");
    assert.deepEqual(modelFiles(sam, "fp32"), [
      { role: "config", path: "config.json" },
      { role: "preprocessor", path: "preprocessor_config.json" },
      { role: "encoder", path: "onnx/vision_encoder.onnx" },
      { role: "decoder", path: "onnx/prompt_encoder_mask_decoder.onnx" },
    ]);
    assert.equal(
      modelFilePath(sam, "quantized", "decoder"),
      "onnx/prompt_encoder_mask_decoder_quantized.onnx",
    );
    assert.equal(
      modelFilePath(sam, "fp16", "encoder"),
      "onnx/vision_encoder_fp16.onnx",
    );
  }
});

Deno.test("modelFilePath() rejects a role the kind does not have", () => {
  const sam = resolveModelSpec(DEFAULT_SAM, "sam");
  assert.throws(
    () => modelFilePath(sam, "fp32", "tokenizer"),
    /no file with role "tokenizer"/,
  );
});

Deno.test("resolveModelSpec() gives the standard layout to an unknown repo id", () => {
  const spec = resolveModelSpec("someone/my-sam", "sam", "v2");
  assert.equal(spec.registered, false);
  assert.equal(spec.revision, "v2");
  assert.equal(spec.variants.fp32?.encoder, "onnx/vision_encoder.onnx");
  assert.equal(
    modelFilePath(spec, "fp16", "decoder"),
    "onnx/prompt_encoder_mask_decoder_fp16.onnx",
  );
});

Deno.test("resolveModelSpec() refuses a registered model used as the other kind", () => {
  assert.throws(
    () => resolveModelSpec(DEFAULT_SAM, "clip"),
    (e: unknown) =>
      e instanceof InvalidModelIdError &&
      /is a SAM model.*--sam/.test(e.message),
  );
});

Deno.test("parseModelId() rejects ids that are not owner/name", () => {
  assert.deepEqual(parseModelId("Xenova/sam-vit-base"), {
    owner: "Xenova",
    name: "sam-vit-base",
  });
  for (
    const bad of [
      "clip",
      "a/b/c",
      "/b",
      "a/",
      "a/../b",
      "a/b..c",
      "a/-b",
      "a b/c",
      "a/b--c",
      "",
    ]
  ) {
    assert.throws(() => parseModelId(bad), InvalidModelIdError, bad);
    assert.throws(
      () => resolveModelSpec(bad, "clip"),
      /expected a hub repository id "owner\/name"/,
      bad,
    );
  }
});

Deno.test("findRegisteredModel() matches ids case-insensitively", () => {
  assert.equal(
    findRegisteredModel("xenova/SAM-vit-base")?.id,
    "Xenova/sam-vit-base",
  );
  assert.equal(findRegisteredModel("xenova/other"), undefined);
});

Deno.test("locateModelFile() finds role and variant, and leaves shared files of unknown repos kindless", () => {
  assert.deepEqual(
    locateModelFile(DEFAULT_CLIP, "onnx/text_model_quantized.onnx"),
    {
      kind: "clip",
      role: "text",
      variant: "quantized",
      registered: true,
    },
  );
  assert.deepEqual(locateModelFile("a/b", "onnx/vision_encoder.onnx"), {
    kind: "sam",
    role: "encoder",
    variant: "fp32",
    registered: false,
  });
  assert.equal(locateModelFile("a/b", "config.json")?.kind, undefined);
  assert.equal(locateModelFile("a/b", "weights.bin"), undefined);
});
