import assert from "node:assert/strict";
import {
  dataFingerprint,
  fingerprintEntries,
  imageContentDigest,
  surveySplit,
} from "../../pipeline/eval/fingerprint.ts";
import type { DatasetImage } from "../../pipeline/datasets/types.ts";

function image(id: number, sentences: string[]): DatasetImage {
  return {
    id,
    file: `${id}.png`,
    width: 2,
    height: 2,
    refs: [{
      refId: id * 10,
      segmentation: [],
      sentences: sentences.map((sent, k) => ({ sentId: id * 100 + k, sent })),
    }],
  } as unknown as DatasetImage;
}

const A = image(1, ["the left cat", "a cat"]);
const B = image(2, ["the dog"]);

Deno.test("dataFingerprint() is SHA-256 of the split's sorted entries, whatever the images' order", async () => {
  const ab = await surveySplit([A, B]);
  const ba = await surveySplit([B, A]);
  assert.match(ab.fingerprint, /^sha256:[0-9a-f]{64}$/);
  assert.equal(ab.fingerprint, ba.fingerprint);
  assert.deepEqual(ab.images, [{ id: 1, file: "1.png" }, {
    id: 2,
    file: "2.png",
  }]);
  assert.equal(
    ab.fingerprint,
    await dataFingerprint([
      ...fingerprintEntries(B, await imageContentDigest(B)),
      ...fingerprintEntries(A, await imageContentDigest(A)),
    ]),
  );
});

Deno.test("dataFingerprint() changes with a sentence, an image more or less", async () => {
  const base = (await surveySplit([A, B])).fingerprint;
  const changed = (await surveySplit([A, image(2, ["the dogs"])])).fingerprint;
  const fewer = (await surveySplit([A])).fingerprint;
  assert.notEqual(changed, base);
  assert.notEqual(fewer, base);
});

Deno.test("dataFingerprint() changes with an image's content: a mask, its size or its file, under the same ids and sentences", async () => {
  const base = (await surveySplit([A, B])).fingerprint;
  const withMask = (mask: unknown) =>
    ({
      ...B,
      refs: [{ ...B.refs[0], segmentation: mask }],
    }) as DatasetImage;
  const variants = [
    withMask([[0, 0, 2, 0, 2, 2]]),
    { ...B, width: 3 },
    { ...B, height: 3 },
    { ...B, file: "other.png" },
  ];
  for (const v of variants) {
    assert.notEqual((await surveySplit([A, v])).fingerprint, base);
  }
  assert.equal((await surveySplit([A, { ...B }])).fingerprint, base);
});

Deno.test("fingerprintEntries() gives one entry per sentence: image, ref, sentence id, text and the image's content", () => {
  assert.deepEqual(fingerprintEntries(A, "c"), [
    JSON.stringify(["1", "10", "100", "the left cat", "c"]),
    JSON.stringify(["1", "10", "101", "a cat", "c"]),
  ]);
});
