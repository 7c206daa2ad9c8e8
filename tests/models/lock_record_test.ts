import assert from "node:assert/strict";
import {
  type LockRecord,
  parseLockRecord,
  type ProcessIdentity,
  type ProcessProbe,
  sameMachine,
  sameTaking,
  staleHolder,
  unjudgedHolder,
} from "../../io/lock_record.ts";

const SELF: ProcessIdentity = {
  pid: 7,
  hostname: "eval-3",
  bootId: "boot-a",
  startTicks: 5000,
};
const ALIVE: ProcessProbe = { state: "alive", startTicks: 1200 };
const GONE: ProcessProbe = { state: "gone" };
const UNKNOWN: ProcessProbe = { state: "unknown" };

/** A lock taken by pid 42 of this host and boot, at tick 1200. */
function other(fields: LockRecord = {}): LockRecord {
  return {
    pid: 42,
    hostname: "eval-3",
    bootId: "boot-a",
    startTicks: 1200,
    ...fields,
  };
}

Deno.test("staleHolder() keeps a lock whose process of this host is alive and started when it took the lock", () => {
  assert.equal(staleHolder(other(), SELF, ALIVE, false), undefined);
});

Deno.test("staleHolder() calls a lock taken before the host restarted stale, whatever its pid", () => {
  assert.match(
    staleHolder(other({ bootId: "boot-b" }), SELF, ALIVE, false)!,
    /host eval-3 has restarted/,
  );
});

Deno.test("staleHolder() calls a lock naming our own pid stale unless we hold it", () => {
  const ours = other({ pid: SELF.pid, startTicks: 300 });
  assert.match(staleHolder(ours, SELF, UNKNOWN, false)!, /pid 7/);
  // Same pid and start time: written by this very process, yet not held.
  const self = other({ pid: SELF.pid, startTicks: SELF.startTicks });
  assert.match(staleHolder(self, SELF, UNKNOWN, false)!, /does not hold it/);
  assert.equal(staleHolder(self, SELF, UNKNOWN, true), undefined);
});

Deno.test("staleHolder() calls a lock stale when its pid is alive but started at another time (pid reused)", () => {
  assert.match(
    staleHolder(other(), SELF, { state: "alive", startTicks: 9999 }, false)!,
    /pid reused/,
  );
});

Deno.test("staleHolder() calls a lock of this host stale when its process is gone", () => {
  assert.match(staleHolder(other(), SELF, GONE, false)!, /42 is gone/);
});

Deno.test("staleHolder() keeps a lock it cannot judge: process unknown, or start time unknown on either side", () => {
  assert.equal(staleHolder(other(), SELF, UNKNOWN, false), undefined);
  assert.equal(
    staleHolder(other(), SELF, { state: "alive" }, false),
    undefined,
  );
  assert.equal(
    staleHolder(other({ startTicks: undefined }), SELF, ALIVE, false),
    undefined,
  );
});

Deno.test("staleHolder() judges another host's lock, or one naming no host, by nothing (its age decides)", () => {
  for (
    const record of [
      other({ hostname: "eval-4" }),
      other({ hostname: undefined }),
    ]
  ) {
    assert.equal(staleHolder(record, SELF, GONE, false), undefined);
    assert.equal(
      staleHolder({ ...record, pid: SELF.pid }, SELF, GONE, false),
      undefined,
    );
  }
  // Nor can it judge one when our own host name is unknown.
  assert.equal(
    staleHolder(other(), { ...SELF, hostname: undefined }, GONE, false),
    undefined,
  );
});

Deno.test("staleHolder() reads an old lock (pid and host only) by the old rules, and our pid as not held", () => {
  const old = {
    pid: 42,
    hostname: "eval-3",
    createdAt: "2026-01-01T00:00:00Z",
  };
  assert.equal(staleHolder(old, SELF, ALIVE, false), undefined);
  assert.match(staleHolder(old, SELF, GONE, false)!, /gone/);
  assert.match(staleHolder({ ...old, pid: 7 }, SELF, ALIVE, false)!, /pid 7/);
  // Without a boot id on one side, a restart cannot be told.
  assert.equal(
    staleHolder(old, { ...SELF, bootId: undefined }, ALIVE, false),
    undefined,
  );
});

Deno.test("parseLockRecord() keeps the fields of the expected types and reads anything else as empty", () => {
  assert.deepEqual(
    parseLockRecord(
      '{"pid":3,"hostname":"h","bootId":"b","startTicks":9,"token":"t","createdAt":"c","extra":1}',
    ),
    {
      pid: 3,
      hostname: "h",
      bootId: "b",
      startTicks: 9,
      token: "t",
      createdAt: "c",
    },
  );
  assert.deepEqual(parseLockRecord('{"pid":"3","startTicks":1.5}'), {});
  assert.deepEqual(parseLockRecord('{"pid":'), {});
  assert.deepEqual(parseLockRecord("null"), {});
  assert.deepEqual(parseLockRecord("[1]"), {});
});

Deno.test("sameTaking() tells the lock judged stale from one another process has taken since", () => {
  const a = other({ token: "t1", createdAt: "c" });
  assert.ok(sameTaking(a, { ...a }));
  assert.ok(!sameTaking(a, { ...a, token: "t2" }));
  assert.ok(sameTaking({ pid: 1, createdAt: "c" }, { pid: 1, createdAt: "c" }));
});

Deno.test("unjudgedHolder() says why a holder's liveness cannot be told, and nothing when it can", () => {
  assert.equal(unjudgedHolder(other(), SELF, ALIVE), undefined);
  assert.equal(unjudgedHolder(other(), SELF, GONE), undefined);
  assert.match(
    unjudgedHolder(other(), SELF, UNKNOWN)!,
    /process 42 cannot be looked up in \/proc \(Deno reads \/proc with --allow-all only\)/,
  );
  assert.match(
    unjudgedHolder(other({ hostname: "eval-4" }), SELF, UNKNOWN)!,
    /runs on host eval-4, whose processes cannot be seen from here/,
  );
  assert.match(
    unjudgedHolder(other({ hostname: undefined }), SELF, UNKNOWN)!,
    /the host it ran on is not in its lock \(a run records its host with --allow-sys, or --allow-read of \/etc\/hostname\)/,
  );
  assert.match(
    unjudgedHolder(other(), { ...SELF, hostname: undefined }, UNKNOWN)!,
    /the host of this run is unknown/,
  );
  assert.match(unjudgedHolder({}, SELF, UNKNOWN)!, /names no process/);
  assert.equal(sameMachine(other({ hostname: undefined }), SELF), false);
});
