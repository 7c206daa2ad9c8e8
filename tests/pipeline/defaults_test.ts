import assert from "node:assert/strict";
import { DEFAULTS } from "../../pipeline/defaults.ts";
import { SEGMENTER_DEFAULTS } from "../../pipeline/segmenter.ts";
import { MASK_GENERATOR_DEFAULTS } from "../../pipeline/sam/mask_generator.ts";
import { EXTENDED_DEFAULTS } from "../../pipeline/spatial/extended.ts";
import { defaultTopK, SPATIAL_MODES } from "../../pipeline/stages/select.ts";
import {
  DEFAULT_CLIP,
  DEFAULT_SAM,
  DEFAULT_VARIANT,
} from "../../pipeline/models/registry.ts";
import * as front from "../../mod.ts";

Deno.test("DEFAULTS is frozen all the way down", () => {
  assert.ok(Object.isFrozen(DEFAULTS));
  for (const key of ["topK", "selector", "generator", "alphaByDataset"]) {
    assert.ok(
      Object.isFrozen(DEFAULTS[key as keyof typeof DEFAULTS]),
      key,
    );
  }
  assert.throws(() => {
    (DEFAULTS as { alpha: number }).alpha = 0.5;
  }, TypeError);
  assert.throws(() => {
    (DEFAULTS.generator as { pointsPerSide: number }).pointsPerSide = 8;
  }, TypeError);
});

Deno.test("the older defaults constants are DEFAULTS' values, not copies of them", () => {
  assert.deepEqual(SEGMENTER_DEFAULTS, {
    alpha: DEFAULTS.alpha,
    beta: DEFAULTS.beta,
    spatial: DEFAULTS.spatial,
    topK: DEFAULTS.topK[DEFAULTS.spatial],
    globalView: DEFAULTS.globalView,
    viewResize: DEFAULTS.viewResize,
    blurSigma: DEFAULTS.blurSigma,
    generator: DEFAULTS.generator,
  });
  assert.ok(Object.isFrozen(SEGMENTER_DEFAULTS));
  assert.equal(MASK_GENERATOR_DEFAULTS, DEFAULTS.generator);
  assert.deepEqual(EXTENDED_DEFAULTS, {
    topK: DEFAULTS.topK.extended,
    ...DEFAULTS.selector,
  });
  assert.equal(DEFAULT_CLIP, DEFAULTS.clip);
  assert.equal(DEFAULT_SAM, DEFAULTS.sam);
  assert.equal(DEFAULT_VARIANT, DEFAULTS.variant);
  for (const mode of SPATIAL_MODES) {
    assert.equal(defaultTopK(mode), DEFAULTS.topK[mode], mode);
  }
});

Deno.test("the method's defaults are the paper's and the reference's", () => {
  // Pinned so a change of a default is a deliberate one.
  assert.equal(DEFAULTS.alpha, 0.85);
  assert.equal(DEFAULTS.beta, 0.5);
  assert.deepEqual(DEFAULTS.topK, { extended: 4, seed: 3, off: 3 });
  assert.deepEqual(DEFAULTS.alphaByDataset, {
    refcoco: 0.95,
    "refcoco+": 0.95,
    refcocog: 0.85,
  });
  assert.equal(DEFAULTS.backend, "auto");
  assert.equal(DEFAULTS.threads, "auto");
  assert.equal(DEFAULTS.device, "auto");
  assert.equal(DEFAULTS.inFlight, 1);
});

Deno.test("the front door exports DEFAULTS as the one defaults object", () => {
  assert.equal(front.DEFAULTS, DEFAULTS);
  assert.ok(!("SEGMENTER_DEFAULTS" in front));
  assert.ok(!("DEFAULT_CLIP" in front) && !("DEFAULT_SAM" in front));
  assert.equal(DEFAULTS.clip, DEFAULT_CLIP);
});
