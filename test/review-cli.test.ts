// Attacks on the command line and its typegen, from what the API and a model's author
// control: the generated .ts must never hold code a schema smuggled in (nor compile-
// breaking names), what reaches a terminal must carry no control sequences, a file the
// CLI saves must stay in --out, a closed stdout must not crash the process, and
// key=value pairs must not reach Object.prototype. In-process against the fake over
// loopback; the entry's own wiring (EPIPE, the guarded writers) through src/cli/index.ts
// bundled by esbuild into a temporary folder (dist/ is not rebuilt).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../src/cli/cli-io.js";
import { main } from "../src/cli/main.js";
import { guardedIO } from "../src/cli/terminal-text.js";
import { emitModelTypes, type ModelSchema } from "../src/cli/typegen/emit-file.js";
import type { FetchLike } from "../src/core/transport.js";
import { createFakeReplicate } from "../src/testing/index.js";
import { type FakeServer, serveFake } from "../src/testing/node.js";
import { typeErrors } from "./support/typecheck.js";

const root = new URL("../", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "review-cli-"));
const bin = join(work, "replicate-kit.mjs");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const V1 = "1".repeat(64);
const doc = (schemas: Record<string, unknown>) => ({ openapi: "3.0.2", components: { schemas } });

// What a hostile model writes: a clipboard write (OSC 52), a title change, clear screen,
// a line overwrite, a one-byte CSI and a bidi override.
const HOSTILE = "a\x1b]52;c;cHduZWQ=\x07b\x1b]0;owned\x07c\x1b[2Jd\rrm -rf ~\x9b31me\u202eevil";
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

const fake = createFakeReplicate({ startDelayMs: 1, username: "demo" });
const concatenate = { "x-cog-array-type": "iterator", "x-cog-array-display": "concatenate" };
fake.model(
  "evil/talker",
  async function* (_input, ctx) {
    ctx.log(HOSTILE);
    yield "first line\n";
    for (let i = 0; i < 200 && !ctx.signal.aborted; i++) {
      await sleep(10);
      yield `token ${i}\n`;
    }
  },
  {
    description: HOSTILE,
    input: { type: "object", properties: { prompt: { type: "string" } } },
    output: { type: "array", items: { type: "string" }, ...concatenate },
  },
);
fake.model("evil/text", () => HOSTILE, { input: { type: "object", properties: { prompt: { type: "string" } } } });
fake.model(
  "evil/broken",
  (_input, ctx) => {
    ctx.log(HOSTILE);
    throw new Error(HOSTILE);
  },
  { input: { type: "object", properties: {} } },
);
fake.model("evil/painter", () => new Blob(["<svg/>"], { type: "image/svg+xml" }), {
  input: { type: "object", properties: {} },
  output: { type: "string", format: "uri" },
});
fake.model("acme/typed", (input) => JSON.stringify(input), {
  input: {
    type: "object",
    properties: {
      seed: { type: "integer" },
      on: { type: "boolean" },
      image: { type: "string", format: "uri" },
    },
  },
});
let server: FakeServer;

beforeAll(async () => {
  server = await serveFake(fake);
  // The entry as `npx replicate-kit` runs it, from src: dist/ stays as it is.
  await build({
    entryPoints: [join(root, "src/cli/index.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: bin,
    logLevel: "silent",
  });
}, 60_000);
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

/** Run a command in this process, as the entry would with `guarded`, against the fake. */
async function cli(
  args: string[],
  options: { fetch?: FetchLike; guard?: { stdoutIsTTY: boolean }; cwd?: string } = {},
) {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
    env: { REPLICATE_API_TOKEN: "t", REPLICATE_BASE_URL: server.url, REPLICATE_KIT_POLL_MS: "10" },
    cwd: options.cwd ?? work,
    fetch: options.fetch,
  };
  const code = await main(args, options.guard ? guardedIO(io, options.guard) : io);
  return { code, stdout, stderr };
}

/** The loopback fake, with each JSON answer edited by `edit` on its way back. */
const editing =
  (edit: (url: string, body: Record<string, unknown>) => void): FetchLike =>
  async (request) => {
    const url = request.url;
    const response = await fetch(request);
    if (!(response.headers.get("content-type") ?? "").includes("json")) return response;
    const body = (await response.json()) as Record<string, unknown>;
    edit(url, body);
    return new Response(JSON.stringify(body), {
      status: response.status,
      headers: { "content-type": "application/json" },
    });
  };

/** Identifiers a generated file declares or uses as code: comments and strings are not nodes. */
function identifiers(text: string): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node)) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile("m.ts", text, ts.ScriptTarget.ES2022, true));
  return names;
}

