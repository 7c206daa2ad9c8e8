/**
 * The model store: a {@linkcode ModelSource} over the disk cache that
 * downloads what is missing or damaged (edge code: uses the file system).
 *
 * @example
 * ```ts
 * import { ModelStore } from "./model_store.ts";
 * import { resolveModelSpec } from "../pipeline/models/registry.ts";
 *
 * // new ModelStore() takes ORIS_CACHE, HF_ENDPOINT, HF_TOKEN and
 * // HF_HUB_OFFLINE, and downloads what is missing; a local folder in the
 * // Hub's layout serves offline:
 * const store = new ModelStore({ localDir: "tests/fixtures/models" });
 * const sam = "fixture/color-sam";
 * await store.ensure(resolveModelSpec(sam, "sam"), "fp32");
 * const encoder = await store.read(sam, "onnx/vision_encoder.onnx");
 * console.log(encoder.length);
 * ```
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { createHash } from "node:crypto";
import {
  type CachedFileMeta,
  cachedFilePath,
  type CachedFileStatus,
  checkCachedFile,
  derivedFilePath,
  describeFileState,
  fileContentProblem,
  type HashPolicy,
  judgeHash,
  LOCK_SUFFIX,
  modelDir,
  removeCachedFile,
  removeIfPresent,
  resolveCacheDir,
  writeFileMeta,
} from "./model_cache.ts";
import { downloadFile } from "./model_download.ts";
import { isEnvFlagSet, type ModelEnv, readModelEnv } from "./model_env.ts";
import {
  type ModelFetchRef,
  type ModelFileRef,
  ModelIntegrityError,
  ModelNotFoundError,
  ModelOfflineError,
} from "../pipeline/models/errors.ts";
import { DEFAULTS } from "../pipeline/defaults.ts";
import { acquireFileLock, type LockWait } from "./model_lock.ts";
import {
  DEFAULT_HUB_ENDPOINT,
  hubFileUrl,
  sizeLimitFor,
  type SizeLimits,
} from "../pipeline/models/hub.ts";
import {
  DEFAULT_VARIANT,
  locateModelFile,
  type ModelFile,
  modelFiles,
  type ModelSpec,
  type ModelVariant,
  parseModelId,
} from "../pipeline/models/registry.ts";
import type { DerivedFiles, ModelSource } from "../pipeline/models/source.ts";
import { stderrOutput } from "./progress.ts";
import type { FetchLike, TransferRetry } from "../pipeline/models/transfer.ts";

/** A progress event of the store's downloads. */
export interface ModelProgressEvent {
  /**
   * `start` before the first byte, `progress` per chunk, `retry` after a
   * failed attempt (see `retry`), `done` when checked and in place.
   */
  type: "start" | "progress" | "retry" | "done";
  /** Repository id. */
  repo: string;
  /** Path inside the repository. */
  path: string;
  /** Bytes held (including resumed ones). */
  received: number;
  /** Size, when known. */
  total?: number;
  /** Bytes already on disk from an earlier partial download. */
  resumedFrom: number;
  /** For `retry` events: the failure and the wait before the next attempt. */
  retry?: TransferRetry;
}

/** Options of {@linkcode ModelStore}; unset ones come from the environment. */
export interface ModelStoreOptions {
  /** Cache folder (default from `ORIS_CACHE` / `XDG_CACHE_HOME` / `HOME`, see `resolveCacheDir`). */
  cacheDir?: string;
  /** Hub endpoint (default `HF_ENDPOINT`, else `https://huggingface.co`). */
  endpoint?: string;
  /**
   * Revision for every repository. Unset: the spec's revision (`DEFAULTS.revision`),
   * and any cached revision is accepted; set: cached files of another
   * revision are fetched again.
   */
  revision?: string;
  /** Use only the cache, never the network (default `HF_HUB_OFFLINE`). */
  offline?: boolean;
  /**
   * A local folder `{dir}/{owner}/{name}/{path}` (`localDir`; the command line's `--models`): files
   * are read from it only, the network and the cache are never used.
   */
  localDir?: string;
  /** Hub token (default `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`). */
  token?: string;
  /** fetch to use; the global one by default. */
  fetch?: FetchLike;
  /** Called as downloads progress. */
  onProgress?: (event: ModelProgressEvent) => void;
  /** Retries after a dropped connection (default 5). */
  retries?: number;
  /** Delay before the first retry in ms (default 1000). */
  retryDelayMs?: number;
  /** A request silent for this long is dropped and resumed (default 60 000 ms). */
  idleTimeoutMs?: number;
  /**
   * Largest file accepted per kind, in bytes (default `DEFAULT_SIZE_LIMITS`:
   * 16 MiB for JSON and text, 4 GiB for ONNX and other files). A larger
   * file is refused before it is written.
   */
  sizeLimits?: Partial<SizeLimits>;
  /** Environment to take defaults from (default: the process environment). */
  env?: ModelEnv;
  /**
   * Called when another process is downloading a file this store needs, and
   * the store waits for it (default: a note on standard error).
   */
  onLockWait?: (wait: ModelLockWait) => void;
}

