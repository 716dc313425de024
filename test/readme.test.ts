// The README's quick start, run as written against nock: the first example a user
// copies must work, and send exactly what it appears to send.
import { readFileSync } from "node:fs";
import nock from "nock";
import { afterEach, expect, it, vi } from "vitest";
import { createReplicate, type FileOutput, run } from "../src/index.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

it("runs the quick start", async () => {
  vi.stubEnv("REPLICATE_API_TOKEN", "r8_readme");
  const created = { id: "q1", status: "succeeded", output: ["https://replicate.delivery/x/out.webp"] };
  // No interceptor for replicate.delivery: reading only .url must download nothing.
  const api = nock("https://api.replicate.com", { reqheaders: { authorization: "Bearer r8_readme" } })
    .post("/v1/models/black-forest-labs/flux-schnell/predictions", {
      input: { prompt: "an astronaut riding a horse" },
    })
    .matchHeader("prefer", "wait=60")
    .matchHeader("content-type", "application/json")
    .reply(201, created)
    .get("/v1/models")
    .query({ sort_by: "model_created_at" })
    .reply(200, {
      next: "https://api.replicate.com/v1/models?sort_by=model_created_at&cursor=c2",
      results: [{ owner: "a", name: "one" }],
    })
    .get("/v1/models")
    .query({ sort_by: "model_created_at", cursor: "c2" })
    .reply(200, { next: null, results: [{ owner: "b", name: "two" }] });
  const log = vi.spyOn(console, "log").mockImplementation(() => {});

  // --- from README.md, "Quick start" ---
  const replicate = createReplicate(); // token from REPLICATE_API_TOKEN

  const [image] = await run<FileOutput[]>(replicate, "black-forest-labs/flux-schnell", {
    input: { prompt: "an astronaut riding a horse" },
  });
  console.log(image?.url);

  for await (const model of replicate.models.list({ sort_by: "model_created_at" })) {
    console.log(`${model.owner}/${model.name}`);
  }
  // --- end ---

  const printed = [...log.mock.calls];
  log.mockRestore();
  expect(printed).toEqual([[created.output[0]], ["a/one"], ["b/two"]]);
  api.done();
});

it("is the README's quick start, word for word", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const block = /## Quick start\n+```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  const self = readFileSync(new URL(import.meta.url), "utf8");
  const copied = /\/\/ --- from README\.md, "Quick start" ---\n([\s\S]*?)\s*\/\/ --- end ---/.exec(self)?.[1] ?? "";
  const code = (text: string) =>
    text
      .split("\n")
      .filter((line) => !line.startsWith("import "))
      .map((line) => line.trim())
      .filter(Boolean);
  expect(code(block).length).toBeGreaterThan(3);
  expect(code(copied)).toEqual(code(block));
  // The README's import is this file's: everything from the one entry.
  const imports = [...block.matchAll(/^import (.*) from "replicate-kit";$/gm)].map(
    (m) => `import ${m[1]} from "../src/index.js";`,
  );
  expect(imports).toHaveLength(1);
  for (const line of imports) expect(self).toContain(line);
});
