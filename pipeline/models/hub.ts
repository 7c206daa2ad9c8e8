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
  ModelEndpointError,
  type ModelError,
  type ModelFileRef,
  ModelNotFoundError,
  ModelResponseError,
  type ModelResponseProblem,
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

/** The largest file accepted, per kind of file, in bytes. */
export interface SizeLimits {
  /** JSON and text files (configs, tokenizers). */
  text: number;
  /** Every other file (ONNX models and their data). */
  binary: number;
}

/**
 * Default {@linkcode SizeLimits}: 16 MiB for JSON and text (a tokenizer is a
 * few MB), 4 GiB for ONNX and other binary files (the largest exports
 * oris runs are under 1 GB).
 */
export const DEFAULT_SIZE_LIMITS: Readonly<SizeLimits> = Object.freeze({
  text: 16 * 2 ** 20,
  binary: 4 * 2 ** 30,
});

/**
 * Whether `path` names a JSON or text file (judged by its extension).
 *
 * @example
 * ```ts
 * isTextPath("tokenizer.json"); // true
 * isTextPath("onnx/text_model.onnx"); // false
 * ```
 */
export function isTextPath(path: string): boolean {
  return /\.(json|txt|md)$/i.test(path);
}

/**
 * The size limit for file `path` under `limits`.
 *
 * @example
 * ```ts
 * sizeLimitFor("config.json"); // 16777216
 * sizeLimitFor("onnx/vision_model.onnx", { binary: 1000 }); // 1000
 * ```
 */
export function sizeLimitFor(
  path: string,
  limits: Partial<SizeLimits> = {},
): number {
  return isTextPath(path)
    ? limits.text ?? DEFAULT_SIZE_LIMITS.text
    : limits.binary ?? DEFAULT_SIZE_LIMITS.binary;
}

/**
 * What makes `url` impossible to fetch, in words; undefined for an http or
 * https URL.
 *
 * @example
 * ```ts
 * urlProblem("ftp://mirror.example/a/b/resolve/main/config.json");
 * // 'its scheme is "ftp:", not http: or https:'
 * ```
 */
export function urlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "it is not a URL";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return `its scheme is ${
      JSON.stringify(parsed.protocol)
    }, not http: or https:`;
  }
  return undefined;
}

/**
 * The error for an endpoint that cannot work (`what` says why): retrying
 * cannot help, so it names the settings to change and how to work without
 * the network.
 *
 * @example
 * ```ts
 * endpointError({ repo: "a/b", path: "config.json" }, "not-a-url/a/b/resolve/main/config.json", "it is not a URL").message;
 * // "config.json of a/b: cannot fetch not-a-url/a/b/resolve/main/config.json: it is not a URL. …"
 * ```
 */
export function endpointError(
  ref: ModelFileRef,
  url: string,
  what: string,
  cause?: unknown,
): ModelEndpointError {
  return new ModelEndpointError(
    `${ref.path} of ${ref.repo}: cannot fetch ${url}: ${what}. Retrying ` +
      `cannot help: set HF_ENDPOINT to the hub's http(s) URL (unset, ` +
      `${DEFAULT_HUB_ENDPOINT}), or work without the network: ` +
      `HF_HUB_OFFLINE=1 with the model already in the cache, or a models ` +
      `folder (localDir) that holds it`,
    ref,
    cause === undefined ? undefined : { cause },
  );
}

/** What an answer of the hub (or of what stands in for it) carried. */
export interface HubAnswer {
  /** The final answer's `Content-Type`, or null. */
  contentType: string | null;
  /** Size, SHA-256, ETag and commit announced (by a redirect or the answer). */
  info: HubFileInfo;
  /** True when the hub's redirect carried `X-Linked-*` headers (an LFS file). */
  linked: boolean;
  /**
   * False where the runtime followed redirects out of sight (browsers): the
   * hub's own headers are then not seen, and only an ETag is required.
   */
  redirectsSeen: boolean;
}

/** A refused answer: the problem and, for `not-hub`, what was missing. */
export interface AnswerProblem {
  /** The kind of problem. */
  problem: ModelResponseProblem;
  /** Details, in words (never the content). */
  detail: string;
}

/** Files over this size are stored with LFS on the hub, which announces their SHA-256. */
export const HUB_LFS_THRESHOLD = 10 * 2 ** 20;

