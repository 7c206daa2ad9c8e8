import assert from "node:assert/strict";
import type { InferenceSession } from "../../pipeline/models/inference.ts";
import {
  isParkable,
  ParkedSession,
} from "../../pipeline/models/parked_session.ts";
import type { Tensor } from "../../pipeline/models/tensor.ts";

/** Counts the sessions opened and released; runs wait on `gate` if set. */
function counter() {
  const log = { opened: 0, released: 0, runs: 0 };
  let gate: Promise<void> | undefined;
  const make = (): InferenceSession => {
    log.opened++;
    let released = false;
    return {
      backend: "wasm",
      label: "fake/encoder.onnx",
      inputs: [{ name: "x", type: "float32", shape: [1] }],
      outputs: [{ name: "y", type: "float32", shape: [1] }],
      async run() {
        assert.equal(released, false, "run on a released session");
        log.runs++;
        await gate;
        return { y: {} as Tensor };
      },
      release() {
        released = true;
        log.released++;
        return Promise.resolve();
      },
    };
  };
  return {
    log,
    make,
    hold() {
      let open!: () => void;
      gate = new Promise((resolve) => open = resolve);
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

Deno.test("ParkedSession.park() releases the runtime session when idle and the next run opens it again", async () => {
  const c = counter();
  const session = new ParkedSession(c.make(), () => Promise.resolve(c.make()));
  assert.ok(isParkable(session));
  assert.deepEqual(session.inputs.map((i) => i.name), ["x"]);
  await session.run({});
  await session.park();
  assert.equal(session.parked, true);
  assert.deepEqual(c.log, { opened: 1, released: 1, runs: 1 });
  await session.run({});
  assert.equal(session.parked, false);
  assert.deepEqual(c.log, { opened: 2, released: 1, runs: 2 });
  await session.release();
  assert.equal(c.log.released, 2);
});

Deno.test("ParkedSession.park() during a run waits for the run to end before releasing", async () => {
  const c = counter();
  const session = new ParkedSession(c.make(), () => Promise.resolve(c.make()));
  const open = c.hold();
  const running = session.run({});
  await session.park();
  assert.equal(c.log.released, 0, "released under a running call");
  open();
  await running;
  assert.equal(c.log.released, 1);
  assert.equal(session.parked, true);
});

Deno.test("ParkedSession: runs that start together after a park open the model once", async () => {
  const c = counter();
  const session = new ParkedSession(c.make(), () => Promise.resolve(c.make()));
  await session.park();
  await Promise.all([session.run({}), session.run({}), session.run({})]);
  assert.equal(c.log.opened, 2);
  assert.equal(c.log.runs, 3);
});

Deno.test("ParkedSession.run() after release() says the session was released", async () => {
  const c = counter();
  const session = new ParkedSession(c.make(), () => Promise.resolve(c.make()));
  await session.release();
  await assert.rejects(
    () => session.run({}),
    /fake\/encoder\.onnx: the session was released/,
  );
  assert.equal(c.log.opened, 1);
});

Deno.test("isParkable() is false for a plain session", () => {
  assert.equal(isParkable(counter().make()), false);
});
