/**
 * A local stand-in for the Hugging Face hub on 127.0.0.1, serving files in
 * the hub's URL layout `/{owner}/{name}/resolve/{revision}/{path}`.
 *
 * Like the hub, LFS files (`.onnx` by default) answer with a 302 to a CDN
 * URL (`/cdn/{sha256}/{name}`) whose headers carry `X-Linked-ETag` (the
 * quoted SHA-256) and `X-Linked-Size`; the CDN serves bytes with `Range`
 * support (206 + `Content-Range`). Small files answer 200 with a git SHA-1
 * `ETag`. Faults can be injected per file: a connection dropped after N
 * bytes (first body request only), wrong bytes, more bytes than announced,
 * an HTTP status, or a server that ignores `Range`; and answers of what
 * may stand in for the hub: an HTML page (a captive portal), bytes without
 * the hub's headers (a plain proxy or web server), another body under the
 * hub's headers, a huge announced size, an endless body, a redirect
 * anywhere (itself: a loop).
 *
 * @example
 * ```ts
 * await using hub = startHubServer({ "acme/tiny/config.json": new TextEncoder().encode("{}") });
 * const response = await fetch(`${hub.endpoint}/acme/tiny/resolve/main/config.json`);
 * ```
 *
 * @module
 */

import { createHash } from "node:crypto";
import { ModelStore, type ModelStoreOptions } from "../../io/model_store.ts";

/** A file served by the hub. */
export interface HubServerFile {
  /** Content. */
  bytes: Uint8Array;
  /** Served through the LFS redirect (default: paths ending in `.onnx`). */
  lfs?: boolean;
}

/** Faults injected for one file. */
export interface HubFault {
  /** Sends this many bytes of the first body request, then drops the connection. */
  dropAfter?: number;
  /**
   * Sends this many bytes of the first body request, then nothing (the
   * connection stays open until the client gives up, 10 s at most).
   */
  stallAfter?: number;
  /** Serves bytes with one byte changed (the announced hash stays the true one). */
  wrongBytes?: boolean;
  /** Answers this HTTP status on the resolve URL. */
  status?: number;
  /** Answers 200 with the whole file to `Range` requests. */
  ignoreRange?: boolean;
  /**
   * Serves this many bytes past the file's end (the size announced by the
   * LFS redirect stays the true one).
   */
  extraBytes?: number;
  /**
   * Answers the resolve URL with 200 and an HTML login page
   * (`Content-Type: text/html`), as a captive portal does.
   */
  html?: boolean;
  /**
   * Answers the resolve URL with 200 and the file's bytes but none of the
   * hub's headers (`ETag`, `X-Repo-Commit`, `X-Linked-*`), as a plain web
   * server or a proxy that strips them does.
   */
  bare?: boolean;
  /** Serves this body for a git file, under the hub's headers of the true file. */
  body?: Uint8Array;
  /** The LFS redirect announces this size (`X-Linked-Size`) instead of the true one. */
  announceSize?: number;
  /**
   * Serves the file's bytes over and over, without end and without a
   * `Content-Length` (until the client cancels).
   */
  endless?: boolean;
  /** Answers the resolve URL with a 302 to this location (its own path: a loop). */
  redirectTo?: string;
}

/** A request the server received. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Path and query. */
  path: string;
  /** The `Range` header, or null. */
  range: string | null;
  /** The `Authorization` header, or null. */
  authorization: string | null;
}

