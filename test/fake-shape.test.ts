// The fake's answers carry what real responses recorded from api.replicate.com carry
// beyond the schema (../shared/REPLICATE-API.md, "What real responses carry beyond the
// schema"): models with `created_at` and `weights_url`, versions whose `openapi_schema` is
// a whole Cog document with `paths`, trainings with `completed_at: null` and
// `output: null` until they finish, files with `etag` and an md5 checksum, `logs: null`
// on a job that has logged nothing, and a 404 for a training destination that does not
// exist. Each answer is read raw, as the wire carries it, so a field that is absent
// cannot pass for one that is null.
import { describe, expect, test } from "vitest";
import { createFakeReplicate, type FakeReplicate } from "../src/testing/index.js";
import { COG_PATHS } from "./support/cog.js";

const API = "https://api.replicate.com/v1";
const TRAINER = "b8f9c3a5e0d14a6f9c2e7d3b1a0f5e4c8d7b6a5f4e3d2c1b0a9f8e7d6c5b4a39";
const COG_SCHEMAS = [
  "HTTPValidationError",
  "Input",
  "Output",
  "PredictionRequest",
  "PredictionResponse",
  "Status",
  "ValidationError",
  "WebhookEvent",
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Json = Record<string, unknown>;

function call(fake: FakeReplicate, method: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers({ authorization: "Bearer r8_test", ...(init.headers as Record<string, string>) });
  if (typeof init.body === "string" && !headers.has("content-type")) headers.set("content-type", "application/json");
  return fake.fetch(new Request(`${API}${path}`, { ...init, method, headers }));
}

async function json(response: Response | Promise<Response>, status = 200): Promise<Json> {
  const answer = await response;
  const text = await answer.text();
  expect(answer.status, text).toBe(status);
  return JSON.parse(text) as Json;
}

function seeded(): FakeReplicate {
  const fake = createFakeReplicate({ startDelayMs: 2 });
  fake.model("acme/echo", (input) => input.text, {
    input: { type: "object", properties: { text: { type: "string" } } },
    output: { type: "string" },
  });
  fake.model("acme/trainer", () => "base", {
    version: TRAINER,
    train: (_input, ctx) => new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve(null))),
  });
  fake.model("me/dest", () => "x");
  return fake;
}

/** A model as Replicate answers it: `created_at`, `weights_url`, and a Cog document as its latest version's schema. */
function expectModelShape(model: Json, weights: string | null = null) {
  expect(model.created_at).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
  expect(Date.parse(String(model.created_at))).not.toBeNaN();
  expect(model).toHaveProperty("weights_url", weights);
  expectVersionShape(model.latest_version as Json);
}

function expectVersionShape(version: Json) {
  const doc = version.openapi_schema as { openapi: string; paths: Json; components: { schemas: Json } };
  expect(doc.openapi).toMatch(/^3\./);
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(COG_PATHS));
  expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(COG_SCHEMAS));
}

async function startTraining(fake: FakeReplicate, destination = "me/dest"): Promise<Response> {
  return call(fake, "POST", `/models/acme/trainer/versions/${TRAINER}/trainings`, {
    body: JSON.stringify({ destination, input: {} }),
  });
}

describe("models carry created_at, weights_url and a Cog document", () => {
  test("models.get, models.list, models.search (QUERY) and search (GET)", async () => {
    const fake = seeded();
    expectModelShape(await json(call(fake, "GET", "/models/acme/echo")));
    const listed = (await json(call(fake, "GET", "/models"))).results as Json[];
    expect(listed).toHaveLength(3);
    for (const model of listed) expectModelShape(model);
    const found = (
      await json(call(fake, "QUERY", "/models", { body: "echo", headers: { "content-type": "text/plain" } }))
    ).results as Json[];
    expect(found).toHaveLength(1);
    for (const model of found) expectModelShape(model);
    const searched = (await json(call(fake, "GET", "/search?query=echo"))).models as { model: Json }[];
    expect(searched).toHaveLength(1);
    for (const { model } of searched) expectModelShape(model);
  });

  test("weights_url is null until models.update sets it", async () => {
    const fake = seeded();
    const weights = "https://example.com/weights.tar";
    await json(call(fake, "PATCH", "/models/acme/echo", { body: JSON.stringify({ weights_url: weights }) }));
    expectModelShape(await json(call(fake, "GET", "/models/acme/echo")), weights);
  });

  test("models.versions.get and models.versions.list: openapi_schema has Cog's paths", async () => {
    const fake = seeded();
    const version = fake.state.models.get("acme/echo")?.versions[0]?.id;
    const got = await json(call(fake, "GET", `/models/acme/echo/versions/${version}`));
    expectVersionShape(got);
    // Exactly a predictor's paths; the Input and Output given, with everything Cog puts beside them.
    const doc = got.openapi_schema as { paths: Json; components: { schemas: Json } };
    expect(Object.keys(doc.paths).sort()).toEqual([...COG_PATHS].sort());
    expect(doc.components.schemas).toMatchObject({
      Input: { type: "object", properties: { text: { type: "string" } } },
      Output: { type: "string" },
      PredictionResponse: { properties: { output: { $ref: "#/components/schemas/Output" } } },
    });
    const listed = (await json(call(fake, "GET", "/models/acme/echo/versions"))).results as Json[];
    expect(listed).toHaveLength(1);
    for (const v of listed) expectVersionShape(v);
    // A trainer's document has Cog's training paths too.
    const trainer = await json(call(fake, "GET", `/models/acme/trainer/versions/${TRAINER}`));
    const paths = Object.keys((trainer.openapi_schema as { paths: Json }).paths);
    expect(paths).toEqual(expect.arrayContaining(["/trainings", "/trainings/{training_id}/cancel"]));
  });
});

