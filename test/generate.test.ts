// The generated files must match what the generator makes from the schema they name.
// Needs Replicate's schema, which is not part of this repository: on machines without
// ../shared/openapi (or REPLICATE_OPENAPI_SOURCE) these tests skip, saying why.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { operationTable } from "../src/generated/operations.js";

const root = new URL("../", import.meta.url).pathname;
const schemaPath = process.env.REPLICATE_OPENAPI_SOURCE ?? join(root, "../shared/openapi/replicate.openapi.json");
const hasSchema = existsSync(schemaPath);
if (!hasSchema) console.log(`generate tests skipped: no schema at ${schemaPath}`);

const work = mkdtempSync(join(tmpdir(), "replicate-kit-gen-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function check(outDir: string) {
  return spawnSync(
    process.execPath,
    ["scripts/codegen/generate.mjs", "--check", "--schema", schemaPath, "--out", outDir],
    {
      cwd: root,
      encoding: "utf8",
    },
  );
}

describe.runIf(hasSchema)("generate --check", () => {
  const schemaText = hasSchema ? readFileSync(schemaPath, "utf8") : "";
  const sha = createHash("sha256").update(schemaText).digest("hex");

  it("passes on the committed files, whose headers name the schema's sha256", () => {
    const result = check(join(root, "src/generated"));
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    for (const file of ["schema.ts", "operations.ts"]) {
      expect(readFileSync(join(root, "src/generated", file), "utf8")).toContain(`Schema sha256: ${sha}`);
    }
  });

  it("fails when a generated file was edited", () => {
    const out = join(work, "edited");
    cpSync(join(root, "src/generated"), out, { recursive: true });
    const file = join(out, "operations.ts");
    writeFileSync(file, readFileSync(file, "utf8").replace('"GET"', '"PUT"'));
    const result = check(out);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Stale generated files: operations.ts");
  });

  it("fails when a generated file is missing", () => {
    const out = join(work, "missing");
    cpSync(join(root, "src/generated"), out, { recursive: true });
    rmSync(join(out, "schema.ts"));
    expect(check(out).status).toBe(1);
  });

  it("covers every operation of the schema, QUERY included", () => {
    const doc = JSON.parse(schemaText) as { paths: Record<string, Record<string, { operationId?: string }>> };
    const ids = Object.values(doc.paths).flatMap((item) =>
      Object.values(item).flatMap((op) => (op.operationId ? [op.operationId] : [])),
    );
    expect(ids).toHaveLength(37);
    expect(Object.keys(operationTable).sort()).toEqual(ids.sort());
    expect(operationTable["models.search"]).toMatchObject({ method: "QUERY", path: "/models", body: "text/plain" });
  });
});

it("reports, rather than fails, a missing schema when asked to skip", () => {
  const result = spawnSync(
    process.execPath,
    ["scripts/codegen/generate.mjs", "--check", "--skip-missing", "--schema", join(work, "nope.json")],
    { cwd: root, encoding: "utf8" },
  );
  expect(result.status).toBe(0);
  expect(result.stdout).toContain("skipped: no schema");
});
