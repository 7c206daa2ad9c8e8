/**
 * How the pipeline reads model files: a {@linkcode ModelSource}. This file
 * needs no file system; {@linkcode hubSource} fetches into memory, for
 * browsers and Deno Deploy. The disk cache (`io/model_store.ts`) implements the same
 * interface.
 *
 * @module
 */

import { DEFAULTS } from "../defaults.ts";
import { ModelError, ModelIntegrityError } from "./errors.ts";
import {
  contentProblem,
  DEFAULT_HUB_ENDPOINT,
  hubFileUrl,
  refusedAnswerError,
} from "./hub.ts";
import {
  type FetchLike,
  integrityProblems,
  transferHubFile,
  type TransferSink,
} from "./transfer.ts";

/** Reads the files of hub model repositories. */
export interface ModelSource {
  /**
   * The bytes of `path` in repository `repo`, complete and checked: never a
   * truncated or corrupt file.
   */
  read(
    repo: string,
    path: string,
    options?: { signal?: AbortSignal },
  ): Promise<Uint8Array>;
  /** Where `read` gets the file from, for messages (a URL or a local path). */
  describe(repo: string, path: string): string;
  /**
   * A file on this machine holding the checked bytes of `path`, for
   * runtimes that read model files themselves (the native backend: less
   * memory and time than bytes handed over); undefined where the source
   * has none (in memory, over the network), and absent on sources that
   * never do. It fetches the file first where `read` would.
   */
  file?(
    repo: string,
    path: string,
    options?: { signal?: AbortSignal },
  ): Promise<string | undefined>;
  /**
   * Where files derived from this source's files (a rewritten ONNX graph)
   * are kept between runs; absent where there is nowhere to keep them (in
   * memory, a read-only folder). See {@linkcode readDerivedFile}.
   */
  readonly derived?: DerivedFiles;
}

/**
 * Files derived from a source's files, each kept with the SHA-256 of the
 * file it was made from, and dropped when that file changes.
 */
export interface DerivedFiles {
  /**
   * The derived file `kind` (a name with a version, e.g. "token-mask-v1")
   * of `path` in `repo`, made from that file as it is now; undefined when
   * none is kept, or the kept one is stale or damaged.
   */
  read(
    repo: string,
    path: string,
    kind: string,
  ): Promise<Uint8Array | undefined>;
  /**
   * Like `read`, but the kept file's path on this machine (see
   * {@linkcode ModelSource.file}); undefined when none is kept or it is
   * stale. Absent where kept files are not on this machine.
   */
  file?(repo: string, path: string, kind: string): Promise<string | undefined>;
  /** Keeps `bytes` as the derived file `kind` of the file as it is now. */
  write(
    repo: string,
    path: string,
    kind: string,
    bytes: Uint8Array,
  ): Promise<void>;
}

/** How {@linkcode readDerivedFile} got its bytes. */
export type DerivedFrom = "kept" | "derived";

/**
 * The derived file `kind` of `path` in `repo`: the one the source keeps,
 * else `derive` applied to the file's bytes (then kept, when the source can
 * keep it; a failure to keep it is reported to `onKeepError` and the bytes
 * are still returned). `stored` says whether the source holds them now. A
 * kept file that `accept` refuses (made for other settings) is derived
 * again and replaced. Bytes that `keep` refuses (a result that holds only
 * for this run) are returned without being kept.
 *
 * @example
 * ```ts
 * import { deriveTokenMaskModel } from "../clip/token_mask_model.ts";
 * import { DEMO_CLIP, demoModelFiles } from "../demo/models.ts";
 *
 * const source = memorySource(demoModelFiles()); // keeps no derived file
 * const { bytes, from } = await readDerivedFile(source, DEMO_CLIP,
 *   "onnx/vision_model.onnx", "token-mask-v1", (b) => deriveTokenMaskModel(b, { sequenceLength: 50 }).bytes);
 * from; // "derived"
 * ```
 */
