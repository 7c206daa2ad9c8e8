/**
 * Checks of the files a command will write, made before any work: no output
 * may be one of the inputs or another output, and every output's folder must
 * exist (it is created when missing) and take new files (edge code: file
 * system).
 *
 * @module
 */

import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "./usage_error.ts";

/** A file that a command reads or writes, and the flag that names it. */
export interface NamedPath {
  /** The flag, e.g. `--out`. */
  flag: string;
  /** The path as given, or as derived from the flag's value. */
  path: string;
  /**
   * Which of the flag's files it is, when the flag names several (e.g.
   * `mask of sentence 2`); shown after the flag.
   */
  which?: string;
}

/** A {@linkcode NamedPath} with the real, absolute path it resolves to. */
export interface ResolvedPath extends NamedPath {
  /** Absolute, with symbolic links resolved: equal for the same file. */
  real: string;
}

/** Two paths of a command line that name the same file. */
export interface Collision {
  /** The output that would be written. */
  output: ResolvedPath;
  /** The input it would destroy, or the other output it would overwrite. */
  other: ResolvedPath;
  /** Whether `other` is an input (else another output). */
  otherIsInput: boolean;
}

/**
 * The real path of `path`: absolute, with every symbolic link resolved. A
 * file that does not exist yet resolves through its nearest existing folder,
 * so `./a.png`, `a.png` and a link to `a.png` all give the same answer.
 */
export async function realPathOf(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await Deno.realPath(absolute);
  } catch (e) {
    const missing = e instanceof Deno.errors.NotFound ||
      e instanceof Deno.errors.NotADirectory;
    if (!missing) throw e;
  }
  const parent = dirname(absolute);
  if (parent === absolute) return absolute;
  return join(await realPathOf(parent), basename(absolute));
}

/** Resolves each path with {@linkcode realPathOf}. */
export async function resolvePaths(
  paths: readonly NamedPath[],
): Promise<ResolvedPath[]> {
  const resolved: ResolvedPath[] = [];
  for (const p of paths) {
    resolved.push({ ...p, real: await realPathOf(p.path) });
  }
  return resolved;
}

/**
 * The first output that is an input, or that another output also names;
 * undefined when every output is a file of its own.
 *
 * @example
 * ```ts
 * findCollision(
 *   [{ flag: "--image", path: "a.png", real: "/w/a.png" }],
 *   [{ flag: "--out", path: "./a.png", real: "/w/a.png" }],
 * ); // { output: --out's, other: --image's, otherIsInput: true }
 * ```
 */
export function findCollision(
  inputs: readonly ResolvedPath[],
  outputs: readonly ResolvedPath[],
): Collision | undefined {
  for (let i = 0; i < outputs.length; i++) {
    const output = outputs[i];
    const input = inputs.find((p) => p.real === output.real);
    if (input) return { output, other: input, otherIsInput: true };
    const earlier = outputs.slice(0, i).find((p) => p.real === output.real);
    if (earlier) return { output, other: earlier, otherIsInput: false };
  }
  return undefined;
}

/** A flag with the file of it meant, e.g. `--out (mask of sentence 2)`. */
function label(p: NamedPath): string {
  return p.which ? `${p.flag} (${p.which})` : p.flag;
}

/**
 * What is wrong with a collision and what to do, naming both flags and the
 * path.
 *
 * @example
 * ```ts
 * collisionMessage({ output: out, other: image, otherIsInput: true });
 * // "--out and --image name the same file, a.png (/w/a.png): writing --out would destroy the input. Give --out another path."
 * ```
 */
export function collisionMessage(c: Collision): string {
  const same = c.output.path === c.other.path
    ? c.output.path
    : `${c.other.path} and ${c.output.path}`;
  const where = same === c.output.real ? same : `${same}, ${c.output.real}`;
  const harm = c.otherIsInput
    ? `writing ${c.output.flag} would destroy the input`
    : "one would overwrite the other";
  return `${label(c.other)} and ${label(c.output)} name the same file ` +
    `(${where}): ${harm}. Give ${c.output.flag} another path.`;
}

/**
 * Refuses (with a {@linkcode UsageError}) outputs that are inputs or each
 * other, comparing real paths.
 */
export async function checkNoCollision(
  inputs: readonly NamedPath[],
  outputs: readonly NamedPath[],
): Promise<void> {
  const collision = findCollision(
    await resolvePaths(inputs),
    await resolvePaths(outputs),
  );
  if (collision) throw new UsageError(collisionMessage(collision));
}

/**
 * Makes sure that each output file can be written, before any work: its
 * folder is created when missing (as `mkdir -p`) and must take a new file,
 * and the path must not be a folder. Refuses with a {@linkcode UsageError}
 * that names the flag, the path and what to do.
 */
export async function prepareOutputFiles(
  outputs: readonly NamedPath[],
): Promise<void> {
  const checked = new Set<string>();
  for (const p of outputs) {
    const info = await Deno.stat(p.path).catch(() => undefined);
    if (info?.isDirectory) {
      throw new UsageError(
        `${
          label(p)
        } ${p.path} is a folder: give the path of a file to write (in that folder or elsewhere)`,
      );
    }
    const dir = dirname(resolve(p.path));
    if (checked.has(dir)) continue;
    checked.add(dir);
    await prepareOutputFolder(label(p), dir);
  }
}

/**
 * Creates `dir` when missing (as `mkdir -p`) and checks that it takes a new
 * file; `flag` is the option whose output goes there.
 */
export async function prepareOutputFolder(
  flag: string,
  dir: string,
): Promise<void> {
  const info = await Deno.stat(dir).catch(() => undefined);
  if (info && !info.isDirectory) {
    throw new UsageError(
      `${flag}: ${dir} is a file, not a folder: choose a folder for the output`,
    );
  }
  try {
    await Deno.mkdir(dir, { recursive: true });
    const probe = await Deno.makeTempFile({ dir, prefix: ".oris-probe-" });
    await Deno.remove(probe);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new UsageError(
      `${flag}: cannot write to the folder ${dir} (${reason}): ` +
        `choose a folder you can write to, or fix its permissions`,
    );
  }
}
