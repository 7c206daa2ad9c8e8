/**
 * A stage made when its first job arrives: what it needs (a model, say) is
 * not taken until the stages before it have finished their first job.
 *
 * @module
 */

import type { Stage } from "./job.ts";

/**
 * The stage `make` gives, made when the first job reaches it (never when
 * no job does), with that job at hand (e.g. to record in its timings what
 * making the stage took); `make` runs once per run of the stage.
 *
 * @example
 * ```ts
 * import { fromItems } from "./job.ts";
 *
 * let made = false;
 * const double = deferredStage(() => {
 *   made = true;
 *   return Promise.resolve(async function* (jobs: AsyncIterable<number>) {
 *     for await (const n of jobs) yield n * 2;
 *   });
 * });
 * const out = double(fromItems([1, 2]));
 * made; // false: nothing has pulled a job yet
 * const results = [];
 * for await (const n of out) results.push(n); // [2, 4]
 * ```
 */
export function deferredStage<In, Out>(
  make: (first: In) => Promise<Stage<In, Out>>,
): Stage<In, Out> {
  return async function* (jobs) {
    const input = jobs[Symbol.asyncIterator]();
    const first = await input.next();
    if (first.done) return;
    const stage = await make(first.value);
    yield* stage(rest(first.value, input));
  };
}

/** `head`, then what `input` still has. */
async function* rest<T>(head: T, input: AsyncIterator<T>): AsyncIterable<T> {
  yield head;
  while (true) {
    const next = await input.next();
    if (next.done) return;
    yield next.value;
  }
}
