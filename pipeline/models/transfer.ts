/**
 * Fetching hub files over HTTP, with no file system: learning a file's size
 * and SHA-256 from the hub's redirect, resuming with `Range` requests, and
 * retrying dropped connections. The bytes go to a {@linkcode TransferSink},
 * so the same code fills memory (browsers, Deno Deploy) or a file.
 *
 * @module
 */

import { DEFAULTS } from "../defaults.ts";
import {
  ModelDownloadError,
  ModelEndpointError,
  ModelError,
  type ModelFileRef,
  ModelIntegrityError,
  type ModelResponseError,
} from "./errors.ts";
import {
  endpointError,
  hubAnswerProblem,
  type HubFileInfo,
  hubHttpError,
  isTextPath,
  parseContentRange,
  parseHubFileUrl,
  parseHubHeaders,
  refusedAnswerError,
  sizeLimitFor,
  urlProblem,
} from "./hub.ts";

/** The `fetch` signature used for downloads (injectable for tests). */
export type FetchLike = (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<Response>;

/** Options of {@linkcode openHubFile}. */
export interface OpenHubFileOptions {
  /** fetch to use; the global one by default. */
  fetch?: FetchLike;
  /** Hub token, sent as `Authorization: Bearer` to the URL's origin only. */
  token?: string;
  /** First byte wanted; a `Range: bytes=N-` request when above 0. */
  start?: number;
  /** Cancels the request. */
  signal?: AbortSignal;
  /** Names the file in errors; parsed from the URL by default. */
  ref?: ModelFileRef;
  /** Redirects followed at most (default 10). */
  maxRedirects?: number;
  /**
   * Largest size accepted, in bytes (default by kind of file, see
   * `sizeLimitFor`): a file announced larger is refused before its body is
   * read.
   */
  maxBytes?: number;
}

/** An opened hub file: the answer whose body holds the bytes. */
export interface OpenedHubFile {
  /** 200 or 206 answer with an unread body; 416 with a cancelled body. */
  response: Response;
  /** Size, SHA-256 and ETag the hub announced. */
  info: HubFileInfo;
  /** Byte offset of the body's first byte. */
  start: number;
  /** URL that answered. */
  url: string;
}

/**
 * The file a hub URL names, for messages: `ref`'s fields where given, else
 * those parsed from `url` (revision {@linkcode DEFAULTS}.revision when neither says).
 *
 * @example
 * ```ts
 * refFor("https://huggingface.co/acme/tiny/resolve/v2/config.json");
 * // { repo: "acme/tiny", path: "config.json", revision: "v2" }
 * ```
 */
export function refFor(
  url: string,
  ref?: ModelFileRef,
): Required<ModelFileRef> {
  const parsed = parseHubFileUrl(url);
  return {
    repo: ref?.repo ?? parsed?.repo ?? url,
    path: ref?.path ?? parsed?.path ?? url,
    revision: ref?.revision ?? parsed?.revision ?? DEFAULTS.revision,
  };
}

async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // The body is gone either way.
  }
}

/**
 * The error for a file of `size` bytes over the limit `limit`.
 *
 * @example
 * ```ts
 * tooLargeError({ repo: "a/b", path: "config.json" }, "http://h/x", 1e12, 100, true).problem;
 * // "too-large"
 * ```
 */
export function tooLargeError(
  ref: ModelFileRef,
  url: string,
  size: number,
  limit: number,
  announced: boolean,
): ModelResponseError {
  const kind = isTextPath(ref.path) ? "a JSON or text file" : "a binary file";
  return refusedAnswerError(ref, url, {
    problem: "too-large",
    detail: `${announced ? "a file of" : "more than"} ${size} bytes${
      announced ? " (announced)" : ""
    }, over the limit of ${limit} bytes for ${kind}`,
  });
}

