/**
 * Several jobs in flight through a stage at once: while one image waits
 * for a model or a GPU readback, the next can already run. Under Deno
 * every WebGPU readback waits at least 10 ms and onnxruntime-node runs on
 * its own threads, so overlapping images hides those waits; on a
 * single-threaded CPU backend it gains nothing.
 *
 * @module
 */

import { fromItems, type Stage } from "./job.ts";

/**
 * Runs up to `limit` jobs through `stage` at once, each job on its own
 * (the stage sees a stream of one job), and yields every job's outputs in
 * the order the jobs came in. `limit` 1 is `stage` itself. A job's error
 * is thrown when its turn to be yielded comes, an error of the input after
 * the jobs it gave before; when the stream stops early, the jobs still at
 * work are awaited first.
 *
 * @example
 * ```ts
 * import { fromItems, mapStage } from "./job.ts";
 *
 * // A stage whose first job takes the longest; in the segmenter, e.g.
 * // pipe(proposeStage(generator), regionsStage(vision, kernels, options)).
 * type Job = { id: number; timings: Record<string, number> };
 * const wait = mapStage("wait", async (job: Job) => {
 *   await new Promise((done) => setTimeout(done, 10 * (3 - job.id)));
 *   return job;
 * });
 * const jobs = fromItems([0, 1, 2].map((id): Job => ({ id, timings: {} })));
 * const fast = inFlight(wait, 2);
 * for await (const job of fast(jobs)) console.log(job.id); // 0, 1, 2: in input order
 * ```
 */
export function inFlight<A, B>(stage: Stage<A, B>, limit: number): Stage<A, B> {
  if (!(Number.isInteger(limit) && limit >= 1)) {
    throw new RangeError(
      `The number of images in flight must be a positive integer (1 for one at a time), got ${limit}.`,
    );
  }
  if (limit === 1) return stage;
  return async function* (jobs) {
    const input = jobs[Symbol.asyncIterator]();
    const running: Promise<B[]>[] = [];
    let ended = false;
    // An input that fails ends the stream after the jobs it gave before.
    let inputFailed: { error: unknown } | undefined;
    try {
      while (true) {
        while (!ended && running.length < limit) {
          try {
            const next = await input.next();
            if (next.done) ended = true;
            else running.push(settledLater(runOne(stage, next.value)));
          } catch (error) {
            ended = true;
            inputFailed = { error };
          }
        }
        const first = running.shift();
        if (!first) break;
        yield* await first;
      }
      if (inputFailed) throw inputFailed.error;
    } finally {
      // Stopped early (the consumer broke off, or a job failed): the jobs
      // still at work finish before the stream ends, so none outlives it
      // (and, say, runs on a session its caller then releases).
      await Promise.allSettled(running);
      if (!ended) await input.return?.();
    }
  };
}

/** Every output of `stage` for one job. */
async function runOne<A, B>(stage: Stage<A, B>, job: A): Promise<B[]> {
  const out: B[] = [];
  for await (const item of stage(fromItems([job]))) out.push(item);
  return out;
}

/**
 * The same promise, marked as handled: a job that fails while earlier
 * ones are still being yielded must not count as an unhandled rejection;
 * its error is thrown when it is awaited.
 */
function settledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
