/**
 * Finds the `Deno.test` cases that check nothing: those whose function never
 * calls an assertion, directly or through a helper that does.
 *
 * An assertion is a call to a name imported from `node:assert`,
 * `node:assert/strict`, `@std/assert` or `@std/expect` (`assert(...)`,
 * `assert.equal(...)`, `deepStrictEqual(...)`, `expect(...)`), or a `throw`.
 * A helper asserts when its body does; helpers are followed within the test
 * file and into the modules it imports by relative path, so a test that
 * checks through a shared helper is not reported.
 *
 * The parsing is Deno's own (`Deno.lint.runPlugin`), so strings, comments and
 * regular expressions never confuse it.
 *
 * @example
 * ```ts
 * const empty = await testsWithoutAssertions(["tests/foo_test.ts"]);
 * // [{ file: "tests/foo_test.ts", name: "releases the session", line: 12 }]
 * ```
 *
 * @module
 */

import { dirname, join, normalize } from "node:path";

/** A test case whose function calls no assertion. */
export interface TestWithoutAssertion {
  /** The test file, as given. */
  file: string;
  /** The test's name as written in the source (a template keeps its `${}`). */
  name: string;
  /** The 1-based line of its `Deno.test` call. */
  line: number;
}

/** Module specifiers whose imports are assertions. */
const ASSERTION_MODULES =
  /^(node:assert(\/strict)?|(jsr:)?@std\/(assert|expect)(@[^/]*)?(\/.*)?)$/;

// deno-lint-ignore no-explicit-any
type Node = any;

/** What one module tells about assertions. */
interface ModuleFacts {
  /** Local names bound to assertion functions or namespaces. */
  assertionNames: Set<string>;
  /** Local function names and their bodies. */
  functions: Map<string, Node>;
  /** Local names imported from relative modules: name -> [file, exported]. */
  imports: Map<string, [string, string]>;
  /** Exported name -> local name. */
  exports: Map<string, string>;
  /** The `Deno.test` calls. */
  tests: Node[];
  /** The source text, for line numbers and names. */
  source: string;
}

/** Every child node of `node` (skipping the parent link). */
function* children(node: Node): Generator<Node> {
  for (const key in node) {
    if (key === "parent" || key === "range") continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const v of value) if (v && typeof v.type === "string") yield v;
    } else if (value && typeof value.type === "string") yield value;
  }
}

/** Every node under `node`, itself included. */
function* descendants(node: Node): Generator<Node> {
  yield node;
  for (const child of children(node)) yield* descendants(child);
}

/** The text of `node` in `source`. */
function text(source: string, node: Node): string {
  return source.slice(node.range[0], node.range[1]);
}

/** Parses a module into the facts the check needs. */
function parse(file: string, source: string): ModuleFacts {
  let program: Node;
  const plugin: Deno.lint.Plugin = {
    name: "test-hygiene",
    rules: {
      program: {
        create: () => ({
          Program(node) {
            program = node;
          },
        }),
      },
    },
  };
  Deno.lint.runPlugin(plugin, file, source);
  const facts: ModuleFacts = {
    assertionNames: new Set(),
    functions: new Map(),
    imports: new Map(),
    exports: new Map(),
    tests: [],
    source,
  };
  for (const node of descendants(program)) {
    if (node.type === "ImportDeclaration") {
      const from = String(node.source.value);
      for (const s of node.specifiers) {
        if (ASSERTION_MODULES.test(from)) {
          facts.assertionNames.add(s.local.name);
        } else if (from.startsWith(".") && s.type === "ImportSpecifier") {
          const target = normalize(join(dirname(file), from));
          const exported = s.imported.name ?? s.imported.value;
          facts.imports.set(s.local.name, [target, exported]);
        }
      }
    } else if (node.type === "FunctionDeclaration" && node.id) {
      facts.functions.set(node.id.name, node.body);
    } else if (
      node.type === "VariableDeclarator" && node.id.type === "Identifier" &&
      node.init &&
      /^(Arrow)?FunctionExpression$/.test(node.init.type)
    ) {
      facts.functions.set(node.id.name, node.init.body);
    } else if (node.type === "ExportNamedDeclaration") {
      const d = node.declaration;
      if (d?.type === "FunctionDeclaration" && d.id) {
        facts.exports.set(d.id.name, d.id.name);
      } else if (d?.type === "VariableDeclaration") {
        for (const v of d.declarations) {
          if (v.id.type === "Identifier") {
            facts.exports.set(v.id.name, v.id.name);
          }
        }
      }
      for (const s of node.specifiers ?? []) {
        const exported = s.exported.name ?? s.exported.value;
        facts.exports.set(exported, s.local.name ?? s.local.value);
      }
    } else if (
      node.type === "CallExpression" &&
      text(source, node.callee) === "Deno.test"
    ) {
      facts.tests.push(node);
    }
  }
  return facts;
}

