/**
 * Writing a whole file so that it is either the old file or the new one,
 * never a truncated mix (edge code: file system).
 *
 * @module
 */

import { basename, dirname, join } from "node:path";

/** What {@linkcode writeFileAtomic} writes: text, bytes, or a stream of bytes. */
export type FileContent = string | Uint8Array | ReadableStream<Uint8Array>;

/**
 * The name of the temporary file that a write to `path` goes through: in the
 * same folder (a rename never crosses file systems), hidden, and unique to
 * this process and call.
 *
 * @example
 * ```ts
 * tempPathFor("out/mask.png", 123, "a1b2"); // "out/.mask.png.123.a1b2.tmp"
 * ```
 */
export function tempPathFor(path: string, pid: number, tag: string): string {
  return join(dirname(path), `.${basename(path)}.${pid}.${tag}.tmp`);
}

/**
 * Writes `content` to `path` through a temporary file in the same folder,
 * renamed into place once it is whole. When the write fails (a full disk, a
 * failing stream), the file that was at `path` is left as it was and the
 * temporary file is removed. Creates the file's folder when missing.
 *
 * @param path where the file goes
 * @param content its text (UTF-8), bytes or stream of bytes
 * @throws the error of the write or of the rename, after cleaning up
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic_write.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/metrics.json`, "{}\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  content: FileContent,
): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const temp = tempPathFor(
    path,
    Deno.pid,
    crypto.randomUUID().slice(0, 8),
  );
  try {
    if (typeof content === "string") await Deno.writeTextFile(temp, content);
    else await Deno.writeFile(temp, content);
    await Deno.rename(temp, path);
  } catch (e) {
    await Deno.remove(temp).catch(() => {});
    throw e;
  }
}
