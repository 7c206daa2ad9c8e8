/**
 * Pure helpers for the Hugging Face hub's file URLs and response headers.
 *
 * The hub serves `{endpoint}/{repo}/resolve/{revision}/{path}`. Small files
 * stored in git answer 200 with an `ETag` that is the git blob SHA-1. Large
 * (LFS) files answer with a redirect to a CDN whose headers carry
 * `X-Linked-Size` and `X-Linked-ETag`, the SHA-256 of the content.
 *
 * @module
 */

import { DEFAULTS } from "../defaults.ts";
import {
  ModelAccessError,
  ModelDownloadError,
  type ModelError,
  ModelNotFoundError,
} from "./errors.ts";

/** The public hub; `HF_ENDPOINT` overrides it. */
export const DEFAULT_HUB_ENDPOINT = "https://huggingface.co";

function encodeSegments(value: string): string {
  return value.split("/").map(encodeURIComponent).join("/");
}

/**
 * URL of a file of a hub repository.
 *
 * The revision is encoded as one segment (`refs/pr/1` becomes `refs%2Fpr%2F1`,
 * as the hub expects); repo and path keep their slashes.
 *
 * @example
 * ```ts
 * hubFileUrl("https://huggingface.co", "Xenova/sam-vit-base", "main", "onnx/vision_encoder.onnx");
 * // "https://huggingface.co/Xenova/sam-vit-base/resolve/main/onnx/vision_encoder.onnx"
 * ```
 */
export function hubFileUrl(
  endpoint: string,
  repo: string,
  revision: string,
  path: string,
): string {
  const base = endpoint.replace(/\/+$/, "");
  return `${base}/${encodeSegments(repo)}/resolve/${
    encodeURIComponent(revision)
  }/${encodeSegments(path)}`;
}

/** The parts of a hub file URL. */
export interface HubFileLocation {
  /** Endpoint, including any path prefix, without a trailing slash. */
  endpoint: string;
  /** Repository id `owner/name`. */
  repo: string;
  /** Revision, decoded. */
  revision: string;
  /** Path inside the repository, decoded. */
  path: string;
}

/**
 * Splits a URL built by {@linkcode hubFileUrl} back into its parts; undefined
 * for URLs of another form.
 *
 * @example
 * ```ts
 * parseHubFileUrl("http://127.0.0.1:8000/a/b/resolve/refs%2Fpr%2F1/x/y.onnx");
 * // { endpoint: "http://127.0.0.1:8000", repo: "a/b", revision: "refs/pr/1", path: "x/y.onnx" }
 * ```
 */
export function parseHubFileUrl(url: string): HubFileLocation | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const segments = parsed.pathname.split("/").slice(1);
  const at = segments.indexOf("resolve", 2);
  if (at < 2 || segments.length < at + 3) return undefined;
  try {
    const prefix = segments.slice(0, at - 2).join("/");
    return {
      endpoint: parsed.origin + (prefix ? `/${prefix}` : ""),
      repo: segments.slice(at - 2, at).map(decodeURIComponent).join("/"),
      revision: decodeURIComponent(segments[at + 1]),
      path: segments.slice(at + 2).map(decodeURIComponent).join("/"),
    };
  } catch {
    return undefined;
  }
}

/** What response headers tell about a hub file. */
export interface HubFileInfo {
  /** Size in bytes. */
  size?: number;
  /** SHA-256 (lowercase hex), known for LFS files only. */
  sha256?: string;
  /** The ETag without quotes and `W/` prefix. */
  etag?: string;
  /** Commit the revision resolved to (`X-Repo-Commit`). */
  commit?: string;
}

/** Anything with a case-insensitive `get`, such as `Headers`. */
export interface HeadersLike {
  /** Value of header `name`, or null. */
  get(name: string): string | null;
}

