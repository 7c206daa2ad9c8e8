/**
 * The on-disk model cache (edge code: uses the file system).
 *
 * Layout: `{cache}/{owner}/{name}/{path}`, the repository's own tree, so a
 * cached model folder also works as a models folder (`localDir`). Beside the files,
 * `{cache}/{owner}/{name}/.oris/{path}.json` records each file's size,
 * SHA-256 and revision: a truncated file (size differs) is caught on every
 * read, a modified one (its mtime changed) is hashed again before use, and
 * `models verify` hashes everything again.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { type ModelEnv, readModelEnv } from "./model_env.ts";
import { parseModelId } from "../pipeline/models/registry.ts";
import {
  type AnswerProblem,
  contentProblem,
  DEFAULT_SIZE_LIMITS,
} from "../pipeline/models/hub.ts";

/** Name of the folder, inside each model folder, that holds the metadata. */
export const METADATA_DIR = ".oris";

/** Suffix of partial downloads. */
export const PARTIAL_SUFFIX = ".part";

/** Suffix of the lock a download holds on its file (see `acquireFileLock`). */
export const LOCK_SUFFIX = ".lock";

/**
 * The cache folder: `$ORIS_CACHE`, else `$XDG_CACHE_HOME/oris`, else
 * `~/.cache/oris` (an absolute path).
 *
 * @throws {Error} when none of `ORIS_CACHE`, `XDG_CACHE_HOME`, `HOME` or
 *   `USERPROFILE` is set.
 * @example
 * ```ts
 * resolveCacheDir({ XDG_CACHE_HOME: "/var/cache" }); // "/var/cache/oris"
 * ```
 */
export function resolveCacheDir(env: ModelEnv = readModelEnv()): string {
  if (env.ORIS_CACHE) return resolve(env.ORIS_CACHE);
  if (env.XDG_CACHE_HOME) return resolve(env.XDG_CACHE_HOME, "oris");
  const home = env.HOME || env.USERPROFILE;
  if (home) return resolve(home, ".cache", "oris");
  throw new Error(
    "cannot choose a model cache folder: HOME is not set; set ORIS_CACHE to " +
      "a folder, or give the store a cacheDir",
  );
}

function pathSegments(path: string): string[] {
  const segments = path.split("/");
  if (
    path.includes("\\") ||
    segments.some((s) => s === "" || s === "." || s === "..")
  ) {
    throw new TypeError(
      `invalid file path ${JSON.stringify(path)} in a model repository: use ` +
        `relative "/"-separated paths without "." or ".." parts`,
    );
  }
  return segments;
}

/** Folder of model `repo` in the cache: `{cache}/{owner}/{name}`. */
export function modelDir(cacheDir: string, repo: string): string {
  const { owner, name } = parseModelId(repo);
  return join(cacheDir, owner, name);
}

/**
 * Local path of file `path` of `repo`: `{cache}/{owner}/{name}/{path}`.
 *
 * @example
 * ```ts
 * cachedFilePath("/c", "Xenova/sam-vit-base", "onnx/vision_encoder.onnx");
 * // "/c/Xenova/sam-vit-base/onnx/vision_encoder.onnx"
 * ```
 */
export function cachedFilePath(
  cacheDir: string,
  repo: string,
  path: string,
): string {
  return join(modelDir(cacheDir, repo), ...pathSegments(path));
}

/** Path of the metadata of a cached file. */
export function metadataPath(
  cacheDir: string,
  repo: string,
  path: string,
): string {
  const segments = pathSegments(path);
  segments[segments.length - 1] += ".json";
  return join(modelDir(cacheDir, repo), METADATA_DIR, ...segments);
}

