// The typed-models emitter on schemas written here, one Cog convention at a time: how
// each maps to a type in each way a value reaches the caller, what it does with what it
// does not understand, and that the file it writes is deterministic and compiles (with
// the model's own descriptions in the editor's hover).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { emitModelTypes, type ModelSchema } from "../src/cli/typegen/emit-file.js";
import { recordedModels, sameButDate } from "../src/cli/typegen/header.js";
import { typeNames } from "../src/cli/typegen/names.js";
import { parseTarget, schemaFromFile } from "../src/cli/typegen/sources.js";
import { streamText } from "../src/cli/typegen/stream-text.js";
import { type Mode, type TypeContext, typeText } from "../src/cli/typegen/type-text.js";
import { InputError } from "../src/index.js";
import { hoverText, typeErrors } from "./support/typecheck.js";

const V1 = "1".repeat(64);
const V2 = "2".repeat(64);
const doc = (schemas: Record<string, unknown>) => ({ openapi: "3.0.2", components: { schemas } });
const model = (schemas: Record<string, unknown>, more: Partial<ModelSchema> = {}): ModelSchema => ({
  model: "acme/model",
  version: V1,
  source: "latest",
  document: doc(schemas),
  ...more,
});
const emit = (models: ModelSchema[], deployments?: Record<string, string>) =>
  emitModelTypes(models, { date: "2025-01-31", deployments });

/** A node's type in every way a value reaches the caller. */
function ways(node: unknown, schemas: Record<string, unknown> = {}) {
  const ctx: TypeContext = { root: doc(schemas), uses: new Set() };
  const of = (mode: Mode) => typeText(node, mode, ctx).replace(/\s+/g, " ");
  return {
    input: of("input"),
    output: of("output"),
    schemaOutput: of("schemaOutput"),
    raw: of("raw"),
    stream: streamText(node, ctx),
  };
}

const file = { type: "string", format: "uri" };
const tokens = { type: "array", items: { type: "string" }, "x-cog-array-type": "iterator" };
const joined = { ...tokens, "x-cog-array-display": "concatenate" };
const captioned = {
  type: "object",
  title: "CaptionedImage",
  required: ["image", "caption"],
  properties: { image: { ...file, title: "Image" }, caption: { type: "string", title: "Caption" } },
};

describe("input fields", () => {
  const input = {
    type: "object",
    required: ["prompt", "strength"],
    properties: {
      seed: { type: "integer", title: "Seed", "x-order": 3, description: "Random seed" },
      prompt: { type: "string", title: "Prompt", "x-order": 0, description: "What to draw" },
      strength: { type: "number", "x-order": 2, minimum: 0, maximum: 1, default: 0.8, description: "How much" },
      size: { allOf: [{ $ref: "#/components/schemas/size" }], default: "1x1", "x-order": 1, description: "Size" },
      steps: { type: "integer", enum: [1, 4] },
      alpha: { type: "boolean" },
    },
  };
  const size = { title: "size", type: "string", enum: ["1x1", "16:9"], description: "An enumeration." };
  const text = emit([model({ Input: input, Output: { type: "string" }, size })]);
  const body = /export interface ModelInput \{\n([\s\S]*?)\n\}/.exec(text)?.[1] ?? "";

  it("come in x-order, then by name; required ones without a default are required", () => {
    const keys = [...body.matchAll(/^ {2}(\w+\??):/gm)].map((m) => m[1]);
    // strength is required but has a default: the API fills it in, so it may be left out.
    expect(keys).toEqual(["prompt", "size?", "strength?", "seed?", "alpha?", "steps?"]);
  });

  it("enums, written inline or as allOf of a $ref, are unions of their values", () => {
    expect(body).toContain('size?: "1x1" | "16:9";');
    expect(body).toContain("steps?: 1 | 4;");
  });

  it("carry the description, limits and default as JSDoc; a title that only repeats the name is left out", () => {
    expect(body).toContain("  /** What to draw */\n  prompt: string;");
    expect(body).toContain(
      "   * How much\n   * @minimum 0\n   * @maximum 1\n   * @default 0.8\n   */\n  strength?: number;",
    );
    expect(body).toContain("   * Random seed\n   * An integer.\n   */\n  seed?: number;");
    expect(body).not.toContain("An enumeration");
    expect(body).not.toMatch(/^\s+\* (Seed|Prompt)$/m);
  });

  it("a long enum is written one value a line", () => {
    const values = Array.from({ length: 12 }, (_, i) => `a-rather-long-choice-${i}`);
    const out = emit([model({ Input: { type: "object", properties: { choice: { type: "string", enum: values } } } })]);
    expect(out).toContain(`  choice?:\n    | "a-rather-long-choice-0"\n    | "a-rather-long-choice-1"\n`);
  });

  it("a description cannot end the comment early", () => {
    const out = emit([
      model({ Input: { type: "object", properties: { x: { type: "string", description: "a */ b" } } } }),
    ]);
    expect(out).toContain("/** a *\\/ b */");
  });

  it.each([
    ["a file (format: uri): a URL or any file value", file, "FileInput"],
    ["a list of files", { type: "array", items: file }, "FileInput[]"],
    [
      "a secret (older Cog: format password, writeOnly)",
      { type: "string", format: "password", writeOnly: true },
      "string",
    ],
    ["a secret (newer Cog: x-cog-secret)", { type: "string", format: "password", "x-cog-secret": true }, "string"],
    ["Optional, as newer Cog writes it (nullable)", { type: "string", nullable: true }, "string | null"],
    [
      "Optional, as pydantic 2 Cog writes it (anyOf null)",
      { anyOf: [{ type: "integer" }, { type: "null" }] },
      "number | null",
    ],
    ["Optional file (anyOf null)", { anyOf: [file, { type: "null" }] }, "FileInput | null"],
    ["type: [T, null]", { type: ["boolean", "null"] }, "boolean | null"],
    ["a free-form object (Cog's Any, dict)", { type: "object" }, "{ [key: string]: unknown }"],
    ["an optional list of anything", { type: "array", nullable: true }, "unknown[] | null"],
  ])("%s", (_, node, type) => {
    expect(ways(node).input).toBe(type);
  });

  it("say a secret is one", () => {
    const secret = { type: "string", format: "password", "x-cog-secret": true, description: "Your HF token" };
    const out = emit([model({ Input: { type: "object", properties: { token: secret } } })]);
    expect(out).toContain("   * Your HF token\n   * A secret: Replicate redacts it once the model has it.\n");
  });

  it("import only the library types they use", () => {
    expect(text).not.toContain("import type");
    const withFile = emit([model({ Input: { type: "object", properties: { image: file } }, Output: file })]);
    expect(withFile).toContain('import type { FileInput, FileOutput } from "replicate-kit";');
  });
});

