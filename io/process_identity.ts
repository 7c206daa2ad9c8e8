/**
 * This process's identity and a probe of another process of this host,
 * read from /proc on Linux (edge code: reads the file system). Whatever
 * cannot be read (another system, no permission) is left out.
 *
 * @example
 * ```ts
 * const self = await currentProcess();
 * const other = await probeProcess(1);
 * console.log(self.pid, other.state);
 * ```
 *
 * @module
 */

import type { ProcessIdentity, ProcessProbe } from "./lock_record.ts";

/** Whether a permission is granted, without prompting for it. */
export function granted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/**
 * The start time (field 22, clock ticks since boot) of a /proc/PID/stat
 * line, or undefined when the line is not one. The command name (field 2)
 * may hold spaces and parentheses, so fields are counted after its last ")".
 */
export function parseStartTicks(stat: string): number | undefined {
  const end = stat.lastIndexOf(")");
  if (end < 0) return undefined;
  const fields = stat.slice(end + 1).trim().split(/\s+/);
  const value = Number(fields[22 - 3]);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * Reads a file of /proc. Deno grants /proc only with --allow-all: without
 * it, nothing is read and locks are judged by what else they record.
 */
async function readIfAllowed(path: string): Promise<string | undefined> {
  if (Deno.build.os !== "linux" || !granted({ name: "read", path })) {
    return undefined;
  }
  try {
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
}

/**
 * The host name as /etc/hostname writes it: its first line, trimmed;
 * undefined when empty.
 */
export function parseHostnameFile(text: string): string | undefined {
  const name = text.split("\n")[0].trim();
  return name === "" ? undefined : name;
}

/**
 * The host name: the system's with --allow-sys; otherwise /etc/hostname's
 * (a container's own host name; --allow-read is enough), so that a run
 * without --allow-sys still records its host and a later run can judge
 * its lock.
 */
async function hostname(): Promise<string | undefined> {
  if (granted({ name: "sys", kind: "hostname" })) {
    try {
      return Deno.hostname();
    } catch {
      // fall back to the file
    }
  }
  const path = "/etc/hostname";
  if (Deno.build.os === "windows" || !granted({ name: "read", path })) {
    return undefined;
  }
  try {
    return parseHostnameFile(await Deno.readTextFile(path));
  } catch {
    return undefined;
  }
}

/** This process: pid, and host, boot id and start time where readable. */
export async function currentProcess(): Promise<ProcessIdentity> {
  const stat = await readIfAllowed("/proc/self/stat");
  const bootId = (await readIfAllowed("/proc/sys/kernel/random/boot_id"))
    ?.trim();
  const identity: ProcessIdentity = { pid: Deno.pid };
  const host = await hostname();
  if (host !== undefined) identity.hostname = host;
  if (bootId) identity.bootId = bootId;
  const startTicks = stat === undefined ? undefined : parseStartTicks(stat);
  if (startTicks !== undefined) identity.startTicks = startTicks;
  return identity;
}

/** Whether process `pid` of this host is alive, gone, or cannot be told. */
export async function probeProcess(pid: number): Promise<ProcessProbe> {
  const path = `/proc/${pid}/stat`;
  if (Deno.build.os !== "linux" || !granted({ name: "read", path })) {
    return { state: "unknown" };
  }
  try {
    const startTicks = parseStartTicks(await Deno.readTextFile(path));
    return startTicks === undefined
      ? { state: "alive" }
      : { state: "alive", startTicks };
  } catch (error) {
    return error instanceof Deno.errors.NotFound
      ? { state: "gone" }
      : { state: "unknown" };
  }
}
