import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { busyMessage, lockRun } from "../../cli/eval_output.ts";
import { listDir, withTemp } from "../helpers/temp.ts";

const HOLDER = fileURLToPath(
  new URL("../helpers/hold_run_lock.ts", import.meta.url),
);

/** Starts a process holding `out`'s lock; resolves once it holds it. */
async function startHolder(out: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", HOLDER, out],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  assert.equal(new TextDecoder().decode(value).trim(), "locked");
  reader.releaseLock();
  return child;
}

for (
  const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const
) {
  Deno.test(
    `a run stopped by ${signal} releases its --out lock and exits ${code}`,
    {
      ignore: Deno.build.os === "windows",
    },
    async () => {
      await withTemp(async (out) => {
        const child = await startHolder(out);
        assert.deepEqual(await listDir(out), [".lock"]);
        child.kill(signal);
        const [status, stderr] = await Promise.all([
          child.status,
          new Response(child.stderr).text(),
        ]);
        await child.stdout.cancel();
        assert.equal(status.code, code);
        assert.match(stderr, new RegExp(`${signal}: stopped; released`));
        assert.deepEqual(await listDir(out), []);
      });
    },
  );
}

Deno.test("lockRun() with --resume still refuses a folder a live process holds, and says how to clear a left-over lock", async () => {
  await withTemp(async (out) => {
    const child = await startHolder(out);
    try {
      await assert.rejects(
        lockRun(out, { resume: true }),
        (e: Error) => {
          assert.match(
            e.message,
            new RegExp(
              `another evaluation \\(process ${child.pid} on host .+, since .+\\) is writing to`,
            ),
          );
          assert.match(e.message, /delete .*\.lock and rerun with --resume/);
          return true;
        },
      );
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await child.stdout.cancel();
      await child.stderr.cancel();
    }
  });
});

Deno.test("busyMessage() names the holder, and the lock to delete when its process is gone", () => {
  const message = busyMessage("out/a", {
    path: "out/a/.lock",
    pid: 12,
    hostname: "eval-3",
    since: new Date("2026-01-02T03:04:05Z"),
  }, false);
  assert.match(
    message,
    /^another evaluation \(process 12 on host eval-3, since 2026-01-02T03:04:05.000Z\) is writing to out\/a: wait for it to end, or choose another --out\./,
  );
  assert.match(message, /delete out\/a\/\.lock and rerun\. /);
  assert.match(
    busyMessage("o", { path: "o/.lock" }, true),
    /^another evaluation \(process \?\) .*rerun with --resume\./,
  );
});
