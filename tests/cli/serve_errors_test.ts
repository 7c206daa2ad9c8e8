import assert from "node:assert/strict";
import { createHandler } from "../../cli/serve/handler.ts";
import { withTemp } from "../helpers/temp.ts";
import {
  greyPng,
  heldSegmenter,
  segmentRequest,
} from "../helpers/serve_api.ts";

/** Answers `request` and reads its JSON body; the status is checked, and that no stack leaks. */
async function answer(
  handler: (r: Request) => Promise<Response>,
  request: Request,
  status: number,
): Promise<Record<string, unknown>> {
  const response = await handler(request);
  const body = await response.json();
  assert.equal(response.status, status, JSON.stringify(body));
  assert.match(
    response.headers.get("content-type") ?? "",
    /^application\/json/,
  );
  assert.doesNotMatch(JSON.stringify(body), /\bat .*\.ts:\d+/);
  return body;
}

/** A handler over a segmenter that never finishes a run until released. */
function idleHandler(options: Parameters<typeof createHandler>[0] = {
  segmenter: heldSegmenter(() => new Promise(() => {})).segmenter,
}) {
  return createHandler({ log: () => {}, webDir: "/nonexistent", ...options });
}

Deno.test("POST /api/segment without an image answers 400 naming the image field", async () => {
  const body = await answer(
    idleHandler(),
    segmentRequest({ texts: ["the dog"] }),
    400,
  );
  assert.match(String(body.error), /image/);
});

Deno.test("POST /api/segment without a text answers 400 naming the text field", async () => {
  const body = await answer(
    idleHandler(),
    segmentRequest({ image: await greyPng() }),
    400,
  );
  assert.match(String(body.error), /text/);
});

Deno.test("POST /api/segment with a bad option, too many texts or an absurdly long one answers 400", async () => {
  const handler = idleHandler();
  const image = await greyPng();
  const bad: { fields: Record<string, string>; error: RegExp }[] = [
    { fields: { alpha: "2" }, error: /alpha must be a number from 0 to 1/ },
    { fields: { alpha: "x" }, error: /alpha must be a number/ },
    { fields: { spatial: "sideways" }, error: /spatial must be one of/ },
    { fields: { topK: "0" }, error: /topK must be/ },
  ];
  for (const { fields, error } of bad) {
    const body = await answer(
      handler,
      segmentRequest({ image, texts: ["a"], fields }),
      400,
    );
    assert.match(String(body.error), error);
  }
  const many = await answer(
    handler,
    segmentRequest({ image, texts: Array(17).fill("a") }),
    400,
  );
  assert.match(String(many.error), /limit is 16/);
  const long = await answer(
    handler,
    segmentRequest({ image, texts: ["a".repeat(1001)] }),
    400,
  );
  assert.match(String(long.error), /limit is 1000/);
  const blank = await answer(
    handler,
    segmentRequest({ image, texts: ["  "] }),
    400,
  );
  assert.match(String(blank.error), /empty/);
});

Deno.test("POST /api/segment with a body that is not a multipart form answers 400", async () => {
  const body = await answer(
    idleHandler(),
    new Request("http://localhost/api/segment", {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    }),
    400,
  );
  assert.match(String(body.error), /multipart/);
});

Deno.test("POST /api/segment with an image over the byte or pixel limit answers 413", async () => {
  const image = await greyPng(8, 8);
  const bytes = await answer(
    idleHandler({
      segmenter: heldSegmenter(() => new Promise(() => {})).segmenter,
      limits: { maxImageBytes: 10 },
    }),
    segmentRequest({ image, texts: ["a"] }),
    413,
  );
  assert.match(String(bytes.error), /too large/);
  const pixels = await answer(
    idleHandler({
      segmenter: heldSegmenter(() => new Promise(() => {})).segmenter,
      limits: { maxImagePixels: 63 },
    }),
    segmentRequest({ image, texts: ["a"] }),
    413,
  );
  assert.match(String(pixels.error), /too large/);
  const declared = await answer(
    idleHandler(),
    new Request("http://localhost/api/segment", {
      method: "POST",
      body: "x",
      headers: {
        "content-type": "multipart/form-data; boundary=x",
        "content-length": String(200_000_000),
      },
    }),
    413,
  );
  assert.match(String(declared.error), /too large/);
});

Deno.test("POST /api/segment with a file that is not a PNG or JPEG answers 415; a damaged PNG 400", async () => {
  const handler = idleHandler();
  const gif = new TextEncoder().encode("GIF89a not really");
  const body = await answer(
    handler,
    segmentRequest({ image: gif, texts: ["a"] }),
    415,
  );
  assert.match(String(body.error), /PNG or JPEG/);
  const damaged = (await greyPng()).slice(0, 30);
  await answer(handler, segmentRequest({ image: damaged, texts: ["a"] }), 400);
});

