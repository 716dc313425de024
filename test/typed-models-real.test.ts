// The typed-models emitter on real Cog schemas, read from ../shared/fixtures/cog-schemas/
// (not committed, like the API schema; CI has them). Every schema there is generated into
// its own file, then typechecked under `strict` and `exactOptionalPropertyTypes` with a
// use of it: a correct call that must compile, and wrong ones (a misspelled field, a
// wrong type, a value outside an enum, a missing required field) that must not. The calls
// are written from the schema by a small reader of its own, not by the emitter, so the
// two check each other. For the eight schemas known here, the inferred outputs are checked too,
// in a .ts file (which registers the output shapes, so `run`'s default is by the schema) and
// in a .d.ts file (which cannot, so the default stays URLs as files).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { emitModelTypes } from "../src/cli/typegen/emit-file.js";
import { schemaFromFile } from "../src/cli/typegen/sources.js";
import { typeErrors } from "./support/typecheck.js";

const fixtures = new URL("../../shared/fixtures/cog-schemas/", import.meta.url).pathname;
const present = existsSync(fixtures);
if (!present) console.warn(`typed-models-real: skipped, ${fixtures} is not there (CI has ../shared)`);

/**
 * What each way of getting the output gives, for the schemas known here: `output` with
 * URLs as files (`outputSchema: false`; a .d.ts file's default), `schemaOutput` by the
 * schema (`outputSchema: true`; a .ts file's default).
 */
const EXPECTED: Record<string, { output: string; schemaOutput: string; raw: string; stream: string }> = {
  "02e509c7": { output: "string[]", schemaOutput: "string", raw: "string[]", stream: "string" },
  "28b5242d": { output: "FileOutput", schemaOutput: "FileOutput", raw: "string", stream: "FileOutput" },
  "3c128f65": { output: "FileOutput[]", schemaOutput: "FileOutput[]", raw: "string[]", stream: "FileOutput" },
  "92fa143c": { output: "FileOutput[][]", schemaOutput: "FileOutput[][]", raw: "string[][]", stream: "string" },
  a0fc2902: { output: "string", schemaOutput: "string", raw: "string", stream: "string" },
  ac7878df: {
    output: "{ caption: string; image: FileOutput }[]",
    schemaOutput: "{ caption: string; image: FileOutput }[]",
    raw: "{ caption: string; image: string }[]",
    stream: "string",
  },
  da77fbf9: {
    output: "{ file?: FileOutput | null; text?: string | null }[]",
    schemaOutput: "{ file?: FileOutput | null; text?: string | null }[]",
    raw: "{ file?: string | null; text?: string | null }[]",
    stream: "string",
  },
  f3afb57d: {
    output: "{ video: FileOutput; zip?: FileOutput | null }",
    schemaOutput: "{ video: FileOutput; zip?: FileOutput | null }",
    raw: "{ video: string; zip?: string | null }",
    stream: "string",
  },
};

type Node = Record<string, unknown>;

/** The schema a node stands for: $refs and one-element allOfs followed, null left out. */
function read(node: unknown, root: unknown, depth = 0): Node {
  if (typeof node !== "object" || node === null || depth > 20) return {};
  const n = node as Node;
  if (typeof n.$ref === "string") {
    const target = n.$ref
      .slice(2)
      .split("/")
      .reduce<unknown>((at, key) => (at as Node | undefined)?.[key], root);
    return read(target, root, depth + 1);
  }
  if (Array.isArray(n.allOf) && n.allOf.length === 1) return read(n.allOf[0], root, depth + 1);
  const members = (n.anyOf ?? n.oneOf) as unknown[] | undefined;
  if (Array.isArray(members))
    return read(
      members.find((m) => (m as Node).type !== "null"),
      root,
      depth + 1,
    );
  if (Array.isArray(n.type)) return { ...n, type: n.type.find((t) => t !== "null") };
  return n;
}

/** A correct value for a field, as TypeScript source. */
function good(node: unknown, root: unknown): string {
  const s = read(node, root);
  if (Array.isArray(s.enum)) return JSON.stringify(s.enum[0]);
  if (s.type === "string") return s.format === "uri" ? '"https://example.com/in.png"' : '"text"';
  if (s.type === "integer" || s.type === "number") return String(s.minimum ?? 1);
  if (s.type === "boolean") return "true";
  if (s.type === "array") return `[${good(s.items, root)}]`;
  if (s.type === "object") return literal(s, root, true);
  return "null";
}

/** A value of the wrong type for a field, or undefined when any value would do. */
function bad(node: unknown, root: unknown): string | undefined {
  const s = read(node, root);
  if (Array.isArray(s.enum)) return typeof s.enum[0] === "number" ? "-123456.5" : '"not-one-of-them"';
  if (s.type === "integer" || s.type === "number") return '"42"';
  if (s.type === "boolean") return '"yes"';
  if (["string", "array", "object"].includes(s.type as string)) return "42";
  return undefined;
}

const requiredOf = (s: Node) =>
  Object.entries((s.properties ?? {}) as Node).filter(
    ([name, p]) => (s.required as string[] | undefined)?.includes(name) && (p as Node).default === undefined,
  );

/** An object literal of the required fields (or all of them), with `replace` in place of some. */
function literal(s: Node, root: unknown, onlyRequired: boolean, replace: Record<string, string | null> = {}): string {
  const entries = onlyRequired ? requiredOf(s) : Object.entries((s.properties ?? {}) as Node);
  const fields = entries
    .filter(([name]) => replace[name] !== null)
    .map(([name, p]) => `${JSON.stringify(name)}: ${replace[name] ?? good(p, root)}`);
  const extra = Object.entries(replace).filter(([name, v]) => v !== null && !entries.some(([n]) => n === name));
  return `{ ${[...fields, ...extra.map(([n, v]) => `${JSON.stringify(n)}: ${v}`)].join(", ")} }`;
}