describe("typegen: a schema cannot put code in the generated file", () => {
  const rlo = "\u202e";
  const hostile: [string, Record<string, unknown>][] = [
    ["an external $ref with line breaks (// comment)", { Input: { $ref: "https://x\npwned()\n" } }],
    ["a $ref with U+2028, a line break to JavaScript", { Input: { $ref: "https://x\u2028pwned()\u2028" } }],
    ["an unresolved $ref with a CR", { Input: { $ref: "#/nope\rpwned()\r" } }],
  ];
  const fileOf = (schemas: Record<string, unknown>, model = "acme/model", description?: string) =>
    emitModelTypes([{ model, version: V1, source: "latest", description, document: doc(schemas) }], {
      date: "2025-01-31",
    });

  it.each(hostile)("%s", (_, schemas) => {
    expect(identifiers(fileOf(schemas))).not.toContain("pwned");
  });

  it("writes bidi and control characters as escapes (no Trojan Source)", () => {
    const input = {
      type: "object",
      properties: {
        [`ke${rlo}y`]: { type: "string", description: `admin${rlo} \x1b[2J`, enum: [`a${rlo}b`, "\u2028", "\x9b"] },
      },
    };
    const output = { type: "object", properties: { [`o${rlo}`]: { type: "string", format: "uri" } } };
    const text = fileOf({ Input: input, Output: output }, "acme/model", rlo);
    expect(text).not.toMatch(UNSAFE);
    expect(text).not.toContain("\u2028");
  });

  // One program for every file: each typecheck takes seconds.
  it("every such file compiles, escapes mean the same keys, and a model named file has its own FileInput", () => {
    const dir = mkdtempSync(join(work, "gen-"));
    const files = hostile.map(([, schemas], i) => {
      writeFileSync(join(dir, `hostile${i}.ts`), fileOf(schemas, `acme/hostile${i}`));
      return join(dir, `hostile${i}.ts`);
    });
    const bidiInput = { type: "object", properties: { [`ke${rlo}y`]: { type: "string", enum: [`a${rlo}b`] } } };
    writeFileSync(join(dir, "bidi.ts"), fileOf({ Input: bidiInput }, "acme/bidi"));
    writeFileSync(
      join(dir, "use.ts"),
      `import type { BidiInput } from "./bidi";\nexport const ok: BidiInput = { "ke${rlo}y": "a${rlo}b" };\n`,
    );
    const image = { type: "object", properties: { image: { type: "string", format: "uri" } } };
    const named: ModelSchema[] = ["acme/file", "acme/file-output", "acme/record"].map((model) => ({
      model,
      version: V1,
      source: "latest",
      document: doc({ Input: image, Output: { type: "string", format: "uri" } }),
    }));
    writeFileSync(join(dir, "named.ts"), emitModelTypes(named, { date: "2025-01-31" }));
    const all = [...files, join(dir, "bidi.ts"), join(dir, "use.ts"), join(dir, "named.ts")];
    expect(typeErrors(all, dir)).toEqual([]);
  }, 60_000);

  it("types refuses a version id from the API that is not one (exit 3), and writes nothing", async () => {
    const hostile = `${V1}\n*/ pwned() /*`;
    const fetch = editing((_url, body) => {
      const latest = body.latest_version as Record<string, unknown> | null;
      if (latest) latest.id = hostile;
    });
    const r = await cli(["types", "evil/text", "--out", "models.ts"], { fetch });
    expect(r.code).toBe(3);
    expect(existsSync(join(work, "models.ts"))).toBe(false);
  });
});