/** A running local hub. */
export interface HubServer {
  /** The endpoint to use as `HF_ENDPOINT`, e.g. `http://127.0.0.1:41234`. */
  readonly endpoint: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** The commit every revision resolves to (`X-Repo-Commit`). */
  readonly commit: string;
  /** Adds or replaces a file, keyed `owner/name/path`. */
  setFile(key: string, file: Uint8Array | HubServerFile): void;
  /** Sets the faults of a file (replacing earlier ones). */
  setFault(key: string, fault: HubFault): void;
  /** Number of requests, optionally only those matching `filter`. */
  count(filter?: (request: RecordedRequest) => boolean): number;
  /** Stops the server and waits until it is closed. */
  close(): Promise<void>;
  /** Same as `close`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

interface Entry {
  key: string;
  bytes: Uint8Array;
  lfs: boolean;
  sha256: string;
  gitSha1: string;
}

function hex(algorithm: string, ...parts: (Uint8Array | string)[]): string {
  const hash = createHash(algorithm);
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

function entryOf(key: string, file: Uint8Array | HubServerFile): Entry {
  const spec = file instanceof Uint8Array ? { bytes: file } : file;
  return {
    key,
    bytes: spec.bytes,
    lfs: spec.lfs ?? key.endsWith(".onnx"),
    sha256: hex("sha256", spec.bytes),
    gitSha1: hex("sha1", `blob ${spec.bytes.length}\0`, spec.bytes),
  };
}

/** What a captive portal answers instead of the file. */
const LOGIN_PAGE = "<!DOCTYPE html>\n<html><head><title>Welcome</title>" +
  "</head><body><form>Accept the terms to use this network</form></body>" +
  "</html>\n";

/** `bytes` over and over, without a `Content-Length`, until cancelled. */
function endlessResponse(bytes: Uint8Array, headers: HeadersInit): Response {
  const chunk = bytes.length > 0 ? bytes : new Uint8Array(1024);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(chunk.slice());
    },
  });
  return new Response(stream, { headers });
}

function corrupt(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  if (copy.length > 0) copy[copy.length >> 1] ^= 0xff;
  return copy;
}

/**
 * Starts a local hub serving `files` (keyed `owner/name/path`) at the given
 * revisions (default `["main"]`). Unknown repositories answer 401 like the
 * hub does for anonymous requests; unknown files 404 with `X-Error-Code:
 * EntryNotFound`.
 */