/**
 * A use of one generated model: the correct call, and each wrong one under @ts-expect-error.
 * `file` is the generated file's name without its extension, `declaration` whether it is a
 * .d.ts (whose default is without registration).
 */
function usage(key: string, version: string, document: unknown, file: string, declaration: boolean): string {
  const short = file.slice(0, 8);
  const schemas = (document as { components: { schemas: Node } }).components.schemas;
  const input = read(schemas.Input, document);
  const required = literal(input, document, true);
  const call = (inputText: string, more = "") =>
    `await run(replicate, ${JSON.stringify(key)}, { input: ${inputText}${more} });`;
  const lines = [
    `  const out = await run(replicate, ${JSON.stringify(key)}, { input: ${literal(input, document, false)} });`,
    `  await createPrediction(replicate, ${JSON.stringify(`${key}:${version}`)}, { input: ${required} });`,
    "  // @ts-expect-error a field the model does not have",
    `  ${call(literal(input, document, true, { not_a_field_of_this_model: "1" }))}`,
  ];
  const props = Object.entries((input.properties ?? {}) as Node);
  const typed = props.find(([, p]) => bad(p, document) !== undefined);
  if (typed) {
    lines.push(`  // @ts-expect-error ${typed[0]} has the wrong type`);
    lines.push(`  ${call(literal(input, document, true, { [typed[0]]: bad(typed[1], document) as string }))}`);
  }
  const choice = props.find(([, p]) => Array.isArray(read(p, document).enum));
  if (choice) {
    lines.push(`  // @ts-expect-error ${choice[0]} is outside its enum`);
    lines.push(`  ${call(literal(input, document, true, { [choice[0]]: bad(choice[1], document) as string }))}`);
  }
  const [first] = requiredOf(input);
  if (first) {
    lines.push(`  // @ts-expect-error the required ${first[0]} is missing`);
    lines.push(`  ${call(literal(input, document, true, { [first[0]]: null }))}`);
  }
  const expected = EXPECTED[short];
  if (expected) {
    lines.push(
      `  assertType<Equal<typeof out, ${declaration ? expected.output : expected.schemaOutput}>>();`,
      `  const schemaOutput = await run(replicate, ${JSON.stringify(key)}, { input: ${required}, outputSchema: true });`,
      `  assertType<Equal<typeof schemaOutput, ${expected.schemaOutput}>>();`,
      `  const urlOutput = await run(replicate, ${JSON.stringify(key)}, { input: ${required}, outputSchema: false });`,
      `  assertType<Equal<typeof urlOutput, ${expected.output}>>();`,
      `  const raw = await run(replicate, ${JSON.stringify(key)}, { input: ${required}, raw: true });`,
      `  assertType<Equal<typeof raw, ${expected.raw}>>();`,
      `  assertType<Equal<ModelStreamOutput<${JSON.stringify(key)}>, ${expected.stream}>>();`,
    );
  } else lines.push("  void out;");
  return `import { createPrediction, createReplicate, type FileOutput, type ModelStreamOutput, run } from "replicate-kit";
import "./${file}";
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): void {}
export type Unused = FileOutput | ModelStreamOutput<"">;
const replicate = createReplicate({ auth: "t" });
export async function use(): Promise<void> {
${lines.join("\n")}
}
`;
}

describe.skipIf(!present)("real Cog schemas", () => {
  const dir = mkdtempSync(join(tmpdir(), "typed-models-real-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const names = present
    ? readdirSync(fixtures)
        .filter((f) => f.endsWith(".json"))
        .sort()
    : [];

  it("has the fixtures", () => {
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const short of Object.keys(EXPECTED)) expect(names.some((n) => n.startsWith(short))).toBe(true);
  });

  it("generates a file for each that typechecks, where right calls compile and wrong ones do not", () => {
    const files: string[] = [];
    const sizes: [string, number, number][] = [];
    for (const name of names) {
      const json = readFileSync(join(fixtures, name), "utf8");
      const short = name.slice(0, 8);
      for (const declaration of [false, true]) {
        // Each kind of file under keys of its own: both augment the one registry.
        const model = `${declaration ? "declared" : "fixtures"}/v${short}`;
        const schema = schemaFromFile(JSON.parse(json), { model }, name);
        const text = emitModelTypes([schema], { date: "2025-01-31", declaration });
        // Every construct in the known schemas is understood: nothing fell back to unknown.
        if (EXPECTED[short]) expect(text, name).not.toContain("unknown /*");
        // A .ts file registers each output shape; a .d.ts has no run time.
        expect(text.includes("\nregisterModelOutputs("), name).toBe(!declaration);
        const base = declaration ? `${short}-declared` : short;
        const file = join(dir, `${base}${declaration ? ".d.ts" : ".ts"}`);
        if (!declaration) sizes.push([name, json.length, text.length]);
        writeFileSync(file, text);
        writeFileSync(
          join(dir, `use-${base}.ts`),
          usage(model, schema.version as string, schema.document, base, declaration),
        );
        files.push(file, join(dir, `use-${base}.ts`));
      }
    }
    const [largest, schemaSize, fileSize] = sizes.reduce((a, b) => (b[1] > a[1] ? b : a));
    console.log(`typed-models-real: the largest schema, ${largest} (${schemaSize} bytes), gives ${fileSize} bytes`);
    expect(typeErrors(files, dir)).toEqual([]);
  }, 120_000);
});
