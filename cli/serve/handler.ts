/**
 * The server's request handler: `POST /api/segment`, `GET /api/health`,
 * `GET /api/info` and the web page's files, as one function
 * `(Request) => Promise<Response>` built from a segmenter (or the promise
 * of one while the models load), so tests call it without a socket.
 *
 * @example
 * ```ts ignore
 * const handler = createHandler({ segmenter: createSegmenter(options) });
 * Deno.serve({ port: 8000 }, handler);
 * ```
 *
 * @module
 */

import type { DemoScene } from "./demo_scenes.ts";
import { fileURLToPath } from "node:url";
import { decodeImage } from "../../io/image_codec.ts";
import { maskToCompressedRle } from "../../pipeline/datasets/coco_rle.ts";
import {
  ImageDecodeError,
  ImageTooLargeError,
} from "../../pipeline/image/errors.ts";
import { encodeMaskPng } from "../../pipeline/image/png_encode.ts";
import type { RgbaImage } from "../../pipeline/image/rgba.ts";
import {
  type Segmenter,
  type SegmentResult,
  toResult,
} from "../../pipeline/segmenter.ts";
import { settingsRecord } from "../../pipeline/settings.ts";
import { fromItems } from "../../pipeline/stages/job.ts";
import { defaultTopK } from "../../pipeline/stages/select.ts";
import { segmentReport, sentenceReport } from "../segment_report.ts";
import { QueueFullError, TaskQueue } from "./queue.ts";
import {
  DEFAULT_LIMITS,
  HttpError,
  readSegmentRequest,
  type RequestLimits,
  type SegmentRequest,
  type SettingOverrides,
} from "./request.ts";
import { API_ROUTES_PAGE, serveStatic } from "./static_files.ts";

/** What the handler needs of a segmenter (tests pass wrappers). */
export type ServedSegmenter = Pick<
  Segmenter,
  "stream" | "models" | "device" | "viewsOnDevice" | "settings"
>;

/** Options of {@linkcode createHandler}. */
export interface HandlerOptions {
  /** The segmenter, or the promise of it while the models load. */
  readonly segmenter: ServedSegmenter | Promise<ServedSegmenter>;
  /** Requests held at once, the running one included (default 8); more are refused with 503. */
  readonly queueSize?: number;
  /** Milliseconds a request may wait and run (default 120 000); then 503 and the run is aborted. */
  readonly timeoutMs?: number;
  /** Limits on a request (default {@linkcode DEFAULT_LIMITS}). */
  readonly limits?: Partial<RequestLimits>;
  /** Folder of the web page (default `web/` at the repository's root). */
  readonly webDir?: string;
  /** Where errors' stacks go (default standard error); never to the client. */
  readonly log?: (text: string) => void;
  /**
   * Scenes offered at `GET /api/demo/scenes` (`serve --demo`); without it
   * that route answers 404.
   */
  readonly demoScenes?: () => Promise<readonly DemoScene[]>;
}

/** Default of `--queue`. */
export const DEFAULT_QUEUE_SIZE = 8;
/** Default of `--timeout`, in seconds. */
export const DEFAULT_TIMEOUT_S = 120;

/** The repository's `web/` folder. */
export const DEFAULT_WEB_DIR = fileURLToPath(
  new URL("../../web", import.meta.url),
);

/** Where the models stand. */
type Health =
  | { status: "loading" }
  | { status: "ready"; segmenter: ServedSegmenter }
  | { status: "failed"; error: string };

/** A JSON response. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

/** A JSON error response `{"error": message}`. */
export function errorResponse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  const r = jsonResponse({ error: message }, status);
  for (const [k, v] of Object.entries(headers)) r.headers.set(k, v);
  return r;
}

/** Bytes as base64. */
export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** The settings a request runs with: the segmenter's with its overrides (as `stream` resolves them). */
export function settingsInForce(
  settings: Segmenter["settings"],
  o: SettingOverrides,
): Segmenter["settings"] {
  return {
    ...settings,
    ...o,
    topK: o.topK ??
      (o.spatial && o.spatial !== settings.spatial
        ? defaultTopK(o.spatial)
        : settings.topK),
  };
}

/** Whether the bytes start as a PNG or a JPEG does (a damaged one, when it fails to decode). */
function looksLikeImage(b: Uint8Array): boolean {
  const png = [0x89, 0x50, 0x4e, 0x47];
  return png.every((v, i) => b[i] === v) ||
    (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff);
}

/** The status and message of an error; undefined for an unexpected one. */
export function knownError(
  e: unknown,
  image?: Uint8Array,
): { status: number; message: string } | undefined {
  if (e instanceof HttpError) return { status: e.status, message: e.message };
  if (e instanceof QueueFullError) return { status: 503, message: e.message };
  if (e instanceof ImageTooLargeError) {
    return { status: 413, message: e.message };
  }
  if (e instanceof ImageDecodeError) {
    const damaged = image !== undefined && looksLikeImage(image);
    return {
      status: damaged ? 400 : 415,
      message: damaged
        ? e.message
        : `Unsupported image type: send a PNG or JPEG file (${e.message}).`,
    };
  }
  return undefined;
}

/** The JSON answer of one segmented request: the segment report, each sentence with its mask as RLE and PNG. */
export async function segmentAnswer(
  segmenter: ServedSegmenter,
  request: SegmentRequest,
  image: RgbaImage,
  result: SegmentResult,
  times: { decodeMs: number; totalMs: number },
) {
  const { width, height } = image;
  const sentences = await Promise.all(
    result.sentences.map(async (r) =>
      sentenceReport(r, {
        mask: maskToCompressedRle(r.mask, width, height),
        maskPng: toBase64(await encodeMaskPng(r.mask, width, height)),
      })
    ),
  );
  return segmentReport({
    image: { path: request.imageName, width, height },
    segmenter,
    settings: settingsInForce(segmenter.settings, request.overrides),
    result,
    sentences,
    decodeMs: times.decodeMs,
    loadMs: 0,
    totalMs: times.totalMs,
  });
}

