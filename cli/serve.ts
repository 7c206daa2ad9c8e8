/**
 * `oris serve`: an HTTP server over one segmenter. The port opens at once;
 * the models load behind it (`/api/health` says "loading" until they are
 * ready), and requests then run one at a time from a bounded queue.
 *
 * @example
 * ```ts ignore
 * await runServeCommand(["--port", "8000", "--demo"]);
 * ```
 *
 * @module
 */

import { demoScenes } from "./serve/demo_scenes.ts";
import { parseArgs } from "node:util";
import { type ProgressOutput, stderrOutput } from "../io/progress.ts";
import { readModelEnv } from "../io/model_env.ts";
import {
  DEMO_CLIP,
  DEMO_SAM,
  demoModelFiles,
} from "../pipeline/demo/models.ts";
import { memorySource } from "../pipeline/models/source.ts";
import { createSegmenter, type Segmenter } from "../pipeline/segmenter.ts";
import {
  METHOD_OPTION_SPECS,
  METHOD_OPTIONS_USAGE,
  type MethodArgs,
  methodArgs,
  numberOption,
  openModels,
  segmenterOptions,
  segmenterProgress,
} from "./method_options.ts";
import { parseCommandLine } from "./command_line.ts";
import { commandLineMessage } from "./library_errors.ts";
import { UsageError } from "./usage_error.ts";
import { interruptSignal } from "./segment.ts";
import {
  createHandler,
  DEFAULT_QUEUE_SIZE,
  DEFAULT_TIMEOUT_S,
} from "./serve/handler.ts";
import { DEFAULT_LIMITS } from "./serve/request.ts";

/** Default of `--port`. */
export const DEFAULT_PORT = 8000;
/** Default of `--host`. */
export const DEFAULT_HOST = "127.0.0.1";

/** Usage text of `serve`. */
export const SERVE_USAGE =
  `Usage: deno task serve [--port N] [--host H] [--queue N] [--timeout S] [--demo] [options]

Serves the segmenter over HTTP: POST /api/segment (multipart form: an image
file and one or more text fields), GET /api/health, GET /api/info, and the
web page of web/ at /. The port opens at once; the models load behind it.

Server:
  --port N              port (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H              address to listen on (default ${DEFAULT_HOST}; 0.0.0.0 for every interface)
  --queue N             requests held at once, the running one included; more
                        are answered 503 (default ${DEFAULT_QUEUE_SIZE})
  --timeout S           seconds a request may wait and run; then 503 and its
                        run is stopped (default ${DEFAULT_TIMEOUT_S})
  --demo                the demo models, built in memory (offline; for trying the API)

Limits per request: an image of ${DEFAULT_LIMITS.maxImageBytes / 1e6} MB and ${
    DEFAULT_LIMITS.maxImagePixels / 1e6
  } megapixels, ${DEFAULT_LIMITS.maxSentences} texts
of ${DEFAULT_LIMITS.maxSentenceLength} characters (CLIP reads 77 tokens; longer sentences are cut).
The form's spatial, topK, alpha and beta override the settings below per request.
--resident-models is on unless turned off (a server segments image after image).

${METHOD_OPTIONS_USAGE}

  -h, --help            show this help

Example:
  deno task serve --port 8000
  curl -F image=@photo.jpg -F text="the dog on the left" http://127.0.0.1:8000/api/segment
`;

/** The options of `serve`. */
export interface ServeArgs extends MethodArgs {
  port: number;
  host: string;
  queue: number;
  timeoutS: number;
  demo: boolean;
}

