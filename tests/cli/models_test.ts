import assert from "node:assert/strict";
import { join } from "node:path";
import { runModelsCommand } from "../../cli/models.ts";
import { metadataPath, writeFileMeta } from "../../io/model_cache.ts";
import { createHash } from "node:crypto";
import {
  DEFAULT_CLIP,
  DEFAULT_SAM,
  modelFiles,
  resolveModelSpec,
} from "../../pipeline/models/registry.ts";
import {
  fixtureRepoFiles,
  type HubServer,
  startHubServer,
} from "../helpers/hub_server.ts";

const CLIP_PATHS = modelFiles(resolveModelSpec(DEFAULT_CLIP, "clip"), "fp32")
  .map((f) => f.path);
const SAM_PATHS = modelFiles(resolveModelSpec(DEFAULT_SAM, "sam"), "fp32").map((
  f,
) => f.path);
const FILES = {
  ...fixtureRepoFiles(DEFAULT_CLIP, CLIP_PATHS, 1),
  ...fixtureRepoFiles(DEFAULT_SAM, SAM_PATHS, 10),
  ...fixtureRepoFiles("acme/tiny-sam", SAM_PATHS, 20),
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function withHub(
  fn: (
    hub: HubServer,
    run: (...args: string[]) => Promise<Run>,
    cache: string,
  ) => Promise<void>,
  env: Record<string, string> = {},
) {
  await using hub = startHubServer(FILES);
  const cache = await Deno.makeTempDir({ prefix: "oris_cli_" });
  const run = async (...args: string[]): Promise<Run> => {
    let stdout = "";
    let stderr = "";
    const code = await runModelsCommand(args, {
      stdout: (t) => (stdout += t),
      stderr: { isTerminal: false, write: (t) => (stderr += t) },
      env: { HF_ENDPOINT: hub.endpoint, ORIS_CACHE: cache, ...env },
      retryDelayMs: 0,
    });
    return { code, stdout, stderr };
  };
  try {
    await fn(hub, run, cache);
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
}

Deno.test("runModelsCommand() pull fetches the default CLIP and SAM models, then finds them cached", async () => {
  await withHub(async (hub, run, cache) => {
    const first = await run("pull");
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      /Xenova\/clip-vit-base-patch32 fp32: 5 files, .* \(5 downloaded, 0 cached\)/,
    );
    assert.match(
      first.stdout,
      /Xenova\/slimsam-77-uniform fp32: 4 files, .* \(4 downloaded, 0 cached\)/,
    );
    assert.match(first.stderr, /onnx\/vision_model\.onnx: 100% \(/);
    for (const path of CLIP_PATHS) {
      assert.deepEqual(
        await Deno.readFile(
          join(cache, "Xenova", "clip-vit-base-patch32", ...path.split("/")),
        ),
        FILES[`${DEFAULT_CLIP}/${path}`],
      );
    }
    const requests = hub.count();
    const second = await run("pull");
    assert.equal(second.code, 0);
    assert.match(second.stdout, /\(0 downloaded, 5 cached\)/);
    assert.equal(hub.count(), requests);
  });
});

Deno.test("runModelsCommand() list shows cached models, complete variants and sizes", async () => {
  await withHub(async (_hub, run, cache) => {
    assert.match((await run("list")).stdout, /no models in /);
    await run("pull", DEFAULT_SAM);
    const { code, stdout } = await run("list");
    assert.equal(code, 0);
    assert.ok(stdout.startsWith(`models in ${cache}:`));
    assert.match(
      stdout,
      /Xenova\/slimsam-77-uniform\s+\d+\.\d kB\s+4 files, complete: fp32/,
    );
    assert.match(
      stdout,
      /onnx\/prompt_encoder_mask_decoder\.onnx\s+\d+\.\d kB/,
    );
    assert.match(stdout, /total \d+\.\d kB/);
  });
});

Deno.test("runModelsCommand() verify hashes again, deletes a damaged file and pull restores it", async () => {
  await withHub(async (_hub, run, cache) => {
    await run("pull", DEFAULT_SAM);
    const good = await run("verify");
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /onnx\/vision_encoder\.onnx\s+ok/);

    const path = "onnx/vision_encoder.onnx";
    const local = join(
      cache,
      "Xenova",
      "slimsam-77-uniform",
      "onnx",
      "vision_encoder.onnx",
    );
    const bytes = await Deno.readFile(local);
    bytes[100] ^= 1;
    await Deno.writeFile(local, bytes);
    const meta = JSON.parse(
      await Deno.readTextFile(metadataPath(cache, DEFAULT_SAM, path)),
    );
    await Deno.utime(local, meta.mtimeMs / 1000, meta.mtimeMs / 1000);

    const bad = await run("verify", DEFAULT_SAM);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stdout,
      /onnx\/vision_encoder\.onnx\s+DAMAGED: SHA-256 .*; deleted/,
    );
    assert.match(
      bad.stderr,
      /deno task models pull Xenova\/slimsam-77-uniform/,
    );
    await assert.rejects(Deno.stat(local), Deno.errors.NotFound);

    const again = await run("pull", DEFAULT_SAM);
    assert.match(again.stdout, /\(1 downloaded, 3 cached\)/);
    assert.deepEqual(
      await Deno.readFile(local),
      FILES[`${DEFAULT_SAM}/${path}`],
    );
  });
});

