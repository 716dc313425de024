// `replicate-kit types` end to end, offline: a fake Replicate served over loopback, the
// command run against it (in-process from the sources, and once as the built binary),
// then a program that uses the generated types is typechecked and run against the same
// fake, with the generated file imported as an app imports it (it registers each model's
// output shape). Each case holds the type the program asserts beside what the runtime
// gave, so a type that says what the runtime does not give fails here.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../src/cli/cli-io.js";
import { main } from "../src/cli/main.js";
import { FileOutput } from "../src/index.js";
import { createFakeReplicate } from "../src/testing/index.js";
import { type FakeServer, serveFake } from "../src/testing/node.js";
import { typeErrors } from "./support/typecheck.js";

const root = new URL("../", import.meta.url).pathname;
const bin = join(root, "dist/bin/replicate-kit.js");
const dir = mkdtempSync(join(tmpdir(), "typed-models-e2e-"));
const fileUrl = (text: string) => `data:text/plain;base64,${btoa(text)}`;
const uri = { type: "string", format: "uri" };

const fake = createFakeReplicate({ startDelayMs: 1 });
fake.model(
  "acme/images",
  async function* (input) {
    for (let i = 0; i < Number(input.count ?? 1); i++) yield fileUrl(`${input.prompt} ${i}`);
  },
  {
    input: {
      type: "object",
      required: ["prompt"],
      properties: {
        prompt: { type: "string", description: "What to draw", "x-order": 0 },
        size: { type: "string", enum: ["1x1", "16:9"], default: "1x1", "x-order": 1 },
        count: { type: "integer", minimum: 1, maximum: 4, default: 1, "x-order": 2 },
        image: { ...uri, description: "An image to start from", "x-order": 3 },
      },
    },
    output: { type: "array", items: uri, "x-cog-array-type": "iterator" },
  },
);
fake.model(
  "acme/llm",
  async function* () {
    yield "Hel";
    yield "lo";
  },
  {
    input: { type: "object", required: ["prompt"], properties: { prompt: { type: "string" } } },
    output: {
      type: "array",
      items: { type: "string" },
      "x-cog-array-type": "iterator",
      "x-cog-array-display": "concatenate",
    },
  },
);
fake.model("acme/video", () => ({ video: fileUrl("frames"), zip: null }), {
  output: { type: "object", required: ["video"], properties: { video: uri, zip: uri } },
});
fake.model("acme/captions", () => [{ image: fileUrl("a fox"), caption: "a fox" }], {
  output: {
    type: "array",
    items: { type: "object", required: ["image", "caption"], properties: { image: uri, caption: { type: "string" } } },
  },
});
fake.model("acme/maybe", () => fileUrl("maybe"), { output: { anyOf: [uri, { type: "null" }] } });
// The same language model, left out of the generated file: it keeps the untyped default.
fake.model(
  "acme/unlisted-llm",
  async function* () {
    yield "Hel";
    yield "lo";
  },
  {
    output: {
      type: "array",
      items: { type: "string" },
      "x-cog-array-type": "iterator",
      "x-cog-array-display": "concatenate",
    },
  },
);
fake.deployment("acme/images-prod", "acme/images");
fake.deployment("acme/llm-prod", "acme/llm");

const MODELS = ["acme/images", "acme/llm", "acme/video", "acme/captions", "acme/maybe"];
const ARGS = [
  "types",
  ...MODELS,
  "--deployment",
  "acme/images-prod=acme/images",
  "--deployment",
  "acme/llm-prod=acme/llm",
  "--out",
  "models.ts",
  "--date",
  "2025-01-31",
];

/** The command's view of a process, its output kept. */
function io(cwd: string) {
  const seen = { out: "", err: "" };
  const view: CliIO = {
    out: (text) => {
      seen.out += text;
    },
    err: (text) => {
      seen.err += text;
    },
    env: { REPLICATE_API_TOKEN: "r8_e2e" },
    cwd,
  };
  return { io: view, seen };
}

