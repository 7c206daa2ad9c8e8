import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { downloadFile } from "../../io/model_download.ts";
import {
  checkCachedFile,
  verifyModel,
  writeFileMeta,
} from "../../io/model_cache.ts";
import {
  ModelDownloadError,
  ModelEndpointError,
  ModelResponseError,
  type ModelResponseProblem,
} from "../../pipeline/models/errors.ts";
import {
  contentProblem,
  DEFAULT_SIZE_LIMITS,
  hubAnswerProblem,
  hubFileUrl,
  sizeLimitFor,
} from "../../pipeline/models/hub.ts";
import { permanentNetworkProblem } from "../../pipeline/models/transfer.ts";
import { hubSource } from "../../pipeline/models/source.ts";
import {
  modelFiles,
  resolveModelSpec,
} from "../../pipeline/models/registry.ts";
import {
  fixtureRepoFiles,
  type HubServer,
  hubStore,
  startHubServer,
} from "../helpers/hub_server.ts";
import { listDir, withTemp } from "../helpers/temp.ts";

const REPO = "acme/tiny-clip";
const SPEC = resolveModelSpec(REPO, "clip");
const FILES = fixtureRepoFiles(
  REPO,
  modelFiles(SPEC, "fp32").map((f) => f.path),
);
const CONFIG = "config.json";
const VISION = "onnx/vision_model.onnx";
const HTML = new TextEncoder().encode(
  "<!DOCTYPE html><html><body>Accept the terms of this network</body></html>",
);

function fileUrl(hub: HubServer, path: string): string {
  return hubFileUrl(hub.endpoint, REPO, "main", path);
}

/** A predicate for assert.rejects: a ModelResponseError of `problem` whose message matches. */
function refused(problem: ModelResponseProblem, message: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ModelResponseError, String(e));
    assert.equal(e.problem, problem);
    assert.match(e.message, message);
    assert.doesNotMatch(e.message, /accept the terms|DOCTYPE|<html/i);
    return true;
  };
}

/** A predicate for assert.rejects: an endpoint error that says how to work without the network. */
function endpointRefused(what: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ModelEndpointError, String(e));
    assert.match(e.message, what);
    assert.match(e.message, /Retrying cannot help/);
    assert.match(e.message, /HF_ENDPOINT/);
    assert.match(e.message, /HF_HUB_OFFLINE=1/);
    assert.match(e.message, /models folder \(localDir\)/);
    return true;
  };
}

// 1. Cache poisoning.

Deno.test("ModelStore.ensure() refuses a captive portal's HTML page, keeps nothing, and fetches the file once the portal is gone", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/${CONFIG}`, { html: true });
  await withTemp(async (dir) => {
    const store = hubStore(hub.endpoint, dir);
    await assert.rejects(
      store.ensure(SPEC, "fp32"),
      refused("html", /config\.json of acme\/tiny-clip: .* an HTML page/),
    );
    const status = await checkCachedFile(dir, REPO, CONFIG);
    assert.equal(status.state, "missing");
    assert.equal(status.meta, undefined);
    const modelDir = join(dir, "acme", "tiny-clip");
    assert.ok(!(await listDir(modelDir)).includes("config.json.part"));

    hub.setFault(`${REPO}/${CONFIG}`, {});
    const files = await store.ensure(SPEC, "fp32");
    const config = files.find((f) => f.path === CONFIG)!;
    assert.equal(config.status, "downloaded");
    assert.deepEqual(
      await Deno.readFile(config.localPath),
      FILES[`${REPO}/${CONFIG}`],
    );
  });
});

Deno.test("downloadFile() refuses bytes served without the hub's ETag and X-Repo-Commit", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/${VISION}`, { bare: true });
  await withTemp(async (dir) => {
    await assert.rejects(
      downloadFile(fileUrl(hub, VISION), join(dir, "v.onnx")),
      refused("not-hub", /without the hub's ETag, X-Repo-Commit/),
    );
    assert.deepEqual(await listDir(dir), []);
    assert.equal(hub.count(), 1, "refused at once, not retried");
  });
});