describe("outputs, in each way of getting them", () => {
  // [what, Output, run (default), run with outputSchema, prediction.output, a stream event's data]
  const cases: [string, unknown, string, string, string, string][] = [
    ["a string", { type: "string" }, "string", "string", "string", "string"],
    ["a file", file, "FileOutput", "FileOutput", "string", "FileOutput"],
    ["a list of files", { type: "array", items: file }, "FileOutput[]", "FileOutput[]", "string[]", "FileOutput"],
    ["an iterator of files", { ...tokens, items: file }, "FileOutput[]", "FileOutput[]", "string[]", "FileOutput"],
    ["an iterator of tokens", tokens, "string[]", "string[]", "string[]", "string"],
    ["tokens to concatenate", joined, "string[]", "string", "string[]", "string"],
    [
      "nested lists of files",
      { ...tokens, items: { type: "array", items: file } },
      "FileOutput[][]",
      "FileOutput[][]",
      "string[][]",
      "string",
    ],
    ["a number", { type: "number" }, "number", "number", "number", "string"],
    [
      "an object with properties",
      { type: "object", required: ["video"], properties: { video: file, zip: file } },
      "{ video: FileOutput; zip?: FileOutput | null; }",
      "{ video: FileOutput; zip?: FileOutput | null; }",
      "{ video: string; zip?: string | null; }",
      "string",
    ],
    [
      "a $ref to a named schema",
      { type: "array", items: { $ref: "#/components/schemas/CaptionedImage" } },
      "Array<{ caption: string; image: FileOutput; }>",
      "Array<{ caption: string; image: FileOutput; }>",
      "Array<{ caption: string; image: string; }>",
      "string",
    ],
    [
      "nullable: true (newer Cog)",
      { ...file, nullable: true },
      "FileOutput | null",
      "FileOutput | null",
      "string | null",
      "FileOutput",
    ],
    // normalizeOutput looks through Cog's Optional (anyOf with null): a file is a file.
    [
      "anyOf with null (pydantic 2 Cog)",
      { anyOf: [file, { type: "null" }] },
      "FileOutput | null",
      "FileOutput | null",
      "string | null",
      "FileOutput",
    ],
  ];
  it.each(cases)("%s", (_, node, output, schemaOutput, raw, stream) => {
    const got = ways(node, { CaptionedImage: captioned });
    expect({ output: got.output, schemaOutput: got.schemaOutput, raw: got.raw, stream: got.stream }).toEqual({
      output,
      schemaOutput,
      raw,
      stream,
    });
  });

  it("an Output that is a $ref, as newer Cog writes a BaseModel's (allOf of one $ref)", () => {
    const got = ways({ allOf: [{ $ref: "#/components/schemas/CaptionedImage" }] }, { CaptionedImage: captioned });
    // Without x-order, properties come by name.
    expect(got.schemaOutput).toBe("{ caption: string; image: FileOutput; }");
  });
});

