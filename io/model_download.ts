/**
 * Downloading one hub file to disk (edge code: uses the file system).
 *
 * The bytes stream into `{dest}.part` while a SHA-256 is computed on the
 * fly; a partial file left by an interrupted run is resumed with a `Range`
 * request. Once the size and hash check out the file is renamed into place,
 * so `dest` only ever holds complete files. A lock file `{dest}.lock` keeps
 * two processes from writing the same partial file.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import { dirname } from "node:path";
import {
  fileContentProblem,
  LOCK_SUFFIX,
  PARTIAL_SUFFIX,
  removeIfPresent,
  sha256File,
} from "./model_cache.ts";
import { refusedAnswerError } from "../pipeline/models/hub.ts";
import {
  type ModelFileRef,
  ModelIntegrityError,
} from "../pipeline/models/errors.ts";
import { acquireFileLock, type LockWait } from "./model_lock.ts";
import {
  type ExpectedFile,
  type FetchLike,
  integrityProblems,
  refFor,
  transferHubFile,
  type TransferProgress,
  type TransferRetry,
  type TransferSink,
} from "../pipeline/models/transfer.ts";

/** Options of {@linkcode downloadFile}. */
export interface DownloadOptions {
  /** fetch to use; the global one by default. */
  fetch?: FetchLike;
  /** Hub token, sent as `Authorization: Bearer` to the hub's origin only. */
  token?: string;
  /** Cancels the download; the partial file is kept for a later resume. */
  signal?: AbortSignal;
  /** Called after each chunk with bytes received and the total. */
  onProgress?: (progress: TransferProgress) => void;
  /** Called before each retry. */
  onRetry?: (retry: TransferRetry) => void;
  /** Retries after a dropped connection or a 5xx answer (default 5). */
  retries?: number;
  /** Delay before the first retry in ms, doubled for each next one (default 1000). */
  retryDelayMs?: number;
  /** A request silent for this long is dropped and resumed (default 60 000 ms). */
  idleTimeoutMs?: number;
  /** Temporary file (default `dest + ".part"`); must be on the same file system as `dest`. */
  tempPath?: string;
  /** Size and SHA-256 known in advance, checked as well as the hub's. */
  expected?: ExpectedFile;
  /** Names the file in errors; parsed from the URL by default. */
  ref?: ModelFileRef;
  /**
   * Take the lock file `{dest}.lock` while downloading (default true); pass
   * false when the caller already holds it.
   */
  lock?: boolean;
  /** Called when another process holds the lock and this one waits for it. */
  onLockWait?: (wait: LockWait) => void;
  /** A lock untouched for this long is taken over (default ten minutes). */
  lockStaleMs?: number;
  /**
   * Largest size accepted, in bytes (default by kind of file, see
   * `sizeLimitFor`): refused from the announced size before anything is
   * written, and while streaming when no size is announced.
   */
  maxBytes?: number;
}

/** What {@linkcode downloadFile} fetched. */
export interface DownloadResult {
  /** Where the file now is (`dest`). */
  path: string;
  /** Size in bytes. */
  size: number;
  /** SHA-256 of the bytes written (lowercase hex), computed while writing. */
  sha256: string;
  /** SHA-256 the hub announced (LFS files only). */
  hubSha256?: string;
  /** The hub's ETag. */
  etag?: string;
  /** Commit the revision resolved to, when the hub said. */
  commit?: string;
  /** True when some bytes came from an earlier partial file or a dropped connection. */
  resumed: boolean;
  /**
   * HTTP requests for the body, 1 when nothing failed; 0 when another
   * process downloaded the file while this one waited for its lock.
   */
  attempts: number;
}

/** A file sink that hashes what it writes; opens the file on first write. */
class HashingFileSink implements TransferSink {
  #path: string;
  #file?: Deno.FsFile;
  #hash: Hash = createHash("sha256");
  #offset = 0;

  private constructor(path: string) {
    this.#path = path;
  }

  /** Opens `path`, hashing the bytes a previous run left there. */
  static async resume(path: string): Promise<HashingFileSink> {
    const sink = new HashingFileSink(path);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return sink;
      throw error;
    }
    try {
      const buffer = new Uint8Array(1 << 20);
      for (;;) {
        const n = await file.read(buffer);
        if (n === null) break;
        sink.#hash.update(buffer.subarray(0, n));
        sink.#offset += n;
      }
    } finally {
      file.close();
    }
    return sink;
  }

  get offset(): number {
    return this.#offset;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#file ??= await Deno.open(this.#path, {
      write: true,
      create: true,
      append: true,
    });
    let at = 0;
    while (at < chunk.length) at += await this.#file.write(chunk.subarray(at));
    this.#hash.update(chunk);
    this.#offset += chunk.length;
  }

  async reset(): Promise<void> {
    this.close();
    await removeIfPresent(this.#path);
    this.#hash = createHash("sha256");
    this.#offset = 0;
  }

  digest(): string {
    return this.#hash.digest("hex");
  }

  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}

