/**
 * A temporary folder for one test, removed afterwards whatever happens.
 *
 * @example
 * ```ts
 * await withTemp(async (dir) => {
 *   await Deno.writeTextFile(`${dir}/a.txt`, "a");
 * });
 * ```
 *
 * @module
 */

/** Runs `fn` with a fresh temporary folder and removes the folder after it. */
export async function withTemp(
  fn: (dir: string) => Promise<void>,
  prefix = "oris_test_",
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Names in a folder, sorted. */
export async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}