/**
 * Opens a hub file for reading, following redirects one by one (`redirect:
 * "manual"`) so that the `X-Linked-Size`/`X-Linked-ETag` headers of the hub's
 * redirect to its CDN are read. Where the runtime hides redirects (browsers
 * answer `opaqueredirect`) it lets fetch follow them and learns what the
 * final answer tells.
 *
 * The answer must be what the hub sends (see `hubAnswerProblem`): an HTML
 * page, or bytes without the hub's headers, are refused, and so is a file
 * announced larger than `maxBytes`.
 *
 * @throws {ModelError} for HTTP errors (see {@linkcode hubHttpError}); a
 *   {@linkcode ModelEndpointError} for a URL that is not http(s), a
 *   redirect loop or too many redirects; a {@linkcode ModelResponseError}
 *   for a refused answer. A network failure rejects with fetch's own error.
 */
export async function openHubFile(
  url: string,
  options: OpenHubFileOptions = {},
): Promise<OpenedHubFile> {
  const fetchFn = options.fetch ?? fetch;
  const start = options.start ?? 0;
  const ref = refFor(url, options.ref);
  const bad = urlProblem(url);
  if (bad) throw endpointError(ref, url, bad);
  const origin = new URL(url).origin;
  const maxBytes = options.maxBytes ?? sizeLimitFor(ref.path);
  let current = url;
  let linked: HubFileInfo | undefined;
  let commit: string | undefined;
  let redirectsSeen = true;
  const visited = new Set([url]);
  const maxRedirects = options.maxRedirects ?? 10;
  for (let hop = 0;; hop++) {
    const headers = new Headers({ "accept-encoding": "identity" });
    if (options.token && new URL(current).origin === origin) {
      headers.set("authorization", `Bearer ${options.token}`);
    }
    if (start > 0) headers.set("range", `bytes=${start}-`);
    let response = await fetchFn(current, {
      headers,
      redirect: "manual",
      signal: options.signal,
    });
    if (response.type === "opaqueredirect" || response.status === 0) {
      await discard(response);
      redirectsSeen = false;
      response = await fetchFn(current, {
        headers,
        redirect: "follow",
        signal: options.signal,
      });
    } else if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get("location");
      if (
        response.headers.has("x-linked-size") ||
        response.headers.has("x-linked-etag")
      ) {
        linked = parseHubHeaders(response.headers);
      }
      commit ??= response.headers.get("x-repo-commit") ?? undefined;
      await discard(response);
      if (linked?.size !== undefined && linked.size > maxBytes) {
        throw tooLargeError(ref, current, linked.size, maxBytes, true);
      }
      if (!location) {
        throw new ModelDownloadError(
          `${ref.path} of ${ref.repo}: HTTP ${response.status} redirect without a ` +
            `Location from ${current}; check HF_ENDPOINT`,
          ref,
          { status: response.status },
        );
      }
      const next = URL.parse(location, current)?.href;
      const nextProblem = next === undefined
        ? `${current} redirects to ${JSON.stringify(location)}, not a URL`
        : visited.has(next)
        ? `a redirect loop (${current} redirects back to ${next})`
        : hop >= maxRedirects
        ? `more than ${maxRedirects} redirects`
        : urlProblem(next) &&
          `${current} redirects to ${next}: ${urlProblem(next)}`;
      if (nextProblem || next === undefined) {
        throw endpointError(ref, url, nextProblem || "a bad redirect");
      }
      visited.add(next);
      current = next;
      continue;
    }
    if (response.status === 416 && start > 0) {
      const range = parseContentRange(response.headers.get("content-range"));
      await discard(response);
      const info = { ...linked };
      if (info.size === undefined && range?.total !== undefined) {
        info.size = range.total;
      }
      return { response, info, start, url: current };
    }
    if (response.status !== 200 && response.status !== 206) {
      await discard(response);
      throw hubHttpError(response.status, {
        ...ref,
        url: current,
        tokenSent: Boolean(options.token),
        errorCode: response.headers.get("x-error-code"),
      });
    }
    let info: HubFileInfo;
    let bodyStart = 0;
    if (response.status === 206) {
      const range = parseContentRange(response.headers.get("content-range"));
      if (range?.start === undefined) {
        await discard(response);
        throw new ModelDownloadError(
          `${ref.path} of ${ref.repo}: HTTP 206 without a valid Content-Range from ${current}`,
          ref,
          { status: 206 },
        );
      }
      bodyStart = range.start;
      const direct = parseHubHeaders(response.headers);
      info = linked ?? { etag: direct.etag, sha256: direct.sha256 };
      if (info.size === undefined && range.total !== undefined) {
        info = { ...info, size: range.total };
      }
    } else {
      info = linked ?? parseHubHeaders(response.headers);
    }
    commit ??= response.headers.get("x-repo-commit") ?? undefined;
    if (commit && !info.commit) info = { ...info, commit };
    const refused = hubAnswerProblem({
      contentType: response.headers.get("content-type"),
      info,
      linked: linked !== undefined,
      redirectsSeen,
    });
    if (refused) {
      await discard(response);
      throw refusedAnswerError(ref, current, refused);
    }
    if (info.size !== undefined && info.size > maxBytes) {
      await discard(response);
      throw tooLargeError(ref, current, info.size, maxBytes, true);
    }
    return { response, info, start: bodyStart, url: current };
  }
}

