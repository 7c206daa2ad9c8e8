/**
 * A bounded first-in, first-out queue of tasks run one at a time: the
 * server's one segmenter serves its requests in turn, and a request that
 * finds the queue full is refused at once.
 *
 * @example
 * ```ts
 * import { TaskQueue } from "./queue.ts";
 *
 * const queue = new TaskQueue(8);
 * const answer = await queue.run(async () => 42); // 42
 * ```
 *
 * @module
 */

/** Thrown by {@linkcode TaskQueue.run} when the queue holds its capacity already. */
export class QueueFullError extends Error {
  /** Creates the error for a queue of `capacity` tasks. */
  constructor(readonly capacity: number) {
    super(
      `The server is busy: ${capacity} requests are queued or running; try again shortly.`,
    );
    this.name = "QueueFullError";
  }
}

interface Waiting {
  start: () => void;
  signal?: AbortSignal;
}

/** Runs tasks one at a time, holding at most `capacity` (running and waiting). */
export class TaskQueue {
  #running = false;
  #waiting: Waiting[] = [];

  /** A queue of at most `capacity` tasks, the running one included (at least 1). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `The queue's capacity must be a whole number of at least 1, not ${capacity}.`,
      );
    }
  }

  /** Tasks held: the running one and those waiting. */
  get size(): number {
    return this.#waiting.length + (this.#running ? 1 : 0);
  }

  /**
   * Runs `task` once the tasks before it are done. Rejects with
   * {@linkcode QueueFullError} at once when the queue is full, and with
   * `signal`'s reason when it is aborted before the task starts (the task
   * then never runs; once started, the task sees the abort itself).
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.size >= this.capacity) {
      return Promise.reject(new QueueFullError(this.capacity));
    }
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        signal?.removeEventListener("abort", onAbort);
        this.#running = true;
        task().then(resolve, reject).finally(() => {
          this.#running = false;
          this.#next();
        });
      };
      const entry: Waiting = { start, signal };
      const onAbort = () => {
        const i = this.#waiting.indexOf(entry);
        if (i >= 0) {
          this.#waiting.splice(i, 1);
          reject(signal!.reason);
        }
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(entry);
      if (!this.#running) this.#next();
    });
  }

  #next(): void {
    const entry = this.#waiting.shift();
    entry?.start();
  }
}
