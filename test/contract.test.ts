// Contract test: every operation, called through its method with realistic values,
// against Prism serving Replicate's own schema. Prism refuses a request that does not
// match the schema (422 listing the violations, 415 for a wrong content type), so a
// call that resolves was a valid request by the schema: path, query, headers and body.
// Prism's answers are schema examples, so nothing here polls or follows `next`.
// `models.search` (QUERY /models) is not covered: Prism cannot serve that method.
// Needs the schema, which is not part of this repository: without it the file skips.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApiClient } from "../src/core/openapi-client.js";
import { createReplicate, isApiError, type OperationId, operationTable, type Replicate } from "../src/index.js";
import { type Prism, startPrism } from "./support/prism.js";

const root = new URL("../", import.meta.url).pathname;
const schemaPath = process.env.REPLICATE_OPENAPI_SOURCE ?? join(root, "../shared/openapi/replicate.openapi.json");
const hasSchema = existsSync(schemaPath);
if (!hasSchema) console.log(`contract tests skipped: no schema at ${schemaPath}`);

const VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";
const WEBHOOK = "https://example.com/replicate-webhook";

type Covered = Exclude<OperationId, "models.search">;

/** One call per operation, with every parameter the operation takes, valid by the schema. */
const calls: { [Id in Covered]: (r: Replicate) => Promise<unknown> } = {
  "account.get": (r) => r.account.get(),
  "collections.list": (r) => r.collections.list(),
  "collections.get": (r) => r.collections.get({ collection_slug: "super-resolution" }),
  "deployments.list": (r) => r.deployments.list(),
  "deployments.create": (r) =>
    r.deployments.create({
      body: {
        name: "image-upscaler",
        model: "acme/upscaler",
        version: VERSION,
        hardware: "gpu-t4",
        min_instances: 0,
        max_instances: 3,
      },
    }),
  "deployments.get": (r) => r.deployments.get({ deployment_owner: "acme", deployment_name: "image-upscaler" }),
  "deployments.delete": (r) => r.deployments.delete({ deployment_owner: "acme", deployment_name: "image-upscaler" }),
  "deployments.update": (r) =>
    r.deployments.update({
      deployment_owner: "acme",
      deployment_name: "image-upscaler",
      body: { hardware: "gpu-a40-large", min_instances: 1, max_instances: 5, version: VERSION },
    }),
  "deployments.predictions.create": (r) =>
    r.deployments.predictions.create({
      deployment_owner: "acme",
      deployment_name: "image-upscaler",
      Prefer: "wait=60",
      "Cancel-After": "1h30m",
      body: {
        input: { image: "https://example.com/photo.png", scale: 4 },
        webhook: WEBHOOK,
        webhook_events_filter: ["start", "output", "logs", "completed"],
      },
    }),
  "files.list": (r) => r.files.list(),
  "files.create": (r) =>
    r.files.create({
      body: {
        content: new Blob(["hello, world\n"], { type: "text/plain" }),
        filename: "hello.txt",
        type: "text/plain",
        // No `metadata`: Prism cannot accept it in any form (see the test below).
      },
    }),
  "files.get": (r) => r.files.get({ file_id: "cneqzikepnug6xezperrr4z55o" }),
  "files.delete": (r) => r.files.delete({ file_id: "cneqzikepnug6xezperrr4z55o" }),
  "files.download": (r) =>
    r.files.download({
      file_id: "cneqzikepnug6xezperrr4z55o",
      owner: "acme",
      expiry: 1_708_515_345,
      signature: "7bS+2XkQ/y9oJZ7Zr0Z2d1c3k0Vq1m5uJ9u8kE1vQzA=",
    }),
  "hardware.list": (r) => r.hardware.list(),
  "models.list": (r) => r.models.list({ sort_by: "model_created_at", sort_direction: "asc" }),
  "models.create": (r) =>
    r.models.create({
      body: {
        owner: "acme",
        name: "hot-dog-detector",
        visibility: "private",
        hardware: "cpu",
        description: "Detect hot dogs in images",
        github_url: "https://github.com/acme/hot-dog-detector",
        paper_url: "https://arxiv.org/abs/2504.17639",
        license_url: "https://example.com/license",
        cover_image_url: "https://example.com/cover.png",
      },
    }),
  "models.get": (r) => r.models.get({ model_owner: "acme", model_name: "hot-dog-detector" }),
  "models.delete": (r) => r.models.delete({ model_owner: "acme", model_name: "hot-dog-detector" }),
  "models.update": (r) =>
    r.models.update({
      model_owner: "acme",
      model_name: "hot-dog-detector",
      body: {
        description: "Detect hot dogs in photos",
        readme: "# Hot dog detector\n\nIt detects hot dogs.",
        github_url: "https://github.com/acme/hot-dog-detector",
        paper_url: "https://arxiv.org/abs/2504.17639",
        license_url: "https://example.com/license",
        weights_url: "https://huggingface.co/acme/hot-dog-detector",
      },
    }),
  "models.examples.list": (r) => r.models.examples.list({ model_owner: "acme", model_name: "hot-dog-detector" }),
  "models.predictions.create": (r) =>
    r.models.predictions.create({
      model_owner: "black-forest-labs",
      model_name: "flux-schnell",
      Prefer: "wait",
      "Cancel-After": "90s",
      body: { input: { prompt: "a fox in the snow" }, webhook: WEBHOOK, webhook_events_filter: ["completed"] },
    }),
  "models.readme.get": (r) => r.models.readme.get({ model_owner: "acme", model_name: "hot-dog-detector" }),
  "models.versions.list": (r) => r.models.versions.list({ model_owner: "acme", model_name: "hot-dog-detector" }),
  "models.versions.get": (r) =>
    r.models.versions.get({ model_owner: "acme", model_name: "hot-dog-detector", version_id: VERSION }),
  "models.versions.delete": (r) =>
    r.models.versions.delete({ model_owner: "acme", model_name: "hot-dog-detector", version_id: VERSION }),
  "trainings.create": (r) =>
    r.trainings.create({
      model_owner: "ostris",
      model_name: "flux-dev-lora-trainer",
      version_id: VERSION,
      body: {
        destination: "acme/my-flux-lora",
        input: { input_images: "https://example.com/training-images.zip", steps: 1000 },
        webhook: WEBHOOK,
        webhook_events_filter: ["start", "completed"],
      },
    }),
  "predictions.list": (r) =>
    r.predictions.list({
      created_after: "2025-01-01T00:00:00Z",
      created_before: "2025-02-01T00:00:00Z",
      source: "web",
    }),
  "predictions.create": (r) =>
    r.predictions.create({
      Prefer: "wait=5",
      "Cancel-After": "5m",
      body: {
        version: VERSION,
        input: { prompt: "hi" },
        webhook: WEBHOOK,
        webhook_events_filter: ["start", "completed"],
      },
    }),
  "predictions.get": (r) => r.predictions.get({ prediction_id: "gm3qorzdhgbfurvjtvhg6dckhu" }),
  "predictions.cancel": (r) => r.predictions.cancel({ prediction_id: "gm3qorzdhgbfurvjtvhg6dckhu" }),
  search: (r) => r.search({ query: "nano banana", limit: 10 }),
  "trainings.list": (r) => r.trainings.list(),
  "trainings.get": (r) => r.trainings.get({ training_id: "zz4ibbonubfz7carwiefibzgga" }),
  "trainings.cancel": (r) => r.trainings.cancel({ training_id: "zz4ibbonubfz7carwiefibzgga" }),
  "webhooks.default.secret.get": (r) => r.webhooks.default.secret.get(),
};

