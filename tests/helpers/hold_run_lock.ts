/**
 * A process that takes an --out folder's lock as eval does, says "locked"
 * on stdout and waits to be stopped, for the tests of the lock's signals.
 *
 * @example
 * ```sh
 * deno run -A tests/helpers/hold_run_lock.ts /tmp/run
 * ```
 *
 * @module
 */

import { lockRun } from "../../cli/eval_output.ts";

if (import.meta.main) {
  await lockRun(Deno.args[0]);
  console.log("locked");
  setInterval(() => {}, 60_000);
}
