import assert from "node:assert/strict";
import { hubFileUrl } from "../../pipeline/models/hub.ts";
import {
  describeError,
  integrityProblems,
  openHubFile,
  transferHubFile,
  type TransferRetry,
  type TransferSink,
} from "../../pipeline/models/transfer.ts";
import { fixtureBytes, startHubServer } from "../helpers/hub_server.ts";

const REPO = "acme/tiny";
const BYTES = fixtureBytes(30_000, 5);
const SHA = "c".repeat(64);

class ArraySink implements TransferSink {
  chunks: Uint8Array[] = [];
  get offset() {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }
  write(chunk: Uint8Array) {
    this.chunks.push(chunk);
  }
  reset() {
    this.chunks = [];
  }
}

Deno.test("openHubFile() reads X-Linked headers of the redirect and sends the token to the hub only", async () => {
  const calls: { url: string; auth: string | null; redirect?: string }[] = [];
  const fakeFetch = (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    calls.push({
      url: String(input),
      auth: headers.get("authorization"),
      redirect: init?.redirect,
    });
    if (calls.length === 1) {
      return Promise.resolve(
        new Response(null, {
          status: 302,
          headers: {
            location: "https://cdn.example/blob?sig=1",
            "x-linked-etag": `"${SHA}"`,
            "x-linked-size": "3",
            "x-repo-commit": "abc",
          },
        }),
      );
    }
    return Promise.resolve(
      new Response(new Uint8Array([1, 2, 3]), {
        headers: { etag: '"md5ish"' },
      }),
    );
  };
  const opened = await openHubFile(
    hubFileUrl("https://hub.example", REPO, "main", "onnx/a.onnx"),
    {
      fetch: fakeFetch,
      token: "hf_t",
    },
  );
  assert.deepEqual(opened.info, {
    size: 3,
    sha256: SHA,
    etag: SHA,
    commit: "abc",
  });
  assert.equal(opened.url, "https://cdn.example/blob?sig=1");
  assert.deepEqual(calls.map((c) => [c.auth, c.redirect]), [[
    "Bearer hf_t",
    "manual",
  ], [null, "manual"]]);
  assert.deepEqual(await opened.response.bytes(), new Uint8Array([1, 2, 3]));
});

Deno.test("openHubFile() lets fetch follow redirects where the runtime hides them", async () => {
  await using hub = startHubServer({ [`${REPO}/onnx/a.onnx`]: BYTES });
  const modes: (string | undefined)[] = [];
  const browserLike = (input: string | URL | Request, init?: RequestInit) => {
    modes.push(init?.redirect);
    // Browsers answer redirect: "manual" with an opaque response of status 0.
    return init?.redirect === "manual"
      ? Promise.resolve(Response.error())
      : fetch(input, init);
  };
  const opened = await openHubFile(
    hubFileUrl(hub.endpoint, REPO, "main", "onnx/a.onnx"),
    { fetch: browserLike },
  );
  assert.deepEqual(modes, ["manual", "follow"]);
  assert.equal(opened.info.size, BYTES.length);
  assert.equal(opened.info.sha256, undefined, "the CDN's ETag is no SHA-256");
  assert.deepEqual(await opened.response.bytes(), BYTES);
});

Deno.test("transferHubFile() reports each retry with its reason", async () => {
  await using hub = startHubServer({ [`${REPO}/onnx/a.onnx`]: BYTES });
  hub.setFault(`${REPO}/onnx/a.onnx`, { dropAfter: 10_000 });
  const retries: TransferRetry[] = [];
  const sink = new ArraySink();
  const result = await transferHubFile(
    hubFileUrl(hub.endpoint, REPO, "main", "onnx/a.onnx"),
    sink,
    {
      retries: 3,
      retryDelayMs: 0,
      onRetry: (r) => retries.push(r),
    },
  );
  assert.equal(sink.offset, BYTES.length);
  assert.equal(result.resumed, true);
  assert.equal(retries.length, 1);
  assert.equal(retries[0].attempt, 1);
  assert.equal(retries[0].left, 2);
  assert.equal(retries[0].received, 10_000);
  assert.match(retries[0].reason, /\S/);
});

Deno.test("describeError() joins an error's message with its causes", () => {
  const inner = new Error("dns error: failed to lookup address");
  assert.equal(
    describeError(new TypeError("fetch failed", { cause: inner })),
    "fetch failed: dns error: failed to lookup address",
  );
  assert.equal(describeError("plain"), "plain");
});

Deno.test("transferHubFile() with an already aborted signal rejects before any request", async () => {
  let calls = 0;
  const counting = () => {
    calls++;
    return Promise.reject(new TypeError("must not be called"));
  };
  const controller = new AbortController();
  controller.abort(new Error("aborted early"));
  await assert.rejects(
    transferHubFile(
      hubFileUrl("https://hub.example", REPO, "main", "onnx/a.onnx"),
      new ArraySink(),
      { fetch: counting, signal: controller.signal, retryDelayMs: 0 },
    ),
    /aborted early/,
  );
  assert.equal(calls, 0);
});

Deno.test("integrityProblems() names the first wrong size and SHA-256, hashing only when asked", async () => {
  let hashed = 0;
  const hash = () => {
    hashed++;
    return "ab";
  };
  assert.deepEqual(
    await integrityProblems(3, hash, [{ size: 3 }, undefined]),
    [],
  );
  assert.equal(hashed, 0, "no SHA-256 expected: nothing hashed");
  assert.deepEqual(
    await integrityProblems(3, hash, [{ size: 4, sha256: "AB" }, {
      sha256: "cd",
    }]),
    ["size 3 bytes instead of 4", "SHA-256 ab instead of cd"],
  );
  assert.equal(hashed, 1);
});
