import assert from "node:assert/strict";
import {
  resumeProblem,
  resumeProblemText,
  settingDifferences,
} from "../../pipeline/eval/run_settings.ts";

const RUN = { data: "toy", alpha: 0.85, fingerprint: "sha256:ab" };

Deno.test("settingDifferences() names each differing setting with both values", () => {
  assert.deepEqual(
    settingDifferences({ a: 1, b: [1], c: "x" }, { a: 1, b: [2], d: true }),
    ["b: [1] vs [2]", 'c: "x" vs (none)', "d: (none) vs true"],
  );
  assert.deepEqual(settingDifferences(RUN, { ...RUN }), []);
});

Deno.test("resumeProblem() accepts the same settings, and a run recorded before fingerprints", () => {
  assert.equal(resumeProblem("out", RUN, { ...RUN }), undefined);
  const { fingerprint: _, ...older } = RUN;
  assert.equal(resumeProblem("out", older, RUN), undefined);
});

Deno.test("resumeProblem() names other settings, and other data before them, in the library's words", () => {
  const settings = resumeProblem("out", RUN, { ...RUN, alpha: 0.5 })!;
  assert.equal(settings.kind, "other-settings");
  assert.equal(
    resumeProblemText(settings),
    "the run in out was made with other settings (alpha: 0.85 vs 0.5; see out/run.json): resume it with the same settings, or choose another output folder",
  );
  const data = resumeProblem("out", RUN, {
    ...RUN,
    alpha: 0.5,
    fingerprint: "sha256:cd",
  })!;
  assert.equal(data.kind, "other-data");
  assert.match(
    resumeProblemText(data),
    /made on other data \(data fingerprint sha256:ab, now sha256:cd\): resume it with the same data and limit, or choose another output folder$/,
  );
  assert.doesNotMatch(
    resumeProblemText(settings) + resumeProblemText(data),
    /--/,
  );
});