function parseSize(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+\s*$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Strips a `W/` prefix and the quotes from an ETag. */
export function normalizeEtag(value: string): string {
  return value.trim().replace(/^W\//i, "").replace(/^"(.*)"$/, "$1");
}

/**
 * Reads a file's size, SHA-256 and ETag from the headers of a hub answer:
 * `X-Linked-Size`/`X-Linked-ETag` (LFS redirects) before
 * `Content-Length`/`ETag`. The SHA-256 is only given when the ETag is 64 hex
 * digits; plain git files have a 40-hex SHA-1 ETag, which is no content hash
 * of the bytes alone. Pass headers of a 200 answer or of the hub's redirect,
 * not of a 206 (whose `Content-Length` is the range's).
 *
 * @example
 * ```ts
 * parseHubHeaders(new Headers({ "x-linked-size": "12", "x-linked-etag": `"${"ab".repeat(32)}"` }));
 * // { size: 12, sha256: "abab…ab", etag: "abab…ab" }
 * ```
 */
export function parseHubHeaders(headers: HeadersLike): HubFileInfo {
  const info: HubFileInfo = {};
  const encoding = headers.get("content-encoding");
  const encoded = encoding !== null &&
    encoding.trim().toLowerCase() !== "identity";
  const size = parseSize(headers.get("x-linked-size")) ??
    (encoded ? undefined : parseSize(headers.get("content-length")));
  if (size !== undefined) info.size = size;
  const rawEtag = headers.get("x-linked-etag") ?? headers.get("etag");
  if (rawEtag) {
    const etag = normalizeEtag(rawEtag);
    if (etag) info.etag = etag;
    if (/^[0-9a-f]{64}$/i.test(etag)) info.sha256 = etag.toLowerCase();
  }
  const commit = headers.get("x-repo-commit");
  if (commit) info.commit = commit.trim();
  return info;
}

/** A parsed `Content-Range` header. */
export interface ContentRange {
  /** First byte, absent for the unsatisfied form `bytes *\/N`. */
  start?: number;
  /** Last byte (inclusive). */
  end?: number;
  /** Full size, absent when the server wrote `*`. */
  total?: number;
}

/**
 * Parses `Content-Range: bytes START-END/TOTAL` (or `bytes *\/TOTAL`);
 * undefined when malformed.
 *
 * @example
 * ```ts
 * parseContentRange("bytes 100-199/1000"); // { start: 100, end: 199, total: 1000 }
 * ```
 */
export function parseContentRange(
  value: string | null,
): ContentRange | undefined {
  if (!value) return undefined;
  const m = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(value);
  if (!m) return undefined;
  const range: ContentRange = {};
  if (m[1] !== undefined) {
    range.start = Number(m[1]);
    range.end = Number(m[2]);
    if (range.end < range.start) return undefined;
  }
  if (m[3] !== "*") range.total = Number(m[3]);
  return range;
}

/** Context for {@linkcode hubHttpError}. */
export interface HubErrorContext {
  /** Repository id. */
  repo: string;
  /** Revision asked for. */
  revision: string;
  /** Path inside the repository. */
  path: string;
  /** URL that failed. */
  url: string;
  /** Whether an `Authorization` header was sent. */
  tokenSent?: boolean;
  /** The hub's `X-Error-Code` header (e.g. `EntryNotFound`), if any. */
  errorCode?: string | null;
}

/**
 * The error to raise for an HTTP error `status` from the hub, worded with
 * what to do: check the id (404), set `HF_TOKEN` (401, 403), wait (429).
 */
export function hubHttpError(status: number, ctx: HubErrorContext): ModelError {
  const file = { repo: ctx.repo, path: ctx.path, revision: ctx.revision };
  const where = `${ctx.path} of ${ctx.repo} at revision ${ctx.revision}`;
  if (status === 404) {
    const what = ctx.errorCode === "RepoNotFound"
      ? `repository ${ctx.repo} not found`
      : ctx.errorCode === "RevisionNotFound"
      ? `revision ${ctx.revision} of ${ctx.repo} not found`
      : `${where} not found`;
    return new ModelNotFoundError(
      `${what} (HTTP 404 from ${ctx.url}): check the model id ` +
        `(owner/name, as on the hub)${
          ctx.revision === DEFAULTS.revision ? "" : " and the revision"
        }, and that the repository has this file; another variant may ` +
        `exist where this one does not`,
      file,
    );
  }
  if (status === 401) {
    return new ModelAccessError(
      `${where}: HTTP 401 (${ctx.url}): the repository does not exist, or it ` +
        `is private or gated. Check the model id; if it is right, ${
          ctx.tokenSent
            ? "the token in HF_TOKEN was refused: set HF_TOKEN to a valid token"
            : "set HF_TOKEN to a token that has access"
        } (https://huggingface.co/settings/tokens)`,
      status,
      file,
    );
  }
  if (status === 403) {
    return new ModelAccessError(
      `${where}: HTTP 403 (${ctx.url}): access refused; the model is gated or ` +
        `private. Request access on its hub page and set HF_TOKEN to a token ` +
        `of an account that has it (https://huggingface.co/settings/tokens)`,
      status,
      file,
    );
  }
  if (status === 429) {
    return new ModelDownloadError(
      `${where}: HTTP 429 (${ctx.url}): the hub is rate limiting requests; ` +
        `wait a few minutes and run again (setting HF_TOKEN raises the limit)`,
      file,
      { status },
    );
  }
  return new ModelDownloadError(
    `${where}: unexpected HTTP ${status} from ${ctx.url}; ` +
      (status >= 500
        ? "the server failed, try again later"
        : "check the endpoint (HF_ENDPOINT) and the model id"),
    file,
    { status },
  );
}
