/**
 * The oris command line: `deno task <command>` runs `cli.ts <command>`.
 *
 * ```sh
 * deno task models pull                     # fetch the default CLIP and SAM
 * deno task segment --image photo.jpg --text "the dog on the left"
 * deno task serve --port 8000               # the HTTP API and web page
 * ```
 *
 * @module
 */

import { tmpdir } from "node:os";
import { commandLineMessage } from "./cli/library_errors.ts";
import { runDemoCommand } from "./cli/demo.ts";
import { runEvalCommand } from "./cli/eval.ts";
import { runModelsCommand } from "./cli/models.ts";
import { runSegmentCommand } from "./cli/segment.ts";
import { runServeCommand } from "./cli/serve.ts";
import { runSpatialCommand } from "./cli/spatial.ts";

/** A subcommand: its one-line summary and its entry point (returns the exit code). */
interface Command {
  summary: string;
  run: (args: string[]) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  models: {
    summary: "download, list, verify and locate CLIP and SAM models",
    run: runModelsCommand,
  },
  segment: {
    summary: "segment the object a sentence refers to in an image",
    run: runSegmentCommand,
  },
  serve: {
    summary: "serve segmentation over HTTP: an API and the web page",
    run: (args) => runServeCommand(args),
  },
  eval: {
    summary: "evaluate on RefCOCO, RefCOCO+, RefCOCOg or a JSONL dataset",
    run: (args) => runEvalCommand(args),
  },
  spatial: {
    summary:
      "choose among candidate boxes with the spatial selector alone (no models)",
    run: runSpatialCommand,
  },
  demo: {
    summary: "run one synthetic scene offline and write its overlays",
    run: (args) => runDemoCommand(args),
  },
};

/** The top-level help text. */
export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) =>
    `  ${name.padEnd(width)}  ${c.summary}`
  );
  return [
    "oris: zero-shot referring image segmentation (SAM + CLIP + spatial reasoning)",
    "",
    "Usage: deno task <command> [options]    (or: deno run -A cli.ts <command> ...)",
    "",
    "Commands:",
    ...lines,
    "",
    "Run `deno task <command> --help` for a command's options.",
  ].join("\n");
}

/** Runs the command line with `args`; returns the process exit code. */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    // Commands report what they expect; anything else still gets one line.
    console.error(`error: ${commandLineMessage(e)}`);
    return 1;
  }
}

/**
 * Gives Mesa's Vulkan drivers (used for WebGPU) a private runtime folder
 * when the session has none, which they otherwise complain about on every
 * run.
 */
function ensureRuntimeDir(): void {
  try {
    if (Deno.env.get("XDG_RUNTIME_DIR")) return;
    const dir = `${tmpdir()}/oris-runtime-${Deno.uid() ?? "user"}`;
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    Deno.env.set("XDG_RUNTIME_DIR", dir);
  } catch {
    // No permission to read or set the environment: leave it.
  }
}

if (import.meta.main) {
  ensureRuntimeDir();
  Deno.exitCode = await main(Deno.args);
}