describe("what it does not understand becomes unknown, with the reason", () => {
  it.each([
    ["an unresolved $ref", { $ref: "#/components/schemas/Nope" }, "unresolved $ref #/components/schemas/Nope"],
    ["an external $ref", { $ref: "https://example.com/s.json" }, "external $ref https://example.com/s.json"],
    ["a $ref cycle", { $ref: "#/components/schemas/Loop" }, "a $ref cycle"],
    ["allOf with several schemas", { allOf: [{ type: "string" }, { type: "integer" }] }, "allOf with 2 schemas"],
    ["an unknown type", { type: "tuple" }, 'type "tuple"'],
    ["no type at all", { description: "?" }, "no type"],
    ["an enum of objects", { enum: [{ a: 1 }] }, "an enum of non-literal values"],
    ["not a schema", 42, "not a schema object"],
  ])("%s", (_, node, why) => {
    const got = ways(node, { Loop: { $ref: "#/components/schemas/Loop" } });
    expect(got.output).toBe(`unknown /* ${why} */`);
    expect(got.input).toBe(`unknown /* ${why} */`);
  });

  it("a recursive schema stops at a depth", () => {
    const tree = { type: "object", properties: { child: { $ref: "#/components/schemas/Tree" } } };
    expect(ways({ $ref: "#/components/schemas/Tree" }, { Tree: tree }).output).toContain(
      "unknown /* nested too deeply",
    );
  });

  it("a schema without Input or Output, or no schema at all", () => {
    const text = emit([model({}), { ...model({}), model: "acme/empty", document: null }]);
    expect(text).toContain("export type ModelInput = Record<string, unknown>; // the schema has no Input");
    expect(text).toContain("output: unknown /* the schema has no Output */;");
  });

  it("never crashes, whatever the document holds", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (input, output) => {
        const text = emit([model({ Input: input, Output: output })]);
        expect(text).toContain('declare module "replicate-kit"');
      }),
      { numRuns: 300 },
    );
  });
});