Deno.test("downloadFile() refuses a JSON file that does not parse, even under the hub's headers", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/${CONFIG}`, {
    body: new TextEncoder().encode('{"model_type": "clip", Sign in'),
  });
  await withTemp(async (dir) => {
    await assert.rejects(
      downloadFile(fileUrl(hub, CONFIG), join(dir, "config.json")),
      refused("invalid-json", /text that is not valid JSON/),
    );
    assert.deepEqual(await listDir(dir), []);
  });
});

Deno.test("downloadFile() refuses an HTML page served under the hub's headers without an HTML Content-Type", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/tokenizer.json`, { body: HTML });
  await withTemp(async (dir) => {
    await assert.rejects(
      downloadFile(fileUrl(hub, "tokenizer.json"), join(dir, "t.json")),
      refused("html", /answered with an HTML page, not the file/),
    );
    assert.deepEqual(await listDir(dir), []);
  });
});

/** Puts `bytes` in the cache as `path` of REPO, recorded as a good download was. */
async function poison(dir: string, path: string, bytes: Uint8Array) {
  const local = join(dir, "acme", "tiny-clip", ...path.split("/"));
  await Deno.mkdir(join(local, ".."), { recursive: true });
  await Deno.writeFile(local, bytes);
  const stat = await Deno.stat(local);
  await writeFileMeta(dir, {
    repo: REPO,
    path,
    revision: "main",
    size: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    downloadedAt: new Date().toISOString(),
    mtimeMs: stat.mtime?.getTime(),
  });
  return local;
}

Deno.test("ModelStore.ensure() fetches again an HTML page an earlier version cached and recorded as the file", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (dir) => {
    const store = hubStore(hub.endpoint, dir);
    await store.ensure(SPEC, "fp32");
    const local = await poison(dir, VISION, HTML);
    const files = await store.ensure(SPEC, "fp32");
    assert.equal(files.find((f) => f.path === VISION)?.status, "downloaded");
    assert.deepEqual(await Deno.readFile(local), FILES[`${REPO}/${VISION}`]);
    assert.equal(
      files.filter((f) => f.status === "cached").length,
      files.length - 1,
    );
  });
});

Deno.test("ModelStore.ensure() with force downloads every file again", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (dir) => {
    const store = hubStore(hub.endpoint, dir);
    await store.ensure(SPEC, "fp32");
    const files = await store.ensure(SPEC, "fp32", { force: true });
    assert.ok(files.every((f) => f.status === "downloaded"));
  });
});

Deno.test("verifyModel() reports a cached HTML page and a cached broken JSON file as bad content, and removes them", async () => {
  await withTemp(async (dir) => {
    await poison(dir, VISION, HTML);
    await poison(dir, CONFIG, new TextEncoder().encode("{"));
    const report = await verifyModel(dir, REPO, { remove: true });
    assert.equal(report.ok, false);
    const states = Object.fromEntries(
      report.files.map((f) => [f.path, [f.state, f.removed]]),
    );
    assert.deepEqual(states, {
      [CONFIG]: ["bad-content", true],
      [VISION]: ["bad-content", true],
    });
    assert.equal(
      report.files.find((f) => f.path === VISION)?.status.content?.detail,
      "an HTML page",
    );
    assert.equal((await checkCachedFile(dir, REPO, VISION)).state, "missing");
  });
});

Deno.test("hubAnswerProblem() asks for the headers the hub sends with git and LFS files", () => {
  const commit = "0123456789abcdef0123456789abcdef01234567";
  const sha256 = "ab".repeat(32);
  const seen = { redirectsSeen: true, contentType: null };
  assert.equal(
    hubAnswerProblem({
      ...seen,
      linked: false,
      info: { size: 10, etag: "x", commit },
    }),
    undefined,
  );
  assert.equal(
    hubAnswerProblem({
      ...seen,
      linked: true,
      info: { size: 10, sha256, etag: sha256, commit },
    }),
    undefined,
  );
  assert.equal(
    hubAnswerProblem({
      ...seen,
      linked: true,
      info: { etag: "not-a-sha", commit },
    })?.detail,
    "an answer without the hub's X-Linked-Size, X-Linked-ETag (a SHA-256)",
  );
  assert.match(
    hubAnswerProblem({
      ...seen,
      linked: false,
      info: { size: 50 * 2 ** 20, etag: "x", commit },
    })?.detail ?? "",
    /over 10 MiB from LFS/,
  );
  assert.equal(
    hubAnswerProblem({
      contentType: "Text/HTML; charset=utf-8",
      redirectsSeen: true,
      linked: true,
      info: { size: 10, sha256, commit },
    })?.problem,
    "html",
  );
  assert.equal(
    hubAnswerProblem({ ...seen, redirectsSeen: false, linked: false, info: {} })
      ?.detail,
    "an answer without the hub's ETag",
  );
});

