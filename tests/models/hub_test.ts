import assert from "node:assert/strict";
import {
  hubFileUrl,
  hubHttpError,
  normalizeEtag,
  parseContentRange,
  parseHubFileUrl,
  parseHubHeaders,
} from "../../pipeline/models/hub.ts";
import {
  ModelAccessError,
  ModelDownloadError,
  ModelNotFoundError,
} from "../../pipeline/models/errors.ts";

const SHA256 = "a".repeat(40) + "0123456789abcdef01234567";
const SHA1 = "b".repeat(40);

Deno.test("hubFileUrl() builds the resolve URL and encodes its parts", () => {
  assert.equal(
    hubFileUrl(
      "https://huggingface.co/",
      "Xenova/sam-vit-base",
      "main",
      "onnx/vision_encoder.onnx",
    ),
    "https://huggingface.co/Xenova/sam-vit-base/resolve/main/onnx/vision_encoder.onnx",
  );
  assert.equal(
    hubFileUrl("http://mirror.local/hf", "a/b", "refs/pr/1", "dir/a b#?.json"),
    "http://mirror.local/hf/a/b/resolve/refs%2Fpr%2F1/dir/a%20b%23%3F.json",
  );
});

Deno.test("parseHubFileUrl() inverts hubFileUrl()", () => {
  const url = hubFileUrl(
    "http://mirror.local/hf",
    "a/b",
    "refs/pr/1",
    "dir/a b#?.json",
  );
  assert.deepEqual(parseHubFileUrl(url), {
    endpoint: "http://mirror.local/hf",
    repo: "a/b",
    revision: "refs/pr/1",
    path: "dir/a b#?.json",
  });
  assert.equal(parseHubFileUrl("http://x/a/b/blob/main/c"), undefined);
  assert.equal(parseHubFileUrl("not a url"), undefined);
});

Deno.test("parseHubHeaders() takes the SHA-256 and size of an LFS redirect", () => {
  const info = parseHubHeaders(
    new Headers({
      "x-linked-etag": `"${SHA256.toUpperCase()}"`,
      "x-linked-size": "352000000",
      "content-length": "120",
      etag: `W/"${SHA1}"`,
      "x-repo-commit": "abc123",
    }),
  );
  assert.deepEqual(info, {
    size: 352000000,
    sha256: SHA256,
    etag: SHA256.toUpperCase(),
    commit: "abc123",
  });
});

Deno.test("parseHubHeaders() gives no hash for a git SHA-1 ETag", () => {
  const info = parseHubHeaders(
    new Headers({ etag: `W/"${SHA1}"`, "content-length": "466" }),
  );
  assert.deepEqual(info, { size: 466, etag: SHA1 });
});

Deno.test("parseHubHeaders() ignores Content-Length of an encoded body and malformed sizes", () => {
  assert.equal(
    parseHubHeaders(
      new Headers({ "content-length": "10", "content-encoding": "gzip" }),
    ).size,
    undefined,
  );
  assert.equal(
    parseHubHeaders(new Headers({ "x-linked-size": "12abc" })).size,
    undefined,
  );
  assert.equal(
    parseHubHeaders(
      new Headers({ "content-length": "7", "content-encoding": "identity" }),
    ).size,
    7,
  );
});

Deno.test("normalizeEtag() strips W/ and quotes", () => {
  assert.equal(normalizeEtag(` W/"abc" `), "abc");
  assert.equal(normalizeEtag(`"abc"`), "abc");
  assert.equal(normalizeEtag("abc"), "abc");
});

Deno.test("parseContentRange() reads satisfied and unsatisfied ranges", () => {
  assert.deepEqual(parseContentRange("bytes 100-199/1000"), {
    start: 100,
    end: 199,
    total: 1000,
  });
  assert.deepEqual(parseContentRange("bytes 0-9/*"), { start: 0, end: 9 });
  assert.deepEqual(parseContentRange("bytes */1000"), { total: 1000 });
  assert.equal(parseContentRange("bytes 9-1/10"), undefined);
  assert.equal(parseContentRange("items 0-1/2"), undefined);
  assert.equal(parseContentRange(null), undefined);
});

Deno.test("hubHttpError() maps statuses to errors that say what to do", () => {
  const ctx = {
    repo: "a/b",
    revision: "main",
    path: "onnx/x.onnx",
    url: "http://h/a/b/resolve/main/onnx/x.onnx",
  };
  const notFound = hubHttpError(404, { ...ctx, errorCode: "EntryNotFound" });
  assert.ok(notFound instanceof ModelNotFoundError);
  assert.match(
    notFound.message,
    /onnx\/x\.onnx of a\/b at revision main not found/,
  );
  assert.match(notFound.message, /check the model id/);
  assert.match(
    hubHttpError(404, { ...ctx, errorCode: "RevisionNotFound" }).message,
    /revision main of a\/b not found/,
  );
  const unauthorized = hubHttpError(401, ctx);
  assert.ok(unauthorized instanceof ModelAccessError);
  assert.match(unauthorized.message, /set HF_TOKEN/);
  assert.match(
    hubHttpError(401, { ...ctx, tokenSent: true }).message,
    /token in HF_TOKEN was refused/,
  );
  const gated = hubHttpError(403, ctx);
  assert.ok(gated instanceof ModelAccessError && gated.status === 403);
  assert.match(gated.message, /gated or private.*HF_TOKEN/);
  const failed = hubHttpError(503, ctx);
  assert.ok(failed instanceof ModelDownloadError && failed.status === 503);
});
