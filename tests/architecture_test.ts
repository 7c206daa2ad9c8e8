import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const ROOT = new URL("./", `file://${REPO}`).href;

/**
 * Runtime imports between the repository's own modules, static and dynamic
 * (`import type` is erased when compiled: a module may name the types of
 * the modules that read its values, as pipeline/defaults.ts does).
 */
async function localImports(
  entries: string[],
): Promise<Map<string, Set<string>>> {
  const edges = new Map<string, Set<string>>();
  for (const entry of entries) {
    for (const [from, to] of await moduleImports(entry)) edges.set(from, to);
  }
  return edges;
}

/** Edges between the repository's own modules in the graph of one entry point. */
async function moduleImports(
  entry: string,
): Promise<Map<string, Set<string>>> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const graph = JSON.parse(new TextDecoder().decode(stdout)) as {
    modules: {
      specifier: string;
      dependencies?: {
        code?: { specifier: string };
      }[];
    }[];
  };
  const own = (s?: string) =>
    s !== undefined && s.startsWith(ROOT) && !s.includes("/node_modules/");
  const edges = new Map<string, Set<string>>();
  for (const m of graph.modules) {
    if (!own(m.specifier)) continue;
    const to = new Set<string>();
    for (const d of m.dependencies ?? []) {
      const target = d.code?.specifier;
      if (own(target)) to.add(target!.slice(ROOT.length));
    }
    edges.set(m.specifier.slice(ROOT.length), to);
  }
  return edges;
}

/** The strongly connected components of more than one module (Tarjan). */
export function importCycles(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

Deno.test("importCycles() finds a cycle through three modules and none in a chain", () => {
  const graph = (pairs: [string, string][]) => {
    const edges = new Map<string, Set<string>>();
    for (const [a, b] of pairs) {
      edges.set(a, (edges.get(a) ?? new Set()).add(b));
    }
    return edges;
  };
  assert.deepEqual(
    importCycles(graph([["a", "b"], ["b", "c"], ["c", "a"], ["c", "d"]])),
    [["a", "b", "c"]],
  );
  assert.deepEqual(importCycles(graph([["a", "b"], ["b", "c"]])), []);
});

Deno.test("no module imports itself back at run time, through any chain, from any entry point or the CLI", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${REPO}deno.json`));
  const entries = [...Object.values(config.exports) as string[], "cli.ts"];
  const edges = await localImports(entries);
  assert.ok(
    edges.has("pipeline/models/session.ts") && edges.has("cli/eval.ts"),
    `the graphs were read (${edges.size} modules)`,
  );
  const cycles = importCycles(edges);
  assert.deepEqual(cycles, [], `import cycles: ${JSON.stringify(cycles)}`);
});
