import assert from "node:assert/strict";
import {
  inShard,
  parseShard,
  shardImages,
  shardJson,
  shardName,
  shardOf,
  shardRecord,
} from "../../pipeline/eval/shard.ts";

Deno.test("parseShard() reads K/N and explains what it expects otherwise", () => {
  assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
  assert.deepEqual(parseShard(" 1 / 1 "), { index: 1, count: 1 });
  assert.equal(shardName(parseShard("8/8")), "8/8");
  for (const bad of ["0/3", "4/3", "3", "a/b", "1/0", "-1/2", "1.5/3"]) {
    assert.throws(() => parseShard(bad), /K\/N with 1 <= K <= N/, bad);
  }
});

Deno.test("shardOf() is a fixed function of the image id: FNV-1a-32 mod N, from 1", () => {
  // Pinned: shards of earlier runs must stay mergeable with later ones.
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7].map((i) => shardOf(i, 3)),
    [1, 2, 2, 3, 2, 3, 3, 1],
  );
  assert.equal(shardOf(7, 3), shardOf("7", 3));
  assert.equal(shardOf(123456, 1), 1);
});

Deno.test("the shards of N split any set of images into N disjoint parts", () => {
  const ids = Array.from({ length: 300 }, (_, i) => 1000 + 7 * i);
  for (const n of [1, 2, 5]) {
    const counts = new Array(n).fill(0);
    for (const id of ids) {
      const owners = Array.from({ length: n }, (_, k) => k + 1).filter((k) =>
        inShard(id, { index: k, count: n })
      );
      assert.equal(owners.length, 1, `image ${id} of ${n} shards`);
      counts[owners[0] - 1]++;
    }
    // Roughly even: no shard under half its share.
    for (const c of counts) assert.ok(c > 300 / n / 2, `${counts}`);
  }
});

Deno.test("shardRecord() lists a shard's images with their positions in the split, whatever --limit cut", () => {
  const images = [0, 1, 2, 3, 4, 5].map((id) => ({ id, file: `${id}.png` }));
  const record = shardRecord(images, { index: 2, count: 3 });
  assert.deepEqual(record, {
    shard: "2/3",
    splitImages: 6,
    images: [
      { position: 1, id: 1, file: "1.png" },
      { position: 2, id: 2, file: "2.png" },
      { position: 4, id: 4, file: "4.png" },
    ],
  });
  // A shorter split keeps each image in the same shard.
  const limited = shardRecord(images.slice(0, 3), { index: 2, count: 3 });
  assert.deepEqual(limited.images.map((i) => i.id), [1, 2]);
});

Deno.test("shardImages() keeps a stream's images of the shard, in order, and shardJson() is the record's indented text", async () => {
  const ids = [5, 1, 4, 2, 3, 0].map((id) => ({ id, file: `${id}.png` }));
  const shard = { index: 1, count: 2 };
  const kept = [];
  for await (
    const i of shardImages(
      (async function* () {
        yield* ids;
      })(),
      shard,
    )
  ) {
    kept.push(i);
  }
  assert.deepEqual(kept, ids.filter((i) => inShard(i.id, shard)));
  const record = shardRecord(ids, shard);
  assert.equal(shardJson(record), JSON.stringify(record, null, 2) + "\n");
});
