import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { downloadFile } from "../../io/model_download.ts";
import {
  ModelAccessError,
  ModelDownloadError,
  ModelIntegrityError,
  ModelNotFoundError,
} from "../../pipeline/models/errors.ts";
import { hubFileUrl } from "../../pipeline/models/hub.ts";
import {
  fixtureBytes,
  type HubServer,
  startHubServer,
} from "../helpers/hub_server.ts";
import { listDir, withTemp } from "../helpers/temp.ts";

const REPO = "acme/tiny-clip";
const ONNX = fixtureBytes(100_000, 7);
const CONFIG = new TextEncoder().encode('{"model_type":"clip"}');
const FILES = {
  [`${REPO}/onnx/vision_model.onnx`]: ONNX,
  [`${REPO}/config.json`]: CONFIG,
};

/** The resolve URL of `path` of REPO at main on the local hub. */
function fileUrl(hub: HubServer, path: string): string {
  return hubFileUrl(hub.endpoint, REPO, "main", path);
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

Deno.test("downloadFile() follows the hub's LFS redirect and checks the announced SHA-256", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (dir) => {
    const dest = join(dir, "m", "vision_model.onnx");
    const url = fileUrl(hub, "onnx/vision_model.onnx");
    const result = await downloadFile(url, dest, { retryDelayMs: 0 });
    assert.deepEqual(await Deno.readFile(dest), ONNX);
    assert.equal(result.size, ONNX.length);
    assert.equal(result.sha256, sha256(ONNX));
    assert.equal(result.hubSha256, sha256(ONNX));
    assert.equal(result.commit, hub.commit);
    assert.equal(result.resumed, false);
    assert.deepEqual(await listDir(join(dir, "m")), ["vision_model.onnx"]);
    assert.deepEqual(hub.requests.map((r) => r.path.split("?")[0]), [
      `/${REPO}/resolve/main/onnx/vision_model.onnx`,
      `/cdn/${sha256(ONNX)}/vision_model.onnx`,
    ]);
  });
});

Deno.test("downloadFile() fetches a git file whose ETag is a SHA-1, checking its size", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (dir) => {
    const dest = join(dir, "config.json");
    const result = await downloadFile(
      fileUrl(hub, "config.json"),
      dest,
    );
    assert.deepEqual(await Deno.readFile(dest), CONFIG);
    assert.equal(result.hubSha256, undefined);
    assert.equal(result.sha256, sha256(CONFIG));
    assert.equal(hub.count(), 1);
  });
});

Deno.test("downloadFile() resumes a connection dropped mid-file", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/onnx/vision_model.onnx`, { dropAfter: 40_000 });
  await withTemp(async (dir) => {
    const dest = join(dir, "vision_model.onnx");
    const url = fileUrl(hub, "onnx/vision_model.onnx");
    const seen: number[] = [];
    const result = await downloadFile(url, dest, {
      retryDelayMs: 0,
      onProgress: (p) => seen.push(p.received),
    });
    assert.deepEqual(await Deno.readFile(dest), ONNX);
    assert.equal(result.resumed, true);
    assert.equal(result.attempts, 2);
    const ranges = hub.requests.filter((r) => r.path.startsWith("/cdn/")).map((
      r,
    ) => r.range);
    assert.deepEqual(ranges, [null, "bytes=40000-"]);
    assert.equal(seen.at(-1), ONNX.length);
    assert.deepEqual(await listDir(dir), ["vision_model.onnx"]);
  });
});

Deno.test("downloadFile() drops a stalled connection and resumes it", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/onnx/vision_model.onnx`, { stallAfter: 25_000 });
  await withTemp(async (dir) => {
    const dest = join(dir, "vision_model.onnx");
    const url = fileUrl(hub, "onnx/vision_model.onnx");
    const result = await downloadFile(url, dest, {
      retryDelayMs: 0,
      idleTimeoutMs: 200,
    });
    assert.deepEqual(await Deno.readFile(dest), ONNX);
    assert.equal(result.attempts, 2);
    assert.equal(
      hub.count((r) =>
        r.path.startsWith("/cdn/") && r.range === "bytes=25000-"
      ),
      1,
    );
  });
});

