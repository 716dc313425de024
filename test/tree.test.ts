// The source tree is the map: one name per concept, and no import cycles (type-only
// imports count: a cycle of types still ties two modules into one).
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const src = new URL("../src/", import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every relative module a file imports or re-exports, `import type` included. */
function imports(file: string): string[] {
  const code = readFileSync(file, "utf8");
  const specs = [...code.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']/g)];
  return specs.map((m) => resolve(dirname(file), (m[1] as string).replace(/\.js$/, ".ts")));
}

/** The cycles in the import graph, each as the list of files around it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      found.push(path.slice(path.indexOf(file)).map((f) => relative(src, f)));
      return;
    }
    state.set(file, "open");
    path.push(file);
    for (const next of graph.get(file) ?? []) visit(next);
    path.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file);
  return found;
}

describe("the source tree", () => {
  const files = sources(src);

  it("has no import cycles, type-only imports included", () => {
    expect(files.length).toBeGreaterThan(30);
    expect(cycles(new Map(files.map((f) => [f, imports(f)])))).toEqual([]);
  });

  it("finds a cycle when there is one, and reads type-only imports (the check can fail)", () => {
    const errors = join(src, "core/errors.ts");
    const guards = join(src, "core/guards.ts");
    const parts = join(src, "core/parts.ts");
    expect(imports(guards)).toContain(errors);
    expect(imports(parts)).toContain(join(src, "core/transport.ts")); // an `import type`
    // guards imports errors; a made-up edge back closes the loop.
    const graph = new Map([
      [errors, [guards]],
      [guards, imports(guards)],
    ]);
    expect(cycles(graph)).toEqual([["core/errors.ts", "core/guards.ts"]]);
  });

  it("names each concept once: no two files share a name, except index.ts", () => {
    const byName = new Map<string, string[]>();
    for (const file of files) {
      const name = basename(file);
      if (name === "index.ts") continue;
      byName.set(name, [...(byName.get(name) ?? []), relative(src, file)]);
    }
    const clashes = [...byName.values()].filter((paths) => paths.length > 1);
    expect(clashes).toEqual([]);
  });

  it("has one entry that only re-exports", () => {
    const index = readFileSync(join(src, "index.ts"), "utf8");
    const statements = index
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "")
      .split(";")
      .map((s) => s.trim())
      .filter(Boolean);
    expect(statements.length).toBeGreaterThan(10);
    for (const statement of statements) expect(statement).toMatch(/^export\b[\s\S]*\bfrom\s*"\.\/[^"]+"$/);
  });
});