/** Where transferred bytes go. */
export interface TransferSink {
  /** Bytes held so far (where a resumed request starts). */
  readonly offset: number;
  /** Appends a chunk. */
  write(chunk: Uint8Array): void | Promise<void>;
  /** Drops every byte held (the server restarted from 0, or the file changed). */
  reset(): void | Promise<void>;
}

/** A progress report of one transfer. */
export interface TransferProgress {
  /** Bytes held, including resumed ones. */
  received: number;
  /** Size announced, when known. */
  total?: number;
  /** Bytes already held when this transfer started. */
  resumedFrom: number;
}

/** Options of {@linkcode transferHubFile}. */
export interface TransferOptions extends Omit<OpenHubFileOptions, "start"> {
  /** Retries after a dropped connection or a 5xx/429 answer (default 5). */
  retries?: number;
  /** Delay before the first retry, doubled for each next one (default 1000 ms, at most 16 s). */
  retryDelayMs?: number;
  /**
   * A request that receives nothing for this long is dropped and resumed
   * (default 60 000 ms).
   */
  idleTimeoutMs?: number;
  /** Called after each chunk. */
  onProgress?: (progress: TransferProgress) => void;
  /** Called before each retry, with the failure and the wait. */
  onRetry?: (retry: TransferRetry) => void;
}

/** A retry about to happen. */
export interface TransferRetry {
  /** Number of the failed attempt (1 for the first). */
  attempt: number;
  /** Retries left after this one. */
  left: number;
  /** Wait before the retry, in ms. */
  delayMs: number;
  /** Bytes held. */
  received: number;
  /** Why the attempt failed, in words. */
  reason: string;
}

/** What {@linkcode transferHubFile} learnt. */
export interface TransferResult {
  /** Size, SHA-256, ETag and commit the hub announced. */
  info: HubFileInfo;
  /** Requests made (1 when nothing failed). */
  attempts: number;
  /** True when some bytes came from a `Range` request. */
  resumed: boolean;
}

/**
 * Whether a failure may pass by itself: a dropped or refused connection, a
 * timeout, a 5xx, 408 or 429 answer. Not: an aborted request, a model error
 * that says what is wrong (404, 401, a refused answer, an endpoint that
 * cannot work).
 */
function isRetriable(error: unknown): boolean {
  if (error instanceof DOMException && error.name === "AbortError") {
    return false;
  }
  if (error instanceof ModelEndpointError) return false;
  if (error instanceof ModelDownloadError) {
    const s = error.status;
    return s === undefined || s >= 500 || s === 429 || s === 408;
  }
  return !(error instanceof ModelError);
}

function sameFile(a: HubFileInfo, b: HubFileInfo): boolean {
  if (a.sha256 && b.sha256) return a.sha256 === b.sha256;
  if (a.etag && b.etag && a.etag !== b.etag) return false;
  return a.size === undefined || b.size === undefined || a.size === b.size;
}