Deno.test("downloadFile() stops on abort and keeps the partial file for later", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/onnx/vision_model.onnx`, { stallAfter: 25_000 });
  await withTemp(async (dir) => {
    const dest = join(dir, "vision_model.onnx");
    const url = fileUrl(hub, "onnx/vision_model.onnx");
    const controller = new AbortController();
    const pending = downloadFile(url, dest, {
      signal: controller.signal,
      retryDelayMs: 0,
      onProgress: (p) => {
        if (p.received >= 25_000) controller.abort(new Error("stop"));
      },
    });
    await assert.rejects(pending, /stop/);
    assert.equal((await Deno.stat(`${dest}.part`)).size, 25_000);
    await assert.rejects(Deno.stat(dest), Deno.errors.NotFound);
    assert.equal(
      hub.count((r) => r.path.startsWith("/cdn/")),
      1,
      "an abort is not retried",
    );
    await downloadFile(url, dest, { retryDelayMs: 0 });
    assert.deepEqual(await Deno.readFile(dest), ONNX);
  });
});

Deno.test("downloadFile() resumes a partial file left by an earlier run", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (dir) => {
    const dest = join(dir, "vision_model.onnx");
    await Deno.writeFile(`${dest}.part`, ONNX.slice(0, 12_345));
    const url = fileUrl(hub, "onnx/vision_model.onnx");
    const result = await downloadFile(url, dest, { retryDelayMs: 0 });
    assert.deepEqual(await Deno.readFile(dest), ONNX);
    assert.equal(result.resumed, true);
    assert.equal(result.sha256, sha256(ONNX));
    const cdn = hub.requests.filter((r) => r.path.startsWith("/cdn/"));
    assert.deepEqual(cdn.map((r) => r.range), ["bytes=12345-"]);
  });
});

Deno.test("downloadFile() starts over when the server ignores the Range header", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/onnx/vision_model.onnx`, { ignoreRange: true });
  await withTemp(async (dir) => {
    const dest = join(dir, "vision_model.onnx");
    await Deno.writeFile(`${dest}.part`, ONNX.slice(0, 5_000));
    const url = fileUrl(hub, "onnx/vision_model.onnx");
    await downloadFile(url, dest, { retryDelayMs: 0 });
    assert.deepEqual(await Deno.readFile(dest), ONNX);
  });
});

Deno.test("downloadFile() discards a partial file of other content and fetches the file whole", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (dir) => {
    const dest = join(dir, "vision_model.onnx");
    await Deno.writeFile(`${dest}.part`, fixtureBytes(30_000, 99));
    const url = fileUrl(hub, "onnx/vision_model.onnx");
    const result = await downloadFile(url, dest, { retryDelayMs: 0 });
    assert.deepEqual(await Deno.readFile(dest), ONNX);
    assert.equal(result.sha256, sha256(ONNX));
    const cdn = hub.requests.filter((r) => r.path.startsWith("/cdn/"));
    assert.deepEqual(cdn.map((r) => r.range), ["bytes=30000-", null]);
  });
});

