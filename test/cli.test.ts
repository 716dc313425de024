// The command line end to end: the built binary run as a child process against a fake
// Replicate served over loopback by this process (so children are spawned, not run
// synchronously: the fake must keep answering). Each command's success path, its
// stdout, stderr and exit code; coercion errors; @file uploads; saved files; --json;
// SIGINT cancelling the prediction.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDemoModels } from "../src/cli/demo-models.js";
import { createFakeReplicate } from "../src/testing/index.js";
import { type FakeServer, serveFake } from "../src/testing/node.js";

const root = new URL("../", import.meta.url).pathname;
const bin = join(root, "dist/bin/replicate-kit.js");
const cwd = mkdtempSync(join(tmpdir(), "replicate-kit-cli-"));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const fake = createFakeReplicate({ startDelayMs: 1, username: "demo" });
addDemoModels(fake, { stepMs: 20 });
fake.model("test/broken", () => {
  throw new Error("out of memory");
});
fake.model("test/slow", (_input, ctx) => new Promise((resolve) => ctx.signal.addEventListener("abort", resolve)));
let server: FakeServer;

beforeAll(async () => {
  if (!existsSync(bin)) execFileSync("npx", ["tsup", "--silent"], { cwd: root });
  server = await serveFake(fake);
}, 60_000);
afterAll(async () => {
  await server.close();
  rmSync(cwd, { recursive: true, force: true });
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the binary; `onSpawn` gets the child (to send it signals). */
function cli(args: string[], options: { stdin?: string; onSpawn?: (child: ReturnType<typeof spawn>) => void } = {}) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REPLICATE_API_TOKEN: "t",
    REPLICATE_BASE_URL: server.url,
    REPLICATE_KIT_POLL_MS: "20",
  };
  delete env.NO_COLOR;
  return new Promise<Result>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.stdin.end(options.stdin ?? "");
    options.onSpawn?.(child);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const jobsOf = (model: string) => [...fake.state.jobs.values()].filter((j) => j.record.model === model);

describe("help", { timeout: 30_000 }, () => {
  it("lists the commands without one (exit 2), and with --help (exit 0)", async () => {
    const bare = await cli([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toMatch(/^ {2}run {10}/m);
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    for (const name of ["run", "train", "predictions", "models", "deployments", "types", "hardware", "demo"])
      expect(help.stdout).toContain(`  ${name} `);
    expect(help.stdout).toContain("130 interrupted");
  });

  it.each(["run", "train", "predictions", "models", "deployments", "hardware", "account", "webhooks", "demo"])(
    "%s --help has the exit codes and an example",
    async (name) => {
      const r = await cli([name, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Exit codes:");
      expect(r.stdout).toMatch(/Examples?:\n {2}npx replicate-kit /);
    },
  );
});

describe("run", { timeout: 30_000 }, () => {
  it("saves each file with its real extension, the same bytes as the model's output, and prints the paths", async () => {
    const r = await cli(["run", "demo/fox-painter", "prompt=a fox", "num_outputs=2", "--out", "out"]);
    expect(r.code).toBe(0);
    const paths = r.stdout.trim().split("\n");
    expect(paths).toHaveLength(2);
    const id = /^out\/(\w+)-0\.svg$/.exec(paths[0] as string)?.[1] as string;
    expect(paths).toEqual([`out/${id}-0.svg`, `out/${id}-1.svg`]);
    const files = [...(fake.state.jobs.get(id)?.files.values() ?? [])];
    for (const [i, path] of paths.entries()) {
      const served = new Uint8Array(await (files[i] as Blob).arrayBuffer());
      expect(new Uint8Array(readFileSync(join(cwd, path)))).toEqual(served);
    }
    // Off a terminal: plain status lines, no control codes.
    expect(r.stderr).toMatch(new RegExp(`^${id} succeeded \\(\\d+\\.\\ds\\)$`, "m"));
    expect(r.stderr).not.toContain("\x1b");
  });

  it("prints a language model's tokens on stdout, and nothing else there", async () => {
    const r = await cli(["run", "demo/chat", "prompt=Why?", "max_tokens=3"]);
    expect(r).toMatchObject({ code: 0, stdout: 'You asked: "Why?". \n' });
  });

  it("--json prints the final prediction alone on stdout", async () => {
    const r = await cli(["run", "demo/chat", "prompt=hi", "--json"]);
    expect(r.code).toBe(0);
    const prediction = JSON.parse(r.stdout);
    expect(prediction).toMatchObject({ status: "succeeded", model: "demo/chat", input: { prompt: "hi" } });
  });

  it("uploads key=@file (the fake receives the bytes) and key=@- (standard input)", async () => {
    const bytes = new Uint8Array(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));
    writeFileSync(join(cwd, "photo.png"), bytes);
    const r = await cli(["run", "demo/upscaler", "image=@photo.png", "scale=4", "--out", "up"]);
    expect(r.code).toBe(0);
    const uploaded = [...fake.state.files.values()].find((f) => f.name === "photo.png");
    if (!uploaded) throw new Error("the fake received no photo.png");
    expect(new Uint8Array(await uploaded.content.arrayBuffer())).toEqual(bytes);
    expect(uploaded.content.type).toBe("image/png");
    expect(new Uint8Array(readFileSync(join(cwd, r.stdout.trim())))).toEqual(bytes);
    const piped = await cli(["run", "demo/upscaler", "image=@-", "--json"], { stdin: "from stdin" });
    expect(piped.code).toBe(0);
    const file = [...fake.state.files.values()].at(-1);
    expect(await file?.content.text()).toBe("from stdin");
  });

  it("refuses wrong types, enums and unknown fields before anything is created (exit 2)", async () => {
    const before = jobsOf("demo/fox-painter").length;
    const r = await cli(["run", "demo/fox-painter", "prompt=x", "num_outputs=two", "style=pencil", "colour=red"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('num_outputs must be an integer, got "two". (num_outputs: How many pictures)');
    expect(r.stderr).toContain('style must be one of "ink", "watercolor", "oil"; got "pencil"');
    expect(r.stderr).toContain('Unknown input "colour". The model\'s inputs are: prompt, num_outputs, style.');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(jobsOf("demo/fox-painter").length).toBe(before);
  });

  it("takes lists by repeating a key or as JSON, and --input underneath the pairs", async () => {
    fake.model("test/list", (input) => JSON.stringify(input), {
      input: {
        type: "object",
        properties: { tags: { type: "array", items: { type: "integer" } }, on: { type: "boolean" } },
      },
    });
    writeFileSync(join(cwd, "input.json"), JSON.stringify({ on: false }));
    const repeated = await cli(["run", "test/list", "tags=1", "tags=2", "--input", "input.json"]);
    expect(repeated).toMatchObject({ code: 0, stdout: '{"on":false,"tags":[1,2]}\n' });
    const json = await cli(["run", "test/list", "tags=[3,4]", "on=true"]);
    expect(json.stdout).toBe('{"tags":[3,4],"on":true}\n');
  });

  it("runs on a deployment, with its current version's schema", async () => {
    const r = await cli(["run", "--deployment", "demo/painter-prod", "prompt=hi", "--out", "dep"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^dep\/\w+-0\.svg\n$/);
    expect((await cli(["run", "--deployment", "demo/painter-prod", "nope=1"])).code).toBe(2);
  });

  it("exits 1 when the prediction fails, with the model's error and no stack", async () => {
    const r = await cli(["run", "test/broken"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Prediction \w+ failed: .*out of memory/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  // Replicate's `error` may be an object: it is shown as JSON, as `run` shows it.
  it("predictions wait on a failed prediction shows an error object as JSON, exit 1", async () => {
    const r = await cli(["run", "test/broken"]);
    expect(r.code).toBe(1);
    const job = jobsOf("test/broken").at(-1);
    if (!job) throw new Error("no job");
    job.record.error = { code: "OOM", detail: "out of memory" };
    const waited = await cli(["predictions", "wait", job.record.id as string]);
    expect(waited.code).toBe(1);
    expect(waited.stderr).toContain(`Prediction ${job.record.id} failed: {"code":"OOM","detail":"out of memory"}`);
  });

  it("exits 3 on an API error, with the API's sentence; --debug adds the stack", async () => {
    const r = await cli(["run", "nobody/nothing", "x=1"]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect((await cli(["run", "nobody/nothing", "--debug"])).stderr).toMatch(/\n\s+at /);
  });

  it("exits 2 on a usage error", async () => {
    const r = await cli(["run", "demo/chat", "--outt", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--outt'");
  });

  it("Ctrl-C cancels the prediction on Replicate, prints its id and exits 130", async () => {
    const r = await cli(["run", "test/slow"], {
      onSpawn: async (child) => {
        while (!jobsOf("test/slow").some((j) => j.record.status === "processing")) await sleep(20);
        child.kill("SIGINT");
      },
    });
    const job = jobsOf("test/slow").at(-1);
    expect(job?.record.status).toBe("canceled");
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(`Interrupted: prediction ${job?.record.id} was canceled.`);
  });
});

describe("the other commands", { timeout: 30_000 }, () => {
  it("predictions list, get, wait and cancel", async () => {
    const list = await cli(["predictions", "list"]);
    expect(list.code).toBe(0);
    const id = [...fake.state.jobs.values()].find((j) => j.record.model === "demo/chat")?.record.id as string;
    expect(list.stdout).toContain(id);
    expect(JSON.parse((await cli(["predictions", "get", id])).stdout)).toMatchObject({ id, status: "succeeded" });
    const waited = await cli(["predictions", "wait", id]);
    expect(waited.stdout).toMatch(/^You asked: /); // the tokens joined, as run gives them
    const before = jobsOf("test/slow").length;
    const slow = await cli(["run", "test/slow", "--json"], {
      onSpawn: async () => {
        while (jobsOf("test/slow").length === before) await sleep(20);
        const running = jobsOf("test/slow").at(-1);
        const cancel = await cli(["predictions", "cancel", running?.record.id as string]);
        expect(cancel.stdout).toMatch(/ canceled\n$/);
      },
    });
    expect(slow.code).toBe(1); // the prediction was canceled
    expect(slow.stderr).toMatch(/^Prediction \w+ was canceled/m);
  });

  it("models get, schema and search", async () => {
    expect((await cli(["models", "get", "demo/chat"])).stdout).toContain("Answers, one token at a time.");
    const schema = await cli(["models", "schema", "demo/fox-painter"]);
    expect(schema.stdout).toMatch(/^style\s+string\s+one of "ink", "watercolor", "oil"; default "ink"\s+The brush$/m);
    expect(
      JSON.parse((await cli(["models", "schema", "demo/chat", "--json"])).stdout).components.schemas.Input,
    ).toBeDefined();
    expect((await cli(["models", "search", "paint"])).stdout).toContain("demo/fox-painter");
  });

  it("deployments create, get, update and list", async () => {
    const created = await cli([
      "deployments",
      "create",
      "chat-prod",
      "--model",
      "demo/chat",
      "--hardware",
      "gpu-t4",
      "--max",
      "2",
    ]);
    expect(created.stdout).toMatch(/^demo\/chat-prod {2}release 1: demo\/chat:\w+ {2}gpu-t4 \(0–2 instances\)$/m);
    const updated = await cli(["deployments", "update", "demo/chat-prod", "--min", "1", "--json"]);
    expect(JSON.parse(updated.stdout).current_release.configuration.min_instances).toBe(1);
    expect((await cli(["deployments", "get", "demo/chat-prod"])).stdout).toContain("release 2");
    expect((await cli(["deployments", "list"])).stdout).toContain("demo/chat-prod");
    expect(
      (await cli(["deployments", "create", "x", "--model", "demo/chat", "--hardware", "cpu", "--min", "a"])).code,
    ).toBe(2);
  });

  it("train prints the new version, and run runs it", async () => {
    const t = await cli(["train", "demo/style-trainer", "--destination", "demo/ink", "style=ink"]);
    expect(t.code).toBe(0);
    const version = t.stdout.trim();
    expect(version).toMatch(/^demo\/ink:[0-9a-f]{64}$/);
    expect((await cli(["run", version, "prompt=a boat"])).stdout).toBe("a boat, in the style of ink\n");
  });

  it("hardware, account and webhooks secret", async () => {
    expect((await cli(["hardware"])).stdout).toMatch(/^gpu-t4\s+Nvidia T4 GPU$/m);
    expect((await cli(["account"])).stdout).toBe("demo (organization, Fake Replicate)\n");
    expect((await cli(["webhooks", "secret"])).stdout).toBe(`${fake.secret}\n`);
    expect(JSON.parse((await cli(["webhooks", "secret", "--json"])).stdout)).toEqual({ key: fake.secret });
  });

  it("--fake runs any command against the bundled fake, with no token", async () => {
    const env = { ...process.env };
    delete env.REPLICATE_API_TOKEN;
    const r = await cli(["models", "schema", "demo/chat", "--fake"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^max_tokens\s+integer/m);
  });
});