// [call in the program, the type it asserts, what the runtime must give]
type Case = [string, string, (value: unknown) => Promise<void> | void];
const files = (texts: string[]) => async (value: unknown) => {
  expect(value).toEqual(texts.map(() => expect.any(FileOutput)));
  expect(await Promise.all((value as FileOutput[]).map((f) => f.text()))).toEqual(texts);
};
const CASES: Case[] = [
  [
    'run(replicate, "acme/images", { input: { prompt: "fox", size: "16:9", count: 2, image: new Blob(["in"]) } })',
    "FileOutput[]",
    files(["fox 0", "fox 1"]),
  ],
  ['run(replicate, "acme/images", { input: { prompt: "fox" }, outputSchema: true })', "FileOutput[]", files(["fox 0"])],
  [
    'run(replicate, { deployment: "acme/images-prod" }, { input: { prompt: "owl" } })',
    "FileOutput[]",
    files(["owl 0"]),
  ],
  [
    'run(replicate, "acme/images", { input: { prompt: "fox" }, raw: true })',
    "string[]",
    (v) => expect(v).toEqual([fileUrl("fox 0")]),
  ],
  // The generated file registered the llm's output shape: its tokens come joined, with no option.
  ['run(replicate, "acme/llm", { input: { prompt: "hi" } })', "string", (v) => expect(v).toBe("Hello")],
  [
    'run(replicate, { deployment: "acme/llm-prod" }, { input: { prompt: "hi" } })',
    "string",
    (v) => expect(v).toBe("Hello"),
  ],
  [
    'run(replicate, "acme/llm", { input: { prompt: "hi" }, outputSchema: true })',
    "string",
    (v) => expect(v).toBe("Hello"),
  ],
  [
    'run(replicate, "acme/llm", { input: { prompt: "hi" }, outputSchema: false })',
    "string[]",
    (v) => expect(v).toEqual(["Hel", "lo"]),
  ],
  [
    'run(replicate, "acme/llm", { input: { prompt: "hi" }, raw: true })',
    "string[]",
    (v) => expect(v).toEqual(["Hel", "lo"]),
  ],
  // Not in the file: untyped, and as before (the only request for a version in the program).
  [
    'run(replicate, "acme/unlisted-llm", { input: { prompt: "hi" } })',
    "unknown",
    (v) => expect(v).toEqual(["Hel", "lo"]),
  ],
  [
    'run(replicate, "acme/unlisted-llm", { input: { prompt: "hi" }, outputSchema: true })',
    "unknown",
    (v) => expect(v).toBe("Hello"),
  ],
  [
    'collect(outputText(stream(replicate, "acme/llm", { input: { prompt: "hi" } })))',
    "string[]",
    (v) => expect(v).toEqual(["Hel", "lo"]),
  ],
  [
    'run(replicate, "acme/video", { input: {} })',
    "{ video: FileOutput; zip?: FileOutput | null }",
    (v) => expect(v).toEqual({ video: expect.any(FileOutput), zip: null }),
  ],
  [
    'run(replicate, "acme/video", { input: {}, outputSchema: true })',
    "{ video: FileOutput; zip?: FileOutput | null }",
    (v) => expect(v).toEqual({ video: expect.any(FileOutput), zip: null }),
  ],
  [
    'run(replicate, "acme/captions", { input: {} })',
    "{ image: FileOutput; caption: string }[]",
    (v) => expect(v).toEqual([{ image: expect.any(FileOutput), caption: "a fox" }]),
  ],
  ['run(replicate, "acme/maybe", { input: {} })', "FileOutput | null", (v) => expect(v).toBeInstanceOf(FileOutput)],
  // normalizeOutput looks through Cog's Optional, so with outputSchema the file is a FileOutput too.
  [
    'run(replicate, "acme/maybe", { input: {}, outputSchema: true })',
    "FileOutput | null",
    (v) => expect(v).toBeInstanceOf(FileOutput),
  ],
  [
    '(async () => (await wait(replicate, await createPrediction(replicate, "acme/images", { input: { prompt: "fox" } }))).output)()',
    "string[] | null",
    (v) => expect(v).toEqual([fileUrl("fox 0")]),
  ],
  [
    'collect(stream(replicate, "acme/images", { input: { prompt: "fox", count: 2 } }), (e) => e.type === "output")',
    "Array<StreamEvent<FileOutput>>",
    (v) =>
      expect((v as { data: unknown }[]).map((e) => e.data)).toEqual([expect.any(FileOutput), expect.any(FileOutput)]),
  ],
];