Deno.test("contentProblem() spots HTML in any file and unparsable JSON in .json files only", () => {
  const text = (s: string) => new TextEncoder().encode(s);
  assert.equal(
    contentProblem("a.onnx", text("\n  <html><p>x"))?.problem,
    "html",
  );
  assert.equal(contentProblem("a.onnx", text("{")), undefined);
  assert.equal(contentProblem("a.json", text("{"))?.problem, "invalid-json");
  assert.equal(
    contentProblem("a.json", new Uint8Array([0x7b, 0xff, 0x7d]))?.detail,
    "bytes that are not UTF-8 text",
  );
  assert.equal(contentProblem("a.json", text('\uFEFF{"a": 1}')), undefined);
});

// 2. Unbounded downloads.

Deno.test("downloadFile() refuses a file announced at 10^12 bytes before asking for its body", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/${VISION}`, { announceSize: 1e12 });
  await withTemp(async (dir) => {
    await assert.rejects(
      downloadFile(fileUrl(hub, VISION), join(dir, "v.onnx")),
      refused(
        "too-large",
        /a file of 1000000000000 bytes \(announced\), over the limit of 4294967296 bytes for a binary file/,
      ),
    );
    assert.equal(hub.count((r) => r.path.startsWith("/cdn/")), 0);
    assert.deepEqual(await listDir(dir), []);
  });
});

Deno.test("downloadFile() stops an endless body with no announced size at the limit and keeps nothing", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/${CONFIG}`, { endless: true });
  await withTemp(async (dir) => {
    await assert.rejects(
      downloadFile(fileUrl(hub, CONFIG), join(dir, "config.json"), {
        maxBytes: 100_000,
      }),
      refused("too-large", /more than \d+ bytes, over the limit of 100000/),
    );
    assert.deepEqual(await listDir(dir), []);
  });
});

Deno.test("ModelStore's sizeLimits option caps ONNX and JSON files by kind", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (dir) => {
    const small = hubStore(hub.endpoint, dir, { sizeLimits: { binary: 1000 } });
    await assert.rejects(
      small.read(REPO, VISION),
      refused("too-large", /over the limit of 1000 bytes for a binary file/),
    );
    assert.equal(
      await small.read(REPO, CONFIG).then((b) => b.length > 0),
      true,
    );
    const tiny = hubStore(hub.endpoint, dir, { sizeLimits: { text: 10 } });
    await assert.rejects(
      tiny.read(REPO, "tokenizer.json"),
      refused(
        "too-large",
        /over the limit of 10 bytes for a JSON or text file/,
      ),
    );
    assert.equal((await checkCachedFile(dir, REPO, VISION)).state, "missing");
  });
});

Deno.test("sizeLimitFor() gives JSON and text files 16 MiB and ONNX files 4 GiB by default", () => {
  assert.equal(sizeLimitFor("tokenizer.json"), 16 * 2 ** 20);
  assert.equal(sizeLimitFor("merges.txt"), DEFAULT_SIZE_LIMITS.text);
  assert.equal(sizeLimitFor("onnx/text_model.onnx"), 4 * 2 ** 30);
  assert.equal(sizeLimitFor("onnx/a.onnx_data", { binary: 5 }), 5);
});

// 10. Retrying what cannot succeed.