/** A wait for another process's download of the same file. */
export interface ModelLockWait {
  /** Repository id. */
  repo: string;
  /** Path inside the repository. */
  path: string;
  /** The lock file and its holder. */
  lock: LockWait;
}

/**
 * Words a wait for another process's download, for a note to the user.
 *
 * @example
 * ```ts
 * lockWaitMessage({ repo: "acme/m", path: "config.json", lock: { path: "/c/acme/m/config.json.lock", pid: 7 } });
 * // "config.json of acme/m: process 7 is downloading it into the same cache; waiting for it to finish (if no such process runs, delete /c/acme/m/config.json.lock)"
 * ```
 */
export function lockWaitMessage(wait: ModelLockWait): string {
  const { pid, hostname, path } = wait.lock;
  const holder = pid === undefined
    ? "another process"
    : `process ${pid}${hostname ? ` on ${hostname}` : ""}`;
  return `${wait.path} of ${wait.repo}: ${holder} is downloading it into ` +
    `the same cache; waiting for it to finish (if no such process runs, ` +
    `delete ${path})`;
}

/**
 * What fetching `repo` again takes, with only the fields that are set:
 * `fetchRef("a/b", { kind: undefined, variant: "fp16" })` is
 * `{ repo: "a/b", variant: "fp16" }`.
 */
function fetchRef(
  repo: string,
  given: Omit<ModelFetchRef, "repo">,
): ModelFetchRef {
  const set = Object.entries(given).filter(([, v]) => v !== undefined);
  return { repo, ...Object.fromEntries(set) };
}

function noteLockWait(wait: ModelLockWait): void {
  stderrOutput().write(lockWaitMessage(wait) + "\n");
}

/** A file made available by {@linkcode ModelStore.ensure}. */
export interface EnsuredFile extends ModelFile {
  /** Local path of the file. */
  localPath: string;
  /** Size in bytes. */
  size: number;
  /** `cached`: already there; `downloaded`: fetched now; `local`: from the models folder (`localDir`). */
  status: "cached" | "downloaded" | "local";
}

/**
 * Settings of a store taken from the environment: cache folder, endpoint,
 * token and offline flag. A `given` cache folder is kept as it is (and
 * spares resolving one, which fails without HOME).
 *
 * @example
 * ```ts
 * modelStoreOptionsFromEnv({ ORIS_CACHE: "/c", HF_HUB_OFFLINE: "1" });
 * // { cacheDir: "/c", endpoint: "https://huggingface.co", offline: true, token: undefined }
 * ```
 */
export function modelStoreOptionsFromEnv(
  env: ModelEnv = readModelEnv(),
  given: { cacheDir?: string } = {},
): Required<Pick<ModelStoreOptions, "cacheDir" | "endpoint" | "offline">> & {
  token?: string;
} {
  return {
    cacheDir: given.cacheDir ?? resolveCacheDir(env),
    endpoint: env.HF_ENDPOINT || DEFAULT_HUB_ENDPOINT,
    offline: isEnvFlagSet(env.HF_HUB_OFFLINE),
    token: env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined,
  };
}

/**
 * Model files on disk: the cache, filled from the hub on demand, or a local
 * models folder (`localDir`). `read` never returns a truncated or corrupt file: the
 * bytes it reads are hashed and compared with the SHA-256 recorded at
 * download, and damaged files are fetched again (online) or reported
 * (offline). `ensure` and `localPath` check sizes, and hash only files
 * modified since their last check. Downloads hold a lock file, so that
 * processes sharing a cache never write one file at once.
 */