/**
 * Checks an answer against what the hub promises for every file, as
 * `huggingface_hub` does: no HTML page; an `ETag` and an `X-Repo-Commit`;
 * for LFS files (and any file over 10 MiB) `X-Linked-Size` and an
 * `X-Linked-ETag` that is a SHA-256. Undefined when the answer passes.
 *
 * @example
 * ```ts
 * hubAnswerProblem({ contentType: "text/html", info: {}, linked: false, redirectsSeen: true });
 * // { problem: "html", detail: "an HTML page (Content-Type text/html)" }
 * ```
 */
export function hubAnswerProblem(
  answer: HubAnswer,
): AnswerProblem | undefined {
  const type = answer.contentType?.split(";")[0].trim().toLowerCase();
  if (type === "text/html" || type === "application/xhtml+xml") {
    return { problem: "html", detail: `an HTML page (Content-Type ${type})` };
  }
  const { info } = answer;
  const missing: string[] = [];
  if (answer.linked) {
    if (info.size === undefined) missing.push("X-Linked-Size");
    if (info.sha256 === undefined) missing.push("X-Linked-ETag (a SHA-256)");
  } else if (!info.etag) missing.push("ETag");
  if (answer.redirectsSeen && !info.commit) missing.push("X-Repo-Commit");
  if (
    answer.redirectsSeen && !answer.linked &&
    (info.size ?? 0) > HUB_LFS_THRESHOLD
  ) {
    missing.push(
      "X-Linked-Size and X-Linked-ETag (the hub serves files over 10 MiB from LFS)",
    );
  }
  if (missing.length === 0) return undefined;
  return {
    problem: "not-hub",
    detail: `an answer without the hub's ${missing.join(", ")}`,
  };
}

function startsWithHtml(head: string): boolean {
  return /^\s*(<!doctype\s+html|<html|<head|<body)/i.test(head);
}

/**
 * What shows that `bytes`, received as file `path`, are not that file: an
 * HTML page (any file), JSON that does not parse (`.json` files).
 * Undefined when nothing does. Pass the whole file for JSON files; for
 * others the first kilobyte is enough.
 *
 * @example
 * ```ts
 * contentProblem("config.json", new TextEncoder().encode("<!DOCTYPE html><p>Sign in</p>"));
 * // { problem: "html", detail: "an HTML page" }
 * ```
 */
export function contentProblem(
  path: string,
  bytes: Uint8Array,
): AnswerProblem | undefined {
  const head = new TextDecoder().decode(bytes.subarray(0, 1024)).replace(
    /^\uFEFF/,
    "",
  );
  if (startsWithHtml(head)) return { problem: "html", detail: "an HTML page" };
  if (!/\.json$/i.test(path)) return undefined;
  try {
    JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    const what = error instanceof SyntaxError
      ? "text that is not valid JSON"
      : "bytes that are not UTF-8 text";
    return { problem: "invalid-json", detail: what };
  }
  return undefined;
}

/**
 * The error for an answer refused as `found`, worded with what to do; never
 * quotes the content.
 *
 * @example
 * ```ts
 * refusedAnswerError({ repo: "a/b", path: "config.json" }, "http://proxy/x", { problem: "html", detail: "an HTML page" }).message;
 * // "config.json of a/b: http://proxy/x answered with an HTML page, not the file; nothing was kept. …"
 * ```
 */
export function refusedAnswerError(
  ref: ModelFileRef,
  url: string,
  found: AnswerProblem,
): ModelResponseError {
  const advice: Record<ModelResponseProblem, string> = {
    html: "A proxy, captive portal or login page stands between oris and " +
      "the hub, or HF_ENDPOINT is not a hub. Sign in to the network or " +
      "check HF_ENDPOINT, then run again",
    "not-hub": "HF_ENDPOINT is not a Hugging Face hub, or a proxy strips " +
      "the headers that let the file be checked. Set HF_ENDPOINT to a hub " +
      "(or a mirror that keeps these headers), or use a models folder " +
      "(localDir) filled by other means",
    "too-large": "If the file is truly that large, raise the store's " +
      "sizeLimits; otherwise check HF_ENDPOINT and the model id",
    "invalid-json": "The hub, a proxy or a mirror sent something else; " +
      "check HF_ENDPOINT and run again",
  };
  return new ModelResponseError(
    `${ref.path} of ${ref.repo}: ${url} answered with ${found.detail}, ` +
      `not the file; nothing was kept. ${advice[found.problem]}`,
    found.problem,
    ref,
  );
}
