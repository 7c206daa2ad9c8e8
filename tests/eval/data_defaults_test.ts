import assert from "node:assert/strict";
import { DEFAULTS } from "../../pipeline/defaults.ts";
import { REFER_SPLITS_BY } from "../../pipeline/datasets/refer.ts";
import { alphaFor, referNames } from "../../pipeline/eval/data_defaults.ts";

Deno.test("referNames() takes the dataset and split from DEFAULTS and the splits-by from the REFER table", () => {
  assert.deepEqual(referNames({}), {
    dataset: DEFAULTS.evaluation.dataset,
    splitBy: REFER_SPLITS_BY.refcocog[0],
    split: DEFAULTS.evaluation.split,
  });
  assert.equal(referNames({ dataset: "refcoco" }).splitBy, "unc");
  assert.equal(referNames({ dataset: "refcoco+" }).splitBy, "unc");
  assert.equal(referNames({ dataset: "refcocog" }).splitBy, "umd");
});

Deno.test("referNames() keeps every name given, and leaves the splits-by of an unknown dataset empty", () => {
  assert.deepEqual(
    referNames({ dataset: "refcoco", splitBy: "google", split: "testA" }),
    { dataset: "refcoco", splitBy: "google", split: "testA" },
  );
  assert.equal(referNames({ dataset: "nope" }).splitBy, "");
});

Deno.test("alphaFor() gives the paper's alpha of a REFER dataset and DEFAULTS.alpha for other data", () => {
  assert.equal(alphaFor("refcoco"), DEFAULTS.alphaByDataset.refcoco);
  assert.equal(alphaFor("refcoco+"), 0.95);
  assert.equal(alphaFor("refcocog"), 0.85);
  assert.equal(alphaFor(undefined), DEFAULTS.alpha);
  assert.equal(alphaFor("toString"), DEFAULTS.alpha);
});