export class ModelStore implements ModelSource {
  /** The cache folder. */
  readonly cacheDir: string;
  /** The hub endpoint. */
  readonly endpoint: string;
  /** True when the network is off limits. */
  readonly offline: boolean;
  /** The models folder (`localDir`), if any. */
  readonly localDir?: string;
  /** Revision forced on every repository, if any. */
  readonly revision?: string;
  #token?: string;
  #options: ModelStoreOptions;
  #inflight = new Map<string, Promise<CachedFileStatus>>();

  /** Creates a store; unset options come from the environment. */
  constructor(options: ModelStoreOptions = {}) {
    this.#options = options;
    this.localDir = options.localDir;
    const defaults = modelStoreOptionsFromEnv(options.env ?? readModelEnv(), {
      cacheDir: options.cacheDir ?? options.localDir,
    });
    this.cacheDir = defaults.cacheDir;
    this.endpoint = options.endpoint ?? defaults.endpoint;
    this.offline = options.localDir !== undefined ||
      (options.offline ?? defaults.offline);
    this.#token = options.token ?? defaults.token;
    this.revision = options.revision;
  }

  /** Local path where file `path` of `repo` is (or would be) kept. */
  filePath(repo: string, path: string): string {
    return cachedFilePath(this.localDir ?? this.cacheDir, repo, path);
  }

  /** Where {@linkcode read} takes a file from: its local path (and URL when it can download). */
  describe(repo: string, path: string): string {
    const local = this.filePath(repo, path);
    if (this.offline) return local;
    return `${local} (from ${
      this.#url(repo, path, this.revision ?? DEFAULTS.revision)
    })`;
  }