function program(): string {
  const lines = CASES.map(
    ([call, type], i) =>
      `  const v${i} = await ${call};\n  assertType<Equal<typeof v${i}, ${type}>>();\n  values.push(v${i});`,
  );
  return `import { createPrediction, createReplicate, type FileOutput, type ModelStreamOutput, outputText, type StreamEvent, stream, run, wait } from "replicate-kit";
import "./models";
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): void {}
async function collect<T>(items: AsyncIterable<T>, keep: (item: T) => boolean = () => true): Promise<T[]> {
  const kept: T[] = [];
  for await (const item of items) if (keep(item)) kept.push(item);
  return kept;
}
// What a stream's output events carry, by model.
assertType<Equal<ModelStreamOutput<"acme/images">, FileOutput>>();
assertType<Equal<ModelStreamOutput<"acme/llm">, string>>();
assertType<Equal<ModelStreamOutput<"acme/captions">, string>>();
export async function main(baseUrl: string, fetch?: (request: Request) => Promise<Response>): Promise<unknown[]> {
  const replicate = createReplicate({ auth: "r8_e2e", baseUrl, ...(fetch && { fetch }) });
  const values: unknown[] = [];
${lines.join("\n")}
  return values;
}
`;
}

describe("replicate-kit types, against the fake over loopback", () => {
  let server: FakeServer;
  beforeAll(async () => {
    server = await serveFake(fake);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("generates the file; running it again changes nothing", async () => {
    const { io: view, seen } = io(dir);
    expect(await main([...ARGS, "--base-url", server.url], view)).toBe(0);
    expect(seen.err).toBe("");
    expect(seen.out).toMatch(/^Wrote models\.ts:\n {2}acme\/images {4}[0-9a-f]{8}\n {2}acme\/llm {7}[0-9a-f]{8}\n/);
    const text = readFileSync(join(dir, "models.ts"), "utf8");
    expect(text).toContain('    "acme/images-prod": "acme/images";');
    // The run-time half: each model's output shape under each key, and the deployments.
    expect(text).toContain(
      '    "acme/llm": { "x-cog-array-type": "iterator", "x-cog-array-display": "concatenate" },\n',
    );
    expect(text).toContain(
      '  { deployments: { "acme/images-prod": "acme/images", "acme/llm-prod": "acme/llm" } },\n);\n',
    );
    const again = io(dir);
    expect(await main([...ARGS, "--base-url", server.url, "--date", "2031-01-01"], again.io)).toBe(0);
    expect(again.seen.out).toBe("models.ts is up to date.\n");
    expect(readFileSync(join(dir, "models.ts"), "utf8")).toBe(text);
  });

  it("types a program whose types agree with what the runtime gives", async () => {
    writeFileSync(join(dir, "program.ts"), program());
    expect(typeErrors([join(dir, "models.ts"), join(dir, "program.ts")], dir)).toEqual([]);
    // The same program and generated file, run: only the package's name is swapped for its sources.
    const sources = (text: string) =>
      text.replace('from "replicate-kit"', `from ${JSON.stringify(join(root, "src/index.ts"))}`);
    writeFileSync(join(dir, "models.run.ts"), sources(readFileSync(join(dir, "models.ts"), "utf8")));
    writeFileSync(join(dir, "program.run.ts"), sources(program()).replace('"./models"', '"./models.run.ts"'));
    const { main: run } = (await import(join(dir, "program.run.ts"))) as {
      main: (url: string, fetch: (request: Request) => Promise<Response>) => Promise<unknown[]>;
    };
    const sent: string[] = [];
    const values = await run(server.url, (request) => {
      sent.push(`${request.method} ${new URL(request.url).pathname}`);
      return fetch(request);
    });
    // Registered models are normalised with no request for their version's schema.
    expect(sent.filter((line) => line.includes("/versions/"))).toEqual([
      expect.stringMatching(/^GET \/v1\/models\/acme\/unlisted-llm\/versions\/[0-9a-f]{64}$/),
    ]);
    for (const [i, [call, , check]] of CASES.entries()) {
      try {
        await check(values[i]);
      } catch (error) {
        throw new Error(`${call}: ${(error as Error).message}`);
      }
    }
  }, 120_000);

  it("the built command writes the same file", async () => {
    if (!existsSync(bin)) await promisify(execFile)("npx", ["tsup", "--silent"], { cwd: root });
    const other = mkdtempSync(join(dir, "bin-"));
    const env = { ...process.env, REPLICATE_API_TOKEN: "r8_e2e" };
    const { stdout } = await promisify(execFile)(process.execPath, [bin, ...ARGS, "--base-url", server.url], {
      cwd: other,
      env,
    });
    expect(stdout).toContain("Wrote models.ts:");
    expect(readFileSync(join(other, "models.ts"), "utf8")).toBe(readFileSync(join(dir, "models.ts"), "utf8"));
  }, 120_000);

  it("a .d.ts file declares the same models and registers nothing: run's default stays arrays", async () => {
    const { io: view } = io(dir);
    const args = ARGS.map((arg) => (arg === "models.ts" ? "declared.d.ts" : arg));
    expect(await main([...args, "--base-url", server.url], view)).toBe(0);
    const text = readFileSync(join(dir, "declared.d.ts"), "utf8");
    expect(text).not.toContain("registerModelOutputs");
    expect(text).toContain("A .d.ts file registers nothing at run time");
    const llm = (file: string) =>
      /export interface Llm \{\n([\s\S]*?)\n\}/.exec(file)?.[1]?.replace(/^ *\/\*\*.*\n/gm, "");
    expect(llm(text)).toBe(
      "  input: LlmInput;\n  output: string[];\n  schemaOutput: string;\n  raw: string[];\n  stream: string;",
    );
    expect(llm(readFileSync(join(dir, "models.ts"), "utf8"))).toBe(
      "  input: LlmInput;\n  output: string;\n  urlOutput: string[];\n  raw: string[];\n  stream: string;",
    );
    // The same registry keys and deployments.
    const registry = (file: string) => {
      const at = file.indexOf('declare module "replicate-kit"');
      return file.slice(at, file.indexOf("\n}\n", at));
    };
    expect(registry(text)).toContain('    "acme/llm-prod": "acme/llm";');
    expect(registry(text)).toBe(registry(readFileSync(join(dir, "models.ts"), "utf8")));
  });

  it("--check passes while the file is current, and exits 1 once a model has a newer version", async () => {
    const current = io(dir);
    expect(await main(["types", "--check", "--out", "models.ts", "--base-url", server.url], current.io)).toBe(0);
    expect(current.seen.out).toBe("models.ts is up to date (5 models checked).\n");
    fake.model("acme/llm", () => "new", { output: { type: "string" } });
    const stale = io(dir);
    expect(await main(["types", "--check", "--out", "models.ts", "--base-url", server.url], stale.io)).toBe(1);
    expect(stale.seen.err).toMatch(/^acme\/llm: models\.ts has version [0-9a-f]{64}, the newest is [0-9a-f]{64}\.\n/);
  });

  it("an unknown model is an API error (3), a bad argument a usage error (2)", async () => {
    const missing = io(dir);
    expect(await main(["types", "acme/nope", "--out", "x.ts", "--base-url", server.url], missing.io)).toBe(3);
    expect(missing.seen.err).toContain("acme/nope:");
    expect(missing.seen.err).toContain("404");
    const usage = io(dir);
    expect(await main(["types", "acme/images", "--out", "x.js"], usage.io)).toBe(2);
    expect(await main(["types", "acme/images", "--out", "x.ts", "--deployment", "acme/x=acme/other"], usage.io)).toBe(
      2,
    );
    expect(existsSync(join(dir, "x.ts"))).toBe(false);
  });
});