Deno.test("while the models load, /api/health says loading and /api/segment answers 503", async () => {
  const handler = idleHandler({ segmenter: new Promise(() => {}) });
  const health = await answer(
    handler,
    new Request("http://localhost/api/health"),
    200,
  );
  assert.deepEqual(health, { status: "loading" });
  const body = await answer(
    handler,
    segmentRequest({ image: await greyPng(), texts: ["a"] }),
    503,
  );
  assert.match(String(body.error), /loading/);
  const info = await answer(
    handler,
    new Request("http://localhost/api/info"),
    200,
  );
  assert.equal(info.status, "loading");
  assert.equal((info.limits as { maxSentences: number }).maxSentences, 16);
});

Deno.test("when the models fail to load, /api/health says failed with the reason and /api/segment answers 503", async () => {
  const logged: string[] = [];
  const handler = createHandler({
    segmenter: Promise.reject(new Error("no such model")),
    log: (t) => logged.push(t),
  });
  await new Promise((r) => setTimeout(r, 0));
  const health = await answer(
    handler,
    new Request("http://localhost/api/health"),
    200,
  );
  assert.deepEqual(health, { status: "failed", error: "no such model" });
  const body = await answer(
    handler,
    segmentRequest({ image: await greyPng(), texts: ["a"] }),
    503,
  );
  assert.match(String(body.error), /failed to load: no such model/);
  assert.equal(logged.length, 1);
});

Deno.test("a request that finds the queue full answers 503 at once, and the queued ones still run", async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => release = r);
  const { segmenter, counts } = heldSegmenter(() => held);
  const handler = idleHandler({ segmenter, queueSize: 2 });
  const image = await greyPng();
  const first = handler(segmentRequest({ image, texts: ["a"] }));
  const second = handler(segmentRequest({ image, texts: ["b"] }));
  await new Promise((r) => setTimeout(r, 50));
  const body = await answer(
    handler,
    segmentRequest({ image, texts: ["c"] }),
    503,
  );
  assert.match(String(body.error), /busy/);
  release();
  // The fake fails each run once released: both queued requests ran.
  assert.equal((await first).status, 500);
  assert.equal((await second).status, 500);
  assert.equal(counts.runs, 2);
});

Deno.test("a request past its timeout answers 503 and aborts its run through the segmenter's signal", async () => {
  const { segmenter, counts } = heldSegmenter(() => new Promise(() => {}));
  const handler = idleHandler({ segmenter, timeoutMs: 30 });
  const body = await answer(
    handler,
    segmentRequest({ image: await greyPng(), texts: ["a"] }),
    503,
  );
  assert.match(String(body.error), /timed out after 0.03 s/);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(counts.runs, 1);
  assert.equal(counts.aborted, 1);
});

Deno.test("an unexpected failure answers 500 with the message only, and the stack goes to the server's log", async () => {
  const logged: string[] = [];
  const { segmenter } = heldSegmenter(() => Promise.resolve());
  const handler = createHandler({ segmenter, log: (t) => logged.push(t) });
  const body = await answer(
    handler,
    segmentRequest({ image: await greyPng(), texts: ["a"] }),
    500,
  );
  assert.equal(body.error, "Internal error: released");
  assert.match(logged.join("\n"), /Error: released\n\s+at /);
});

Deno.test("unknown routes answer 404 and wrong methods 405 with an Allow header", async () => {
  const handler = idleHandler();
  await answer(handler, new Request("http://localhost/api/nothing"), 404);
  await answer(handler, new Request("http://localhost/missing.js"), 404);
  const get = await handler(new Request("http://localhost/api/segment"));
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST");
  assert.match((await get.json()).error, /GET is not allowed/);
  const post = await handler(
    new Request("http://localhost/api/health", { method: "POST" }),
  );
  assert.equal(post.status, 405);
  await post.body?.cancel();
  const del = await handler(
    new Request("http://localhost/", { method: "DELETE" }),
  );
  assert.equal(del.status, 405);
  await del.body?.cancel();
});

Deno.test("/ answers the API's routes when web/ has no index.html, and web/'s files with their types when it has", async () => {
  const bare = await idleHandler()(new Request("http://localhost/"));
  assert.equal(bare.status, 200);
  assert.match(await bare.text(), /POST \/api\/segment/);
  await withTemp(async (dir) => {
    await Deno.writeTextFile(`${dir}/index.html`, "<p>page</p>");
    await Deno.writeTextFile(`${dir}/app.js`, "let a = 1;");
    await Deno.writeTextFile(`${dir}/../oris_secret.txt`, "secret").catch(
      () => {},
    );
    const handler = createHandler({
      segmenter: new Promise(() => {}),
      webDir: dir,
    });
    const index = await handler(new Request("http://localhost/"));
    assert.equal(await index.text(), "<p>page</p>");
    assert.match(index.headers.get("content-type")!, /^text\/html/);
    const js = await handler(new Request("http://localhost/app.js"));
    assert.match(js.headers.get("content-type")!, /^text\/javascript/);
    assert.equal(await js.text(), "let a = 1;");
    for (
      const path of ["/../oris_secret.txt", "/%2e%2e/oris_secret.txt", "/.env"]
    ) {
      const r = await handler(new Request(`http://localhost${path}`));
      assert.equal(r.status, 404, path);
      await r.body?.cancel();
    }
    await Deno.remove(`${dir}/../oris_secret.txt`).catch(() => {});
  });
});