export function startHubServer(
  files: Record<string, Uint8Array | HubServerFile> = {},
  options: { revisions?: string[] } = {},
): HubServer {
  const entries = new Map<string, Entry>();
  const faults = new Map<string, HubFault>();
  const dropped = new Set<string>();
  const requests: RecordedRequest[] = [];
  const revisions = options.revisions ?? ["main"];
  const commit = "0123456789abcdef0123456789abcdef01234567";
  for (const [key, file] of Object.entries(files)) {
    entries.set(key, entryOf(key, file));
  }

  function serveBytes(
    request: Request,
    entry: Entry,
    extra: HeadersInit,
  ): Response {
    const fault = faults.get(entry.key) ?? {};
    if (fault.endless) return endlessResponse(entry.bytes, extra);
    let bytes = fault.body ?? entry.bytes;
    if (fault.wrongBytes) bytes = corrupt(bytes);
    if (fault.extraBytes) {
      const longer = new Uint8Array(bytes.length + fault.extraBytes);
      longer.set(bytes);
      bytes = longer;
    }
    const headers = new Headers(extra);
    headers.set("accept-ranges", "bytes");
    let start = 0;
    let status = 200;
    const range = request.headers.get("range");
    const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m && !fault.ignoreRange) {
      start = Number(m[1]);
      if (start >= bytes.length) {
        headers.set("content-range", `bytes */${bytes.length}`);
        return new Response(null, { status: 416, headers });
      }
      status = 206;
      headers.set(
        "content-range",
        `bytes ${start}-${bytes.length - 1}/${bytes.length}`,
      );
    }
    const body = bytes.subarray(start);
    headers.set("content-length", String(body.length));
    if (request.method === "HEAD") {
      return new Response(null, { status, headers });
    }
    if (fault.stallAfter !== undefined && !dropped.has(entry.key)) {
      dropped.add(entry.key);
      const head = body.slice(0, fault.stallAfter);
      let release = () => {};
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(head);
        },
        pull(controller) {
          return new Promise<void>((resolve) => {
            release = () => {
              clearTimeout(timer);
              resolve();
            };
            timer = setTimeout(() => {
              controller.close();
              release();
            }, 10_000);
          });
        },
        cancel() {
          release();
        },
      });
      return new Response(stream, { status, headers });
    }
    if (fault.dropAfter !== undefined && !dropped.has(entry.key)) {
      dropped.add(entry.key);
      const head = body.slice(0, fault.dropAfter);
      // Ends the body short of its Content-Length: the client sees the
      // connection fail mid-file.
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(head);
        },
        pull(controller) {
          controller.close();
        },
      });
      return new Response(stream, { status, headers });
    }
    return new Response(body.slice(), { status, headers });
  }

  function handle(request: Request): Response {
    const url = new URL(request.url);
    requests.push({
      method: request.method,
      path: url.pathname + url.search,
      range: request.headers.get("range"),
      authorization: request.headers.get("authorization"),
    });
    const segments = url.pathname.split("/").slice(1).map(decodeURIComponent);
    if (segments[0] === "cdn" && segments.length >= 2) {
      const entry = [...entries.values()].find((e) => e.sha256 === segments[1]);
      if (!entry) return new Response("no such object", { status: 404 });
      return serveBytes(request, entry, {
        etag: `"cdn-${entry.sha256.slice(0, 32)}"`,
      });
    }
    if (segments.length < 5 || segments[2] !== "resolve") {
      return new Response("not found", { status: 404 });
    }
    const repo = `${segments[0]}/${segments[1]}`;
    const revision = segments[3];
    const path = segments.slice(4).join("/");
    const key = `${repo}/${path}`;
    const fault = faults.get(key);
    if (fault?.status) {
      return new Response(`status ${fault.status}`, { status: fault.status });
    }
    if (fault?.redirectTo !== undefined) {
      return new Response(null, {
        status: 302,
        headers: { location: fault.redirectTo },
      });
    }
    if (fault?.html) {
      return new Response(LOGIN_PAGE, {
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    }
    const repoKnown = [...entries.keys()].some((k) => k.startsWith(repo + "/"));
    if (!repoKnown) {
      return new Response("Repository not found", {
        status: 401,
        headers: { "x-error-code": "RepoNotFound" },
      });
    }
    if (!revisions.includes(revision)) {
      return new Response("Revision not found", {
        status: 404,
        headers: { "x-error-code": "RevisionNotFound" },
      });
    }
    const entry = entries.get(key);
    if (!entry) {
      return new Response("Entry not found", {
        status: 404,
        headers: { "x-error-code": "EntryNotFound" },
      });
    }
    if (fault?.bare) {
      return new Response(entry.bytes.slice(), {
        headers: { "content-type": "application/octet-stream" },
      });
    }
    if (entry.lfs) {
      const name = path.split("/").pop()!;
      const location = `${url.origin}/cdn/${entry.sha256}/${
        encodeURIComponent(name)
      }?sig=x`;
      const body = `Found. Redirecting to ${location}`;
      return new Response(request.method === "HEAD" ? null : body, {
        status: 302,
        headers: {
          location,
          "x-linked-etag": `"${entry.sha256}"`,
          "x-linked-size": String(fault?.announceSize ?? entry.bytes.length),
          etag: `"${entry.sha256}"`,
          "x-repo-commit": commit,
          "content-length": String(body.length),
        },
      });
    }
    return serveBytes(request, entry, {
      etag: `"${entry.gitSha1}"`,
      "x-repo-commit": commit,
    });
  }

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    handle,
  );
  const endpoint = `http://127.0.0.1:${server.addr.port}`;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= server.shutdown().then(() => server.finished);
    return closing;
  };
  return {
    endpoint,
    requests,
    commit,
    setFile(key, file) {
      entries.set(key, entryOf(key, file));
    },
    setFault(key, fault) {
      faults.set(key, fault);
      dropped.delete(key);
    },
    count(filter) {
      return filter ? requests.filter(filter).length : requests.length;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Deterministic pseudo-random bytes, for fixture files. */
export function fixtureBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Files for a fixture repository, keyed `owner/name/path` as
 * {@linkcode startHubServer} wants: small JSON for `.json` paths,
 * pseudo-random bytes (20 kB and up) for the others.
 */
export function fixtureRepoFiles(
  repo: string,
  paths: readonly string[],
  seed = 1,
): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const encoder = new TextEncoder();
  for (const [i, path] of paths.entries()) {
    files[`${repo}/${path}`] = path.endsWith(".json")
      ? encoder.encode(JSON.stringify({ repo, path }) + "\n")
      : fixtureBytes(20_000 + 1_000 * i, seed + i);
  }
  return files;
}

/**
 * A model store over `cacheDir` that downloads from the local hub at
 * `endpoint`: online, no token, no delay between retries, nothing taken
 * from the environment; `extra` overrides any of it.
 */
export function hubStore(
  endpoint: string,
  cacheDir: string,
  extra: Partial<ModelStoreOptions> = {},
): ModelStore {
  return new ModelStore({
    cacheDir,
    endpoint,
    offline: false,
    token: "",
    retryDelayMs: 0,
    env: {},
    ...extra,
  });
}