Deno.test("downloadFile() rejects a wrong hash and leaves neither file nor temp file", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/onnx/vision_model.onnx`, { wrongBytes: true });
  await withTemp(async (dir) => {
    const dest = join(dir, "m", "vision_model.onnx");
    const url = fileUrl(hub, "onnx/vision_model.onnx");
    await assert.rejects(
      downloadFile(url, dest, { retryDelayMs: 0 }),
      (e: unknown) =>
        e instanceof ModelIntegrityError &&
        e.message.includes(`SHA-256`) && e.message.includes(sha256(ONNX)) &&
        e.message.includes("onnx/vision_model.onnx of acme/tiny-clip") &&
        e.message.includes("deleted"),
    );
    assert.deepEqual(await listDir(join(dir, "m")), []);
  });
});

Deno.test("downloadFile() rejects a file that does not match the expected hash", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (dir) => {
    const dest = join(dir, "config.json");
    const url = fileUrl(hub, "config.json");
    await assert.rejects(
      downloadFile(url, dest, { expected: { sha256: "0".repeat(64) } }),
      ModelIntegrityError,
    );
    assert.deepEqual(await listDir(dir), []);
  });
});

Deno.test("downloadFile() names repo, revision and path on a 404", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (dir) => {
    const dest = join(dir, "x", "text_model_fp16.onnx");
    const url = fileUrl(hub, "onnx/text_model_fp16.onnx");
    await assert.rejects(
      downloadFile(url, dest, { retryDelayMs: 0 }),
      (e: unknown) =>
        e instanceof ModelNotFoundError &&
        /onnx\/text_model_fp16\.onnx of acme\/tiny-clip at revision main not found/
          .test(e.message) &&
        /check the model id/.test(e.message),
    );
    assert.deepEqual(await listDir(join(dir, "x")), []);
    assert.equal(hub.count(), 1, "a 404 is not retried");
  });
});

Deno.test("downloadFile() says to set HF_TOKEN when the hub answers 401", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (dir) => {
    const url = hubFileUrl(
      hub.endpoint,
      "acme/private-model",
      "main",
      "config.json",
    );
    await assert.rejects(
      downloadFile(url, join(dir, "config.json")),
      (e: unknown) =>
        e instanceof ModelAccessError && /HF_TOKEN/.test(e.message),
    );
  });
});

Deno.test("downloadFile() sends Authorization: Bearer with the token to the hub", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (dir) => {
    const url = fileUrl(hub, "onnx/vision_model.onnx");
    await downloadFile(url, join(dir, "v.onnx"), { token: "hf_secret" });
    assert.equal(hub.requests[0].authorization, "Bearer hf_secret");
  });
});

Deno.test("downloadFile() retries a failing server a bounded number of times", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/config.json`, { status: 503 });
  await withTemp(async (dir) => {
    const url = fileUrl(hub, "config.json");
    await assert.rejects(
      downloadFile(url, join(dir, "config.json"), {
        retries: 2,
        retryDelayMs: 0,
      }),
      (e: unknown) =>
        e instanceof ModelDownloadError && /after 3 attempts/.test(e.message),
    );
    assert.equal(hub.count(), 3);
    assert.deepEqual(await listDir(dir), []);
  });
});

Deno.test("downloadFile() reports a network failure with its cause", async () => {
  await withTemp(async (dir) => {
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new TypeError("connection refused"));
    };
    const url = hubFileUrl("http://127.0.0.1:9", REPO, "main", "config.json");
    await assert.rejects(
      downloadFile(url, join(dir, "config.json"), {
        fetch: failing,
        retries: 1,
        retryDelayMs: 0,
      }),
      (e: unknown) =>
        e instanceof ModelDownloadError &&
        /connection refused/.test(e.message) &&
        /config\.json of acme\/tiny-clip/.test(e.message) &&
        e.cause instanceof TypeError,
    );
    assert.equal(calls, 2);
  });
});

Deno.test("downloadFile() with an already aborted signal sends no request and keeps the partial file", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (dir) => {
    const dest = join(dir, "vision_model.onnx");
    await Deno.writeFile(`${dest}.part`, ONNX.slice(0, 1_000));
    const controller = new AbortController();
    controller.abort(new Error("cancelled before the start"));
    await assert.rejects(
      downloadFile(fileUrl(hub, "onnx/vision_model.onnx"), dest, {
        signal: controller.signal,
        retryDelayMs: 0,
      }),
      /cancelled before the start/,
    );
    assert.equal(hub.count(), 0);
    assert.deepEqual(await listDir(dir), ["vision_model.onnx.part"]);
    assert.equal((await Deno.stat(`${dest}.part`)).size, 1_000);
  });
});

