import assert from "node:assert/strict";
import {
  reportedSettings,
  runJson,
  runRecord,
} from "../../pipeline/eval/run_record.ts";
import { resumeProblem } from "../../pipeline/eval/run_settings.ts";
import {
  resolveSettings,
  SEGMENTER_DEFAULTS,
  settingsRecord,
} from "../../pipeline/settings.ts";

const MODELS = { clip: "c", sam: "s", variant: "fp32" } as const;

Deno.test("runRecord() records the data, models, method settings, ablation, limit and fingerprint, in run.json's order", () => {
  const settings = resolveSettings({ alpha: 0.95 });
  const run = runRecord({
    data: "refcoco (unc) val",
    models: { ...MODELS, backend: "wasm" } as typeof MODELS,
    settings,
    ablate: true,
    fingerprint: "sha256:ab",
  });
  assert.deepEqual(Object.keys(run), [
    "data",
    "models",
    ...Object.keys(settingsRecord(settings)),
    "ablate",
    "limit",
    "fingerprint",
  ]);
  assert.deepEqual(run.models, MODELS);
  assert.equal(run.alpha, 0.95);
  assert.equal(run.limit, null);
  assert.equal(run.shard, undefined);
});

Deno.test("runRecord() of a shard names it as K/N, after the fingerprint", () => {
  const run = runRecord({
    data: "toy",
    models: MODELS,
    settings: SEGMENTER_DEFAULTS,
    ablate: false,
    limit: 5,
    fingerprint: "sha256:ab",
    shard: { index: 2, count: 3 },
  });
  assert.equal(run.limit, 5);
  assert.deepEqual(Object.keys(run).slice(-2), ["fingerprint", "shard"]);
  assert.equal(run.shard, "2/3");
});

Deno.test("reportedSettings() adds where the models ran to the record, and runJson() is its indented text", () => {
  const run = runRecord({
    data: "toy",
    models: MODELS,
    settings: SEGMENTER_DEFAULTS,
    ablate: false,
    fingerprint: "sha256:ab",
  });
  const reported = reportedSettings(run, {
    backend: "wasm",
    threads: 4,
    device: "cpu",
    viewsOnDevice: false,
    inFlight: 2,
  });
  assert.deepEqual(reported.models, {
    ...MODELS,
    backend: "wasm",
    threads: 4,
    device: "cpu",
    viewsOnDevice: false,
  });
  assert.deepEqual(Object.keys(reported), [...Object.keys(run), "inFlight"]);
  const fast = reportedSettings(run, {
    backend: "native",
    threads: 2,
    device: "cpu",
    viewsOnDevice: false,
    inFlight: 1,
    fastEncoder: true,
    fastDecoder: false,
  });
  const models = fast.models as Record<string, unknown>;
  assert.equal(models.fastEncoder, true);
  assert.equal(models.fastDecoder, false);
  assert.equal(runJson({ a: 1 }), '{\n  "a": 1\n}\n');
});

Deno.test("run.json records neither backend nor threads, so a native run resumes under auto (and a shard merges) whichever backend ran", () => {
  const record = (backend: string) =>
    runRecord({
      data: "toy",
      models: { ...MODELS, backend } as typeof MODELS,
      settings: SEGMENTER_DEFAULTS,
      ablate: false,
      fingerprint: "sha256:ab",
    });
  const native = record("native");
  assert.equal(resumeProblem("out/a", native, record("auto")), undefined);
  assert.equal(resumeProblem("out/a", native, record("wasm")), undefined);
  assert.ok(!JSON.stringify(native).includes("native"));
  assert.ok(!("threads" in native) && !("threads" in native.models));
});
