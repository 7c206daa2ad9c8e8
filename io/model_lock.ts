/**
 * An exclusive lock file, so that two processes pulling the same model file
 * do not both append to one partial download (edge code: uses the file
 * system).
 *
 * The lock is a file hard-linked into place (atomic), holding the owner's
 * process id. Its owner touches it while it works; a lock whose file has
 * not been touched for `staleMs`, or (on Linux) whose owner process is
 * gone, is stale and taken over.
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

interface LockRecord {
  pid?: number;
  hostname?: string;
  createdAt?: string;
}

/** Whether a permission is granted, without prompting for it. */
function granted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

function currentHostname(): string | undefined {
  // Without --allow-sys the lock is judged by its age only.
  if (!granted({ name: "sys", kind: "hostname" })) return undefined;
  try {
    return Deno.hostname();
  } catch {
    return undefined;
  }
}

async function readRecord(path: string): Promise<LockRecord> {
  try {
    const value = JSON.parse(await Deno.readTextFile(path));
    return typeof value === "object" && value !== null ? value : {};
  } catch {
    return {}; // being written, or not ours: judge by age only
  }
}

/** Whether process `pid` of this host is known to be gone. */
async function processGone(pid: number): Promise<boolean> {
  if (Deno.build.os !== "linux" || pid === Deno.pid) return false;
  const proc = `/proc/${pid}`;
  if (!granted({ name: "read", path: proc })) return false;
  try {
    await Deno.stat(proc);
    return false;
  } catch (error) {
    return error instanceof Deno.errors.NotFound;
  }
}

async function isStale(
  path: string,
  record: LockRecord,
  staleMs: number,
): Promise<boolean> {
  let mtime: number | undefined;
  try {
    mtime = (await Deno.stat(path)).mtime?.getTime();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false; // just released
    throw error;
  }
  if (mtime !== undefined && Date.now() - mtime > staleMs) return true;
  const sameHost = record.hostname !== undefined &&
    record.hostname === currentHostname();
  return sameHost && typeof record.pid === "number" &&
    await processGone(record.pid);
}

/**
 * Takes the lock file `path` (creating its folder), waiting while another
 * holder has it. Stale
 * locks (untouched for `staleMs`, or held by a process of this host that is
 * gone) are removed and taken over.
 *
 * @throws the signal's reason when `signal` aborts the wait.
 */
export async function acquireFileLock(
  path: string,
  options: FileLockOptions = {},
): Promise<FileLock> {
  const staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS;
  const pollMs = options.pollMs ?? 250;
  const record: LockRecord = {
    pid: Deno.pid,
    hostname: currentHostname(),
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
    try {
      await Deno.link(draft, path);
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      const holder = await readRecord(path);
      if (await isStale(path, holder, staleMs)) {
        // Remove it only if it is still the lock judged stale, not one a
        // third process has just taken over.
        const again = await readRecord(path);
        if (
          again.pid === holder.pid && again.createdAt === holder.createdAt
        ) {
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
        });
      }
      await sleep(pollMs, options.signal);
      continue;
    } finally {
      await removeIfPresent(draft);
    }
    return heldLock(path, waited, Math.max(1, Math.floor(staleMs / 4)));
  }
}

function heldLock(path: string, waited: boolean, touchMs: number): FileLock {
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
      await removeIfPresent(path);
    })();
    return released;
  };
  return { path, waited, release, [Symbol.asyncDispose]: release };
}