/** The function a `Deno.test` call runs, or undefined if it cannot tell. */
function testFunction(call: Node): Node | undefined {
  for (const arg of call.arguments) {
    if (/FunctionExpression$/.test(arg.type)) return arg;
    if (arg.type === "ObjectExpression") {
      for (const p of arg.properties) {
        const key = p.key?.name ?? p.key?.value;
        if (key === "fn" && p.value) return p.value;
        if (p.type === "Property" && p.method && key === "fn") return p.value;
      }
    }
  }
  return undefined;
}

/** The name of a `Deno.test` call, as written. */
function testName(source: string, call: Node): string {
  const first = call.arguments[0];
  if (!first) return "(unnamed)";
  if (first.type === "Literal") return String(first.value);
  if (first.type === "TemplateLiteral") {
    return text(source, first).slice(1, -1);
  }
  if (first.type === "ObjectExpression") {
    for (const p of first.properties) {
      if ((p.key?.name ?? p.key?.value) === "name") {
        return text(source, p.value);
      }
    }
  }
  return text(source, first);
}

/**
 * Lists the tests in `files` whose function calls no assertion, directly or
 * through a helper defined in the file or in a module it imports by a
 * relative path. Paths may be relative to the working folder.
 */
export async function testsWithoutAssertions(
  files: string[],
): Promise<TestWithoutAssertion[]> {
  const modules = new Map<string, ModuleFacts | null>();
  async function load(file: string): Promise<ModuleFacts | null> {
    if (!modules.has(file)) {
      let facts: ModuleFacts | null = null;
      try {
        facts = parse(file, await Deno.readTextFile(file));
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      modules.set(file, facts);
    }
    return modules.get(file)!;
  }

  // Memo of "does this function (module, local name) assert"; false while
  // being decided, so recursion ends.
  const asserting = new Map<string, boolean>();
  async function nameAsserts(file: string, name: string): Promise<boolean> {
    const m = await load(file);
    if (!m) return false;
    if (m.assertionNames.has(name)) return true;
    const key = `${file}#${name}`;
    if (asserting.has(key)) return asserting.get(key)!;
    asserting.set(key, false);
    let result = false;
    const body = m.functions.get(name);
    if (body) result = await bodyAsserts(file, body);
    else if (m.imports.has(name)) {
      const [target, exported] = m.imports.get(name)!;
      const t = await load(target);
      const local = t?.exports.get(exported);
      if (local) result = await nameAsserts(target, local);
    }
    asserting.set(key, result);
    return result;
  }
  async function bodyAsserts(file: string, body: Node): Promise<boolean> {
    for (const node of descendants(body)) {
      if (node.type === "ThrowStatement") return true;
      if (node.type !== "CallExpression") continue;
      let callee = node.callee;
      // assert.equal(...), expect(x).toBe(...): the leftmost name decides.
      while (
        callee.type === "MemberExpression" || callee.type === "CallExpression"
      ) {
        callee = callee.type === "MemberExpression"
          ? callee.object
          : callee.callee;
      }
      if (
        callee.type === "Identifier" && await nameAsserts(file, callee.name)
      ) {
        return true;
      }
    }
    return false;
  }

  const found: TestWithoutAssertion[] = [];
  for (const given of files) {
    const file = normalize(given);
    const m = await load(file);
    if (!m) continue;
    for (const call of m.tests) {
      const fn = testFunction(call);
      // A test given by name (Deno.test("x", check)) is judged by that function.
      const target = fn ?? call.arguments.at(-1);
      const ok = target?.type === "Identifier"
        ? await nameAsserts(file, target.name)
        : target && await bodyAsserts(file, target.body ?? target);
      if (!ok) {
        found.push({
          file: given,
          name: testName(m.source, call),
          line: m.source.slice(0, call.range[0]).split("\n").length,
        });
      }
    }
  }
  return found;
}

/** The `*_test.ts` files under `dir`, sorted, with `/` separators. */
export async function testFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) out.push(...await testFiles(path));
    else if (entry.isFile && entry.name.endsWith("_test.ts")) out.push(path);
  }
  return out.sort();
}