/** What the cache records about one file. */
export interface CachedFileMeta {
  /** Repository id. */
  repo: string;
  /** Path inside the repository. */
  path: string;
  /** Revision it was fetched at. */
  revision: string;
  /** Size in bytes. */
  size: number;
  /** SHA-256 of the bytes (lowercase hex). */
  sha256: string;
  /** The hub's ETag. */
  etag?: string;
  /** Commit the revision resolved to. */
  commit?: string;
  /** URL it came from. */
  url?: string;
  /** When it was downloaded (ISO 8601). */
  downloadedAt: string;
  /** Modification time of the file when its hash was last checked. */
  mtimeMs?: number;
  /** For a file derived from another (see `derivedFilePath`): what it was made from, and how. */
  derivedFrom?: {
    /** Path of the file it was made from. */
    path: string;
    /** SHA-256 of that file. */
    sha256: string;
    /** The derivation and its version, e.g. "token-mask-v1". */
    kind: string;
  };
}

/**
 * Path inside a repository of the derived file `kind` of `path`, keyed by
 * the SHA-256 of the file it is made from: it sits next to it.
 *
 * @example
 * ```ts
 * derivedFilePath("onnx/vision_model.onnx", "token-mask-v1", "ab12...");
 * // "onnx/vision_model.token-mask-v1.ab12cd34ef56ab78.onnx"
 * ```
 */
export function derivedFilePath(
  path: string,
  kind: string,
  sha256: string,
): string {
  if (!/^[a-z0-9-]+$/.test(kind)) {
    throw new RangeError(
      `A derived file's kind must be lowercase letters, digits and dashes, got "${kind}".`,
    );
  }
  const slash = path.lastIndexOf("/") + 1;
  const name = path.slice(slash);
  const dot = name.lastIndexOf(".");
  const [stem, ext] = dot > 0
    ? [name.slice(0, dot), name.slice(dot)]
    : [name, ""];
  return `${path.slice(0, slash)}${stem}.${kind}.${sha256.slice(0, 16)}${ext}`;
}

function isMeta(value: unknown): value is CachedFileMeta {
  const v = value as CachedFileMeta;
  return typeof v === "object" && v !== null && typeof v.size === "number" &&
    typeof v.sha256 === "string" && typeof v.revision === "string";
}

/** Reads the metadata of a cached file; undefined when absent or unreadable. */
export async function readFileMeta(
  cacheDir: string,
  repo: string,
  path: string,
): Promise<CachedFileMeta | undefined> {
  try {
    const value = JSON.parse(
      await Deno.readTextFile(metadataPath(cacheDir, repo, path)),
    );
    return isMeta(value) ? value : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof SyntaxError) {
      return undefined;
    }
    throw error;
  }
}

