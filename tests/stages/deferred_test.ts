import assert from "node:assert/strict";
import { deferredStage } from "../../pipeline/stages/deferred.ts";
import { fromItems } from "../../pipeline/stages/job.ts";

const double = async function* (jobs: AsyncIterable<number>) {
  for await (const n of jobs) yield n * 2;
};

Deno.test("deferredStage() makes its stage only once the first job has come out of the stages before it", async () => {
  const events: string[] = [];
  const upstream = async function* () {
    events.push("first job made");
    yield 1;
    events.push("second job made");
    yield 2;
  };
  const stage = deferredStage((first: number) => {
    events.push(`stage made with job ${first}`);
    return Promise.resolve(double);
  });
  const out: number[] = [];
  for await (const n of stage(upstream())) out.push(n);
  assert.deepEqual(out, [2, 4]);
  assert.deepEqual(events, [
    "first job made",
    "stage made with job 1",
    "second job made",
  ]);
});

Deno.test("deferredStage() never makes its stage when no job comes", async () => {
  let made = 0;
  const stage = deferredStage(() => {
    made++;
    return Promise.resolve(double);
  });
  const out: number[] = [];
  for await (const n of stage(fromItems<number>([]))) out.push(n);
  assert.deepEqual(out, []);
  assert.equal(made, 0);
});

Deno.test("deferredStage() passes on the failure of making its stage", async () => {
  const stage = deferredStage<number, number>(() =>
    Promise.reject(new Error("the model did not load"))
  );
  await assert.rejects(async () => {
    for await (const _ of stage(fromItems([1]))) { /* nothing */ }
  }, /the model did not load/);
});
