import assert from "node:assert/strict";
import { nounPhrase } from "../../pipeline/text/noun_phrase.ts";
import { readSharedJson, type RefcocogVal } from "../helpers/shared_data.ts";

Deno.test("nounPhrase() takes the phrase of the first noun, not the prepositional object", () => {
  const p = nounPhrase("a man in a red shirt holding an umbrella");
  assert.equal(p.text, "a man");
  assert.equal(p.head, "man");
});

Deno.test("nounPhrase() keeps adjectives joined by 'and' and noun compounds", () => {
  assert.equal(
    nounPhrase("white and black cat sitting on a couch").text,
    "white and black cat",
  );
  const p = nounPhrase("A tennis player swinging his racket");
  assert.equal(p.text, "A tennis player");
  assert.equal(p.head, "player");
});

Deno.test("nounPhrase() skips position nouns and participles tagged as nouns", () => {
  assert.equal(
    nounPhrase("the right half of a long sandwich").head,
    "sandwich",
  );
  assert.equal(nounPhrase("a sheep grazing on a hill").head, "sheep");
  assert.equal(nounPhrase("the building on the left").head, "building");
});

Deno.test("nounPhrase() gives the lemma of a plural head", () => {
  assert.equal(nounPhrase("two young girls sitting").headLemma, "girl");
});

Deno.test("nounPhrase() returns an empty phrase when there is no noun", () => {
  for (const s of ["", "   ", "on the left", "!!!"]) {
    const p = nounPhrase(s);
    assert.equal(p.head, null, s);
    assert.equal(p.text, "", s);
  }
});

Deno.test("nounPhrase() finds the annotated head noun of most RefCOCOg val sentences", async () => {
  const data = await readSharedJson<RefcocogVal>("refcocog_umd_val.json");
  if (!data) return;
  let agree = 0, total = 0;
  for (const e of data.expressions) {
    const heads = e.parse[0];
    if (!heads || heads[0] === "none") continue;
    total++;
    const p = nounPhrase(e.sentence);
    if (heads.some((h) => h === p.head || h === p.headLemma)) agree++;
  }
  const rate = agree / total;
  console.log(
    `head noun agrees with the annotation parse on ${
      (100 * rate).toFixed(1)
    }% of ${total}`,
  );
  // The annotation parse is machine output itself ("base" for "base ball bat").
  assert.ok(rate >= 0.87, `agreement ${rate}`);
});

Deno.test("nounPhrase() falls back to the leading phrase when the tagger finds no noun", () => {
  // wink-nlp tags "square" as an adjective here.
  const p = nounPhrase("the purple square on the right");
  assert.equal(p.text, "the purple square");
  assert.equal(p.head, "square");
  assert.equal(nounPhrase("left").head, null);
  assert.equal(nounPhrase("the big one").head, null);
});
