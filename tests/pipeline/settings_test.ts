import assert from "node:assert/strict";
import { DEFAULTS } from "../../pipeline/defaults.ts";
import {
  resolveModels,
  resolveSettings,
  validateSettings,
} from "../../pipeline/settings.ts";
import { SettingError } from "../../pipeline/setting_error.ts";
import { SEGMENTER_DEFAULTS } from "../../pipeline/segmenter.ts";
import { fixtureSegmenter } from "../helpers/fixture_models.ts";
import { resolveThreads } from "../../pipeline/models/threads.ts";

Deno.test("validateSettings() rejects each bad value, naming the setting and what it must be", () => {
  const cases: [Record<string, unknown>, string, string][] = [
    [{ alpha: 2 }, "alpha", "a number from 0 to 1"],
    [{ alpha: NaN }, "alpha", "a number from 0 to 1"],
    [{ beta: -0.1 }, "beta", "a number from 0 to 1"],
    [{ spatial: "maybe" }, "spatial", "one of extended, seed, off"],
    [{ topK: 0 }, "topK", "a whole number >= 1"],
    [{ topK: 2.5 }, "topK", "a whole number >= 1"],
    [{ globalView: "crop" }, "globalView", "one of token-mask, blur"],
    [{ viewResize: "nearest" }, "viewResize", "one of antialias, bilinear"],
    [{ blurSigma: -1 }, "blurSigma", "a number >= 0"],
    [
      { generator: { pointsPerSide: 0 } },
      "generator.pointsPerSide",
      "a whole number from 1 to 128",
    ],
    [
      { generator: { pointsPerBatch: 2000 } },
      "generator.pointsPerBatch",
      "a whole number from 1 to 1024",
    ],
    [
      { generator: { maskNmsThresh: 1.5 } },
      "generator.maskNmsThresh",
      "a number from 0 to 1",
    ],
    [{ variant: "int4" }, "variant", "one of fp32, fp16, quantized"],
    [{ backend: "tpu" }, "backend", "one of auto, wasm, webgpu, native"],
    [{ device: "npu" }, "device", "one of gpu, cpu, auto"],
    [{ inFlight: 0 }, "inFlight", "a whole number from 1 to 16"],
    [{ inFlight: 17 }, "inFlight", "a whole number from 1 to 16"],
    [{ threads: -1 }, "threads", 'a whole number >= 0 or "auto"'],
    [{ threads: 1.5 }, "threads", 'a whole number >= 0 or "auto"'],
    [{ threads: "all" }, "threads", 'a whole number >= 0 or "auto"'],
    [{ clipBatchSize: 0 }, "clipBatchSize", "a whole number >= 1"],
    [
      { extraGlobalViews: ["blur", "crop"] },
      "extraGlobalViews[1]",
      "one of token-mask, blur",
    ],
  ];
  for (const [options, setting, expected] of cases) {
    assert.throws(
      () => validateSettings(options),
      (e: unknown) =>
        e instanceof SettingError && e instanceof RangeError &&
        e.setting === setting && e.expected === expected &&
        e.message.startsWith(`${setting} must be ${expected}, got `) &&
        !e.message.includes("--"),
      JSON.stringify(options),
    );
  }
});

Deno.test("validateSettings() passes what is in range and leaves out what is not given", () => {
  const options = {
    alpha: 0,
    beta: 1,
    spatial: "seed" as const,
    topK: 1,
    generator: { pointsPerSide: 128, pointsPerBatch: undefined },
    backend: "native" as const,
  };
  assert.equal(validateSettings(options), options);
  for (const threads of ["auto", 0, 1, 64] as const) {
    assert.deepEqual(validateSettings({ threads, backend: "auto" }), {
      threads,
      backend: "auto",
    });
  }
  assert.deepEqual(validateSettings({}), {});
  assert.deepEqual(validateSettings(SEGMENTER_DEFAULTS), SEGMENTER_DEFAULTS);
});

Deno.test("resolveSettings() takes each setting not given from DEFAULTS", () => {
  assert.deepEqual(resolveSettings({}), SEGMENTER_DEFAULTS);
  // Undefined entries (a command line passes on only what was given) don't
  // hide the defaults.
  const s = resolveSettings({
    alpha: undefined,
    spatial: "seed",
    generator: { pointsPerSide: 8, pointsPerBatch: undefined },
  });
  assert.equal(s.alpha, DEFAULTS.alpha);
  assert.equal(s.topK, DEFAULTS.topK.seed);
  assert.deepEqual(s.generator, { ...DEFAULTS.generator, pointsPerSide: 8 });
  assert.throws(() => resolveSettings({ topK: 0 }), /topK must be/);
});

Deno.test("resolveModels() takes the models and backend not given from DEFAULTS", () => {
  assert.deepEqual(resolveModels({}), {
    clip: DEFAULTS.clip,
    sam: DEFAULTS.sam,
    variant: DEFAULTS.variant,
    backend: DEFAULTS.backend,
  });
  assert.equal(resolveModels({ backend: "native" }).backend, "native");
  assert.throws(
    () => resolveModels({ variant: "int4" as "fp32" }),
    /variant must be one of fp32, fp16, quantized, got "int4"\./,
  );
});

Deno.test("createSegmenter() resolves every setting left undefined from DEFAULTS, and checks the given ones with the same validator", async () => {
  const segmenter = await fixtureSegmenter({
    device: "cpu",
    alpha: undefined,
    spatial: undefined,
    generator: { pointsPerSide: undefined },
  });
  try {
    assert.deepEqual(segmenter.settings, SEGMENTER_DEFAULTS);
    assert.equal(segmenter.models.requestedBackend, DEFAULTS.backend);
    // Tests run with --allow-ffi, where "auto" resolves to native.
    assert.equal(segmenter.models.backend, "native");
    assert.equal(
      segmenter.models.threads,
      resolveThreads("native", DEFAULTS.threads),
    );
    assert.equal(segmenter.models.variant, DEFAULTS.variant);
  } finally {
    await segmenter.release();
  }
  await assert.rejects(
    () => fixtureSegmenter({ alpha: 1.5 }),
    (e: unknown) =>
      e instanceof SettingError &&
      e.message === "alpha must be a number from 0 to 1, got 1.5.",
  );
});