Deno.test("downloadFile() fails at once on a redirect loop, without retrying", async () => {
  await using hub = startHubServer(FILES);
  const path = `/${REPO}/resolve/main/${CONFIG}`;
  hub.setFault(`${REPO}/${CONFIG}`, { redirectTo: path });
  await withTemp(async (dir) => {
    const retries: string[] = [];
    await assert.rejects(
      downloadFile(fileUrl(hub, CONFIG), join(dir, "config.json"), {
        retryDelayMs: 1000,
        onRetry: (r) => retries.push(r.reason),
      }),
      endpointRefused(/a redirect loop/),
    );
    assert.deepEqual(retries, []);
    assert.equal(hub.count(), 1);
  });
});

Deno.test("downloadFile() refuses a redirect to a scheme other than http(s), such as file:", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/${CONFIG}`, { redirectTo: "file:///etc/hostname" });
  await withTemp(async (dir) => {
    await assert.rejects(
      downloadFile(fileUrl(hub, CONFIG), join(dir, "config.json"), {
        retryDelayMs: 1000,
      }),
      endpointRefused(
        /redirects to file:\/\/\/etc\/hostname: its scheme is "file:"/,
      ),
    );
    assert.equal(hub.count(), 1);
    assert.deepEqual(await listDir(dir), []);
  });
});

Deno.test("ModelStore fails at once for an HF_ENDPOINT that is no http(s) URL, sending nothing", async () => {
  await withTemp(async (dir) => {
    for (
      const [endpoint, what] of [
        ["ftp://mirror.example", /its scheme is "ftp:"/],
        ["huggingface.co", /it is not a URL/],
      ] as const
    ) {
      let calls = 0;
      const store = hubStore(endpoint, dir, {
        retryDelayMs: 1000,
        fetch: () => {
          calls++;
          return Promise.reject(new TypeError("must not be called"));
        },
      });
      await assert.rejects(store.read(REPO, CONFIG), endpointRefused(what));
      assert.equal(calls, 0);
    }
  });
});

Deno.test("downloadFile() fails at once when the endpoint's host does not resolve, and still retries a refused connection", async () => {
  await withTemp(async (dir) => {
    const url = hubFileUrl("http://hub.invalid", REPO, "main", CONFIG);
    let calls = 0;
    const dns = () => {
      calls++;
      return Promise.reject(
        new TypeError("fetch failed", {
          cause: new Error(
            "client error (Connect): dns error: failed to lookup address information",
          ),
        }),
      );
    };
    await assert.rejects(
      downloadFile(url, join(dir, "a.json"), {
        fetch: dns,
        retryDelayMs: 1000,
      }),
      endpointRefused(/its host does not resolve/),
    );
    assert.equal(calls, 1);

    calls = 0;
    const refusing = () => {
      calls++;
      return Promise.reject(
        new TypeError("tcp connect error: Connection refused"),
      );
    };
    await assert.rejects(
      downloadFile(url, join(dir, "a.json"), {
        fetch: refusing,
        retries: 2,
        retryDelayMs: 0,
      }),
      (e: unknown) =>
        e instanceof ModelDownloadError && !(e instanceof ModelEndpointError),
    );
    assert.equal(calls, 3);
  });
});

Deno.test("permanentNetworkProblem() tells failures that cannot pass from those that may", () => {
  assert.match(
    permanentNetworkProblem(new TypeError("Url scheme 'ftp' not supported")) ??
      "",
    /scheme 'ftp'/,
  );
  assert.match(
    permanentNetworkProblem(
      new TypeError("fetch failed", {
        cause: new Error("invalid peer certificate: UnknownIssuer"),
      }),
    ) ?? "",
    /certificate/,
  );
  assert.equal(
    permanentNetworkProblem(new TypeError("connection reset by peer")),
    undefined,
  );
  assert.equal(permanentNetworkProblem(new Error("dns error")), undefined);
});

Deno.test("hubSource().read() refuses a JSON file that does not parse", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/${CONFIG}`, { body: new TextEncoder().encode("[1,") });
  const source = hubSource({ endpoint: hub.endpoint, retryDelayMs: 0 });
  await assert.rejects(
    source.read(REPO, CONFIG),
    refused("invalid-json", /not valid JSON/),
  );
});
