/**
 * Runs a command of `cli/` with its output captured, for tests.
 *
 * @example
 * ```ts
 * const { code, stdout, stderr } = await runCaptured(runEvalCommand, ["--help"]);
 * ```
 *
 * @module
 */

import type { ProgressOutput } from "../../io/progress.ts";

/** The exit status of a command and what it printed. */
export interface CapturedRun {
  /** Exit status. */
  code: number;
  /** Everything given to `stdout`, one call a line. */
  stdout: string;
  /** Everything written to `stderr`, as written. */
  stderr: string;
}

/** The output and environment {@linkcode runCaptured} gives a command. */
export interface CapturedIO {
  /** Takes one piece of text a call. */
  stdout: (text: string) => void;
  /** Not a terminal: progress comes as plain lines. */
  stderr: ProgressOutput;
  /** Empty: nothing comes from the environment of the tests. */
  env: Record<string, string | undefined>;
}

/** Runs `command` with `args`, an empty environment and its output captured. */
export async function runCaptured(
  command: (args: string[], io: CapturedIO) => Promise<number>,
  args: string[],
): Promise<CapturedRun> {
  const stdout: string[] = [];
  let stderr = "";
  const code = await command(args, {
    stdout: (t) => stdout.push(t),
    stderr: { write: (t) => void (stderr += t), isTerminal: false },
    env: {},
  });
  return { code, stdout: stdout.join("\n"), stderr };
}
