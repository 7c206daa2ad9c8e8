import assert from "node:assert/strict";
import {
  backendResolver,
  chooseBackend,
  resolveBackend,
} from "../../pipeline/models/backend_choice.ts";
import {
  BACKEND_CHOICES,
  BackendUnavailableError,
} from "../../pipeline/models/inference.ts";
import { createSession } from "../../pipeline/models/session.ts";
import { tinyModel } from "../helpers/tiny_model.ts";

/** A native loader that counts its calls and succeeds or throws `error`. */
function fakeLoader(error?: unknown) {
  const loader = {
    calls: 0,
    load: () => {
      loader.calls++;
      return error === undefined ? Promise.resolve() : Promise.reject(error);
    },
  };
  return loader;
}

Deno.test("chooseBackend() runs auto on native where it loads, on wasm with the reason where it does not, and a named backend as named", () => {
  assert.deepEqual(chooseBackend("auto", { ok: true }), {
    requested: "auto",
    backend: "native",
  });
  assert.deepEqual(chooseBackend("auto", { ok: false, reason: "no FFI" }), {
    requested: "auto",
    backend: "wasm",
    fallback: "no FFI",
  });
  for (const name of ["wasm", "webgpu", "native"] as const) {
    assert.deepEqual(chooseBackend(name, { ok: false, reason: "x" }), {
      requested: name,
      backend: name,
    });
  }
  assert.deepEqual(BACKEND_CHOICES, ["auto", "wasm", "webgpu", "native"]);
});

Deno.test("a resolver gives native for auto when native loads, and tries it once per resolver", async () => {
  const loader = fakeLoader();
  const resolve = backendResolver(loader.load);
  assert.deepEqual(await resolve("auto"), {
    requested: "auto",
    backend: "native",
  });
  await resolve("auto");
  await Promise.all([resolve("auto"), resolve("auto")]);
  assert.equal(loader.calls, 1);
});

Deno.test("a resolver falls back to wasm when native's import throws, keeping the backend's own reason", async () => {
  const denied = fakeLoader(
    new BackendUnavailableError(
      "native",
      "no permission to load native code: run with --allow-ffi",
    ),
  );
  assert.deepEqual(await backendResolver(denied.load)("auto"), {
    requested: "auto",
    backend: "wasm",
    fallback: "no permission to load native code: run with --allow-ffi",
  });
  const missing = fakeLoader(
    new Error("Cannot find module onnxruntime_binding.node"),
  );
  const resolve = backendResolver(missing.load);
  const first = await resolve("auto");
  assert.equal(first.backend, "wasm");
  assert.match(first.fallback!, /Cannot find module onnxruntime_binding\.node/);
  assert.deepEqual(await resolve("auto"), first, "the outcome is remembered");
  assert.equal(missing.calls, 1);
});

Deno.test("a resolver runs webgpu, wasm and native only when asked for, without trying native for them", async () => {
  const loader = fakeLoader(new Error("must not be called"));
  const resolve = backendResolver(loader.load);
  for (const name of ["webgpu", "wasm", "native"] as const) {
    assert.deepEqual(await resolve(name), { requested: name, backend: name });
  }
  assert.equal(loader.calls, 0);
});

Deno.test("resolveBackend() takes DEFAULTS.backend (auto), which is native here, where --allow-ffi is granted", async () => {
  assert.equal(
    (await Deno.permissions.query({ name: "ffi" })).state,
    "granted",
    "tests run with -A",
  );
  assert.deepEqual(await resolveBackend(), {
    requested: "auto",
    backend: "native",
  });
});

Deno.test("createSession() with auto gives a session whose backend is the one that ran", async () => {
  const session = await createSession(tinyModel(), {
    backend: "auto",
    label: "tiny",
  });
  try {
    assert.equal(session.backend, "native");
  } finally {
    await session.release();
  }
  await assert.rejects(
    () =>
      createSession(tinyModel(), {
        backend: "auto",
        gpuDevice: {} as GPUDevice,
      }),
    /GPU device was given for the native backend/,
  );
});