/** What identifies one version of a file on disk; undefined when absent. */
async function fileStamp(path: string): Promise<string | undefined> {
  try {
    const stat = await Deno.stat(path);
    return `${stat.ino}:${stat.size}:${stat.mtime?.getTime()}`;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Downloads `url` (a hub resolve URL) to `dest`, streaming, resuming,
 * retrying and checking size and SHA-256. `dest` appears only when complete
 * and checked. On a hash or size mismatch (or a server sending more bytes
 * than it announced) the partial file is deleted and a
 * {@linkcode ModelIntegrityError} thrown; after other failures it is kept,
 * and the next call resumes it. An answer that is not the hub's file (an
 * HTML page, bytes without the hub's headers, a file over `maxBytes`, a
 * `.json` file that does not parse) is refused with a `ModelResponseError`
 * (a `ModelIntegrityError`), and nothing of it is kept.
 *
 * The download holds the lock file `{dest}.lock`: a second process (or call)
 * for the same `dest` waits for it, calling `onLockWait`, and then uses the
 * file the first one put in place (`attempts` 0) or downloads it itself.
 * A lock left by a crashed process is taken over once stale.
 *
 * Sends `Authorization: Bearer {token}` when a token is given.
 *
 * @example Needs the network
 * ```ts ignore
 * const url = hubFileUrl("https://huggingface.co", "Xenova/slimsam-77-uniform", "main", "config.json");
 * const result = await downloadFile(url, "/tmp/models/config.json", { token: Deno.env.get("HF_TOKEN") });
 * console.log(result.size, result.sha256);
 * ```
 */
export async function downloadFile(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  options.signal?.throwIfAborted();
  const ref = refFor(url, options.ref);
  await Deno.mkdir(dirname(dest), { recursive: true });
  if (options.lock === false) return await download(url, dest, ref, options);
  const before = await fileStamp(dest);
  await using lock = await acquireFileLock(dest + LOCK_SUFFIX, {
    signal: options.signal,
    onWait: options.onLockWait,
    staleMs: options.lockStaleMs,
  });
  if (lock.waited) {
    const adopted = await adoptFinished(dest, before, options.expected);
    if (adopted) return adopted;
  }
  return await download(url, dest, ref, options);
}

/**
 * The file another process put in place while this one waited for its
 * lock, when it matches what the caller expects.
 */
async function adoptFinished(
  dest: string,
  before: string | undefined,
  expected: ExpectedFile | undefined,
): Promise<DownloadResult | undefined> {
  const now = await fileStamp(dest);
  if (now === undefined || now === before) return undefined;
  const { size } = await Deno.stat(dest);
  const sha256 = await sha256File(dest);
  const problems = await integrityProblems(size, () => sha256, [expected]);
  if (problems.length > 0) return undefined;
  return { path: dest, size, sha256, resumed: false, attempts: 0 };
}

async function download(
  url: string,
  dest: string,
  ref: ModelFileRef,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const tempPath = options.tempPath ?? dest + PARTIAL_SUFFIX;
  await Deno.mkdir(dirname(tempPath), { recursive: true });
  let restarted = false;
  for (;;) {
    options.signal?.throwIfAborted();
    const sink = await HashingFileSink.resume(tempPath);
    const hadPartial = sink.offset > 0;
    let transfer;
    try {
      transfer = await transferHubFile(url, sink, { ...options, ref });
    } catch (error) {
      sink.close();
      // Too many bytes: what was written cannot be trusted for a resume.
      if (error instanceof ModelIntegrityError) {
        await removeIfPresent(tempPath);
      }
      throw error;
    }
    sink.close();
    const { info } = transfer;
    const size = sink.offset;
    const sha256 = sink.digest();
    const resumed = hadPartial || transfer.resumed;
    const problems = await integrityProblems(size, () => sha256, [
      info,
      options.expected,
    ]);
    if (problems.length > 0) {
      await removeIfPresent(tempPath);
      if (resumed && !restarted) {
        // The partial bytes may be from another version of the file.
        restarted = true;
        continue;
      }
      throw new ModelIntegrityError(
        `${ref.path} of ${ref.repo}: the download is corrupt (${
          problems.join("; ")
        }) ` +
          `from ${url}; it was deleted. Run again; if it persists, the file ` +
          `changed on the hub or a proxy alters it (check HF_ENDPOINT)`,
        ref,
      );
    }
    if (size === 0) await Deno.writeFile(tempPath, new Uint8Array());
    const content = await fileContentProblem(
      tempPath,
      ref.path,
      options.maxBytes,
    );
    if (content) {
      await removeIfPresent(tempPath);
      throw refusedAnswerError(ref, url, content);
    }
    await Deno.rename(tempPath, dest);
    return {
      path: dest,
      size,
      sha256,
      hubSha256: info.sha256,
      etag: info.etag,
      commit: info.commit,
      resumed,
      attempts: transfer.attempts,
    };
  }
}
