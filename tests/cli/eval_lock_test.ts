import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { busyMessage, lockRun } from "../../cli/eval_output.ts";
import { listDir, withTemp } from "../helpers/temp.ts";

const HOLDER = fileURLToPath(
  new URL("../helpers/hold_run_lock.ts", import.meta.url),
);

/**
 * Starts a process holding `out`'s lock, with `permissions` (default all);
 * resolves once it holds it.
 */
async function startHolder(out: string, permissions = ["-A"]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, HOLDER, out],
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

/** Kills `child` with SIGKILL, as a crash or the OOM killer would. */
async function killHard(child: Deno.ChildProcess) {
  child.kill("SIGKILL");
  await child.status;
  await child.stdout.cancel();
  await child.stderr.cancel();
}

Deno.test(
  "a lock left by a run killed with -9 that ran without --allow-sys is taken over at once",
  { ignore: Deno.build.os !== "linux" },
  async () => {
    await withTemp(async (out) => {
      // No --allow-sys: it records its host from /etc/hostname.
      const child = await startHolder(out, ["--allow-read", "--allow-write"]);
      await killHard(child);
      const lock = await lockRun(out, { resume: true });
      await lock.release();
      assert.deepEqual(await listDir(out), []);
    });
  },
);

Deno.test(
  "a lock whose holder cannot be judged is refused with why, and how to clear it",
  { ignore: Deno.build.os !== "linux" },
  async () => {
    await withTemp(async (out) => {
      // Neither --allow-sys nor /etc/hostname: nothing says where it ran.
      const child = await startHolder(out, [
        `--allow-read=${out}`,
        `--allow-write=${out}`,
      ]);
      await killHard(child);
      await assert.rejects(lockRun(out, { resume: true }), (e: Error) => {
        assert.match(
          e.message,
          /This run cannot tell whether that process still runs \(the host it ran on is not in its lock \(a run records its host with --allow-sys, or --allow-read of \/etc\/hostname\)\), so its lock is taken over only after 10 minutes untouched\./,
        );
        assert.match(
          e.message,
          /If it is not running any more .*delete .*\.lock and rerun with --resume\./,
        );
        return true;
      });
    });
  },
);

Deno.test("busyMessage() of a holder it cannot judge says why, that only age frees it, and how to clear it", () => {
  const message = busyMessage("out/a", {
    path: "out/a/.lock",
    pid: 12,
    unjudged: "process 12 cannot be looked up in /proc",
  }, true);
  assert.match(
    message,
    /This run cannot tell whether that process still runs \(process 12 cannot be looked up in \/proc\), so its lock is taken over only after 10 minutes untouched\./,
  );
  assert.match(message, /delete out\/a\/\.lock and rerun with --resume\.$/);
});
