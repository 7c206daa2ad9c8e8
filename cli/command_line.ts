/**
 * The start every command shares: read the command line, answer `--help`
 * with the usage text, and refuse a malformed line with the error and the
 * usage text (exit status 2).
 *
 * @module
 */

/**
 * Parses a command line with `parse`, which returns "help" when help was
 * asked for and throws when the line is malformed. Help writes `usage` to
 * `out`; a malformed line writes "error: ..." and `usage` to `err`.
 *
 * @returns the parsed arguments, or the exit status when the command is
 * done: 0 after help, 2 after a malformed line.
 *
 * @example
 * ```ts
 * const a = parseCommandLine(() => parseEvalArgs(args), EVAL_USAGE, out, err);
 * if (typeof a === "number") return a;
 * ```
 */
export function parseCommandLine<A extends object>(
  parse: () => A | "help",
  usage: string,
  out: (text: string) => void,
  err: (text: string) => void,
): A | number {
  let parsed: A | "help";
  try {
    parsed = parse();
  } catch (e) {
    err(`error: ${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  if (parsed === "help") {
    out(usage);
    return 0;
  }
  return parsed;
}