/** Size and SHA-256 a file should have; unset fields are not checked. */
export interface ExpectedFile {
  /** Size in bytes. */
  size?: number;
  /** SHA-256, hex (any case). */
  sha256?: string;
}

/**
 * Lists how received bytes differ from what each source expected (the hub's
 * announcement, a caller's record): at most one size and one SHA-256
 * problem, in words. Empty when everything agrees. `sha256` is called only
 * when some expectation has a SHA-256.
 *
 * @example
 * ```ts
 * await integrityProblems(3, () => "ab", [{ size: 4 }, undefined]);
 * // ["size 3 bytes instead of 4"]
 * ```
 */
export async function integrityProblems(
  size: number,
  sha256: () => string | Promise<string>,
  expected: readonly (ExpectedFile | undefined)[],
): Promise<string[]> {
  const problems: string[] = [];
  const sizeWanted = expected.find((e) =>
    e?.size !== undefined && e.size !== size
  )?.size;
  if (sizeWanted !== undefined) {
    problems.push(`size ${size} bytes instead of ${sizeWanted}`);
  }
  const hashes = expected.map((e) => e?.sha256?.toLowerCase()).filter((
    h,
  ): h is string => h !== undefined);
  if (hashes.length > 0) {
    const actual = await sha256();
    const wrong = hashes.find((h) => h !== actual);
    if (wrong !== undefined) {
      problems.push(`SHA-256 ${actual} instead of ${wrong}`);
    }
  }
  return problems;
}

/**
 * What makes a network failure of fetch permanent, in words: a host that
 * does not resolve, a URL or scheme fetch refuses, a certificate it does not
 * trust. Undefined for failures that may pass (a refused or reset
 * connection, a timeout) and for errors that are not fetch's.
 *
 * @example
 * ```ts
 * permanentNetworkProblem(new TypeError("Url scheme 'ftp' not supported"));
 * // "Url scheme 'ftp' not supported"
 * ```
 */
export function permanentNetworkProblem(error: unknown): string | undefined {
  if (!(error instanceof TypeError)) return undefined;
  const text = describeError(error);
  if (
    /dns error|failed to lookup address|name or service not known/i.test(text)
  ) {
    return `its host does not resolve (${text})`;
  }
  if (/scheme .* not supported|invalid url|certificate/i.test(text)) {
    return text;
  }
  return undefined;
}

