// The built package: no runtime dependencies, type declarations that import nothing,
// and both module formats usable from plain Node. Builds first if dist/ is missing.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import pkg from "../package.json" with { type: "json" };

const root = new URL("../", import.meta.url).pathname;
const dist = (file: string) => join(root, "dist", file);

beforeAll(() => {
  if (!existsSync(dist("index.js"))) execFileSync("npx", ["tsup"], { cwd: root, stdio: "ignore" });
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

  it.each(["index.js", "index.cjs", "proxy.js", "proxy.cjs", "testing.js", "testing.cjs"])(
    "%s imports no other module",
    (file) => {
      const code = readFileSync(dist(file), "utf8");
      expect(code).not.toMatch(/\bfrom\s*["'][^"'.]/);
      expect(code).not.toMatch(/\brequire\(\s*["'][^"'.]/);
      expect(code).not.toMatch(/\bimport\(\s*["']/);
    },
  );

  it.each([
    "index.d.ts",
    "index.d.cts",
    "proxy.d.ts",
    "proxy.d.cts",
    "testing.d.ts",
    "testing.d.cts",
    "testing-node.d.ts",
  ])("%s imports nothing", (file) => {
    // Comments hold JSDoc examples that mention imports; only code counts.
    const types = readFileSync(dist(file), "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    expect(types).not.toMatch(/^\s*import\s/m);
    expect(types).not.toMatch(/\bfrom\s*["']/);
    expect(types).not.toMatch(/\bimport\(\s*["']/);
    expect(types).not.toMatch(/reference\s+types=/);
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