describe("what reaches a terminal carries no control sequences", { timeout: 30_000 }, () => {
  const clean = (text: string) => expect(text).not.toMatch(UNSAFE);

  it("a failed model's logs and error, on stderr (--logs too)", async () => {
    const r = await cli(["run", "evil/broken", "--logs"], { guard: { stdoutIsTTY: true } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("\\u001b]52;c;cHduZWQ=\\u0007"); // shown, not obeyed
    clean(r.stderr);
  });

  it("a streaming model's logs on stderr, and its tokens on a terminal", async () => {
    const r = await cli(["run", "evil/talker", "--logs", "--no-stream"], { guard: { stdoutIsTTY: true } });
    expect(r.code).toBe(0);
    clean(r.stderr);
    clean(r.stdout);
  });

  it("a model's text output: escaped on a terminal, byte for byte when piped", async () => {
    const tty = await cli(["run", "evil/text"], { guard: { stdoutIsTTY: true } });
    clean(tty.stdout);
    expect(tty.stdout).toContain("d\nrm -rf ~"); // the CR cannot hide the line before it
    const piped = await cli(["run", "evil/text"], { guard: { stdoutIsTTY: false } });
    expect(piped.stdout).toBe(`${HOSTILE}\n`);
  });

  it("a model's description (models get, models search)", async () => {
    clean((await cli(["models", "get", "evil/talker"], { guard: { stdoutIsTTY: true } })).stdout);
    clean((await cli(["models", "search", "talker"], { guard: { stdoutIsTTY: true } })).stdout);
  });
});

describe("a saved file stays in --out", () => {
  it.each(["../../escaped", "/tmp/escaped", "..\\..\\escaped"])("whatever the prediction id: %j", async (id) => {
    const cwd = mkdtempSync(join(work, "out-"));
    const created = await cli(["run", "evil/painter", "--json"]);
    const real = JSON.parse(created.stdout).id as string;
    const fetch = editing((url, body) => {
      if (url.endsWith(`/predictions/${real}`)) body.id = id;
    });
    const r = await cli(["predictions", "wait", real, "--out", "saved"], { fetch, cwd });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^saved\/[\w-]+-0\.svg$/);
    expect(readdirSync(cwd)).toEqual(["saved"]);
    expect(existsSync(join(work, "escaped-0.svg")) || existsSync("/tmp/escaped-0.svg")).toBe(false);
  });
});

describe("key=value pairs are keys, not Object.prototype", () => {
  it.each(["constructor=1", "toString=x", "__proto__=x"])("%s is an unknown input (exit 2)", async (pair) => {
    const r = await cli(["run", "acme/typed", pair]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Unknown input "${pair.split("=")[0]}"`);
  });

  it('a boolean is "true" or "false", not a name Object.prototype has', async () => {
    const r = await cli(["run", "acme/typed", "on=constructor"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('on must be true or false, got "constructor"');
  });

  it("an integer past 2^53 is refused, not rounded to another seed", async () => {
    const r = await cli(["run", "acme/typed", "seed=18446744073709551615"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("seed must be between");
    expect((await cli(["run", "acme/typed", "seed=9007199254740991"])).stdout).toBe('{"seed":9007199254740991}\n');
  });

  it("a file named x.constructor uploads as application/octet-stream", async () => {
    writeFileSync(join(work, "x.constructor"), "bytes");
    expect((await cli(["run", "acme/typed", "image=@x.constructor"])).code).toBe(0);
    const file = [...fake.state.files.values()].find((f) => f.name === "x.constructor");
    expect(file?.content.type).toBe("application/octet-stream");
  });
});

describe("the entry (src/cli/index.ts)", { timeout: 30_000 }, () => {
  function spawnCli(args: string[]) {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REPLICATE_API_TOKEN: "t",
      REPLICATE_BASE_URL: server.url,
      REPLICATE_KIT_POLL_MS: "10",
    };
    return spawn(process.execPath, [bin, ...args], { cwd: work, env });
  }

  it("stops quietly when stdout's reader goes away (| head -1), canceling the prediction", async () => {
    const before = [...fake.state.jobs.values()].filter((j) => j.record.model === "evil/talker").length;
    const child = spawnCli(["run", "evil/talker", "prompt=hi"]);
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    // As `head -1`: read the first line, then close the pipe.
    await new Promise<void>((resolve) =>
      child.stdout.on("data", (d: Buffer) => {
        if (d.includes("\n")) {
          child.stdout.destroy();
          resolve();
        }
      }),
    );
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(130);
    const job = [...fake.state.jobs.values()].filter((j) => j.record.model === "evil/talker")[before];
    expect(job?.record.status).toBe("canceled");
  });

  it("escapes what goes to stderr, even into a pipe", async () => {
    const child = spawnCli(["run", "evil/broken"]);
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    expect(await new Promise((resolve) => child.on("close", resolve))).toBe(1);
    expect(stderr).toContain("failed");
    expect(stderr).not.toMatch(UNSAFE);
  });
});

describe("typegen: a schema that repeats its types", () => {
  // A binary tree: written out in place, 2^24 nodes at the depth limit (the emitter hung).
  const tree = {
    type: "object",
    properties: {
      value: { type: "string", format: "uri" },
      left: { $ref: "#/components/schemas/Tree" },
      right: { $ref: "#/components/schemas/Tree" },
    },
  };
  const dag: Record<string, unknown> = { L30: { type: "string", format: "uri" } };
  for (let i = 0; i < 30; i++) {
    const next = { $ref: `#/components/schemas/L${i + 1}` };
    dag[`L${i}`] = { type: "object", properties: { a: next, b: next } };
  }
  it.each([
    [
      "a recursive tree",
      { Tree: tree, Input: { $ref: "#/components/schemas/Tree" }, Output: { $ref: "#/components/schemas/Tree" } },
    ],
    ["a type used twice at each of 30 levels", { ...dag, Input: dag.L0, Output: dag.L0 }],
  ])("%s is written in bounded time and size, the rest unknown", (_, schemas) => {
    const started = Date.now();
    const text = emitModelTypes([{ model: "acme/tree", version: V1, source: "latest", document: doc(schemas) }], {
      date: "2025-01-31",
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(text.length).toBeLessThan(2_000_000);
    expect(text).toContain("unknown /* too large to write out");
  });
});
