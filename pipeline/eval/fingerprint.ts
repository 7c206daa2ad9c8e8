/**
 * The fingerprint of the data an evaluation runs on: SHA-256 over the
 * sorted (image id, ref id, sentence id, sentence) list of the split (after
 * its limit, before sharding). Runs, resumed runs and shards compare it to
 * know they worked on the same data.
 *
 * @module
 */

import type { DatasetImage } from "../datasets/types.ts";

/** The fingerprint's entries of one image: one per sentence. */
export function fingerprintEntries(image: DatasetImage): string[] {
  return image.refs.flatMap((ref) =>
    ref.sentences.map((s) =>
      JSON.stringify([
        String(image.id),
        String(ref.refId),
        String(s.sentId),
        s.sent,
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
  const sorted = [...entries].sort();
  const bytes = new TextEncoder().encode(sorted.join("\n"));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `sha256:${
    [...digest].map((b) => b.toString(16).padStart(2, "0")).join("")
  }`;
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
    entries.push(...fingerprintEntries(image));
    ids.push({ id: image.id, file: image.file });
  }
  return { fingerprint: await dataFingerprint(entries), images: ids };
}
