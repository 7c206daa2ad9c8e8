import assert from "node:assert/strict";
import { parseCommandLine } from "../../cli/command_line.ts";
import { UsageError } from "../../cli/usage_error.ts";

const USAGE = "Usage: oris thing [--n N]\n";

function capture() {
  const written = { out: [] as string[], err: [] as string[] };
  return {
    written,
    out: (t: string) => void written.out.push(t),
    err: (t: string) => void written.err.push(t),
  };
}

Deno.test("parseCommandLine() returns the parsed arguments and writes nothing", () => {
  const { written, out, err } = capture();
  const a = parseCommandLine(() => ({ n: 3 }), USAGE, out, err);
  assert.deepEqual(a, { n: 3 });
  assert.deepEqual(written, { out: [], err: [] });
});

Deno.test("parseCommandLine() answers help with the usage text and exit status 0", () => {
  const { written, out, err } = capture();
  assert.equal(parseCommandLine(() => "help", USAGE, out, err), 0);
  assert.deepEqual(written, { out: [USAGE], err: [] });
});

Deno.test("parseCommandLine() refuses a malformed line with the error, the usage text and exit status 2", () => {
  const { written, out, err } = capture();
  const status = parseCommandLine(
    () => {
      throw new UsageError("--n must be a number");
    },
    USAGE,
    out,
    err,
  );
  assert.equal(status, 2);
  assert.deepEqual(written, {
    out: [],
    err: [`error: --n must be a number\n\n${USAGE}`],
  });
});
