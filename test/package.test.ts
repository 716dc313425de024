// The built package: no runtime dependencies, code and type declarations that import
// only the package's own files, and both module formats usable from plain Node. Builds first if dist/ is missing.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import pkg from "../package.json" with { type: "json" };

const root = new URL("../", import.meta.url).pathname;
const dist = (file: string) => join(root, "dist", file);

beforeAll(() => {
  if (!existsSync(dist("index.js"))) execFileSync("npm", ["run", "build"], { cwd: root, stdio: "ignore" });
}, 60_000);

describe("the built package", () => {
  it("jsr.json names the same version as package.json", () => {
    const jsr = JSON.parse(readFileSync(join(root, "jsr.json"), "utf8")) as { version: string };
    expect(jsr.version).toBe(pkg.version);
  });

  it("declares no runtime dependencies", () => {
    expect(Object.keys((pkg as { dependencies?: object }).dependencies ?? {})).toEqual([]);
    expect(Object.keys((pkg as { peerDependencies?: object }).peerDependencies ?? {})).toEqual([]);
  });

  const shipped = () => readdirSync(join(root, "dist"));
  /** Every module specifier in a file's code (comments hold JSDoc examples; only code counts). */
  const specifiers = (file: string) =>
    Array.from(
      readFileSync(dist(file), "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/^\s*\/\/.*$/gm, "")
        .matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\(\s*)["']([^"']+)["']/g),
      (m) => m[1] as string,
    );

  it("ships an ESM and a CJS build with types for every entry in exports", () => {
    for (const name of Object.keys(pkg.exports).filter((k) => k !== "./package.json")) {
      type Entry = { import: Record<string, string>; require: Record<string, string> };
      const entry = (pkg.exports as unknown as Record<string, Entry>)[name];
      for (const path of [...Object.values(entry?.import ?? {}), ...Object.values(entry?.require ?? {})]) {
        expect(existsSync(join(root, path)), `${name}: ${path}`).toBe(true);
      }
    }
  });

  it("JavaScript imports only the package's own files (and node: in the Node-only entry)", () => {
    const code = shipped().filter((f) => /\.c?js$/.test(f));
    expect(code.length).toBeGreaterThanOrEqual(8); // three entries and their shared chunk, ESM and CJS
    for (const file of code) {
      for (const spec of specifiers(file)) {
        if (spec.startsWith("node:") && file.startsWith("testing-node.")) continue;
        expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[\w-]+\.c?js$/);
        // ESM imports ESM, CJS requires CJS, and the file is there.
        expect(spec.endsWith(".cjs"), `${file} imports ${spec}`).toBe(file.endsWith(".cjs"));
        expect(shipped(), `${file} imports ${spec}`).toContain(spec.slice(2));
      }
    }
  });

  it("type declarations import only the package's own declarations", () => {
    const types = shipped().filter((f) => /\.d\.c?ts$/.test(f));
    for (const file of types) {
      const text = readFileSync(dist(file), "utf8");
      expect(text, file).not.toMatch(/reference\s+types=/);
      for (const spec of specifiers(file)) {
        expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[\w-]+\.c?js$/);
        const declaration = spec
          .slice(2)
          .replace(/\.js$/, ".d.ts")
          .replace(/\.cjs$/, ".d.cts");
        expect(declaration.endsWith(".d.cts"), `${file} imports ${spec}`).toBe(file.endsWith(".d.cts"));
        expect(shipped(), `${file} imports ${spec}`).toContain(declaration);
      }
    }
  });

  const script = `
    const replicate = createReplicate({
      auth: "r8_pkg",
      fetch: async (request) => Response.json({ seen: request.method + " " + request.url + " " + request.headers.get("authorization") }),
    });
    const page = await replicate.predictions.list();
    console.log(JSON.stringify(page));
  `;

  it("works from ESM", () => {
    const code = `import { createReplicate } from ${JSON.stringify(dist("index.js"))};\n${script}`;
    const out = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual({ seen: "GET https://api.replicate.com/v1/predictions Bearer r8_pkg" });
  });

  it("works from CommonJS", () => {
    const code = `const { createReplicate } = require(${JSON.stringify(dist("index.cjs"))});\n(async () => {${script}})();`;
    const out = spawnSync(process.execPath, ["-e", code], { encoding: "utf8" });
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual({ seen: "GET https://api.replicate.com/v1/predictions Bearer r8_pkg" });
  });
});
