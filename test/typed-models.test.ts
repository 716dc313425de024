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
import { outputShape } from "../src/cli/typegen/output-shape.js";
import { fetchModelSchema, parseTarget, schemaFromFile } from "../src/cli/typegen/sources.js";
import { streamText } from "../src/cli/typegen/stream-text.js";
import { type Mode, type TypeContext, typeText } from "../src/cli/typegen/type-text.js";
import {
  createReplicate,
  type FileOutput,
  InputError,
  normalizeOutput,
  type OutputSchema,
  registerModelOutputs,
  run,
} from "../src/index.js";
import { createFakeReplicate } from "../src/testing/index.js";
import { hoverText, typeErrors } from "./support/typecheck.js";

const root = new URL("../", import.meta.url).pathname;
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

  it("import only the library types they use, and what registers the output shapes", () => {
    expect(text).toContain('import { registerModelOutputs } from "replicate-kit";');
    const schemas = { Input: { type: "object", properties: { image: file } }, Output: file };
    const withFile = emit([model(schemas)]);
    expect(withFile).toContain(
      'import { type FileInput, type FileOutput, registerModelOutputs } from "replicate-kit";',
    );
    const declared = emitModelTypes([model(schemas)], { date: "2025-01-31", declaration: true });
    expect(declared).toContain('import type { FileInput, FileOutput } from "replicate-kit";');
    // No Output: nothing to register.
    const none = emitModelTypes([model({ Input: input })], { date: "2025-01-31" });
    expect(none).not.toContain("registerModelOutputs");
    expect(none).toContain('import type { FileOutput } from "replicate-kit";'); // a stream's piece may be a file
    expect(none).not.toContain("registers each model's output shape");
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
    // normalizeOutput looks through an anyOf of one type, with or without null: a file is a file.
    ["anyOf of one type", { anyOf: [file] }, "FileOutput", "FileOutput", "string", "FileOutput"],
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
  const joined = await run(replicate, "acme/painter", {
    input: { prompt: "a fox", image: new Blob([]), ratio: "16:9", steps: 4, token: "s", negative: null },
  });
  assertType<Equal<typeof joined, string>>();
  const tokens = await run(replicate, "acme/painter", { input: { prompt: "a fox" }, outputSchema: false });
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

describe("a generated .ts registers each model's output shape, and run normalises by it", () => {
  const prompt = { type: "object", required: ["prompt"], properties: { prompt: { type: "string" } } };
  const fake = createFakeReplicate({ startDelayMs: 1 });
  const say = async function* () {
    yield "Hel";
    yield "lo";
  };
  const llm = fake.model("typed/llm", say, { input: prompt, output: joined });
  fake.model("typed/unlisted", say, { input: prompt, output: joined });
  const images = fake.model("typed/images", () => ["data:text/plain;base64,eA=="], {
    output: { type: "array", items: file },
  });
  fake.deployment("typed/llm-prod", "typed/llm");
  /** A client on the fake, and every request it sends, as "METHOD /path". */
  const client = () => {
    const sent: string[] = [];
    const fetch = (request: Request) => {
      sent.push(`${request.method} ${new URL(request.url).pathname}`);
      return fake.fetch(request);
    };
    return { replicate: createReplicate({ auth: "t", fetch }), sent };
  };
  const versionsGets = (sent: string[]) => sent.filter((line) => line.includes("/versions/"));
  const dir = mkdtempSync(join(tmpdir(), "typed-models-registered-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const generated = async (deployments?: Record<string, string>, declaration = false) => {
    const { replicate } = client();
    const schemas = await Promise.all(
      ["typed/images", "typed/llm"].map((m) => fetchModelSchema(replicate, { model: m })),
    );
    return emitModelTypes(schemas, { date: "2025-01-31", deployments, declaration });
  };

  it("the file registers the parts of each output schema that run reads, under each registry key", async () => {
    const text = await generated({ "typed/llm-prod": "typed/llm" });
    expect(text).toContain('import { type FileOutput, registerModelOutputs } from "replicate-kit";\n');
    expect(text).toContain(
      [
        "registerModelOutputs(",
        "  {",
        '    "typed/images": { items: { format: "uri" } },',
        `    "typed/images:${images}": { items: { format: "uri" } },`,
        '    "typed/llm": { "x-cog-array-type": "iterator", "x-cog-array-display": "concatenate" },',
        `    "typed/llm:${llm}": {`,
        '      "x-cog-array-type": "iterator",',
        '      "x-cog-array-display": "concatenate",',
        "    },",
        "  },",
        '  { deployments: { "typed/llm-prod": "typed/llm" } },',
        ");",
        "",
      ].join("\n"),
    );
    // The entry's default output is by the schema; `outputSchema: false` keeps the old mode.
    expect(text).toContain("  output: string;\n");
    expect(text).toContain("  urlOutput: string[];\n");
    expect(text).toContain("// Import this file once");
  });

  it("a .d.ts has no run time: it registers nothing, keeps the old types, and says so", async () => {
    const text = await generated(undefined, true);
    expect(text).not.toContain("registerModelOutputs");
    expect(text).toContain('import type { FileOutput } from "replicate-kit";\n');
    expect(text).toContain("  output: string[];\n  /** What `run` resolves to with `outputSchema: true`");
    expect(text).not.toContain("urlOutput");
    expect(text).toContain("A .d.ts file registers nothing at run time");
  });

  it("run joins a registered language model's tokens with no option and no request for the version", async () => {
    const text = await generated({ "typed/llm-prod": "typed/llm" });
    // The generated file, imported as an app would: only the package's name points at the sources.
    const runnable = text.replace('from "replicate-kit"', `from ${JSON.stringify(join(root, "src/index.ts"))}`);
    writeFileSync(join(dir, "registered.ts"), runnable);
    const { replicate, sent } = client();
    // Before the import, nothing is registered: today's behaviour.
    await expect(run(replicate, "typed/llm", { input: { prompt: "hi" } })).resolves.toEqual(["Hel", "lo"]);
    await import(join(dir, "registered.ts"));
    sent.length = 0;
    await expect(run(replicate, "typed/llm", { input: { prompt: "hi" } })).resolves.toBe("Hello");
    await expect(run(replicate, `typed/llm:${llm}`, { input: { prompt: "hi" } })).resolves.toBe("Hello");
    await expect(run(replicate, { deployment: "typed/llm-prod" }, { input: { prompt: "hi" } })).resolves.toBe("Hello");
    await expect(run(replicate, "typed/llm", { input: { prompt: "hi" }, outputSchema: true })).resolves.toBe("Hello");
    expect(versionsGets(sent)).toEqual([]);
    expect(sent.filter((line) => line.startsWith("POST"))).toEqual([
      "POST /v1/models/typed/llm/predictions",
      "POST /v1/predictions",
      "POST /v1/deployments/typed/llm-prod/predictions",
      "POST /v1/models/typed/llm/predictions",
    ]);
    // `outputSchema: false` and `raw: true` still give what they gave.
    await expect(run(replicate, "typed/llm", { input: { prompt: "hi" }, outputSchema: false })).resolves.toEqual([
      "Hel",
      "lo",
    ]);
    await expect(run(replicate, "typed/llm", { input: { prompt: "hi" }, raw: true })).resolves.toEqual(["Hel", "lo"]);
    const [image] = (await run(replicate, "typed/images", { input: {} })) as FileOutput[];
    expect(await image?.text()).toBe("x");
    expect(versionsGets(sent)).toEqual([]);
  });

  it("an unregistered model is unchanged: arrays by default, the version fetched for outputSchema", async () => {
    registerModelOutputs({ "typed/other": { format: "uri" } });
    const { replicate, sent } = client();
    await expect(run(replicate, "typed/unlisted", { input: { prompt: "hi" } })).resolves.toEqual(["Hel", "lo"]);
    expect(versionsGets(sent)).toEqual([]);
    await expect(run(replicate, "typed/unlisted", { input: { prompt: "hi" }, outputSchema: true })).resolves.toBe(
      "Hello",
    );
    expect(versionsGets(sent)).toHaveLength(1);
  });

  it("infers string for the registered model by default, and each other mode as the runtime gives it", async () => {
    writeFileSync(join(dir, "models.ts"), await generated({ "typed/llm-prod": "typed/llm" }));
    writeFileSync(join(dir, "declared.d.ts"), (await generated(undefined, true)).replaceAll('"typed/', '"declared/'));
    const use = `import { createReplicate, run } from "replicate-kit";
import "./models";
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): void {}
const replicate = createReplicate({ auth: "t" });
const input = { prompt: "hi" };
export async function use(flag: boolean): Promise<void> {
  const text = await run(replicate, "typed/llm", { input });
  assertType<Equal<typeof text, string>>();
  // @ts-expect-error a registered language model's run gives one string, not its tokens
  const tokens: string[] = text;
  const deployed = await run(replicate, { deployment: "typed/llm-prod" }, { input });
  assertType<Equal<typeof deployed, string>>();
  const joined = await run(replicate, "typed/llm", { input, outputSchema: true });
  assertType<Equal<typeof joined, string>>();
  const arrays = await run(replicate, "typed/llm", { input, outputSchema: false });
  assertType<Equal<typeof arrays, string[]>>();
  const either = await run(replicate, "typed/llm", { input, outputSchema: flag });
  assertType<Equal<typeof either, string | string[]>>();
  const raw = await run(replicate, "typed/llm", { input, raw: true });
  assertType<Equal<typeof raw, string[]>>();
  const unlisted = await run(replicate, "typed/unlisted", { input });
  assertType<Equal<typeof unlisted, unknown>>();
  // A .d.ts registers nothing: its default is the old one.
  const declared = await run(replicate, "declared/llm", { input });
  assertType<Equal<typeof declared, string[]>>();
  const declaredJoined = await run(replicate, "declared/llm", { input, outputSchema: true });
  assertType<Equal<typeof declaredJoined, string>>();
  void tokens;
}
`;
    writeFileSync(join(dir, "use.ts"), use);
    const files = [join(dir, "models.ts"), join(dir, "declared.d.ts"), join(dir, "use.ts")];
    expect(typeErrors(files, dir)).toEqual([]);
  }, 60_000);

  it("the registered shape normalises exactly as the whole schema does with outputSchema", () => {
    const url = fc.constantFrom("https://replicate.delivery/a.png", "data:text/plain;base64,eA==", "Hel", "lo", "");
    const value = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof(
        { depthSize: "small" },
        { arbitrary: url, weight: 3 },
        fc.integer(),
        fc.constant(null),
        { arbitrary: fc.array(tie("v"), { maxLength: 3 }), weight: 2 },
        { arbitrary: fc.record({ a: tie("v"), image: tie("v") }, { requiredKeys: [] }), weight: 2 },
      ),
    })).v;
    const ref = fc.constantFrom("#/components/schemas/A", "#/components/schemas/B", "#/components/schemas/Missing");
    const schema = fc.letrec<{ s: unknown }>((tie) => ({
      s: fc.oneof(
        { depthSize: "small" },
        fc.constantFrom({ type: "string" }, file, { type: "null" }, { format: "uri" }, {}),
        fc.record({ $ref: ref }),
        fc.record({ allOf: fc.tuple(tie("s")) }),
        fc.record({ anyOf: fc.array(tie("s"), { minLength: 1, maxLength: 3 }) }),
        fc.record({ oneOf: fc.tuple(tie("s"), fc.constant({ type: "null" })) }),
        fc.record(
          {
            type: fc.constant("array"),
            items: tie("s"),
            "x-cog-array-type": fc.constant("iterator"),
            "x-cog-array-display": fc.constant("concatenate"),
          },
          { requiredKeys: ["type"] },
        ),
        fc.record({
          type: fc.constant("object"),
          properties: fc.record({ a: tie("s"), image: tie("s") }, { requiredKeys: [] }),
        }),
      ),
    })).s;
    fc.assert(
      fc.property(schema, schema, schema, value, (output, a, b, out) => {
        const root = doc({ Output: output, A: a, B: b });
        const shape = outputShape(output, root);
        // A schema that refers to itself is not registered; the others must agree.
        fc.pre(shape !== undefined);
        const whole = normalizeOutput(out, { schema: output as OutputSchema, root });
        expect(normalizeOutput(out, { schema: shape })).toEqual(whole);
      }),
      { numRuns: 2000 },
    );
  });

  it("a schema that refers to itself is not registered: that model keeps the old default", () => {
    const tree = { type: "object", properties: { image: file, child: { $ref: "#/components/schemas/Tree" } } };
    expect(outputShape({ $ref: "#/components/schemas/Tree" }, doc({ Tree: tree }))).toBeUndefined();
    const text = emit([model({ Output: { $ref: "#/components/schemas/Tree" }, Tree: tree })]);
    expect(text).not.toContain("registerModelOutputs");
    expect(text).toContain("  schemaOutput:");
  });
});