  #url(repo: string, path: string, revision: string): string {
    return hubFileUrl(this.endpoint, repo, revision, path);
  }

  /**
   * Derived files (see `readDerivedFile`), kept in the cache next to the
   * file each is made from, named and recorded with its SHA-256; none for
   * a models folder (`localDir`), which is only read.
   */
  get derived(): DerivedFiles | undefined {
    if (this.localDir !== undefined) return undefined;
    return {
      read: (repo, path, kind) => this.#readDerived(repo, path, kind),
      file: async (repo, path, kind) =>
        (await this.#keptDerived(repo, path, kind))?.localPath,
      write: (repo, path, kind, bytes) =>
        this.#writeDerived(repo, path, kind, bytes),
    };
  }

  /** The record of a cached file that checks out, else undefined. */
  async #checkedMeta(
    repo: string,
    path: string,
  ): Promise<CachedFileMeta | undefined> {
    parseModelId(repo);
    const status = await this.#check(repo, path);
    return status.state === "ok" ? status.meta : undefined;
  }

  /**
   * The status of the derived file `kind` of `path` when it is kept, made
   * from the file as it is now, and checks out by `hash`; else undefined.
   */
  async #keptDerived(
    repo: string,
    path: string,
    kind: string,
    hash?: HashPolicy,
  ): Promise<CachedFileStatus | undefined> {
    const sha256 = (await this.#checkedMeta(repo, path))?.sha256;
    if (!sha256) return undefined;
    const derived = derivedFilePath(path, kind, sha256);
    const status = await this.#check(repo, derived, hash);
    return status.state === "ok" && status.meta?.derivedFrom?.sha256 === sha256
      ? status
      : undefined;
  }

  async #readDerived(
    repo: string,
    path: string,
    kind: string,
  ): Promise<Uint8Array | undefined> {
    const status = await this.#keptDerived(repo, path, kind, "never");
    if (!status) return undefined;
    const derived = status.meta!.path;
    const bytes = await Deno.readFile(status.localPath);
    if ((await this.#judgeBytes(status, bytes)).state === "ok") return bytes;
    await removeCachedFile(this.cacheDir, repo, derived);
    return undefined;
  }

  async #writeDerived(
    repo: string,
    path: string,
    kind: string,
    bytes: Uint8Array,
  ): Promise<void> {
    const original = await this.#checkedMeta(repo, path);
    if (!original) {
      throw new ModelIntegrityError(
        `${path} of ${repo} has no recorded SHA-256 to key a derived file on (it is not a checked download): it was not kept`,
        { repo, path },
      );
    }
    const derived = derivedFilePath(path, kind, original.sha256);
    const dest = cachedFilePath(this.cacheDir, repo, derived);
    await Deno.mkdir(dirname(dest), { recursive: true });
    const temp = `${dest}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    try {
      await Deno.writeFile(temp, bytes);
      await Deno.rename(temp, dest);
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw error;
    }
    const stat = await Deno.stat(dest);
    await writeFileMeta(this.cacheDir, {
      repo,
      path: derived,
      revision: original.revision,
      size: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      downloadedAt: new Date().toISOString(),
      mtimeMs: stat.mtime?.getTime(),
      derivedFrom: { path, sha256: original.sha256, kind },
    });
    await this.#removeStaleDerived(repo, derived, kind);
  }

  /**
   * Removes the derived files of the same derivation (any version) made
   * from other versions of the original, and temporary files of derived
   * files left by a process that stopped an hour ago or more.
   */
  async #removeStaleDerived(
    repo: string,
    current: string,
    kind: string,
  ): Promise<void> {
    const dest = cachedFilePath(this.cacheDir, repo, current);
    const name = basename(dest);
    const family = kind.replace(/-v\d+$/, "");
    const prefix = name.slice(0, name.indexOf(`.${kind}.`)) + `.${family}-`;
    const folder = current.slice(0, current.lastIndexOf("/") + 1);
    const hourAgo = Date.now() - 3_600_000;
    for await (const entry of Deno.readDir(dirname(dest))) {
      if (!entry.isFile || !entry.name.startsWith(prefix)) continue;
      if (entry.name.endsWith(".tmp")) {
        const at = join(dirname(dest), entry.name);
        const { mtime } = await Deno.stat(at);
        if ((mtime?.getTime() ?? 0) < hourAgo) await removeIfPresent(at);
      } else if (entry.name !== name) {
        await removeCachedFile(this.cacheDir, repo, folder + entry.name);
      }
    }
  }

  /**
   * Makes every file of `spec` for `variant` available: checks the cache and
   * downloads what is missing or damaged (one file at a time). A cached
   * file that is not the model file (an HTML page, a JSON file that does
   * not parse: kept by a version without these checks) counts as damaged.
   * With `force`, every file is downloaded again, whatever the cache holds.
   *
   * @throws {ModelOfflineError} offline, naming every missing file, with what fetching them takes (`fetch`).
   * @throws {ModelNotFoundError} with `localDir`, naming the first missing file.
   */
  async ensure(
    spec: ModelSpec,
    variant: ModelVariant = DEFAULT_VARIANT,
    options: { signal?: AbortSignal; force?: boolean } = {},
  ): Promise<EnsuredFile[]> {
    const files = modelFiles(spec, variant);
    const revision = this.revision ?? spec.revision;
    const out: EnsuredFile[] = [];
    if (this.offline) {
      const missing: { file: ModelFile; status: CachedFileStatus }[] = [];
      const statuses: CachedFileStatus[] = [];
      for (const file of files) {
        const status = await this.#checkContent(spec.id, file.path);
        statuses.push(status);
        if (status.state !== "ok") missing.push({ file, status });
      }
      if (missing.length > 0) {
        if (this.localDir !== undefined) {
          throw this.#localError(
            spec.id,
            missing[0].file.path,
            missing[0].status,
          );
        }
        throw this.#offlineError(
          spec.id,
          missing.map((m) => ({ path: m.file.path, status: m.status })),
          revision,
          { kind: spec.registered ? undefined : spec.kind, variant },
        );
      }
      for (const [i, file] of files.entries()) {
        out.push({
          ...file,
          localPath: statuses[i].localPath,
          size: statuses[i].size ?? 0,
          status: this.localDir !== undefined ? "local" : "cached",
        });
      }
      return out;
    }
    for (const file of files) {
      const before = options.force
        ? { state: "missing" as const }
        : await this.#checkContent(spec.id, file.path);
      const status = before.state === "ok"
        ? before
        : await this.#fetch(spec.id, file.path, revision, options.signal);
      out.push({
        ...file,
        localPath: status.localPath,
        size: status.size ?? 0,
        status: before.state === "ok" ? "cached" : "downloaded",
      });
    }
    return out;
  }

  /**
   * Local path of a complete, checked file, downloading it first if needed
   * (for runtimes that load models from a path).
   */
  async localPath(
    repo: string,
    path: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<string> {
    return (await this.#available(repo, path, options.signal)).localPath;
  }

  /**
   * Reads a complete, checked file, downloading it first if needed. The
   * bytes read are hashed and compared with the recorded SHA-256 every time
   * (the file is read once): a damaged file is fetched again (online) or
   * refused (offline).
   */
  async read(
    repo: string,
    path: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<Uint8Array> {
    parseModelId(repo);
    let status = await this.#check(repo, path, "never");
    if (status.state === "ok") {
      const bytes = await Deno.readFile(status.localPath);
      status = await this.#judgeBytes(status, bytes);
      if (status.state === "ok") return bytes;
    }
    status = await this.#obtain(repo, path, status, options.signal);
    const bytes = await Deno.readFile(status.localPath);
    const judged = await this.#judgeBytes(status, bytes);
    if (judged.state !== "ok") {
      throw new ModelIntegrityError(
        `${status.localPath} changed while being read (it is now ` +
          `${describeFileState(judged)}); run again`,
        { repo, path },
      );
    }
    return bytes;
  }

  /**
   * The path of `path`'s file, present and checked (hashed again only when
   * it changed since its last check, see `checkCachedFile`), fetching it
   * first where `read` would: for runtimes that read model files
   * themselves.
   */
  async file(
    repo: string,
    path: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<string> {
    return (await this.#available(repo, path, options.signal)).localPath;
  }

  /** Checks bytes read from a cached file against its metadata. */
  async #judgeBytes(
    status: CachedFileStatus,
    bytes: Uint8Array,
  ): Promise<CachedFileStatus> {
    if (!status.meta) return status; // a --models folder without records
    if (bytes.length !== status.meta.size) {
      return { ...status, state: "size-mismatch", size: bytes.length };
    }
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (this.localDir !== undefined) {
      // A user's folder is only read, never written.
      return sha256 === status.meta.sha256
        ? { ...status, sha256 }
        : { ...status, state: "hash-mismatch", sha256 };
    }
    return await judgeHash(this.cacheDir, status, sha256);
  }

  async #available(
    repo: string,
    path: string,
    signal?: AbortSignal,
  ): Promise<CachedFileStatus> {
    parseModelId(repo);
    const status = await this.#check(repo, path);
    if (status.state === "ok") return status;
    return await this.#obtain(repo, path, status, signal);
  }

  /**
   * Gets a file that is not usable as `status` found it: downloads it, or
   * throws offline and with a models folder (`localDir`).
   */
  async #obtain(
    repo: string,
    path: string,
    status: CachedFileStatus,
    signal?: AbortSignal,
  ): Promise<CachedFileStatus> {
    if (this.localDir !== undefined) throw this.#localError(repo, path, status);
    const revision = this.revision ?? DEFAULTS.revision;
    if (this.offline) {
      const located = locateModelFile(repo, path);
      throw this.#offlineError(repo, [{ path, status }], revision, {
        kind: located?.registered ? undefined : located?.kind,
        variant: located?.variant,
      });
    }
    return await this.#fetch(repo, path, revision, signal);
  }

  /** {@linkcode #check}, then for a file that passes, a look at its content. */
  async #checkContent(
    repo: string,
    path: string,
  ): Promise<CachedFileStatus> {
    const status = await this.#check(repo, path);
    if (status.state !== "ok") return status;
    const content = await fileContentProblem(
      status.localPath,
      path,
      sizeLimitFor(path, this.#options.sizeLimits),
    );
    return content ? { ...status, state: "bad-content", content } : status;
  }

  async #check(
    repo: string,
    path: string,
    hash?: HashPolicy,
  ): Promise<CachedFileStatus> {
    const status = await checkCachedFile(
      this.localDir ?? this.cacheDir,
      repo,
      path,
      {
        revision: this.localDir === undefined ? this.revision : undefined,
        hash,
      },
    );
    if (this.localDir !== undefined && status.state === "no-metadata") {
      // A user's folder: nothing recorded to check against.
      return { ...status, state: "ok" };
    }
    return status;
  }

  #fetch(
    repo: string,
    path: string,
    revision: string,
    signal?: AbortSignal,
  ): Promise<CachedFileStatus> {
    const key = `${repo}\n${path}\n${revision}`;
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#lockedDownload(repo, path, revision, signal).finally(() =>
        this.#inflight.delete(key)
      );
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  /**
   * Downloads a file while holding its lock, so that two processes never
   * write it at once; one that waited uses the other's file when complete.
   */
  async #lockedDownload(
    repo: string,
    path: string,
    revision: string,
    signal?: AbortSignal,
  ): Promise<CachedFileStatus> {
    const dest = cachedFilePath(this.cacheDir, repo, path);
    const onLockWait = this.#options.onLockWait ?? noteLockWait;
    await using lock = await acquireFileLock(dest + LOCK_SUFFIX, {
      signal,
      onWait: (lock) => onLockWait({ repo, path, lock }),
    });
    if (lock.waited) {
      const status = await checkCachedFile(this.cacheDir, repo, path, {
        revision: this.revision,
      });
      if (status.state === "ok") return status;
    }
    return await this.#download(repo, path, revision, signal);
  }

  async #download(
    repo: string,
    path: string,
    revision: string,
    signal?: AbortSignal,
  ): Promise<CachedFileStatus> {
    const dest = cachedFilePath(this.cacheDir, repo, path);
    const url = this.#url(repo, path, revision);
    // Drop the damaged file and its record first (a crash below then leaves
    // no stale record); a partial download is kept, to be resumed.
    await removeCachedFile(this.cacheDir, repo, path, { keepPartial: true });
    const onProgress = this.#options.onProgress;
    let started = false;
    let result;
    try {
      result = await downloadFile(url, dest, {
        fetch: this.#options.fetch,
        token: this.#token,
        signal,
        retries: this.#options.retries,
        retryDelayMs: this.#options.retryDelayMs,
        idleTimeoutMs: this.#options.idleTimeoutMs,
        maxBytes: sizeLimitFor(path, this.#options.sizeLimits),
        ref: { repo, path, revision },
        lock: false, // held by #lockedDownload
        onProgress: onProgress &&
          ((p) => {
            onProgress({
              type: started ? "progress" : "start",
              repo,
              path,
              received: p.received,
              total: p.total,
              resumedFrom: p.resumedFrom,
            });
            started = true;
          }),
        onRetry: onProgress &&
          ((retry) => {
            started = false; // the next attempt starts a new report
            onProgress({
              type: "retry",
              repo,
              path,
              received: retry.received,
              resumedFrom: 0,
              retry,
            });
          }),
      });
    } catch (error) {
      if (error instanceof ModelIntegrityError) {
        await removeCachedFile(this.cacheDir, repo, path);
      }
      throw error;
    }
    const stat = await Deno.stat(dest);
    await writeFileMeta(this.cacheDir, {
      repo,
      path,
      revision,
      size: result.size,
      sha256: result.sha256,
      etag: result.etag,
      commit: result.commit,
      url,
      downloadedAt: new Date().toISOString(),
      mtimeMs: stat.mtime?.getTime(),
    });
    onProgress?.({
      type: "done",
      repo,
      path,
      received: result.size,
      total: result.size,
      resumedFrom: 0,
    });
    const status = await checkCachedFile(this.cacheDir, repo, path, {
      hash: "never",
    });
    if (status.state !== "ok") {
      throw new ModelIntegrityError(
        `${dest} is ${describeFileState(status)} right after its download; ` +
          `check the disk and run again`,
        { repo, path, revision },
      );
    }
    return status;
  }

  #localError(
    repo: string,
    path: string,
    status: CachedFileStatus,
  ): ModelNotFoundError {
    const dir = this.localDir!;
    const what = status.state === "missing"
      ? "is missing"
      : `is ${describeFileState(status)}`;
    return new ModelNotFoundError(
      `models folder ${dir} (localDir): ${status.localPath} ${what}. The folder must hold ` +
        `each model as ${join(dir, "{owner}", "{name}", "{path}")}, like the ` +
        `cache (${join(modelDir(dir, repo), path)}); fill it by fetching ` +
        `the model into it (ModelStore.ensure with cacheDir ${dir}, or the ` +
        `models command), or read from the cache instead (no localDir)`,
      { repo, path },
      { fetch: { repo, cacheDir: dir } },
    );
  }

  #offlineError(
    repo: string,
    missing: { path: string; status: CachedFileStatus }[],
    revision: string,
    hint: { kind?: string; variant?: string },
  ): ModelOfflineError {
    const list = missing.map((m) => `${m.path}: ${describeFileState(m.status)}`)
      .join("; ");
    const refs: ModelFileRef[] = missing.map((m) => ({
      repo,
      path: m.path,
      revision,
    }));
    return new ModelOfflineError(
      `offline (HF_HUB_OFFLINE or the offline option), and the cache lacks files of ` +
        `${repo} (in ${
          modelDir(this.cacheDir, repo)
        }): ${list}. Fetch the model (ModelStore.ensure / the models command) ` +
        `while online, or read from a models folder (localDir) that has the files`,
      refs,
      fetchRef(repo, { ...hint, revision: this.revision }),
    );
  }
}