describe("the file", () => {
  const flux = model(
    { Input: { type: "object", properties: { prompt: { type: "string" } } }, Output: file },
    { model: "bfl/flux-schnell" },
  );

  it("files each model under owner/name and owner/name:version; a pinned one under its version only", () => {
    const pinned = { ...model({ Output: tokens }), model: "meta/llama", version: V2, source: "pinned" as const };
    const text = emit([flux, pinned], { "acme/flux": "bfl/flux-schnell" });
    expect(text).toContain(
      `  interface ModelRegistry {\n    "bfl/flux-schnell": FluxSchnell;\n    "bfl/flux-schnell:${V1}": FluxSchnell;\n    "meta/llama:${V2}": Llama;\n  }\n` +
        '  interface DeploymentRegistry {\n    "acme/flux": "bfl/flux-schnell";\n  }\n',
    );
  });

  it("is the same whatever order models and properties come in; only the date line follows the day", () => {
    const other = model({ Output: tokens }, { model: "meta/llama", version: V2 });
    const shuffled = structuredClone(flux);
    const a = emit([flux, other]);
    expect(emit([other, shuffled])).toBe(a);
    const later = emitModelTypes([other, flux], { date: "2030-12-31" });
    expect(later).not.toBe(a);
    expect(sameButDate(a, later)).toBe(true);
  });

  it("records each model's version in its header, which --check reads back", () => {
    const file = { ...model({}), model: "acme/local", version: undefined, source: "file" as const };
    const text = emit([flux, file]);
    expect(recordedModels(text)).toEqual([
      { ref: "acme/local", version: undefined, source: "file" },
      { ref: "bfl/flux-schnell", version: V1, source: "latest" },
    ]);
    expect(recordedModels("export {};\n// - a/b 1 latest")).toEqual([]);
  });

  it("refuses one key for two schemas, and a deployment of a model it does not have", () => {
    const again = { ...flux, version: V2, source: "file" as const };
    expect(() => emit([flux, again])).toThrow(
      new InputError('"bfl/flux-schnell" is given twice, with different schemas.'),
    );
    expect(() => emit([flux], { "acme/x": "acme/other" })).toThrow(InputError);
    expect(() => emit([])).toThrow(InputError);
    // The same version asked for twice (latest and pinned) is one entry.
    const pinned = { ...flux, source: "pinned" as const };
    expect(emit([flux, pinned]).match(/export interface FluxSchnell \{/g)).toHaveLength(1);
  });

  it("names types readably and uniquely", () => {
    const names = typeNames([
      { model: "a/flux", version: V1 },
      { model: "b/flux", version: V1 },
      { model: "meta/llama", version: V1 },
      { model: "meta/llama", version: V2 },
      { model: "x/record", version: V1 },
      { model: "x/3d-model", version: V1 },
    ]);
    expect(names).toEqual(["AFlux", "BFlux", "Llama" + "V11111111", "LlamaV22222222", "RecordModel", "M3dModel"]);
  });

  it("reads saved schemas: a Cog document, a version, or a model", () => {
    const cog = doc({ Input: { type: "object" } });
    expect(schemaFromFile(cog, { model: "a/b" }, `dir/${V1}.json`)).toMatchObject({ version: V1, source: "file" });
    expect(schemaFromFile({ id: V2, openapi_schema: cog }, { model: "a/b" }, "v.json").version).toBe(V2);
    expect(
      schemaFromFile({ latest_version: { id: V2, openapi_schema: cog } }, { model: "a/b" }, "m.json").document,
    ).toBe(cog);
    expect(() => schemaFromFile({ nope: 1 }, { model: "a/b" }, "x.json")).toThrow(InputError);
    expect(() => schemaFromFile({ id: V2, openapi_schema: cog }, { model: "a/b", version: V1 }, "x.json")).toThrow(
      InputError,
    );
    expect(parseTarget(`https://replicate.com/a/b/versions/${V1}`)).toEqual({ model: "a/b", version: V1 });
    expect(() => parseTarget(V1)).toThrow(InputError);
  });
});

describe("the generated file compiles, and the editor shows the model's descriptions", () => {
  const dir = mkdtempSync(join(tmpdir(), "typed-models-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("checks input names, types, enums and required fields; infers outputs", () => {
    const input = {
      type: "object",
      required: ["prompt"],
      properties: {
        prompt: { type: "string", "x-order": 0, description: "What the model should draw" },
        image: { ...file, "x-order": 1 },
        ratio: { allOf: [{ $ref: "#/components/schemas/ratio" }], default: "1:1", "x-order": 2 },
        steps: { type: "integer", minimum: 1, maximum: 50, "x-order": 3 },
        token: { type: "string", format: "password", writeOnly: true, "x-cog-secret": true, "x-order": 4 },
        negative: { anyOf: [{ type: "string" }, { type: "null" }], "x-order": 5 },
      },
    };
    const schemas = { Input: input, Output: joined, ratio: { type: "string", enum: ["1:1", "16:9"] } };
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "models.ts"), emit([model(schemas, { model: "acme/painter" })]));
    const use = `import { createPrediction, createReplicate, run, wait } from "replicate-kit";
import "./models";
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): void {}
const replicate = createReplicate({ auth: "t" });
export async function use(): Promise<void> {
  const tokens = await run(replicate, "acme/painter", {
    input: { prompt: "a fox", image: new Blob([]), ratio: "16:9", steps: 4, token: "s", negative: null },
  });
  assertType<Equal<typeof tokens, string[]>>();
  const text = await run(replicate, "acme/painter:${V1}", { input: { prompt: "a fox" }, outputSchema: true });
  assertType<Equal<typeof text, string>>();
  const prediction = await createPrediction(replicate, "acme/painter", { input: { prompt: "a fox", image: "https://x/y.png" } });
  const done = await wait(replicate, prediction);
  assertType<Equal<typeof done.output, string[] | null>>();
  // @ts-expect-error a misspelled field
  await run(replicate, "acme/painter", { input: { promt: "a fox" } });
  // @ts-expect-error a wrong type
  await run(replicate, "acme/painter", { input: { prompt: "a fox", steps: "4" } });
  // @ts-expect-error a value outside the enum
  await run(replicate, "acme/painter", { input: { prompt: "a fox", ratio: "4:3" } });
  // @ts-expect-error the required prompt is missing
  await run(replicate, "acme/painter", { input: { steps: 4 } });
  // @ts-expect-error a file field takes a file or a URL
  await createPrediction(replicate, "acme/painter", { input: { prompt: "a fox", image: 42 } });
}
`;
    writeFileSync(join(dir, "use.ts"), use);
    const files = [join(dir, "models.ts"), join(dir, "use.ts")];
    expect(typeErrors(files, dir)).toEqual([]);
    const hover = hoverText(files, join(dir, "use.ts"), 'prompt: "a fox", image: new Blob');
    expect(hover).toContain("What the model should draw");
    expect(hoverText(files, join(dir, "use.ts"), "steps: 4, token")).toMatch(/@minimum 1[\s\S]*@maximum 50/);
  }, 60_000);
});
