/**
 * A minimal Chrome DevTools Protocol client for browser tests: launches
 * headless Chromium, connects to it over a WebSocket, opens a page and sends
 * commands to it.
 *
 * @example
 * ```ts
 * const browser = await launchChromium(findChromium()!);
 * try {
 *   const page = await browser.newPage();
 *   await page.navigate("http://127.0.0.1:8000/");
 *   console.log(await page.evaluate("document.title"));
 * } finally {
 *   await browser.close();
 * }
 * ```
 *
 * @module
 */

/** A CDP answer's result or an event's parameters. */
// deno-lint-ignore no-explicit-any
export type CdpResult = any;

/** Where the browser's executable may be, first found wins. */
const CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome"];

/**
 * The path of a Chromium executable: `$CHROMIUM` when set, else the first of
 * chromium, chromium-browser and google-chrome on `$PATH`; null when none.
 */
export function findChromium(): string | null {
  const given = Deno.env.get("CHROMIUM");
  if (given) return given;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    for (const name of CHROMIUM_NAMES) {
      const path = `${dir}/${name}`;
      try {
        if (Deno.statSync(path).isFile) return path;
      } catch {
        // Not there.
      }
    }
  }
  return null;
}

/** The DevTools WebSocket URL in Chromium's stderr text, or null. */
export function devToolsUrl(stderr: string): string | null {
  return stderr.match(/DevTools listening on (ws:\/\/\S+)/)?.[1] ?? null;
}

/** A WebSocket connection speaking CDP, with flattened sessions. */
export class CdpConnection {
  #socket: WebSocket;
  #nextId = 1;
  #pending = new Map<
    number,
    { resolve: (v: CdpResult) => void; reject: (e: Error) => void }
  >();
  #listeners = new Set<
    (method: string, params: CdpResult, session?: string) => void
  >();

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (e) => this.#receive(JSON.parse(e.data));
    socket.onclose = () => {
      for (const p of this.#pending.values()) {
        p.reject(new Error("the DevTools connection closed"));
      }
      this.#pending.clear();
    };
  }

  /** Opens a connection to a DevTools WebSocket URL. */
  static open(url: string): Promise<CdpConnection> {
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      socket.onopen = () => resolve(new CdpConnection(socket));
      socket.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
  }

  #receive(message: CdpResult): void {
    if (message.id !== undefined) {
      const p = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (!p) return;
      if (message.error) {
        p.reject(new Error(`CDP: ${message.error.message}`));
      } else p.resolve(message.result);
      return;
    }
    for (const l of this.#listeners) {
      l(message.method, message.params, message.sessionId);
    }
  }

  /** Sends a command (to a page's session when given); resolves with its result. */
  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<CdpResult> {
    const id = this.#nextId++;
    this.#socket.send(JSON.stringify({ id, method, params, sessionId }));
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
    });
  }

  /** Resolves with the parameters of the next event `method` (of a session when given). */
  once(method: string, sessionId?: string): Promise<CdpResult> {
    return new Promise((resolve) => {
      const listener = (m: string, params: CdpResult, s?: string) => {
        if (m !== method || (sessionId && s !== sessionId)) return;
        this.#listeners.delete(listener);
        resolve(params);
      };
      this.#listeners.add(listener);
    });
  }

  /** Closes the connection; resolves when it is closed. */
  close(): Promise<void> {
    if (this.#socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    const closed = new Promise<void>((r) =>
      this.#socket.addEventListener("close", () => r())
    );
    this.#socket.close();
    return closed;
  }
}

/** One page (tab) of the browser, driven through its session. */
export class CdpPage {
  /** The connection. */
  readonly cdp: CdpConnection;
  /** The page's flattened session id. */
  readonly sessionId: string;

  /** Wraps a page session. */
  constructor(cdp: CdpConnection, sessionId: string) {
    this.cdp = cdp;
    this.sessionId = sessionId;
  }

  /** Sends a command to this page. */
  send(
    method: string,
    params: Record<string, unknown> = {},
  ): Promise<CdpResult> {
    return this.cdp.send(method, params, this.sessionId);
  }