export async function readDerivedFile(
  source: ModelSource,
  repo: string,
  path: string,
  kind: string,
  derive: (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>,
  options: {
    onKeepError?: (error: unknown) => void;
    accept?: (kept: Uint8Array) => boolean;
    keep?: (derived: Uint8Array) => boolean;
  } = {},
): Promise<{ bytes: Uint8Array; from: DerivedFrom; stored: boolean }> {
  const { onKeepError, accept, keep } = options;
  const kept = await source.derived?.read(repo, path, kind);
  if (kept && (!accept || accept(kept))) {
    return { bytes: kept, from: "kept", stored: true };
  }
  const bytes = await derive(await source.read(repo, path));
  let stored = false;
  if (source.derived && (!keep || keep(bytes))) {
    try {
      await source.derived.write(repo, path, kind, bytes);
      stored = true;
    } catch (error) {
      onKeepError?.(error);
    }
  }
  return { bytes, from: "derived", stored };
}

/** Progress of one file read by {@linkcode hubSource}. */
export interface SourceProgress {
  /** Repository id. */
  repo: string;
  /** Path inside the repository. */
  path: string;
  /** Bytes received. */
  received: number;
  /** Size, when the hub announced it. */
  total?: number;
}

/** Options of {@linkcode hubSource}. */
export interface HubSourceOptions {
  /** Hub endpoint (default `https://huggingface.co`). */
  endpoint?: string;
  /** Revision of every repository (default {@linkcode DEFAULTS}.revision, `"main"`). */
  revision?: string;
  /** Hub token for private or gated repositories. */
  token?: string;
  /** fetch to use; the global one by default. */
  fetch?: FetchLike;
  /** Retries after a dropped connection (default 5). */
  retries?: number;
  /** Delay before the first retry in ms (default 1000). */
  retryDelayMs?: number;
  /** A request silent for this long is dropped and resumed (default 60 000 ms). */
  idleTimeoutMs?: number;
  /** Called as bytes arrive. */
  onProgress?: (progress: SourceProgress) => void;
}

class MemorySink implements TransferSink {
  #chunks: Uint8Array[] = [];
  #length = 0;

  get offset(): number {
    return this.#length;
  }

  write(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  reset(): void {
    this.#chunks = [];
    this.#length = 0;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

/** Lowercase hex SHA-256 of `bytes`, with Web Crypto. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    bytes as Uint8Array<ArrayBuffer>,
  );
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

/**
 * A source that fetches files from the hub into memory, resuming dropped
 * connections and checking each file's size and (for LFS files) SHA-256;
 * refusing what is not the hub's file (an HTML page, an answer without the
 * hub's headers, a file over its size limit, JSON that does not parse).
 *
 * @example Needs the network
 * ```ts ignore
 * const source = hubSource();
 * const tokenizer = await source.read("Xenova/clip-vit-base-patch32", "tokenizer.json");
 * ```
 */
export function hubSource(options: HubSourceOptions = {}): ModelSource {
  const endpoint = options.endpoint ?? DEFAULT_HUB_ENDPOINT;
  const revision = options.revision ?? DEFAULTS.revision;
  const urlOf = (repo: string, path: string) =>
    hubFileUrl(endpoint, repo, revision, path);
  return {
    describe: urlOf,
    async read(repo, path, readOptions = {}) {
      const url = urlOf(repo, path);
      const sink = new MemorySink();
      const ref = { repo, path, revision };
      const { info } = await transferHubFile(url, sink, {
        fetch: options.fetch,
        token: options.token,
        signal: readOptions.signal,
        retries: options.retries,
        retryDelayMs: options.retryDelayMs,
        idleTimeoutMs: options.idleTimeoutMs,
        ref,
        onProgress: options.onProgress &&
          ((p) =>
            options.onProgress!({
              repo,
              path,
              received: p.received,
              total: p.total,
            })),
      });
      const bytes = sink.bytes();
      const problems = await integrityProblems(
        bytes.length,
        () => sha256Hex(bytes),
        [info],
      );
      if (problems.length > 0) {
        throw new ModelIntegrityError(
          `${path} of ${repo}: the download is corrupt (${
            problems.join("; ")
          }) from ${url}; it was discarded. Run again; if it persists, the ` +
            `file changed on the hub or a proxy alters it (check the endpoint)`,
          ref,
        );
      }
      const content = contentProblem(path, bytes);
      if (content) throw refusedAnswerError(ref, url, content);
      return bytes;
    },
  };
}

/**
 * A source over files already held in memory, keyed `repo/path`: model
 * bytes an embedder fetched or bundled itself. Reading a file that is not
 * there throws a {@linkcode ModelError} naming it.
 *
 * @example
 * ```ts
 * import { memorySource } from "./source.ts";
 *
 * const source = memorySource(new Map([["me/model/config.json", new Uint8Array([123, 125])]]));
 * const bytes = await source.read("me/model", "config.json");
 * console.log(bytes.length); // 2
 * ```
 */
export function memorySource(
  files: ReadonlyMap<string, Uint8Array>,
): ModelSource {
  return {
    read(repo, path) {
      const bytes = files.get(`${repo}/${path}`);
      if (bytes) return Promise.resolve(bytes);
      const held = new Set(
        [...files.keys()].map((k) => k.split("/").slice(0, 2).join("/")),
      );
      return Promise.reject(
        new ModelError(
          `The file ${path} of ${repo} is not among the files held in memory (${
            held.size ? `repositories: ${[...held].join(", ")}` : "none"
          }): add it to the map given to memorySource.`,
        ),
      );
    },
    describe: (repo, path) => `memory:${repo}/${path}`,
  };
}