describe("trainings carry completed_at: null and output: null until they finish", () => {
  test("trainings.get while starting and while processing; trainings.cancel", async () => {
    const fake = seeded();
    const { id } = await json(startTraining(fake), 201);
    const starting = await json(call(fake, "GET", `/trainings/${id}`));
    expect(starting).toMatchObject({ status: "starting", completed_at: null, output: null });
    for (let i = 0; i < 200 && fake.state.jobs.get(String(id))?.record.status !== "processing"; i++) await sleep(2);
    const processing = await json(call(fake, "GET", `/trainings/${id}`));
    expect(processing).toMatchObject({ status: "processing", completed_at: null, output: null });
    const canceled = await json(call(fake, "POST", `/trainings/${id}/cancel`));
    expect(canceled).toMatchObject({ status: "canceled", output: null, completed_at: expect.any(String) });
    expect(await json(call(fake, "GET", `/trainings/${id}`))).toMatchObject({ status: "canceled", output: null });
  });

  test("a destination that does not exist is a 404, as Replicate answers", async () => {
    const fake = seeded();
    const response = await startTraining(fake, "me/missing");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({
      status: 404,
      detail: "The specified training destination does not exist",
    });
    expect(fake.state.jobs.size).toBe(0);
  });
});

describe("files carry etag and an md5 checksum beside sha256", () => {
  const MD5 = "5d41402abc4b2a76b9719d911017c592"; // of "hello"
  const SHA256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

  function upload(fake: FakeReplicate, metadata?: Blob | string): Promise<Response> {
    const form = new FormData();
    form.append("content", new Blob(["hello"], { type: "text/plain" }), "hello.txt");
    if (metadata !== undefined) form.append("metadata", metadata);
    return call(fake, "POST", "/files", { body: form });
  }

  test("files.create, files.get and files.list", async () => {
    const fake = seeded();
    const created = await json(upload(fake), 201);
    const expected = { etag: MD5, checksums: { sha256: SHA256, md5: MD5 } };
    expect(created).toMatchObject(expected);
    expect(await json(call(fake, "GET", `/files/${created.id}`))).toMatchObject(expected);
    const listed = (await json(call(fake, "GET", "/files"))).results as Json[];
    expect(listed).toEqual([created]);
  });

  test("metadata as a JSON part (Content-Type: application/json) is kept, as it is as a text field", async () => {
    const fake = seeded();
    const asPart = await json(upload(fake, new Blob(['{"customer":7}'], { type: "application/json" })), 201);
    expect(asPart.metadata).toEqual({ customer: 7 });
    const asField = await json(upload(fake, '{"customer":8}'), 201);
    expect(asField.metadata).toEqual({ customer: 8 });
    const bad = await upload(fake, new Blob(["{nope"], { type: "application/json" }));
    expect(bad.status).toBe(400);
  });
});

describe("logs", () => {
  test('null on a job that has logged nothing; the create answer says "", as recorded', async () => {
    const fake = seeded();
    fake.model("acme/quiet", (_input, ctx) => new Promise((resolve) => ctx.signal.addEventListener("abort", resolve)));
    fake.model("acme/talks", (_input, ctx) => {
      ctx.log("hello");
      return "ok";
    });
    const created = await json(call(fake, "POST", "/models/acme/quiet/predictions", { body: '{"input":{}}' }), 201);
    expect(created).toHaveProperty("logs", "");
    expect(await json(call(fake, "GET", `/predictions/${created.id}`))).toHaveProperty("logs", null);
    expect(await json(call(fake, "POST", `/predictions/${created.id}/cancel`))).toHaveProperty("logs", null);
    const talked = await json(
      call(fake, "POST", "/models/acme/talks/predictions", { body: '{"input":{}}', headers: { prefer: "wait=5" } }),
      201,
    );
    expect(talked).toMatchObject({ status: "succeeded", logs: "hello\n" });
    const training = await json(startTraining(fake), 201);
    expect(training).toHaveProperty("logs", "");
    expect(await json(call(fake, "GET", `/trainings/${training.id}`))).toHaveProperty("logs", null);
  });
});
