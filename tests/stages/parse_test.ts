import assert from "node:assert/strict";
import { createRgbaImage } from "../../pipeline/image/rgba.ts";
import { fromItems, type ImageJob } from "../../pipeline/stages/job.ts";
import { parseSentence, parseStage } from "../../pipeline/stages/parse.ts";

Deno.test("parseSentence() gives the noun phrase, head, seed words and the relation", () => {
  assert.deepEqual(parseSentence("the red circle left of the blue square"), {
    sentence: "the red circle left of the blue square",
    nounPhrase: "the red circle",
    head: "circle",
    spatialWords: ["left"],
    spatial: {
      directions: [],
      relation: { kind: "left-of", anchor: "the blue square" },
      triggers: ["left of"],
    },
  });
});

Deno.test("parseSentence() reads directions and ordinals into `spatial`", () => {
  const left = parseSentence("the red circle on the left");
  assert.deepEqual(left.spatial?.directions, ["left"]);
  assert.equal(left.spatial?.relation, undefined);
  const second = parseSentence("second circle from the right");
  assert.deepEqual(second.spatial?.ordinal, { n: 2, from: "right" });
  assert.deepEqual(second.spatialWords, ["right"]);
});

Deno.test("parseSentence() keeps the seed words where the extended parse sees a trap", () => {
  const p = parseSentence("a man holding a phone in his left hand");
  assert.deepEqual(p.spatialWords, ["left"]);
  assert.equal(p.spatial, null);
  assert.equal(p.head, "man");
});

Deno.test("parseSentence() gives an empty noun phrase and null head and spatial for a sentence without them", () => {
  assert.deepEqual(parseSentence("it"), {
    sentence: "it",
    nounPhrase: "",
    head: null,
    spatialWords: [],
    spatial: null,
  });
});

Deno.test("parseStage() adds one parse per sentence, in order, and keeps the job's fields", async () => {
  const job: ImageJob<string> = {
    id: "img",
    image: createRgbaImage(2, 2),
    sentences: ["it", "the red circle on the left"],
    meta: "carried",
    timings: {},
  };
  const out = [];
  for await (const j of parseStage<ImageJob<string>>()(fromItems([job]))) {
    out.push(j);
  }
  assert.equal(out.length, 1);
  const [parsed] = out;
  assert.deepEqual(
    parsed.parsed,
    job.sentences.map((s) => parseSentence(s)),
  );
  assert.equal(parsed.parsed[1].sentence, "the red circle on the left");
  assert.equal(parsed.meta, "carried");
  assert.equal(parsed.image, job.image);
  assert.ok("parse" in job.timings, "the parse stage records its time");
});
