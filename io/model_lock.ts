/**
 * An exclusive lock file, so that two processes pulling the same model file
 * do not both append to one partial download (edge code: uses the file
 * system).
 *
 * The lock is a file hard-linked into place (atomic), holding its owner's
 * identity (host, pid, and on Linux the process start time and boot id:
 * see lock_record.ts). Its owner touches it while it works; a lock whose
 * file has not been touched for `staleMs`, or whose owner on this host
 * cannot be holding it any more (gone, pid reused, host restarted), is
 * stale and taken over.
 *
 * @example
 * ```ts
 * await using lock = await acquireFileLock("/tmp/model.onnx.lock", {
 *   onWait: (w) => console.error(`waiting for process ${w.pid} (${w.path})`),
 * });
 * // ... write /tmp/model.onnx ...
 * ```
 *
 * @module
 */

import { dirname } from "node:path";
import { removeIfPresent } from "./model_cache.ts";
import { sleep } from "../pipeline/models/transfer.ts";
import {
  type LockRecord,
  parseLockRecord,
  type ProcessIdentity,
  type ProcessProbe,
  sameMachine,
  sameTaking,
  staleHolder,
  unjudgedHolder,
} from "./lock_record.ts";
import { currentProcess, probeProcess } from "./process_identity.ts";

/** Who holds a lock another caller waits for. */
export interface LockWait {
  /** The lock file. */
  path: string;
  /** Process id of the holder, when its lock file names it. */
  pid?: number;
  /** Host of the holder, when known. */
  hostname?: string;
  /** When the holder took the lock, when known. */
  since?: Date;
  /**
   * Why this process cannot tell whether the holder still runs (so only
   * the lock's age can free it), when it cannot.
   */
  unjudged?: string;
}

/** Options of {@linkcode acquireFileLock}. */
export interface FileLockOptions {
  /**
   * A lock untouched for this long is taken over (default 600 000 ms, ten
   * minutes). The holder touches its lock every `staleMs / 4` at most.
   */
  staleMs?: number;
  /** Time between two tries while another process holds the lock (default 250 ms). */
  pollMs?: number;
  /** Stops waiting; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called once, when the lock is found held and the wait begins. */
  onWait?: (wait: LockWait) => void;
}

/** A held lock; release it (or leave its `await using` block) when done. */
export interface FileLock extends AsyncDisposable {
  /** The lock file. */
  readonly path: string;
  /** True when another holder had to be waited for first. */
  readonly waited: boolean;
  /** Removes the lock file; later calls do nothing. */
  release(): Promise<void>;
}

/** Default age after which an untouched lock is taken over. */
export const DEFAULT_LOCK_STALE_MS = 600_000;

/** Tokens of the locks this process holds (a lock naming our pid is ours only if listed). */
const heldHere = new Set<string>();

async function readRecord(path: string): Promise<LockRecord> {
  try {
    return parseLockRecord(await Deno.readTextFile(path));
  } catch {
    return {}; // just released, or unreadable: judged by age only
  }
}

/** Why the lock at `path`, holding `record`, is stale; undefined if it is not. */
async function staleReason(
  path: string,
  record: LockRecord,
  self: ProcessIdentity,
  staleMs: number,
): Promise<string | undefined> {
  let mtime: number | undefined;
  try {
    mtime = (await Deno.stat(path)).mtime?.getTime();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined; // released
    throw error;
  }
  if (mtime !== undefined && Date.now() - mtime > staleMs) {
    return `untouched for ${Math.round((Date.now() - mtime) / 1000)} s`;
  }
  const probe = await probeHolder(record, self);
  const ours = record.token !== undefined && heldHere.has(record.token);
  return staleHolder(record, self, probe, ours);
}

/** What is known of the process `record` names, when it is of this machine. */
function probeHolder(
  record: LockRecord,
  self: ProcessIdentity,
): Promise<ProcessProbe> | ProcessProbe {
  return record.pid === undefined || !sameMachine(record, self) ||
      record.pid === self.pid
    ? { state: "unknown" }
    : probeProcess(record.pid);
}

/**
 * Takes the lock file `path` (creating its folder), waiting while another
 * holder has it. Stale locks are removed and taken over: those untouched
 * for `staleMs`, and those of this host whose holder cannot hold them any
 * more (the host has restarted, the pid is gone, reused by another
 * process, or our own while we do not hold the lock; see
 * {@linkcode staleHolder}).
 *
 * @throws the signal's reason when `signal` aborts the wait.
 */
export async function acquireFileLock(
  path: string,
  options: FileLockOptions = {},
): Promise<FileLock> {
  const staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS;
  const pollMs = options.pollMs ?? 250;
  const self = await currentProcess();
  const record: LockRecord = {
    ...self,
    token: crypto.randomUUID(),
    createdAt: new Date().toISOString(),
  };
  await Deno.mkdir(dirname(path), { recursive: true });
  let waited = false;
  for (;;) {
    options.signal?.throwIfAborted();
    // The record is written to a private file first and hard-linked into
    // place, so the lock never exists without its owner's record.
    const draft = `${path}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(draft, JSON.stringify(record) + "\n");
    // Listed as ours before the link: from the moment the lock exists, another
    // taker in this process must see it held, not judge our own pid stale.
    heldHere.add(record.token!);
    try {
      await Deno.link(draft, path);
    } catch (error) {
      heldHere.delete(record.token!);
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      const holder = await readRecord(path);
      if (await staleReason(path, holder, self, staleMs)) {
        // Remove it only if it is still the lock judged stale, not one a
        // third process has just taken over.
        if (sameTaking(await readRecord(path), holder)) {
          await removeIfPresent(path);
        }
        continue;
      }
      if (!waited) {
        waited = true;
        options.onWait?.({
          path,
          pid: holder.pid,
          hostname: holder.hostname,
          since: holder.createdAt ? new Date(holder.createdAt) : undefined,
          unjudged: unjudgedHolder(
            holder,
            self,
            await probeHolder(holder, self),
          ),
        });
      }
      await sleep(pollMs, options.signal);
      continue;
    } finally {
      await removeIfPresent(draft);
    }
    return heldLock(
      path,
      record.token!,
      waited,
      Math.max(1, Math.floor(staleMs / 4)),
    );
  }
}

function heldLock(
  path: string,
  token: string,
  waited: boolean,
  touchMs: number,
): FileLock {
  let touching: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    const now = new Date();
    touching = Deno.utime(path, now, now).catch(() => {});
  }, Math.min(touchMs, 60_000));
  let released: Promise<void> | undefined;
  const release = () => {
    released ??= (async () => {
      clearInterval(timer);
      await touching;
      // Only our own lock: one taken over from us is another's now.
      if ((await readRecord(path)).token === token) {
        await removeIfPresent(path);
      }
      heldHere.delete(token);
    })();
    return released;
  };
  return { path, waited, release, [Symbol.asyncDispose]: release };
}
