import assert from "node:assert/strict";
import { QueueFullError, TaskQueue } from "../../cli/serve/queue.ts";

/** A task that runs until `finish` is called, recording its start. */
function heldTask(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((r) => finish = r);
  return {
    task: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
    finish,
  };
}

Deno.test("TaskQueue runs tasks one at a time in arrival order", async () => {
  const queue = new TaskQueue(4);
  const log: string[] = [];
  const a = heldTask(log, "a");
  const b = heldTask(log, "b");
  const pa = queue.run(a.task);
  const pb = queue.run(b.task);
  await Promise.resolve();
  assert.deepEqual(log, ["start a"]);
  assert.equal(queue.size, 2);
  a.finish();
  b.finish();
  assert.deepEqual(await Promise.all([pa, pb]), ["a", "b"]);
  assert.deepEqual(log, ["start a", "end a", "start b", "end b"]);
  assert.equal(queue.size, 0);
});

Deno.test("TaskQueue refuses a task at once when running and waiting tasks fill it", async () => {
  const queue = new TaskQueue(2);
  const log: string[] = [];
  const a = heldTask(log, "a");
  const b = heldTask(log, "b");
  const pa = queue.run(a.task);
  const pb = queue.run(b.task);
  await assert.rejects(queue.run(() => Promise.resolve("c")), QueueFullError);
  a.finish();
  b.finish();
  await Promise.all([pa, pb]);
  assert.equal(await queue.run(() => Promise.resolve("d")), "d");
});

Deno.test("TaskQueue drops a waiting task whose signal aborts, and never runs it", async () => {
  const queue = new TaskQueue(3);
  const log: string[] = [];
  const a = heldTask(log, "a");
  const pa = queue.run(a.task);
  const controller = new AbortController();
  let ran = false;
  const pb = queue.run(() => {
    ran = true;
    return Promise.resolve();
  }, controller.signal);
  controller.abort(new Error("timed out"));
  await assert.rejects(pb, /timed out/);
  assert.equal(queue.size, 1);
  a.finish();
  await pa;
  assert.equal(ran, false);
});

Deno.test("TaskQueue goes on after a task that fails", async () => {
  const queue = new TaskQueue(2);
  await assert.rejects(
    queue.run(() => Promise.reject(new Error("boom"))),
    /boom/,
  );
  assert.equal(await queue.run(() => Promise.resolve(1)), 1);
});

Deno.test("TaskQueue refuses a capacity below 1", () => {
  assert.throws(() => new TaskQueue(0), RangeError);
});
