// A fake model's schema looks like Cog's: given Input and Output schemas, the fake builds
// the whole Cog OpenAPI document around them (paths, PredictionRequest, …); given a whole
// Cog document (real ones are in ../shared/fixtures/cog-schemas/, one per version id), it
// serves that document as it is and checks inputs against its Input, `$ref`s and all.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { createReplicate, run } from "../src/index.js";
import { type CogDocument, createFakeReplicate, type FakeReplicate } from "../src/testing/index.js";
import { COG_PATHS } from "./support/cog.js";

const API = "https://api.replicate.com/v1";
const FIXTURES = new URL("../../shared/fixtures/cog-schemas/", import.meta.url).pathname;
const fixtures = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => f.endsWith(".json")) : [];
if (fixtures.length === 0) console.log(`fake-cog.test.ts: fixture tests skipped, no Cog schemas in ${FIXTURES}`);
const fixture = (id: string) => JSON.parse(readFileSync(`${FIXTURES}${id}.json`, "utf8")) as CogDocument;

const LLAMA = "02e509c789964a7ea8736978a43525956ef40397be9033abf9fd2badfe68c9e3"; // required prompt, bounds
const RETRIEVAL = "ac7878dfd12cb445115fb250a79faf3c3028e6cfa6c94788a7c9c53b0ce5898e"; // an enum behind allOf/$ref

interface Created {
  status: number;
  body: { detail: string; invalid_fields: { type: string; field: string; description: string }[] };
}

async function create(fake: FakeReplicate, model: string, input: unknown): Promise<Created> {
  const response = await fake.fetch(`${API}/models/${model}/predictions`, {
    method: "POST",
    headers: { authorization: "Bearer t", "content-type": "application/json" },
    body: JSON.stringify({ input }),
  });
  return { status: response.status, body: (await response.json()) as Created["body"] };
}

async function served(fake: FakeReplicate, model: string): Promise<CogDocument> {
  const response = await fake.fetch(`${API}/models/${model}`, { headers: { authorization: "Bearer t" } });
  return ((await response.json()) as { latest_version: { openapi_schema: CogDocument } }).latest_version.openapi_schema;
}

/** Every `$ref` in `doc` that does not resolve inside it. */
function danglingRefs(doc: CogDocument): string[] {
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1] as string);
  return refs.filter((ref) => ref.split("/").reduce<unknown>((at, key) => (at as never)?.[key], doc) === undefined);
}

describe("a Cog document built around Input and Output", () => {
  test("has Cog's paths and schemas, the given Input and Output in place, and every $ref resolves", async () => {
    const fake = createFakeReplicate();
    const input = { type: "object", properties: { text: { type: "string" } }, required: ["text"] };
    fake.model("acme/echo", (i) => i.text, { input, output: { type: "string" } });
    const doc = await served(fake, "acme/echo");
    expect(doc).toMatchObject({ openapi: "3.0.2", info: { title: "Cog" } });
    expect(Object.keys(doc.paths ?? {}).sort()).toEqual([...COG_PATHS].sort());
    expect(doc.paths?.["/predictions"]).toMatchObject({
      post: {
        operationId: "predict_predictions_post",
        requestBody: {
          content: { "application/json": { schema: { $ref: "#/components/schemas/PredictionRequest" } } },
        },
      },
    });
    expect(doc.components?.schemas).toMatchObject({ Input: input, Output: { type: "string" } });
    expect(danglingRefs(doc)).toEqual([]);
  });

  test("without Input or Output: any object in, anything out, as Cog writes them", async () => {
    const fake = createFakeReplicate();
    fake.model("acme/any", () => 1);
    const schemas = (await served(fake, "acme/any")).components?.schemas;
    expect(schemas?.Input).toEqual({ type: "object", title: "Input", properties: {} });
    expect(schemas?.Output).toEqual({ title: "Output" });
    expect((await create(fake, "acme/any", { whatever: [1] })).status).toBe(201);
  });

  test("Optional inputs (anyOf with null) and lists are checked too", async () => {
    const fake = createFakeReplicate();
    fake.model("acme/opt", () => 1, {
      input: {
        type: "object",
        properties: {
          seed: { anyOf: [{ type: "integer" }, { type: "null" }] },
          sizes: { type: "array", items: { type: "integer", minimum: 1 } },
        },
      },
    });
    expect((await create(fake, "acme/opt", { seed: null, sizes: [1, 2] })).status).toBe(201);
    const bad = await create(fake, "acme/opt", { seed: "x", sizes: [1, 0] });
    expect(bad.status).toBe(422);
    expect(bad.body.invalid_fields.map((f) => f.field)).toEqual(["input.seed", "input.sizes.1"]);
  });

  test("openapi together with input or output is refused", () => {
    const fake = createFakeReplicate();
    expect(() => fake.model("acme/x", () => 1, { openapi: { components: {} }, input: { type: "object" } })).toThrow(
      TypeError,
    );
  });
});

describe.runIf(fixtures.length > 0)("a whole Cog document, as recorded from Replicate", () => {
  test.each(fixtures)("%s is served as it is", async (file) => {
    const doc = fixture(file.replace(/\.json$/, ""));
    const fake = createFakeReplicate();
    const version = file.replace(/\.json$/, "");
    fake.model("acme/real", () => null, { version, openapi: doc });
    const got = await fake.fetch(`${API}/models/acme/real/versions/${version}`, {
      headers: { authorization: "Bearer t" },
    });
    expect(((await got.json()) as { openapi_schema: unknown }).openapi_schema).toEqual(doc);
  });

  test("inputs are checked against its Input: required fields and bounds", async () => {
    const fake = createFakeReplicate({ startDelayMs: 1 });
    fake.model("meta/llama", () => "ok", { openapi: fixture(LLAMA) });
    const missing = await create(fake, "meta/llama", {});
    expect(missing.status).toBe(422);
    expect(missing.body.invalid_fields).toEqual([
      { type: "invalid", field: "input.prompt", description: "prompt is required" },
    ]);
    expect((await create(fake, "meta/llama", { prompt: "hi", top_p: 2 })).status).toBe(422);
    expect((await create(fake, "meta/llama", { prompt: "hi", top_p: 0.5, max_new_tokens: 10 })).status).toBe(201);
  });

  test("an enum behind allOf/$ref is enforced", async () => {
    const fake = createFakeReplicate({ startDelayMs: 1 });
    fake.model("acme/retrieval", () => [], { openapi: fixture(RETRIEVAL) });
    const bad = await create(fake, "acme/retrieval", { database_name: "nope" });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toContain("input.database_name: must be one of");
    expect((await create(fake, "acme/retrieval", { database_name: "simulacra" })).status).toBe(201);
  });

  test("a change to the document after registration does not change what is served", async () => {
    const doc = fixture(LLAMA);
    const fake = createFakeReplicate();
    fake.model("meta/llama", () => "ok", { openapi: doc });
    (doc.components as { schemas: Record<string, unknown> }).schemas.Output = { type: "integer" };
    expect((await served(fake, "meta/llama")).components?.schemas?.Output).toMatchObject({ type: "array" });
  });

  test("run's outputSchema reads the document's Output: an iterator of text is joined", async () => {
    const fake = createFakeReplicate({ startDelayMs: 1 });
    fake.model(
      "meta/llama",
      async function* () {
        yield "Hel";
        yield "lo";
      },
      { openapi: fixture(LLAMA) },
    );
    const replicate = createReplicate({ auth: "t", fetch: fake.fetch });
    await expect(run(replicate, "meta/llama", { input: { prompt: "hi" }, outputSchema: true })).resolves.toBe("Hello");
  });
});