Deno.test("runModelsCommand() path prints the model folder", async () => {
  await withHub(async (_hub, run, cache) => {
    const missing = await run("path", DEFAULT_CLIP);
    assert.equal(missing.code, 0);
    assert.equal(
      missing.stdout,
      join(cache, "Xenova", "clip-vit-base-patch32") + "\n",
    );
    assert.match(
      missing.stderr,
      /not there yet; run `deno task models pull Xenova\/clip-vit-base-patch32`/,
    );
    assert.equal(
      (await run("path", DEFAULT_CLIP, "--models", "/m")).stdout,
      join("/m", "Xenova", "clip-vit-base-patch32") + "\n",
    );
    assert.equal((await run("path")).code, 2);
  });
});

Deno.test("runModelsCommand() pull --offline uses no network and names the pull command", async () => {
  await withHub(async (hub, run) => {
    const { code, stderr } = await run("pull", "--offline", DEFAULT_CLIP);
    assert.equal(code, 1);
    assert.match(
      stderr,
      /offline .* while online, .*\. On the command line: `deno task models pull Xenova\/clip-vit-base-patch32`\.$/m,
    );
    assert.match(stderr, /onnx\/vision_model\.onnx: not in the cache;/);
    assert.equal(hub.count(), 0);
  });
});

Deno.test("runModelsCommand() pull honours HF_HUB_OFFLINE=1", async () => {
  await withHub(async (hub, run) => {
    const { code, stderr } = await run("pull", DEFAULT_SAM);
    assert.equal(code, 1);
    assert.match(stderr, /HF_HUB_OFFLINE/);
    assert.equal(hub.count(), 0);
  }, { HF_HUB_OFFLINE: "1" });
});

Deno.test("runModelsCommand() pull of a missing variant names the file and exits 1", async () => {
  await withHub(async (_hub, run) => {
    const { code, stderr } = await run(
      "pull",
      "acme/tiny-sam",
      "--variant",
      "fp16",
    );
    assert.equal(code, 1);
    assert.match(
      stderr,
      /onnx\/vision_encoder_fp16\.onnx of acme\/tiny-sam at revision main not found \(HTTP 404/,
    );
  });
});

Deno.test("runModelsCommand() pull takes any repo id of a known layout", async () => {
  await withHub(async (_hub, run) => {
    const guessed = await run("pull", "acme/tiny-sam");
    assert.equal(guessed.code, 0, guessed.stderr);
    assert.match(guessed.stdout, /acme\/tiny-sam fp32: 4 files/);
    const unknown = await run("pull", "acme/thing");
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /add --kind clip or --kind sam/);
  });
});

Deno.test("runModelsCommand() rejects bad ids, options and commands", async () => {
  await withHub(async (_hub, run) => {
    const badId = await run("pull", "not-an-id");
    assert.equal(badId.code, 1);
    assert.match(badId.stderr, /invalid model id "not-an-id"/);
    assert.equal((await run("pull", "--variant", "int4")).code, 2);
    assert.equal((await run("pull", "--bogus")).code, 2);
    assert.equal((await run("frobnicate")).code, 2);
    assert.equal((await run()).code, 2);
    const help = await run("--help");
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: deno task models <command>/);
    assert.match(help.stdout, /Xenova\/sam-vit-base/);
  });
});

Deno.test("runModelsCommand() pull reports a dropped connection and resumes it", async () => {
  await withHub(async (hub, run, cache) => {
    hub.setFault(`${DEFAULT_SAM}/onnx/vision_encoder.onnx`, {
      dropAfter: 7_000,
    });
    const { code, stderr } = await run("pull", DEFAULT_SAM);
    assert.equal(code, 0, stderr);
    assert.match(
      stderr,
      /onnx\/vision_encoder\.onnx: attempt 1 failed \(.+\); retrying in 0 s \(4 retries left\)/,
    );
    assert.deepEqual(
      await Deno.readFile(
        join(
          cache,
          "Xenova",
          "slimsam-77-uniform",
          "onnx",
          "vision_encoder.onnx",
        ),
      ),
      FILES[`${DEFAULT_SAM}/onnx/vision_encoder.onnx`],
    );
  });
});

Deno.test("runModelsCommand() rejects --models outside path, pointing at --cache", async () => {
  await withHub(async (hub, run) => {
    for (const command of ["pull", "list", "verify"]) {
      const { code, stderr } = await run(command, "--models", "/m");
      assert.equal(code, 2, command);
      assert.match(stderr, /--models applies to path only; .*--cache DIR/);
    }
    assert.equal(hub.count(), 0);
  });
});