/** Writes the metadata of a cached file (atomically). */
export async function writeFileMeta(
  cacheDir: string,
  meta: CachedFileMeta,
): Promise<void> {
  const target = metadataPath(cacheDir, meta.repo, meta.path);
  await Deno.mkdir(dirname(target), { recursive: true });
  const temp = `${target}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.writeTextFile(temp, JSON.stringify(meta, null, 2) + "\n");
  await Deno.rename(temp, target);
}

/**
 * Deletes a file; a file that is not there is no error.
 *
 * @example
 * ```ts
 * await removeIfPresent("/tmp/oris-example.part"); // fine whether or not it exists
 * ```
 */
export async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * Deletes a cached file, its metadata and (unless `keepPartial`) any partial
 * download of it. The metadata goes first, so that an interruption leaves
 * at worst an unrecorded file, which is fetched again.
 */
export async function removeCachedFile(
  cacheDir: string,
  repo: string,
  path: string,
  options: { keepPartial?: boolean } = {},
): Promise<void> {
  const file = cachedFilePath(cacheDir, repo, path);
  await removeIfPresent(metadataPath(cacheDir, repo, path));
  await removeIfPresent(file);
  if (!options.keepPartial) await removeIfPresent(file + PARTIAL_SUFFIX);
}

/**
 * Streams a file through SHA-256 (lowercase hex), without holding it in
 * memory.
 */
export async function sha256File(
  path: string,
  options: { onProgress?: (bytes: number) => void } = {},
): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path, { read: true });
  try {
    const buffer = new Uint8Array(1 << 20);
    let total = 0;
    for (;;) {
      const n = await file.read(buffer);
      if (n === null) break;
      hash.update(buffer.subarray(0, n));
      total += n;
      options.onProgress?.(total);
    }
  } finally {
    file.close();
  }
  return hash.digest("hex");
}

/**
 * What shows that the file at `localPath`, kept as repository file `path`,
 * is not that file (see `contentProblem`): an HTML page, or a `.json` file
 * that does not parse. Reads a JSON file whole when it is at most
 * `maxJsonBytes` (default the text size limit; a larger one is itself the
 * problem), any other file its first kilobyte.
 */
export async function fileContentProblem(
  localPath: string,
  path: string,
  maxJsonBytes: number = DEFAULT_SIZE_LIMITS.text,
): Promise<AnswerProblem | undefined> {
  const file = await Deno.open(localPath, { read: true });
  try {
    const { size } = await file.stat();
    const whole = /\.json$/i.test(path);
    if (whole && size > maxJsonBytes) {
      return {
        problem: "too-large",
        detail: `a JSON file of ${size} bytes, over the limit of ` +
          `${maxJsonBytes}`,
      };
    }
    const bytes = new Uint8Array(whole ? size : Math.min(size, 1024));
    let at = 0;
    while (at < bytes.length) {
      const n = await file.read(bytes.subarray(at));
      if (n === null) break;
      at += n;
    }
    return contentProblem(path, bytes.subarray(0, at));
  } finally {
    file.close();
  }
}

/** State of a cached file. */
export type CachedFileState =
  | "ok"
  | "missing"
  | "no-metadata"
  | "size-mismatch"
  | "hash-mismatch"
  | "revision-mismatch"
  | "bad-content";

/** Result of {@linkcode checkCachedFile}. */
export interface CachedFileStatus {
  /** The verdict. */
  state: CachedFileState;
  /** Local path of the file. */
  localPath: string;
  /** Recorded metadata, if any. */
  meta?: CachedFileMeta;
  /** Size on disk, when the file exists. */
  size?: number;
  /** SHA-256 computed, when the file was hashed. */
  sha256?: string;
  /** Modification time of the file (ms since 1970), when it exists. */
  mtimeMs?: number;
  /** For `bad-content`: what the file is instead (never its content). */
  content?: AnswerProblem;
}

/** When {@linkcode checkCachedFile} hashes the file. */
export type HashPolicy = "never" | "if-modified" | "always";

/**
 * Checks a cached file against its metadata: present, recorded, same size,
 * same revision (when one is given) and, per `hash`, same SHA-256.
 * `"if-modified"` (the default) hashes only when the file's mtime differs
 * from the one recorded at the last check, and records the new one when the
 * hash matches.
 */
export async function checkCachedFile(
  cacheDir: string,
  repo: string,
  path: string,
  options: { revision?: string; hash?: HashPolicy } = {},
): Promise<CachedFileStatus> {
  const localPath = cachedFilePath(cacheDir, repo, path);
  const meta = await readFileMeta(cacheDir, repo, path);
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(localPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { state: "missing", localPath, meta };
    }
    throw error;
  }
  if (!stat.isFile) return { state: "missing", localPath, meta };
  const size = stat.size;
  const mtimeMs = stat.mtime?.getTime();
  if (!meta) return { state: "no-metadata", localPath, size, mtimeMs };
  if (size !== meta.size) {
    return { state: "size-mismatch", localPath, meta, size, mtimeMs };
  }
  if (options.revision !== undefined && options.revision !== meta.revision) {
    return { state: "revision-mismatch", localPath, meta, size, mtimeMs };
  }
  const policy = options.hash ?? "if-modified";
  const hashNow = policy === "always" ||
    (policy === "if-modified" &&
      (mtimeMs === undefined || meta.mtimeMs !== mtimeMs));
  if (!hashNow) return { state: "ok", localPath, meta, size, mtimeMs };
  const sha256 = await sha256File(localPath);
  return await judgeHash(
    cacheDir,
    { state: "ok", localPath, meta, size, mtimeMs },
    sha256,
  );
}

/**
 * Compares a SHA-256 computed from a file's bytes (streamed, or already in
 * memory) with its metadata: `hash-mismatch` when they differ; when they
 * agree, the file's current mtime is recorded so that later checks can
 * skip hashing it. A status without metadata is returned as it is.
 */
export async function judgeHash(
  cacheDir: string,
  status: CachedFileStatus,
  sha256: string,
): Promise<CachedFileStatus> {
  const { meta, mtimeMs } = status;
  if (!meta) return status;
  if (sha256 !== meta.sha256) {
    return { ...status, state: "hash-mismatch", sha256 };
  }
  if (mtimeMs !== undefined && meta.mtimeMs !== mtimeMs) {
    const updated = { ...meta, mtimeMs };
    await writeFileMeta(cacheDir, updated);
    return { ...status, state: "ok", meta: updated, sha256 };
  }
  return { ...status, state: "ok", sha256 };
}

/**
 * Words a non-ok state for messages, e.g. "truncated (got 12 of 300 bytes)".
 */
export function describeFileState(status: CachedFileStatus): string {
  switch (status.state) {
    case "ok":
      return "complete";
    case "missing":
      return "not in the cache";
    case "no-metadata":
      return "in the cache without a record of its size and hash (not " +
        "downloaded by oris, or the download was interrupted)";
    case "size-mismatch":
      return (status.size ?? 0) < (status.meta?.size ?? 0)
        ? `truncated (got ${status.size} of ${status.meta?.size} bytes)`
        : `the wrong size (${status.size} bytes instead of ${status.meta?.size})`;
    case "hash-mismatch":
      return `corrupt (SHA-256 ${status.sha256} instead of ${status.meta?.sha256})`;
    case "revision-mismatch":
      return `cached at revision ${status.meta?.revision}, not the one asked for`;
    case "bad-content":
      return `not the model file: ${
        status.content?.detail ?? "its content is not what the file holds"
      }`;
  }
}

/** One file of a cached model. */
export interface CachedModelFile {
  /** Path inside the repository. */
  path: string;
  /** Size on disk. */
  size: number;
  /** Recorded metadata, if any. */
  meta?: CachedFileMeta;
}

/** A model folder of the cache. */
export interface CachedModel {
  /** Repository id. */
  id: string;
  /** Its folder. */
  dir: string;
  /** Complete files (partial downloads excluded), sorted by path. */
  files: CachedModelFile[];
  /** Total size of `files`. */
  size: number;
  /** Partial downloads (`*.part`), by path of the file they will become. */
  partial: { path: string; size: number }[];
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function* walkFiles(
  dir: string,
  prefix: string,
): AsyncGenerator<{ path: string; localPath: string }> {
  const entries: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(dir)) entries.push(entry);
  entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const entry of entries) {
    if (prefix === "" && entry.name === METADATA_DIR) continue;
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    const localPath = join(dir, entry.name);
    if (entry.isDirectory) yield* walkFiles(localPath, path);
    else if (entry.isFile) yield { path, localPath };
  }
}

async function modelEntry(
  cacheDir: string,
  id: string,
): Promise<CachedModel> {
  const dir = modelDir(cacheDir, id);
  const model: CachedModel = { id, dir, files: [], size: 0, partial: [] };
  if (!await isDirectory(dir)) return model;
  for await (const { path, localPath } of walkFiles(dir, "")) {
    const { size } = await Deno.stat(localPath);
    if (path.endsWith(PARTIAL_SUFFIX)) {
      model.partial.push({ path: path.slice(0, -PARTIAL_SUFFIX.length), size });
      continue;
    }
    if (path.endsWith(".tmp") || path.endsWith(LOCK_SUFFIX)) continue;
    const meta = await readFileMeta(cacheDir, id, path);
    model.files.push({ path, size, meta });
    model.size += size;
  }
  return model;
}

/**
 * The models in the cache, sorted by id, with their files and sizes.
 *
 * @example
 * ```ts
 * for (const model of await listCachedModels(resolveCacheDir())) {
 *   console.log(model.id, model.size);
 * }
 * ```
 */
export async function listCachedModels(
  cacheDir: string,
): Promise<CachedModel[]> {
  if (!await isDirectory(cacheDir)) return [];
  const models: CachedModel[] = [];
  const owners: string[] = [];
  for await (const e of Deno.readDir(cacheDir)) {
    if (e.isDirectory && !e.name.startsWith(".")) owners.push(e.name);
  }
  for (const owner of owners.sort()) {
    const names: string[] = [];
    for await (const e of Deno.readDir(join(cacheDir, owner))) {
      if (e.isDirectory && !e.name.startsWith(".")) names.push(e.name);
    }
    for (const name of names.sort()) {
      const id = `${owner}/${name}`;
      try {
        parseModelId(id);
      } catch {
        continue;
      }
      const model = await modelEntry(cacheDir, id);
      if (model.files.length > 0 || model.partial.length > 0) {
        models.push(model);
      }
    }
  }
  return models;
}

/** Verdict on one file by {@linkcode verifyModel}. */
export interface VerifiedFile {
  /** Path inside the repository. */
  path: string;
  /** State after hashing. */
  state: CachedFileState;
  /** The full status. */
  status: CachedFileStatus;
  /** True when the file was deleted because it was damaged. */
  removed: boolean;
}

/** Result of {@linkcode verifyModel}. */
export interface VerifyReport {
  /** Repository id. */
  id: string;
  /** Every file found or recorded. */
  files: VerifiedFile[];
  /** False when a file has the wrong size or hash. */
  ok: boolean;
}

/**
 * Hashes every file of a cached model again and compares it with its
 * metadata, and looks at its content (see {@linkcode fileContentProblem}:
 * an HTML page or a JSON file that does not parse is `bad-content`, even
 * with a matching record, as a download from before that check may be).
 * With `remove`, damaged files (wrong size or hash, bad content) are
 * deleted so that the next run fetches them again. Files without metadata
 * are reported, not judged.
 */
export async function verifyModel(
  cacheDir: string,
  repo: string,
  options: {
    remove?: boolean;
    onFile?: (path: string, index: number, count: number) => void;
  } = {},
): Promise<VerifyReport> {
  const model = await modelEntry(cacheDir, repo);
  const paths = new Set(model.files.map((f) => f.path));
  const metaDir = join(model.dir, METADATA_DIR);
  if (await isDirectory(metaDir)) {
    for await (const { path } of walkFiles(metaDir, "")) {
      if (path.endsWith(".json")) paths.add(path.slice(0, -".json".length));
    }
  }
  const sorted = [...paths].sort();
  const files: VerifiedFile[] = [];
  let ok = true;
  for (const [index, path] of sorted.entries()) {
    options.onFile?.(path, index, sorted.length);
    let status = await checkCachedFile(cacheDir, repo, path, {
      hash: "always",
    });
    if (status.state === "ok") {
      const content = await fileContentProblem(status.localPath, path);
      if (content) status = { ...status, state: "bad-content", content };
    }
    const damaged = status.state === "size-mismatch" ||
      status.state === "hash-mismatch" || status.state === "bad-content";
    if (damaged) ok = false;
    let removed = false;
    if (options.remove && damaged) {
      await removeCachedFile(cacheDir, repo, path);
      removed = true;
    } else if (options.remove && status.state === "missing") {
      await removeIfPresent(metadataPath(cacheDir, repo, path));
    }
    files.push({ path, state: status.state, status, removed });
  }
  return { id: model.id, files, ok };
}