  /** Navigates to `url` and waits for its load event. */
  async navigate(url: string): Promise<void> {
    const loaded = this.cdp.once("Page.loadEventFired", this.sessionId);
    const r = await this.send("Page.navigate", { url });
    if (r.errorText) throw new Error(`cannot load ${url}: ${r.errorText}`);
    await loaded;
  }

  /** Evaluates a JS expression (promises awaited); returns its value by JSON. */
  async evaluate(expression: string): Promise<CdpResult> {
    const r = await this.send("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (r.exceptionDetails) {
      throw new Error(
        `page error: ${
          r.exceptionDetails.exception?.description ?? r.exceptionDetails.text
        }`,
      );
    }
    return r.result.value;
  }

  /** Polls `expression` until it is truthy; throws after `timeoutMs`. */
  async waitFor(expression: string, timeoutMs = 10_000): Promise<CdpResult> {
    const end = Date.now() + timeoutMs;
    while (true) {
      const value = await this.evaluate(expression);
      if (value) return value;
      if (Date.now() > end) {
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${expression}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sets the files of the `<input type=file>` matched by `selector`. */
  async setFiles(selector: string, files: string[]): Promise<void> {
    const r = await this.send("Runtime.evaluate", {
      expression: `document.querySelector(${JSON.stringify(selector)})`,
    });
    if (!r.result.objectId) throw new Error(`no element ${selector}`);
    await this.send("DOM.setFileInputFiles", {
      files,
      objectId: r.result.objectId,
    });
  }

  /** A PNG screenshot of the viewport. */
  async screenshot(): Promise<Uint8Array> {
    const r = await this.send("Page.captureScreenshot", { format: "png" });
    return Uint8Array.from(atob(r.data), (c) => c.charCodeAt(0));
  }
}

/** A running headless Chromium and its DevTools connection. */
export interface Browser {
  /** The browser-wide connection. */
  cdp: CdpConnection;
  /** Opens a blank page of `width` x `height` CSS pixels. */
  newPage(width?: number, height?: number): Promise<CdpPage>;
  /** Closes the connection, ends the browser and removes its profile. */
  close(): Promise<void>;
}

/** Reads `stream` to its end, calling `onText` with everything read so far. */
async function drain(
  stream: ReadableStream<Uint8Array>,
  onText: (all: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let all = "";
  for await (const chunk of stream) {
    all += decoder.decode(chunk, { stream: true });
    onText(all);
  }
}

/**
 * Launches headless Chromium with a fresh profile and remote debugging on a
 * free port, and connects to it.
 *
 * @param executable the browser's path (see {@link findChromium})
 * @param timeoutMs how long to wait for the DevTools URL
 * @throws {Error} when the browser does not start in time
 */
export async function launchChromium(
  executable: string,
  timeoutMs = 30_000,
): Promise<Browser> {
  const profile = await Deno.makeTempDir({ prefix: "oris_chromium_" });
  const child = new Deno.Command(executable, {
    args: [
      "--headless=new",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "--no-sandbox",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  let found: (url: string) => void = () => {};
  const urlFound = new Promise<string>((r) => found = r);
  const drained = drain(child.stderr, (all) => {
    stderr = all;
    const url = devToolsUrl(all);
    if (url) found(url);
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((r) => {
    timer = setTimeout(() => r(null), timeoutMs);
  });
  const exited = child.status.then(() => null);
  const url = await Promise.race([urlFound, timeout, exited]);
  clearTimeout(timer);
  const stop = async () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already ended.
    }
    await child.status;
    await drained;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  };
  if (!url) {
    await stop();
    throw new Error(`Chromium did not start: ${stderr.slice(-2000)}`);
  }
  const cdp = await CdpConnection.open(url);
  return {
    cdp,
    async newPage(width = 1024, height = 768) {
      const { targetId } = await cdp.send("Target.createTarget", {
        url: "about:blank",
      });
      const { sessionId } = await cdp.send("Target.attachToTarget", {
        targetId,
        flatten: true,
      });
      const page = new CdpPage(cdp, sessionId);
      await page.send("Page.enable");
      await page.send("Emulation.setDeviceMetricsOverride", {
        width,
        height,
        deviceScaleFactor: 1,
        mobile: false,
      });
      return page;
    },
    async close() {
      await cdp.send("Browser.close").catch(() => {});
      await cdp.close();
      await stop();
    },
  };
}
