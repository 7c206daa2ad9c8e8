import assert from "node:assert/strict";
import {
  fromItems,
  mapStage,
  pipe,
  type Stage,
} from "../../pipeline/stages/job.ts";

interface Job {
  readonly id: number;
  readonly trail: string;
  readonly timings: Record<string, number>;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Runs `fn` with performance.now() returning the given values in turn. */
async function withClock<T>(
  ticks: number[],
  fn: () => Promise<T>,
): Promise<T> {
  const own = Object.getOwnPropertyDescriptor(performance, "now");
  let next = 0;
  Object.defineProperty(performance, "now", {
    value: () => {
      assert.ok(next < ticks.length, "performance.now() called too often");
      return ticks[next++];
    },
    configurable: true,
    writable: true,
  });
  try {
    return await fn();
  } finally {
    if (own) Object.defineProperty(performance, "now", own);
    else delete (performance as { now?: unknown }).now;
  }
}

/** A stage that appends `letter` to each job's trail. */
function append(letter: string): Stage<Job, Job> {
  return mapStage(
    letter,
    (job: Job) => Promise.resolve({ ...job, trail: job.trail + letter }),
  );
}

Deno.test("mapStage() adds the time of each call to the job's timing under its name", async () => {
  const jobs: Job[] = [
    { id: 1, trail: "", timings: { parse: 2, text: 5 } },
    { id: 2, trail: "", timings: {} },
  ];
  const out = await withClock(
    [100, 107, 200, 203.5],
    () => collect(append("text")(fromItems(jobs))),
  );
  // Added to what was there, other stages' entries untouched.
  assert.deepEqual(jobs[0].timings, { parse: 2, text: 12 });
  assert.deepEqual(jobs[1].timings, { text: 3.5 });
  // The output shares the job's timings, so later stages see them.
  assert.equal(out[0].timings, jobs[0].timings);
  assert.deepEqual(out.map((j) => j.trail), ["text", "text"]);
});

Deno.test("mapStage() twice under one name accumulates both times", async () => {
  const job: Job = { id: 1, trail: "", timings: {} };
  const stage = pipe(
    append("x"),
    mapStage("x", (j: Job) => Promise.resolve(j)),
  );
  await withClock([0, 4, 10, 11], () => collect(stage(fromItems([job]))));
  assert.deepEqual(job.timings, { x: 5 });
});

Deno.test("mapStage() streams: a job is yielded before the next is read", async () => {
  const read: number[] = [];
  async function* source(): AsyncIterable<Job> {
    for (const id of [1, 2, 3]) {
      read.push(id);
      yield { id, trail: "", timings: {} };
    }
  }
  const calls: number[] = [];
  const stage = mapStage("s", (job: Job) => {
    calls.push(job.id);
    return Promise.resolve(job);
  });
  const it = stage(source())[Symbol.asyncIterator]();
  const first = await it.next();
  assert.equal((first.value as Job).id, 1);
  assert.deepEqual(read, [1]);
  assert.deepEqual(calls, [1]);
  await it.return?.();
});

Deno.test("mapStage() passes an error of its function to the consumer", async () => {
  const stage = mapStage("bad", (_: Job) => Promise.reject(new Error("boom")));
  await assert.rejects(
    collect(stage(fromItems([{ id: 1, trail: "", timings: {} }]))),
    /boom/,
  );
});

Deno.test("pipe() composes stages left to right", async () => {
  const job: Job = { id: 1, trail: "", timings: {} };
  const [one] = await collect(
    pipe(append("a"), append("b"), append("c"))(fromItems([job])),
  );
  assert.equal(one.trail, "abc");
  const [two] = await collect(
    pipe(append("c"), append("b"), append("a"))(fromItems([job])),
  );
  assert.equal(two.trail, "cba");
  const [single] = await collect(pipe(append("z"))(fromItems([job])));
  assert.equal(single.trail, "z");
});

Deno.test("pipe() keeps the order of the jobs", async () => {
  const jobs: Job[] = [3, 1, 2].map((id) => ({ id, trail: "", timings: {} }));
  const out = await collect(pipe(append("a"), append("b"))(fromItems(jobs)));
  assert.deepEqual(out.map((j) => [j.id, j.trail]), [
    [3, "ab"],
    [1, "ab"],
    [2, "ab"],
  ]);
});

Deno.test("fromItems() yields every item of an iterable in order", async () => {
  assert.deepEqual(await collect(fromItems([3, 1, 2])), [3, 1, 2]);
  assert.deepEqual(await collect(fromItems(new Set(["a", "b"]))), ["a", "b"]);
  function* gen() {
    yield 1;
    yield 2;
  }
  assert.deepEqual(await collect(fromItems(gen())), [1, 2]);
  assert.deepEqual(await collect(fromItems([])), []);
});
