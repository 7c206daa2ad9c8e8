import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { testFiles, testsWithoutAssertions } from "./helpers/test_hygiene.ts";
import { withTemp } from "./helpers/temp.ts";

Deno.test("every test under tests/ asserts something, directly or through a helper", async () => {
  // This file's folder, wherever the tests are run from.
  const files = await testFiles(
    fileURLToPath(new URL(".", import.meta.url)).replace(/\/$/, ""),
  );
  assert.ok(files.length > 50, `only ${files.length} test files found`);
  const empty = await testsWithoutAssertions(files);
  assert.deepEqual(
    empty.map((t) => `${t.file}:${t.line} ${t.name}`),
    [],
    "tests that check nothing (add an assertion, or make the cleanup part " +
      "of the test that needs it)",
  );
});

Deno.test("testsWithoutAssertions() reports a test that only cleans up and accepts assertions however they are reached", async () => {
  await withTemp(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/helper.ts`,
      `import { equal } from "node:assert/strict";
export function checkTwo(x: number) { equal(x, 2); }
export const quiet = () => 2;`,
    );
    await Deno.writeTextFile(
      `${dir}/cases_test.ts`,
      `import assert, { deepStrictEqual as same } from "node:assert/strict";
import { expect } from "jsr:@std/expect";
import { checkTwo, quiet } from "./helper.ts";
const session = { release: async () => {} };
function local(v: number) { same([v], [1]); }
Deno.test("namespace", () => { assert.equal(1, 1); });
Deno.test("renamed import", () => { same(1, 1); });
Deno.test("expect chain", () => { expect(1).toBe(1); });
Deno.test("local helper", () => local(1));
Deno.test("imported helper", () => checkTwo(quiet()));
Deno.test("throws on failure", () => { if (quiet() !== 2) throw new Error("no"); });
Deno.test({ name: "options object", fn() { assert(true); } });
Deno.test("in a step", async (t) => { await t.step("s", () => assert(true)); });
Deno.test("(releases the session)", async () => { await session.release(); });
Deno.test("calls a helper that asserts nothing", () => { quiet(); });
Deno.test({ name: "options without assertion", fn: () => { quiet(); } });
Deno.test("mentions assert only in a string", () => { console.log("assert(x)"); });`,
    );
    const found = await testsWithoutAssertions([`${dir}/cases_test.ts`]);
    assert.deepEqual(found.map((t) => [t.name, t.line]), [
      ["(releases the session)", 14],
      ["calls a helper that asserts nothing", 15],
      ['"options without assertion"', 16],
      ["mentions assert only in a string", 17],
    ]);
  });
});
