import assert from "node:assert/strict";
import { inFlight } from "../../pipeline/stages/in_flight.ts";
import { fromItems, type Stage } from "../../pipeline/stages/job.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A stage that doubles each number after a delay, counting jobs at work. */
function slowDouble(delays: number[]) {
  const seen = { now: 0, most: 0, started: [] as number[] };
  const stage: Stage<number, number> = async function* (jobs) {
    for await (const n of jobs) {
      seen.started.push(n);
      seen.most = Math.max(seen.most, ++seen.now);
      await sleep(delays[n]);
      seen.now--;
      yield 2 * n;
    }
  };
  return { stage, seen };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

Deno.test("inFlight() yields in input order while later jobs finish first, with at most `limit` at work", async () => {
  const delays = [40, 5, 30, 1, 20, 1, 10];
  const { stage, seen } = slowDouble(delays);
  const out = await collect(inFlight(stage, 3)(fromItems(delays.keys())));
  assert.deepEqual(out, [0, 2, 4, 6, 8, 10, 12]);
  assert.equal(seen.most, 3);
});

Deno.test("inFlight() with limit 1 is the stage itself, one job at a time", async () => {
  const { stage, seen } = slowDouble([3, 1, 2]);
  assert.equal(inFlight(stage, 1), stage);
  assert.deepEqual(await collect(inFlight(stage, 1)(fromItems([0, 1, 2]))), [
    0,
    2,
    4,
  ]);
  assert.equal(seen.most, 1);
});

Deno.test("inFlight() refuses a limit that is not a positive integer", () => {
  const { stage } = slowDouble([]);
  for (const bad of [0, -1, 1.5, NaN]) {
    assert.throws(() => inFlight(stage, bad), RangeError);
  }
});

Deno.test("inFlight() throws a job's error at its turn, after the jobs before it", async () => {
  const failing: Stage<number, number> = async function* (jobs) {
    for await (const n of jobs) {
      // Job 2 fails first, while job 0 is still at work.
      await sleep(n === 2 ? 1 : 20);
      if (n === 2) throw new Error("job 2 failed");
      yield n;
    }
  };
  const got: number[] = [];
  await assert.rejects(async () => {
    for await (const n of inFlight(failing, 3)(fromItems([0, 1, 2, 3]))) {
      got.push(n);
    }
  }, /job 2 failed/);
  assert.deepEqual(got, [0, 1]);
});

Deno.test("inFlight() keeps every output of a stage that yields none or several per job", async () => {
  const spread: Stage<number, string> = async function* (jobs) {
    for await (const n of jobs) {
      await sleep(5 - n);
      for (let i = 0; i < n; i++) yield `${n}.${i}`;
    }
  };
  assert.deepEqual(
    await collect(inFlight(spread, 2)(fromItems([0, 1, 2, 3]))),
    ["1.0", "2.0", "2.1", "3.0", "3.1", "3.2"],
  );
});

Deno.test("inFlight() stops reading its input and lets the jobs at work finish when the consumer stops early", async () => {
  let read = 0, closed = false;
  async function* input() {
    try {
      for (let n = 0; n < 100; n++) {
        read++;
        yield n;
      }
    } finally {
      closed = true;
    }
  }
  const { stage, seen } = slowDouble(new Array(100).fill(1));
  for await (const n of inFlight(stage, 2)(input())) {
    if (n === 4) break;
  }
  assert.ok(closed, "the input was closed");
  assert.equal(seen.now, 0, "the jobs at work finished first");
  assert.ok(read <= 5, `read ${read} jobs for 3 results`);
});

Deno.test("inFlight() yields the jobs an input gave before it failed, then throws its error", async () => {
  async function* input() {
    yield 0;
    yield 1;
    throw new Error("image 2 is missing");
  }
  const { stage } = slowDouble([5, 5]);
  const got: number[] = [];
  await assert.rejects(async () => {
    for await (const n of inFlight(stage, 3)(input())) got.push(n);
  }, /image 2 is missing/);
  assert.deepEqual(got, [0, 2]);
});
