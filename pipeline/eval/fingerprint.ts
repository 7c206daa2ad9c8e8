/**
 * The fingerprint of the data an evaluation runs on: SHA-256 over the
 * sorted (image id, ref id, sentence id, sentence, image content) list of
 * the split (after its limit, before sharding), where an image's content
 * is the SHA-256 of its file name, size and every ref's ground-truth
 * segmentation. Runs, resumed runs and shards compare it to know they
 * worked on the same data: another file of the same name, or the same
 * file with a mask or a size changed, gives another fingerprint.
 *
 * @module
 */

import type { DatasetImage } from "../datasets/types.ts";

/** Lower-case hex of SHA-256 of `text` (UTF-8). */
async function sha256Hex(text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The digest of an image's content as the evaluation uses it: its file
 * name, its size and its refs' ids and ground-truth segmentations, in the
 * data's order.
 */
export function imageContentDigest(image: DatasetImage): Promise<string> {
  return sha256Hex(JSON.stringify([
    image.file,
    image.width,
    image.height,
    image.refs.map((ref) => [String(ref.refId), ref.segmentation]),
  ]));
}

/**
 * The fingerprint's entries of one image: one per sentence, each with the
 * image's `content` digest (see {@linkcode imageContentDigest}).
 */
export function fingerprintEntries(
  image: DatasetImage,
  content: string,
): string[] {
  return image.refs.flatMap((ref) =>
    ref.sentences.map((s) =>
      JSON.stringify([
        String(image.id),
        String(ref.refId),
        String(s.sentId),
        s.sent,
        content,
      ])
    )
  );
}

/**
 * The fingerprint of a split's entries (see {@linkcode fingerprintEntries}),
 * whatever their order: "sha256:" and 64 hex digits.
 */
export async function dataFingerprint(
  entries: readonly string[],
): Promise<string> {
  return `sha256:${await sha256Hex([...entries].sort().join("\n"))}`;
}

/** A split read once: its fingerprint and its images' ids and files in order. */
export interface SplitSurvey {
  /** See {@linkcode dataFingerprint}. */
  readonly fingerprint: string;
  /** The images' ids and file names, in the split's order. */
  readonly images: readonly { id: number | string; file: string }[];
}

/** Reads a split once for its fingerprint and its images' ids in order. */
export async function surveySplit(
  images: AsyncIterable<DatasetImage> | Iterable<DatasetImage>,
): Promise<SplitSurvey> {
  const entries: string[] = [];
  const ids: { id: number | string; file: string }[] = [];
  for await (const image of images) {
    entries.push(
      ...fingerprintEntries(image, await imageContentDigest(image)),
    );
    ids.push({ id: image.id, file: image.file });
  }
  return { fingerprint: await dataFingerprint(entries), images: ids };
}