/** An error's message with those of its causes, e.g. "fetch failed: dns error: …". */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 4; depth++) {
    const message = current instanceof Error
      ? current.message
      : String(current);
    if (message && !parts.some((p) => p.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": ");
}

/**
 * Copies a hub file into `sink`, resuming from `sink.offset` with `Range`
 * requests and retrying a bounded number of times when the connection
 * drops. Checks that the byte count matches the announced size; hashing is
 * the caller's (it depends on the sink).
 *
 * @throws {ModelIntegrityError} when the server sends more bytes than it announced.
 * @throws {ModelDownloadError} when the retries run out.
 */
export async function transferHubFile(
  url: string,
  sink: TransferSink,
  options: TransferOptions = {},
): Promise<TransferResult> {
  const ref = refFor(url, options.ref);
  const retries = options.retries ?? 5;
  const baseDelay = options.retryDelayMs ?? 1000;
  const resumedFrom = sink.offset;
  let first: HubFileInfo | undefined;
  let resumed = false;
  let failures = 0;
  let attempts = 0;
  const idleMs = options.idleTimeoutMs ?? 60_000;
  const maxBytes = options.maxBytes ?? sizeLimitFor(ref.path);
  for (;;) {
    // An already aborted signal fires no "abort" event: check it first.
    options.signal?.throwIfAborted();
    attempts++;
    // Each attempt gets its own controller: the caller's signal aborts it,
    // and so does a connection that stays silent for idleMs.
    const controller = new AbortController();
    const forward = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener("abort", forward, { once: true });
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    let stalled = false;
    const arm = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        stalled = true;
        controller.abort(new DOMException("no data", "TimeoutError"));
      }, idleMs);
    };
    let opened: OpenedHubFile | undefined;
    try {
      arm();
      opened = await openHubFile(url, {
        ...options,
        signal: controller.signal,
        start: sink.offset,
      });
      const { response, info } = opened;
      if (first && !sameFile(first, info)) {
        // The file changed on the hub since the first request.
        await sink.reset();
        first = info;
      }
      first ??= info;
      if (response.status === 416) {
        // Nothing left past our offset: complete when the sizes agree.
        if (info.size !== undefined && sink.offset === info.size) {
          return { info, attempts, resumed: true };
        }
        await sink.reset();
        throw new ModelDownloadError(
          `${ref.path} of ${ref.repo}: the server refused to resume at byte ` +
            `${sink.offset} (HTTP 416); restarting`,
          ref,
        );
      }
      if (opened.start !== sink.offset) {
        // A 200 that ignored the Range header, or a range we did not ask for.
        await sink.reset();
        if (opened.start !== 0) {
          await discard(response);
          throw new ModelDownloadError(
            `${ref.path} of ${ref.repo}: the server sent bytes from ${opened.start} ` +
              `instead of ${sink.offset}; restarting`,
            ref,
          );
        }
      } else if (opened.start > 0) {
        resumed = true;
      }
      const total = info.size;
      options.onProgress?.({ received: sink.offset, total, resumedFrom });
      if (response.body) {
        const reader = response.body.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            arm();
            if (total !== undefined && sink.offset + value.length > total) {
              throw new ModelIntegrityError(
                `${ref.path} of ${ref.repo}: the server sent more than the ` +
                  `announced ${total} bytes from ${opened.url}; run again, and ` +
                  `if it persists check HF_ENDPOINT`,
                ref,
              );
            }
            if (sink.offset + value.length > maxBytes) {
              throw tooLargeError(
                ref,
                opened.url,
                sink.offset + value.length,
                maxBytes,
                false,
              );
            }
            await sink.write(value);
            options.onProgress?.({ received: sink.offset, total, resumedFrom });
          }
        } catch (error) {
          await reader.cancel().catch(() => {});
          throw error;
        } finally {
          reader.releaseLock();
        }
      }
      if (total !== undefined && sink.offset < total) {
        throw new ModelDownloadError(
          `${ref.path} of ${ref.repo}: the connection closed after ` +
            `${sink.offset} of ${total} bytes`,
          ref,
        );
      }
      return { info, attempts, resumed };
    } catch (caught) {
      clearTimeout(idleTimer);
      let error = caught;
      const permanent = permanentNetworkProblem(caught);
      if (permanent !== undefined && !options.signal?.aborted) {
        error = endpointError(ref, url, permanent, caught);
      }
      if (stalled && !options.signal?.aborted) {
        error = new ModelDownloadError(
          `${ref.path} of ${ref.repo}: no data for ${idleMs / 1000} s`,
          ref,
          { cause: caught },
        );
      }
      if (!isRetriable(error) || options.signal?.aborted) throw error;
      failures++;
      if (failures > retries) {
        const total = first?.size;
        throw new ModelDownloadError(
          `${ref.path} of ${ref.repo}: download failed after ${attempts} ` +
            `attempts (${describeError(error)}); ${sink.offset}${
              total === undefined ? "" : ` of ${total}`
            } bytes received. Check the network and HF_ENDPOINT, then run ` +
            `again${
              sink.offset > 0 ? ": the download resumes where it stopped" : ""
            }`,
          ref,
          { cause: error },
        );
      }
      const delay = Math.min(baseDelay * 2 ** (failures - 1), 16_000);
      options.onRetry?.({
        attempt: attempts,
        left: retries - failures,
        delayMs: delay,
        received: sink.offset,
        reason: describeError(error),
      });
      if (delay > 0) await sleep(delay, options.signal);
    } finally {
      clearTimeout(idleTimer);
      options.signal?.removeEventListener("abort", forward);
    }
  }
}

/**
 * Resolves after `ms`, or rejects with the signal's reason when `signal`
 * aborts first.
 *
 * @example
 * ```ts
 * await sleep(100, AbortSignal.timeout(1000));
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