/** What a call resolves to when it is not a parsed JSON object. */
const resolvesTo: Partial<Record<Covered, "array" | "string" | "Blob" | "undefined">> = {
  "hardware.list": "array",
  "models.readme.get": "string",
  "files.download": "Blob",
  "deployments.delete": "undefined",
  "files.delete": "undefined",
  "models.delete": "undefined",
  "models.versions.delete": "undefined",
};

/** One entry of the `validation` list in Prism's 422 body. */
interface Violation {
  location: string[];
  message: string;
}

function kind(value: unknown): string {
  if (value instanceof Blob) return "Blob";
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Why a call was refused, with Prism's violation list when it sent one. */
function refusal(id: string, error: unknown): string {
  if (isApiError(error)) return `${id}: Prism answered ${error.status}: ${error.body}`;
  return `${id} rejected: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
}

describe.runIf(hasSchema)("contract with Replicate's schema (Prism)", () => {
  let prism: Prism | undefined;
  let replicate: Replicate;

  beforeAll(async () => {
    prism = await startPrism(schemaPath);
    console.log(`Prism (pid ${prism.pid}) accepted connections after ${prism.startMs} ms at ${prism.origin}`);
    replicate = createReplicate({ auth: "r8_contract", baseUrl: prism.origin, retry: false });
  }, 60_000);

  afterAll(async () => {
    await prism?.stop();
  });

  test("the table covers every operation but models.search, and nothing else", () => {
    const expected = Object.keys(operationTable)
      .filter((id) => id !== "models.search")
      .sort();
    expect(Object.keys(calls).sort()).toEqual(expected);
    expect(expected).toHaveLength(36);
  });

  test.each(Object.entries(calls))("%s is a valid request by the schema", async (id, call) => {
    let result: unknown;
    try {
      result = await call(replicate);
    } catch (error) {
      expect.fail(refusal(id, error));
    }
    expect(kind(result), `${id} resolved to`).toBe(resolvesTo[id as Covered] ?? "object");
  });

  test("files.create with metadata: Prism's only complaint is its own limitation", async () => {
    // Prism reads every multipart part as a string and never decodes an object-typed one
    // as JSON (not even a part sent as application/json), so `metadata` always fails its
    // type check. The client sends it as JSON text, as Replicate's Python client does
    // (test/operations.test.ts checks those bytes). Everything else in the body must pass.
    const failure = await replicate.files
      .create({
        body: {
          content: new Blob(["hello, world\n"], { type: "text/plain" }),
          filename: "hello.txt",
          type: "text/plain",
          metadata: { purpose: "contract-test", attempt: 1 },
        },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isApiError(failure) && failure.status, "Prism now accepts metadata: add it to the table").toBe(422);
    const body = JSON.parse(isApiError(failure) ? failure.body : "{}") as { validation?: Violation[] };
    expect(body.validation?.map((v) => `${v.location.join(".")}: ${v.message}`)).toEqual([
      "body.metadata: Request body property metadata must be object",
    ]);
  });

  test("negative control: an invalid request gets Prism's 422, naming the bad Prefer header", async () => {
    // `wait=0` is outside the header's pattern `^wait(=([1-9]|[1-9][0-9]|60))?$`. Note that
    // this pattern lets through wait=61..99, so those would not do as a control.
    const { data, error, response } = await createApiClient(replicate).POST("/predictions", {
      body: {} as never,
      params: { header: { Prefer: "wait=0" } },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(422);
    const violations = (error as unknown as { validation?: Violation[] }).validation;
    expect(violations?.map((v) => v.location.join("."))).toEqual(expect.arrayContaining(["header.prefer", "body"]));
    expect(violations?.find((v) => v.location[0] === "header")?.message).toMatch(/prefer must match pattern/i);
  });

  test("negative control: a bad Prefer through an operation method rejects with Prism's violation", async () => {
    const failure = await replicate.predictions
      .create({ Prefer: "wait=0", body: { version: VERSION, input: {} } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isApiError(failure) && failure.status).toBe(422);
    expect(isApiError(failure) && failure.body).toMatch(/header parameter prefer must match pattern/);
  });
});