Deno.test("downloadFile() deletes the partial file when the server sends more bytes than announced", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/onnx/vision_model.onnx`, { extraBytes: 10 });
  await withTemp(async (dir) => {
    const dest = join(dir, "vision_model.onnx");
    // A partial file from an earlier run: the resumed answer overflows.
    await Deno.writeFile(`${dest}.part`, ONNX.slice(0, 50_000));
    await assert.rejects(
      downloadFile(fileUrl(hub, "onnx/vision_model.onnx"), dest, {
        retryDelayMs: 0,
      }),
      (e: unknown) =>
        e instanceof ModelIntegrityError &&
        /more than the announced 100000 bytes/.test(e.message),
    );
    assert.deepEqual(await listDir(dir), []);
  });
});

Deno.test("downloadFile() lets a second call for the same file wait for the first and use its file", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (dir) => {
    const dest = join(dir, "vision_model.onnx");
    const url = fileUrl(hub, "onnx/vision_model.onnx");
    const waits: string[] = [];
    const options = {
      retryDelayMs: 0,
      onLockWait: (w: { path: string; pid?: number }) =>
        waits.push(`${w.path} ${w.pid}`),
    };
    const results = await Promise.all([
      downloadFile(url, dest, options),
      downloadFile(url, dest, options),
    ]);
    // The second call waits on the first's lock; on a loaded machine the
    // first may already be done when the second looks, and then it takes
    // the finished file without waiting. Either way: one download.
    assert.ok(waits.length <= 1, String(waits));
    assert.ok(
      waits.every((w) => w === `${dest}.lock ${Deno.pid}`),
      String(waits),
    );
    assert.deepEqual(results.map((r) => r.attempts).sort(), [0, 1]);
    assert.ok(results.every((r) => r.sha256 === sha256(ONNX)));
    assert.equal(
      hub.count((r) => r.path.startsWith("/cdn/")),
      1,
      "the file was downloaded once",
    );
    assert.deepEqual(await listDir(dir), ["vision_model.onnx"]);
  });
});

Deno.test("downloadFile() takes over a lock left untouched for longer than lockStaleMs", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (dir) => {
    const dest = join(dir, "config.json");
    await Deno.writeTextFile(`${dest}.lock`, '{"pid":1}\n');
    const old = new Date(Date.now() - 120_000);
    await Deno.utime(`${dest}.lock`, old, old);
    const controller = new AbortController();
    await downloadFile(fileUrl(hub, "config.json"), dest, {
      lockStaleMs: 60_000,
      signal: controller.signal,
      onLockWait: () => controller.abort(new Error("waited for a stale lock")),
    });
    assert.deepEqual(await Deno.readFile(dest), CONFIG);
    assert.deepEqual(await listDir(dir), ["config.json"]);
  });
});

Deno.test("downloadFile() stops waiting for a held lock when aborted, and leaves the lock alone", async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (dir) => {
    const dest = join(dir, "config.json");
    // Held by this very process, so it is alive and fresh: never stale.
    await Deno.writeTextFile(
      `${dest}.lock`,
      JSON.stringify({ pid: Deno.pid, createdAt: new Date().toISOString() }),
    );
    const controller = new AbortController();
    await assert.rejects(
      downloadFile(fileUrl(hub, "config.json"), dest, {
        signal: controller.signal,
        onLockWait: () => controller.abort(new Error("gave up waiting")),
      }),
      /gave up waiting/,
    );
    assert.equal(hub.count(), 0);
    assert.deepEqual(await listDir(dir), ["config.json.lock"]);
  });
});

Deno.test("downloadFile() takes over a lock whose process is gone", {
  ignore: Deno.build.os !== "linux",
}, async () => {
  await using hub = startHubServer(FILES);
  await withTemp(async (dir) => {
    const dest = join(dir, "config.json");
    const child = new Deno.Command("true").spawn();
    await child.status; // its pid now names no process
    await Deno.writeTextFile(
      `${dest}.lock`,
      JSON.stringify({
        pid: child.pid,
        hostname: Deno.hostname(),
        createdAt: new Date().toISOString(),
      }),
    );
    const controller = new AbortController();
    await downloadFile(fileUrl(hub, "config.json"), dest, {
      signal: controller.signal,
      onLockWait: () =>
        controller.abort(new Error("waited for a dead process")),
    });
    assert.deepEqual(await listDir(dir), ["config.json"]);
  });
});
