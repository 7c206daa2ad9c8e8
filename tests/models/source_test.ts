import assert from "node:assert/strict";
import {
  ModelIntegrityError,
  ModelNotFoundError,
} from "../../pipeline/models/errors.ts";
import { hubSource, sha256Hex } from "../../pipeline/models/source.ts";
import { fixtureBytes, startHubServer } from "../helpers/hub_server.ts";

const REPO = "acme/tiny-sam";
const ENCODER = fixtureBytes(50_000, 3);
const FILES = {
  [`${REPO}/onnx/vision_encoder.onnx`]: ENCODER,
  [`${REPO}/config.json`]: new TextEncoder().encode("{}"),
};

Deno.test("sha256Hex() hashes with Web Crypto", async () => {
  assert.equal(
    await sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("hubSource().read() fetches an LFS file into memory and checks it", async () => {
  await using hub = startHubServer(FILES);
  const source = hubSource({ endpoint: hub.endpoint, retryDelayMs: 0 });
  assert.deepEqual(
    await source.read(REPO, "onnx/vision_encoder.onnx"),
    ENCODER,
  );
  assert.deepEqual(
    await source.read(REPO, "config.json"),
    FILES[`${REPO}/config.json`],
  );
  assert.equal(
    source.describe(REPO, "config.json"),
    `${hub.endpoint}/${REPO}/resolve/main/config.json`,
  );
});

Deno.test("hubSource().read() resumes a dropped connection with a Range request", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/onnx/vision_encoder.onnx`, { dropAfter: 20_000 });
  const progress: number[] = [];
  const source = hubSource({
    endpoint: hub.endpoint,
    retryDelayMs: 0,
    onProgress: (p) => progress.push(p.received),
  });
  assert.deepEqual(
    await source.read(REPO, "onnx/vision_encoder.onnx"),
    ENCODER,
  );
  assert.equal(
    hub.count((r) => r.path.startsWith("/cdn/") && r.range === "bytes=20000-"),
    1,
  );
  assert.equal(progress.at(-1), ENCODER.length);
});

Deno.test("hubSource().read() rejects bytes whose SHA-256 differs from the hub's", async () => {
  await using hub = startHubServer(FILES);
  hub.setFault(`${REPO}/onnx/vision_encoder.onnx`, { wrongBytes: true });
  const source = hubSource({ endpoint: hub.endpoint, retryDelayMs: 0 });
  await assert.rejects(
    source.read(REPO, "onnx/vision_encoder.onnx"),
    (e: unknown) =>
      e instanceof ModelIntegrityError &&
      /onnx\/vision_encoder\.onnx of acme\/tiny-sam: the download is corrupt \(SHA-256 [0-9a-f]{64} instead of [0-9a-f]{64}\)/
        .test(e.message),
  );
});

Deno.test("hubSource().read() reports a missing file with its path", async () => {
  await using hub = startHubServer(FILES);
  const source = hubSource({ endpoint: hub.endpoint, revision: "main" });
  await assert.rejects(
    source.read(REPO, "onnx/vision_encoder_fp16.onnx"),
    (e: unknown) =>
      e instanceof ModelNotFoundError &&
      e.message.includes("onnx/vision_encoder_fp16.onnx"),
  );
});
