/**
 * The error of a malformed command line: the commands print it with their
 * usage text and exit with status 2.
 *
 * @module
 */

/** A command-line option or argument is missing or malformed. */
export class UsageError extends Error {
  /** Creates the error with a message that names the option. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
