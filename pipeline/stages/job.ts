/**
 * The unit that flows through the pipeline: one image with its sentences.
 * Each stage is an async generator that adds its result to the job, so a
 * dataset streams through with bounded memory and per-image work is done
 * once for every sentence of that image.
 *
 * @module
 */

import type { RgbaImage } from "../image/rgba.ts";

/** One image and the sentences that refer to something in it. */
export interface ImageJob<Meta = unknown> {
  /** Caller's id of the image (file name, COCO id...). */
  readonly id: string | number;
  /** The image's RGBA pixels. */
  readonly image: RgbaImage;
  /** The referring sentences, each segmented on its own. */
  readonly sentences: readonly string[];
  /** Anything the caller wants carried along (ground truth, ref ids). */
  readonly meta?: Meta;
  /** Milliseconds spent per stage on this job. */
  readonly timings: Record<string, number>;
}

/** A pipeline stage: transforms a stream of jobs. */
export type Stage<In, Out> = (jobs: AsyncIterable<In>) => AsyncIterable<Out>;

/** Options every stage takes. */
export interface StageOptions {
  /**
   * Stops the stage: once aborted, it throws the signal's reason before
   * the next job, after the job under way, and between that job's model
   * calls. A model call already running finishes first.
   */
  readonly signal?: AbortSignal;
}

/**
 * Builds a stage from a per-job function, timing it under `name`. With a
 * `signal`, an abort stops it before a job and after one (`fn` gets the
 * signal too, to stop between its own steps).
 *
 * @example
 * ```ts
 * const double = mapStage("double", async (job: { timings: Record<string, number>; n: number }) => ({ ...job, m: job.n * 2 }));
 * ```
 */
export function mapStage<In extends { timings: Record<string, number> }, Out>(
  name: string,
  fn: (job: In, signal?: AbortSignal) => Promise<Out>,
  options: StageOptions = {},
): Stage<In, Out> {
  const { signal } = options;
  return async function* (jobs) {
    signal?.throwIfAborted();
    for await (const job of jobs) {
      signal?.throwIfAborted();
      const start = performance.now();
      const out = await fn(job, signal);
      job.timings[name] = (job.timings[name] ?? 0) + performance.now() - start;
      signal?.throwIfAborted();
      yield out;
    }
  };
}

/**
 * Composes stages left to right: `pipe(a, b)` feeds the jobs `a` yields
 * into `b`.
 *
 * @example
 * ```ts
 * const both = pipe(
 *   mapStage("one", async (job: { timings: Record<string, number> }) => ({ ...job, one: 1 })),
 *   mapStage("two", async (job: { timings: Record<string, number>; one: number }) => ({ ...job, two: job.one + 1 })),
 * );
 * ```
 */
export function pipe<A, B>(s1: Stage<A, B>): Stage<A, B>;
/** Composes two stages: the jobs `s1` yields flow into `s2`. */
export function pipe<A, B, C>(s1: Stage<A, B>, s2: Stage<B, C>): Stage<A, C>;
/** Composes three stages left to right. */
export function pipe<A, B, C, D>(
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
): Stage<A, D>;
/** Composes four stages left to right. */
export function pipe<A, B, C, D, E>(
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
): Stage<A, E>;
/** Composes five stages left to right. */
export function pipe<A, B, C, D, E, F>(
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
  s5: Stage<E, F>,
): Stage<A, F>;
/** Composes six stages left to right. */
export function pipe<A, B, C, D, E, F, G>(
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
  s5: Stage<E, F>,
  s6: Stage<F, G>,
): Stage<A, G>;
/** Composes any number of stages left to right. */
export function pipe(
  ...stages: Stage<unknown, unknown>[]
): Stage<unknown, unknown> {
  return (jobs) => stages.reduce((acc, stage) => stage(acc), jobs);
}

/** An async iterable over the given items (for feeding one job). */
export async function* fromItems<T>(items: Iterable<T>): AsyncIterable<T> {
  for (const item of items) yield item;
}
