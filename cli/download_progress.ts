/**
 * Progress of model downloads on standard error: a bar per file on a
 * terminal, plain lines otherwise, and a line per retry.
 *
 * @module
 */

import type { ModelProgressEvent } from "../io/model_store.ts";
import { type ProgressOutput, ProgressReporter } from "../io/progress.ts";

/** A download progress display. */
export interface DownloadProgress {
  /** The {@linkcode ModelStore} progress handler. */
  onProgress(event: ModelProgressEvent): void;
  /** Ends a bar cut short by an error, so the next message starts on its own line. */
  interrupt(): void;
}

/**
 * Returns a download progress display that reports to `err`.
 *
 * @example
 * ```ts
 * const progress = downloadProgress(stderrOutput());
 * const store = new ModelStore({ onProgress: progress.onProgress });
 * ```
 */
export function downloadProgress(err: ProgressOutput): DownloadProgress {
  let bar: ProgressReporter | undefined;
  const interrupt = () => {
    if (bar && err.isTerminal) err.write("\n");
    bar = undefined;
  };
  const onProgress = (event: ModelProgressEvent) => {
    if (event.type === "start") {
      bar = new ProgressReporter({
        label: event.path,
        total: event.total,
        unit: "bytes",
        initial: event.received,
        output: err,
      });
      bar.update(event.received);
    } else if (event.type === "progress") {
      bar?.update(event.received);
    } else if (event.type === "retry" && event.retry) {
      interrupt();
      const r = event.retry;
      err.write(
        `${event.path}: attempt ${r.attempt} failed (${r.reason}); retrying in ` +
          `${Math.round(r.delayMs / 100) / 10} s (${r.left} ${
            r.left === 1 ? "retry" : "retries"
          } left)\n`,
      );
    } else {
      bar?.update(event.received);
      bar?.finish();
      bar = undefined;
    }
  };
  return { onProgress, interrupt };
}