/** Parses the options of `serve`; throws {@linkcode UsageError}. */
export function parseServeArgs(args: string[]): ServeArgs | "help" {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      queue: { type: "string" },
      timeout: { type: "string" },
      demo: { type: "boolean" },
      ...METHOD_OPTION_SPECS,
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  if (values.demo && (values.models || values.clip || values.sam)) {
    throw new UsageError(
      "--demo uses the demo models: leave out --models, --clip and --sam",
    );
  }
  const whole = (min: number, max = Infinity) => (v: number) =>
    Number.isInteger(v) && v >= min && v <= max;
  return {
    ...methodArgs(values),
    port: numberOption(
      "port",
      values.port,
      DEFAULT_PORT,
      whole(0, 65535),
      "a port from 0 to 65535",
    ),
    host: values.host ?? DEFAULT_HOST,
    queue: numberOption(
      "queue",
      values.queue,
      DEFAULT_QUEUE_SIZE,
      whole(1),
      "a whole number of at least 1",
    ),
    timeoutS: numberOption(
      "timeout",
      values.timeout,
      DEFAULT_TIMEOUT_S,
      (v) => v > 0,
      "a number of seconds above 0",
    ),
    demo: values.demo ?? false,
  };
}

/** Where `serve` writes and what stops it; tests inject these. */
export interface ServeCommandIO {
  /** Help text (default: standard output). */
  stdout?: (text: string) => void;
  /** Progress, the address and errors (default: standard error). */
  stderr?: ProgressOutput;
  /** Environment (default: the model variables, read from the process). */
  env?: Record<string, string | undefined>;
  /** Stops the server (default: Ctrl-C). */
  signal?: AbortSignal;
  /** Called with the address once the port is open. */
  onListen?: (address: { hostname: string; port: number }) => void;
}

/** Loads the models the options name (the demo models with --demo). */
export async function loadServedSegmenter(
  a: ServeArgs,
  env: Record<string, string | undefined>,
  err: ProgressOutput,
): Promise<Segmenter> {
  const progress = segmenterProgress(err);
  // A server segments image after image: its models stay open unless told off.
  a = { ...a, residentModels: a.residentModels ?? true };
  if (a.demo) {
    return await createSegmenter({
      ...segmenterOptions(a, memorySource(demoModelFiles()), progress),
      clip: DEMO_CLIP,
      sam: DEMO_SAM,
    });
  }
  const source = await openModels(a, env, err);
  return await createSegmenter(segmenterOptions(a, source, progress));
}

/** Runs `serve` with `args` until stopped; returns the exit code. */
export async function runServeCommand(
  args: string[],
  io: ServeCommandIO = {},
): Promise<number> {
  const out = io.stdout ?? ((t: string) => console.log(t));
  const err = io.stderr ?? stderrOutput();
  const env = io.env ?? readModelEnv();
  const a = parseCommandLine(
    () => parseServeArgs(args),
    SERVE_USAGE,
    out,
    (t) => err.write(t),
  );
  if (typeof a === "number") return a;
  using interrupt = io.signal ? undefined : interruptSignal();
  const signal = io.signal ?? interrupt!;
  const loading = loadServedSegmenter(a, env, err);
  loading.then(
    (s) =>
      err.write(
        `models ready: ${s.models.clip} and ${s.models.sam} on ${s.models.backend}; serving requests\n`,
      ),
    (e) =>
      err.write(
        `error: the models failed to load (/api/health says "failed"): ${
          commandLineMessage(e)
        }\n`,
      ),
  );
  const handler = createHandler({
    segmenter: loading,
    queueSize: a.queue,
    timeoutMs: a.timeoutS * 1000,
    log: (t) => err.write(t + "\n"),
    ...(a.demo ? { demoScenes: () => demoScenes() } : {}),
  });
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      port: a.port,
      hostname: a.host,
      signal,
      onListen: (addr) => {
        err.write(
          `listening on http://${addr.hostname}:${addr.port}/ (models loading)\n`,
        );
        io.onListen?.(addr);
      },
    }, handler);
  } catch (e) {
    err.write(
      `error: cannot listen on ${a.host}:${a.port}: ${(e as Error).message}\n`,
    );
    await loading.then((s) => s.release(), () => {});
    return 1;
  }
  await server.finished;
  await loading.then((s) => s.release(), () => {});
  return 0;
}