Deno.test("runModelsCommand() pull says when it waits for another process's download", async () => {
  await using hub = startHubServer(FILES);
  const cache = await Deno.makeTempDir({ prefix: "oris_cli_" });
  try {
    const lock = join(
      cache,
      "Xenova",
      "slimsam-77-uniform",
      "config.json.lock",
    );
    await Deno.mkdir(join(lock, ".."), { recursive: true });
    // A lock of this (live) process stands for another pull in progress.
    await Deno.writeTextFile(lock, JSON.stringify({ pid: Deno.pid }));
    let stderr = "";
    const code = await runModelsCommand(["pull", DEFAULT_SAM], {
      stdout: () => {},
      stderr: {
        isTerminal: false,
        write(text) {
          stderr += text;
          // The other pull finishes once the wait is reported.
          if (text.includes("waiting")) Deno.removeSync(lock);
        },
      },
      env: { HF_ENDPOINT: hub.endpoint, ORIS_CACHE: cache },
      retryDelayMs: 0,
    });
    assert.equal(code, 0, stderr);
    assert.match(
      stderr,
      new RegExp(
        `config\\.json of Xenova/slimsam-77-uniform: process ${Deno.pid} is ` +
          `downloading it into the same cache; waiting for it to finish \\(if ` +
          `no such process runs, delete \\S+config\\.json\\.lock\\)`,
      ),
    );
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

/** Replaces `path` of `repo` in `cache` with a portal's page, recorded as a good download (what an earlier version kept). */
async function poisonCached(cache: string, repo: string, path: string) {
  const page = new TextEncoder().encode("<!DOCTYPE html><html>Welcome</html>");
  const local = join(cache, ...repo.split("/"), ...path.split("/"));
  await Deno.writeFile(local, page);
  const stat = await Deno.stat(local);
  await writeFileMeta(cache, {
    repo,
    path,
    revision: "main",
    size: page.length,
    sha256: createHash("sha256").update(page).digest("hex"),
    downloadedAt: new Date().toISOString(),
    mtimeMs: stat.mtime?.getTime(),
  });
  return local;
}

Deno.test("runModelsCommand() verify flags a cached HTML page as damaged, and --repair fetches the file again", async () => {
  await withHub(async (_hub, run, cache) => {
    await run("pull", DEFAULT_SAM);
    const path = "onnx/vision_encoder.onnx";
    const local = await poisonCached(cache, DEFAULT_SAM, path);
    const repaired = await run("verify", "--repair", DEFAULT_SAM);
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.match(
      repaired.stdout,
      /onnx\/vision_encoder\.onnx\s+DAMAGED: not the model file: an HTML page; deleted/,
    );
    assert.match(repaired.stdout, /onnx\/vision_encoder\.onnx\s+fetched again/);
    assert.deepEqual(
      await Deno.readFile(local),
      FILES[`${DEFAULT_SAM}/${path}`],
    );
    const again = await run("verify", DEFAULT_SAM);
    assert.equal(again.code, 0, again.stdout);
  });
});

Deno.test("runModelsCommand() pull --force replaces a cached file, however it is recorded", async () => {
  await withHub(async (_hub, run, cache) => {
    await run("pull", DEFAULT_SAM);
    const path = "config.json";
    const local = await poisonCached(cache, DEFAULT_SAM, path);
    const forced = await run("pull", "--force", DEFAULT_SAM);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /\(4 downloaded, 0 cached\)/);
    assert.deepEqual(
      await Deno.readFile(local),
      FILES[`${DEFAULT_SAM}/${path}`],
    );
    const misplaced = await run("verify", "--force");
    assert.equal(misplaced.code, 2);
    assert.match(misplaced.stderr, /--force applies to pull only/);
  });
});

Deno.test("runModelsCommand() pull from a captive portal says it got an HTML page and keeps nothing", async () => {
  await withHub(async (hub, run, cache) => {
    hub.setFault(`${DEFAULT_SAM}/config.json`, { html: true });
    const { code, stderr } = await run("pull", DEFAULT_SAM);
    assert.equal(code, 1);
    assert.match(
      stderr,
      /config\.json of Xenova\/slimsam-77-uniform: .* answered with an HTML page/,
    );
    assert.doesNotMatch(stderr, /Welcome|<html/i);
    assert.match(
      stderr,
      /On the command line: --models DIR reads a local models folder instead of the hub/,
    );
    await assert.rejects(
      Deno.stat(join(cache, "Xenova", "slimsam-77-uniform", "config.json")),
      Deno.errors.NotFound,
    );
  });
});

Deno.test("runModelsCommand() pull with an HF_ENDPOINT that is no http(s) URL fails at once, pointing at --models DIR and HF_HUB_OFFLINE", async () => {
  await withHub(async (hub, run) => {
    const started = Date.now();
    const { code, stderr } = await run("pull", DEFAULT_SAM);
    assert.equal(code, 1);
    assert.match(stderr, /its scheme is "ftp:", not http: or https:/);
    assert.match(
      stderr,
      /On the command line: --models DIR reads a local models folder; HF_HUB_OFFLINE=1/,
    );
    assert.doesNotMatch(stderr, /retrying/);
    assert.equal(hub.count(), 0);
    assert.ok(Date.now() - started < 5_000);
  }, { HF_ENDPOINT: "ftp://mirror.example" });
});
