import assert from "node:assert/strict";
import { join } from "node:path";
import { acquireFileLock } from "../../io/model_lock.ts";
import { currentProcess } from "../../io/process_identity.ts";
import { listDir, withTemp } from "../helpers/temp.ts";

const LINUX = Deno.build.os === "linux";

/** Takes `path` or fails, instead of waiting, when it is found held. */
function takeOrFail(path: string) {
  const controller = new AbortController();
  return acquireFileLock(path, {
    signal: controller.signal,
    pollMs: 10,
    onWait: (w) => controller.abort(new Error(`waited for process ${w.pid}`)),
  });
}

Deno.test(
  "acquireFileLock() records its host, pid, start time and boot id in the lock",
  {
    ignore: !LINUX,
  },
  async () => {
    await withTemp(async (dir) => {
      const path = join(dir, "x.lock");
      const lock = await takeOrFail(path);
      const record = JSON.parse(await Deno.readTextFile(path));
      const self = await currentProcess();
      assert.deepEqual(
        [record.pid, record.hostname, record.startTicks, record.bootId],
        [self.pid, self.hostname, self.startTicks, self.bootId],
      );
      assert.equal(typeof record.token, "string");
      await lock.release();
      assert.deepEqual(await listDir(dir), []);
    });
  },
);

Deno.test(
  "acquireFileLock() takes over a lock of the same pid with another start time (a retried container)",
  {
    ignore: !LINUX,
  },
  async () => {
    await withTemp(async (dir) => {
      const path = join(dir, "x.lock");
      const self = await currentProcess();
      await Deno.writeTextFile(
        path,
        JSON.stringify({
          ...self,
          startTicks: self.startTicks! + 1,
          token: "killed-attempt",
          createdAt: new Date().toISOString(),
        }),
      );
      const lock = await takeOrFail(path);
      assert.notEqual(
        JSON.parse(await Deno.readTextFile(path)).token,
        "killed-attempt",
      );
      await lock.release();
    });
  },
);

Deno.test(
  "acquireFileLock() takes over a lock of this host taken before its last boot",
  {
    ignore: !LINUX,
  },
  async () => {
    await withTemp(async (dir) => {
      const path = join(dir, "x.lock");
      const self = await currentProcess();
      await Deno.writeTextFile(
        path,
        JSON.stringify({ ...self, pid: 1, bootId: "another-boot" }),
      );
      const lock = await takeOrFail(path);
      await lock.release();
      assert.deepEqual(await listDir(dir), []);
    });
  },
);

Deno.test(
  "acquireFileLock() still waits for a lock this process holds, and for a live process of this host",
  {
    ignore: !LINUX,
  },
  async () => {
    await withTemp(async (dir) => {
      const path = join(dir, "x.lock");
      const held = await takeOrFail(path);
      await assert.rejects(takeOrFail(path), /waited for process \d+/);
      await held.release();

      // An old lock (pid and host only) of a live process is left alone.
      const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
      try {
        await Deno.writeTextFile(
          path,
          JSON.stringify({ pid: child.pid, hostname: Deno.hostname() }),
        );
        await assert.rejects(
          takeOrFail(path),
          new RegExp(`waited for process ${child.pid}`),
        );
        assert.deepEqual(await listDir(dir), ["x.lock"]);
      } finally {
        child.kill();
        await child.status;
      }
    });
  },
);

Deno.test("a released lock leaves alone the lock another process took over from it", async () => {
  await withTemp(async (dir) => {
    const path = join(dir, "x.lock");
    const lock = await takeOrFail(path);
    await Deno.writeTextFile(path, JSON.stringify({ pid: 1, token: "next" }));
    await lock.release();
    assert.equal(JSON.parse(await Deno.readTextFile(path)).token, "next");
  });
});
