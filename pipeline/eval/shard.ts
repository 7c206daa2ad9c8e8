/**
 * Sharded evaluation: shard K of N runs a deterministic 1/N of a split's
 * images. An image belongs to shard 1 + (FNV-1a-32(String(image id)) mod
 * N): the rule depends on the image id alone, so the shards are the same
 * whatever the order of the data, its limit, or the machine.
 *
 * @module
 */

/** One shard of N: `index` from 1 to `count`. */
export interface Shard {
  /** The shard's number, from 1. */
  readonly index: number;
  /** How many shards the split is cut into. */
  readonly count: number;
}

/** The name of a shard, K/N, e.g. "2/3". */
export function shardName(s: Shard): string {
  return `${s.index}/${s.count}`;
}

/** Parses a shard's name, K/N (1 <= K <= N); the error says what is expected. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!(count >= 1 && index >= 1 && index <= count)) {
    throw new RangeError(
      `"${text}" is not a shard: give K/N with 1 <= K <= N, e.g. 2/8 for the second of eight shards`,
    );
  }
  return { index, count };
}

/** FNV-1a, 32 bits, of a string's UTF-8 bytes. */
function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The shard (from 1) of `count` that an image belongs to. */
export function shardOf(imageId: number | string, count: number): number {
  return 1 + fnv1a32(String(imageId)) % count;
}

/** Whether an image belongs to `shard`. */
export function inShard(imageId: number | string, shard: Shard): boolean {
  return shardOf(imageId, shard.count) === shard.index;
}

/** An image of a shard and its position in the split (from 0). */
export interface ShardImage {
  /** Position of the image in the split's order (after its limit). */
  readonly position: number;
  /** The image's id. */
  readonly id: number | string;
  /** The image's file name. */
  readonly file: string;
}

/** What a shard's shard.json records: which images of the split it holds. */
export interface ShardRecord {
  /** The shard, e.g. "2/3". */
  readonly shard: string;
  /** Images in the whole split (after its limit). */
  readonly splitImages: number;
  /** The shard's images, in the split's order. */
  readonly images: readonly ShardImage[];
}

/** The images of a split that belong to `shard`, with their positions. */
export function shardRecord(
  ids: readonly { id: number | string; file: string }[],
  shard: Shard,
): ShardRecord {
  return {
    shard: shardName(shard),
    splitImages: ids.length,
    images: ids.flatMap((image, position) =>
      inShard(image.id, shard)
        ? [{ position, id: image.id, file: image.file }]
        : []
    ),
  };
}

/** The images of a stream that belong to `shard`, in the stream's order. */
export async function* shardImages<T extends { id: number | string }>(
  images: AsyncIterable<T>,
  shard: Shard,
): AsyncIterable<T> {
  for await (const image of images) {
    if (inShard(image.id, shard)) yield image;
  }
}

/** The text of shard.json. */
export function shardJson(record: ShardRecord): string {
  return JSON.stringify(record, null, 2) + "\n";
}
