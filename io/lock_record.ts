/**
 * What a lock file says about its holder, and whether that holder can still
 * be holding it (pure: the caller reads the file and probes the process).
 *
 * A process is named by its host, its pid, its start time (Linux: clock
 * ticks since boot) and the boot id of its machine. The pid alone is not
 * enough: a retried container gets the same host name and a fresh pid
 * namespace, so the killed attempt's pid is often our own pid, or that of
 * another live process. Any field may be missing (an older lock file, or a
 * system without /proc, or a run without --allow-all, which Deno needs to
 * read /proc): the rules that need it are then skipped.
 *
 * @example
 * ```ts
 * const self = { pid: 7, hostname: "eval-3", startTicks: 900, bootId: "b" };
 * const record = { pid: 7, hostname: "eval-3", startTicks: 120, bootId: "b" };
 * staleHolder(record, self, { state: "alive", startTicks: 900 }, false);
 * // "it names this process (pid 7), which does not hold it"
 * ```
 *
 * @module
 */

/** Who a process is, as far as it can be told. */
export interface ProcessIdentity {
  /** Process id. */
  pid: number;
  /** Host name, when readable. */
  hostname?: string;
  /** Linux boot id of the machine, when readable. */
  bootId?: string;
  /** Start time in clock ticks since boot (Linux), when readable. */
  startTicks?: number;
}

/** The content of a lock file: its holder, and when it took the lock. */
export interface LockRecord extends Partial<ProcessIdentity> {
  /** A random id of this taking of the lock. */
  token?: string;
  /** When the lock was taken (ISO 8601). */
  createdAt?: string;
}

/** What is known of the process a lock names, on this host. */
export type ProcessProbe =
  | { state: "gone" }
  | { state: "alive"; startTicks?: number }
  | { state: "unknown" };

/**
 * The fields of a lock file's JSON that have the expected types; the
 * others (and anything but an object) are dropped.
 */
export function parseLockRecord(text: string): LockRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {}; // being written, or not ours: judged by age only
  }
  if (typeof value !== "object" || value === null) return {};
  const v = value as Record<string, unknown>;
  const record: LockRecord = {};
  if (Number.isInteger(v.pid)) record.pid = v.pid as number;
  if (Number.isInteger(v.startTicks)) {
    record.startTicks = v.startTicks as number;
  }
  for (const key of ["hostname", "bootId", "token", "createdAt"] as const) {
    if (typeof v[key] === "string") record[key] = v[key] as string;
  }
  return record;
}

/**
 * Whether the process `record` names ran on this host, so that its pid
 * means the same here: both host names are known and equal.
 */
export function sameMachine(
  record: LockRecord,
  self: ProcessIdentity,
): boolean {
  return record.hostname !== undefined && record.hostname === self.hostname;
}

/**
 * Why this process cannot tell whether the holder `record` names still
 * runs, given what is known of it (`probe`); undefined when it can. Said
 * to a user who waits for a lock, with how to let it be told.
 */
export function unjudgedHolder(
  record: LockRecord,
  self: ProcessIdentity,
  probe: ProcessProbe,
): string | undefined {
  if (record.pid === undefined) return "its lock file names no process";
  if (record.hostname === undefined || self.hostname === undefined) {
    return `the host ${
      record.hostname === undefined
        ? "it ran on is not in its lock"
        : "of this run is unknown"
    } (a run records its host with --allow-sys, or --allow-read of /etc/hostname)`;
  }
  if (!sameMachine(record, self)) {
    return `it runs on host ${record.hostname}, whose processes cannot be seen from here`;
  }
  if (probe.state === "unknown" && record.pid !== self.pid) {
    return `process ${record.pid} cannot be looked up in /proc (Deno reads /proc with --allow-all only)`;
  }
  return undefined;
}

/**
 * Why the holder `record` names can no longer hold its lock, or undefined
 * when it may. `self` is this process, `probe` what is known of the
 * record's pid on this host, and `heldHere` whether this process holds
 * the lock (its token is one of ours). Only a lock of this machine is
 * judged (see {@linkcode sameMachine}): another's processes cannot be seen.
 *
 * - the host has booted since (boot ids differ): stale;
 * - it names our own pid, and we do not hold it: stale;
 * - its pid is gone: stale;
 * - its pid is alive but started at another time (reused): stale.
 */
export function staleHolder(
  record: LockRecord,
  self: ProcessIdentity,
  probe: ProcessProbe,
  heldHere: boolean,
): string | undefined {
  if (heldHere) return undefined;
  if (!sameMachine(record, self)) return undefined;
  if (
    record.bootId !== undefined && self.bootId !== undefined &&
    record.bootId !== self.bootId
  ) {
    return `host ${record.hostname} has restarted since it was taken`;
  }
  if (record.pid === undefined) return undefined;
  if (record.pid === self.pid) {
    return `it names this process (pid ${self.pid}), which does not hold it`;
  }
  if (probe.state === "gone") return `process ${record.pid} is gone`;
  if (
    probe.state === "alive" && probe.startTicks !== undefined &&
    record.startTicks !== undefined && probe.startTicks !== record.startTicks
  ) {
    return `process ${record.pid} is another process than the one that took it (pid reused)`;
  }
  return undefined;
}

/** Whether two records describe the same taking of a lock. */
export function sameTaking(a: LockRecord, b: LockRecord): boolean {
  return a.token === b.token && a.pid === b.pid &&
    a.createdAt === b.createdAt;
}