/** Runs one image through the segmenter with the request's overrides. */
async function runSegmenter(
  segmenter: ServedSegmenter,
  image: RgbaImage,
  request: SegmentRequest,
  signal: AbortSignal,
): Promise<SegmentResult> {
  const job = { id: "image", image, sentences: request.sentences, timings: {} };
  for await (
    const done of segmenter.stream(fromItems([job]), {
      ...request.overrides,
      signal,
    })
  ) {
    return toResult(done);
  }
  throw new Error("The pipeline produced no result.");
}

/** Builds the server's handler; see {@linkcode HandlerOptions}. */
export function createHandler(
  options: HandlerOptions,
): (request: Request) => Promise<Response> {
  const limits: RequestLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const queue = new TaskQueue(options.queueSize ?? DEFAULT_QUEUE_SIZE);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_S * 1000;
  const webDir = options.webDir ?? DEFAULT_WEB_DIR;
  const log = options.log ?? ((t: string) => console.error(t));
  const given = options.segmenter;
  let health: Health = "then" in given
    ? { status: "loading" }
    : { status: "ready", segmenter: given };
  Promise.resolve(given).then(
    (segmenter) => health = { status: "ready", segmenter },
    (e) => {
      log(`the models failed to load: ${(e as Error)?.stack ?? e}`);
      health = { status: "failed", error: (e as Error)?.message ?? String(e) };
    },
  );

  const notReady = () =>
    health.status === "failed"
      ? errorResponse(503, `The models failed to load: ${health.error}`)
      : errorResponse(503, "The models are loading; try again shortly.", {
        "retry-after": "5",
      });

  const info = () => {
    const s = health.status === "ready" ? health.segmenter : undefined;
    return jsonResponse({
      status: health.status,
      models: s?.models ?? null,
      device: s?.device ?? null,
      viewsOnDevice: s?.viewsOnDevice ?? null,
      settings: s ? settingsRecord(s.settings) : null,
      limits: {
        ...limits,
        queue: queue.capacity,
        timeoutSeconds: timeoutMs / 1000,
      },
    });
  };

  const segment = async (request: Request): Promise<Response> => {
    if (health.status !== "ready") return notReady();
    const segmenter = health.segmenter;
    const started = performance.now();
    const req = await readSegmentRequest(request, limits);
    const image = await decodeImage(req.image, req.imageName, {
      orientation: "exif",
      limits: {
        maxBytes: limits.maxImageBytes,
        maxPixels: limits.maxImagePixels,
      },
    }).catch((e) => {
      const known = knownError(e, req.image);
      throw known ? new HttpError(known.status, known.message) : e;
    });
    const decodeMs = performance.now() - started;
    const timeout = new AbortController();
    const timer = setTimeout(() =>
      timeout.abort(
        new HttpError(
          503,
          `The request timed out after ${
            timeoutMs / 1000
          } s (waiting and running); try a smaller image or fewer texts, or later.`,
        ),
      ), timeoutMs);
    const signal = timeout.signal;
    let onAbort!: () => void;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => {});
    try {
      const running = queue.run(
        () => runSegmenter(segmenter, image, req, signal),
        signal,
      );
      running.catch(() => {});
      const result = await Promise.race([running, aborted]);
      return jsonResponse(
        await segmentAnswer(segmenter, req, image, result, {
          decodeMs,
          totalMs: performance.now() - started,
        }),
      );
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
  };

  const route = async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    const method = request.method;
    const only = (
      allowed: string,
      answer: () => Promise<Response> | Response,
    ) =>
      allowed.split(",").includes(method) ? answer() : errorResponse(
        405,
        `${method} is not allowed on ${pathname}; use ${allowed}.`,
        { allow: allowed },
      );
    if (pathname === "/api/segment") {
      return await only("POST", () => segment(request));
    }
    if (pathname === "/api/health") {
      return only("GET", () =>
        jsonResponse({
          status: health.status,
          ...(health.status === "failed" ? { error: health.error } : {}),
        }));
    }
    if (pathname === "/api/info") return only("GET", info);
    if (pathname === "/api/demo/scenes") {
      const scenes = options.demoScenes;
      if (!scenes) {
        return errorResponse(
          404,
          "No demo scenes: this server runs without --demo.",
        );
      }
      return await only(
        "GET",
        async () => jsonResponse({ scenes: await scenes() }),
      );
    }
    if (pathname === "/api" || pathname.startsWith("/api/")) {
      return errorResponse(404, `No such route: ${pathname}.`);
    }
    return await only("GET,HEAD", async () => {
      const file = await serveStatic(webDir, pathname, method === "HEAD");
      if (file) return file;
      if (pathname === "/" || pathname === "/index.html") {
        return new Response(method === "HEAD" ? null : API_ROUTES_PAGE, {
          headers: { "content-type": "text/html; charset=utf-8" },
        });
      }
      return errorResponse(404, `Not found: ${pathname}.`);
    });
  };

  return async (request: Request): Promise<Response> => {
    try {
      return await route(request);
    } catch (e) {
      const known = knownError(e);
      if (known) return errorResponse(known.status, known.message);
      log(
        `error answering ${request.method} ${request.url}: ${
          (e as Error)?.stack ?? e
        }`,
      );
      return errorResponse(
        500,
        `Internal error: ${(e as Error)?.message ?? String(e)}`,
      );
    }
  };
}
