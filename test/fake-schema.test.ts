// Every answer of the fake Replicate, checked against Replicate's own OpenAPI schema.
// Each of the 37 operations is called with a raw Request through `fake.fetch`, so the
// exact body is seen, after setting up what it needs; its 2xx body is validated with ajv
// against that operation's 2xx response schema (JSON), or checked as text/plain (readme),
// octet-stream (download) or empty (204/202). Job operations are checked in every state
// the fake can put a job in.
import { describe, expect, test, vi } from "vitest";
import { createFakeReplicate, type FakeReplicate } from "../src/testing/index.js";
import {
  createValidator,
  loadSchema,
  type OpenApiDocument,
  operationsOf,
  type ResponseValidator,
} from "./support/openapi-validate.js";

const loaded = loadSchema();
if ("reason" in loaded) console.warn(`fake-schema.test.ts: skipped, Replicate's schema is missing (${loaded.reason})`);
const doc = "doc" in loaded ? loaded.doc : undefined;

const API = "https://api.replicate.com/v1";
const V_ECHO = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";
const V_TRAINER = "b8f9c3a5e0d14a6f9c2e7d3b1a0f5e4c8d7b6a5f4e3d2c1b0a9f8e7d6c5b4a39";
const V_OLD = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface CallInit {
  json?: unknown;
  text?: string;
  form?: FormData;
  headers?: Record<string, string>;
}

/** One raw call to the fake, as the wire would carry it; `path` may be an absolute URL (a `next`). */
function caller(fake: FakeReplicate) {
  return (method: string, path: string, init: CallInit = {}): Promise<Response> => {
    const headers = new Headers({ authorization: "Bearer r8_test", ...init.headers });
    let body: BodyInit | undefined;
    if (init.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(init.json);
    } else if (init.text !== undefined) {
      headers.set("content-type", "text/plain");
      body = init.text;
    } else if (init.form) body = init.form;
    const url = path.startsWith("https:") ? path : `${API}${path}`;
    return fake.fetch(new Request(url, { method, headers, ...(body !== undefined && { body }) }));
  };
}

type Call = ReturnType<typeof caller>;

/** The first page of a list and, when there is one, the page its `next` points at. */
async function firstPages(call: Call, method: string, path: string, init: CallInit = {}) {
  const first = await call(method, path, init);
  const { next } = (await first.clone().json()) as { next?: string | null };
  const out: Record<string, Response> = { "page 1": first };
  if (next) out["page 2"] = await call(method, next, init);
  return out;
}

/** A fake with a bit of everything: models, an old version, a trainer, a deployment, a collection, a file. */
function seeded() {
  const fake = createFakeReplicate({
    startDelayMs: 1,
    pageSize: 3, // so that lists have a `next` and a `previous`
    webhookThrottleMs: 10,
    deliver: async () => new Response(),
  });
  const input = { type: "object", properties: { text: { type: "string" } } };
  fake.model("acme/echo", (i) => `old ${String(i.text)}`, { version: V_OLD, input });
  fake.model("acme/echo", (i) => `echo ${String(i.text)}`, { version: V_ECHO, input, output: { type: "string" } });
  fake.model(
    "acme/tokens",
    async function* () {
      yield "a";
      yield "b";
    },
    { output: { type: "array", items: { type: "string" }, "x-cog-array-type": "iterator" } },
  );
  fake.model(
    "acme/fails",
    () => {
      throw new Error("out of memory");
    },
    {},
  );
  fake.model(
    "acme/slow",
    (_i, ctx) =>
      new Promise((resolve) => {
        ctx.signal.addEventListener("abort", () => resolve("stopped"));
        setTimeout(() => resolve("late"), 2_000);
      }),
  );
  fake.model("acme/trainer", () => "base", {
    version: V_TRAINER,
    train: async (input, ctx) => {
      ctx.log("training");
      return (i: Record<string, unknown>) => `${String(input.style)} ${String(i.text)}`;
    },
  });
  fake.model("acme/slow-trainer", () => "base", {
    train: (_i, ctx) => new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve("stopped"))),
  });
  fake.model("me/dest", () => "untrained");
  fake.deployment("acme/echo-prod", "acme/echo");
  fake.collection("text-models", "Text models", ["acme/echo", "acme/tokens"]);
  for (let i = 0; i < 3; i++) fake.collection(`extra-${i}`, `Extra ${i}`, []);
  return { fake, call: caller(fake) };
}

async function until(what: string, check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

const statusOf = (fake: FakeReplicate, id: string) => fake.state.jobs.get(id)?.record.status;

async function idOf(response: Response | Promise<Response>): Promise<string> {
  const body = (await (await response).clone().json()) as { id: string };
  return body.id;
}

async function uploadFile(call: Call): Promise<Response> {
  const form = new FormData();
  form.append("content", new Blob(["hello, file"], { type: "text/plain" }), "hello.txt");
  form.append("filename", "hello.txt");
  form.append("type", "text/plain");
  form.append("metadata", JSON.stringify({ customer_reference_id: 123 }));
  return call("POST", "/files", { form });
}

/** Predictions in each state the fake produces, made with the three create operations. */
async function predictionsInEveryState(fake: FakeReplicate, call: Call) {
  const wait = { headers: { prefer: "wait=5" } };
  const samples: Record<string, Response> = {
    "starting (version route)": await call("POST", "/predictions", { json: { version: V_ECHO, input: { text: "a" } } }),
    "succeeded (version route, Prefer: wait)": await call("POST", "/predictions", {
      ...wait,
      json: { version: `acme/echo:${V_ECHO}`, input: { text: "b" } },
    }),
    "succeeded (model route, streamed tokens)": await call("POST", "/models/acme/tokens/predictions", {
      ...wait,
      json: { input: {}, stream: true },
    }),
    "failed (model route)": await call("POST", "/models/acme/fails/predictions", { ...wait, json: { input: {} } }),
    "succeeded (deployment route, webhook)": await call("POST", "/deployments/acme/echo-prod/predictions", {
      ...wait,
      json: { input: { text: "c" }, webhook: "https://example.com/hook", webhook_events_filter: ["completed"] },
    }),
  };
  const slow = await idOf(call("POST", "/models/acme/slow/predictions", { json: { input: {} } }));
  await until("processing", () => statusOf(fake, slow) === "processing");
  samples["processing (model route)"] = await call("GET", `/predictions/${slow}`);
  samples["canceled (cancel route)"] = await call("POST", `/predictions/${slow}/cancel`);
  return samples;
}

/** What each operation answers: a label per sample, for the failure message. */
type Walk = (fake: FakeReplicate, call: Call) => Promise<Record<string, Response>>;

const WALK: Record<string, Walk> = {
  "account.get": async (_f, call) => ({ account: await call("GET", "/account") }),
  "collections.list": async (_f, call) => firstPages(call, "GET", "/collections"),
  "collections.get": async (_f, call) => ({ collection: await call("GET", "/collections/text-models") }),
  "deployments.list": async (fake, call) => {
    await call("POST", "/deployments", {
      json: {
        name: "second",
        model: "acme/echo",
        version: V_ECHO,
        hardware: "cpu",
        min_instances: 0,
        max_instances: 2,
      },
    });
    await call("POST", "/deployments", {
      json: { name: "third", model: "acme/echo", version: V_OLD, hardware: "cpu", min_instances: 0, max_instances: 1 },
    });
    fake.deployment("acme/fourth", "acme/slow");
    return firstPages(call, "GET", "/deployments");
  },
  "deployments.create": async (_f, call) => ({
    created: await call("POST", "/deployments", {
      json: {
        name: "new-one",
        model: "acme/echo",
        version: V_ECHO,
        hardware: "gpu-t4",
        min_instances: 0,
        max_instances: 3,
      },
    }),
  }),
  "deployments.get": async (_f, call) => ({ deployment: await call("GET", "/deployments/acme/echo-prod") }),
  "deployments.delete": async (_f, call) => ({ deleted: await call("DELETE", "/deployments/acme/echo-prod") }),
  "deployments.update": async (_f, call) => ({
    updated: await call("PATCH", "/deployments/acme/echo-prod", { json: { min_instances: 1, max_instances: 4 } }),
  }),
  "deployments.predictions.create": async (_f, call) => ({
    starting: await call("POST", "/deployments/acme/echo-prod/predictions", { json: { input: { text: "x" } } }),
    succeeded: await call("POST", "/deployments/acme/echo-prod/predictions", {
      headers: { prefer: "wait=5" },
      json: { input: { text: "y" } },
    }),
  }),
  "files.list": async (_f, call) => {
    for (let i = 0; i < 4; i++) await uploadFile(call);
    return firstPages(call, "GET", "/files");
  },
  "files.create": async (_f, call) => ({ created: await uploadFile(call) }),
  "files.get": async (_f, call) => ({ file: await call("GET", `/files/${await idOf(uploadFile(call))}`) }),
  "files.delete": async (_f, call) => ({ deleted: await call("DELETE", `/files/${await idOf(uploadFile(call))}`) }),
  "files.download": async (_f, call) => {
    const id = await idOf(uploadFile(call));
    return { bytes: await call("GET", `/files/${id}/download?owner=fake&expiry=1708515345&signature=c2ln`) };
  },
  "hardware.list": async (_f, call) => ({ hardware: await call("GET", "/hardware") }),
  "models.list": async (_f, call) => {
    await call("POST", "/models", { json: { owner: "me", name: "empty", visibility: "private", hardware: "cpu" } });
    return {
      ...(await firstPages(call, "GET", "/models")),
      sorted: await call("GET", "/models?sort_by=model_created_at&sort_direction=asc"),
    };
  },
  "models.create": async (_f, call) => ({
    created: await call("POST", "/models", {
      json: { owner: "me", name: "new-model", description: "A new model", visibility: "public", hardware: "cpu" },
    }),
  }),
  "models.search": async (_f, call) => firstPages(call, "QUERY", "/models", { text: "acme" }),
  "models.get": async (_f, call) => ({
    "with versions": await call("GET", "/models/acme/echo"),
    trainer: await call("GET", "/models/acme/trainer"),
  }),
  "models.delete": async (_f, call) => {
    await call("POST", "/models", { json: { owner: "me", name: "doomed", visibility: "private", hardware: "cpu" } });
    return { deleted: await call("DELETE", "/models/me/doomed") };
  },
  "models.update": async (_f, call) => ({
    updated: await call("PATCH", "/models/acme/echo", { json: { description: "Echoes, louder" } }),
  }),
  "models.examples.list": async (_f, call) => ({ page: await call("GET", "/models/acme/echo/examples") }),
  "models.predictions.create": async (_f, call) => ({
    starting: await call("POST", "/models/acme/echo/predictions", { json: { input: { text: "x" } } }),
    succeeded: await call("POST", "/models/acme/echo/predictions", {
      headers: { prefer: "wait=5" },
      json: { input: { text: "y" } },
    }),
  }),
  "models.readme.get": async (_f, call) => ({ readme: await call("GET", "/models/acme/echo/readme") }),
  "models.versions.list": async (fake, call) => {
    fake.model("acme/echo", () => "third", { version: "a".repeat(64) });
    fake.model("acme/echo", () => "fourth", { version: "b".repeat(64) });
    return firstPages(call, "GET", "/models/acme/echo/versions");
  },
  "models.versions.get": async (_f, call) => ({ version: await call("GET", `/models/acme/echo/versions/${V_ECHO}`) }),
  "models.versions.delete": async (_f, call) => ({
    deleted: await call("DELETE", `/models/acme/echo/versions/${V_OLD}`),
  }),
  "trainings.create": async (_f, call) => ({
    starting: await call("POST", `/models/acme/trainer/versions/${V_TRAINER}/trainings`, {
      json: { destination: "me/dest", input: { style: "loud" } },
    }),
  }),
  "predictions.list": async (fake, call) => {
    await predictionsInEveryState(fake, call);
    return firstPages(call, "GET", "/predictions");
  },
  "predictions.create": async (_f, call) => ({
    starting: await call("POST", "/predictions", { json: { version: V_ECHO, input: { text: "x" } } }),
    succeeded: await call("POST", "/predictions", {
      headers: { prefer: "wait=5" },
      json: { version: `acme/echo:${V_ECHO}`, input: { text: "y" } },
    }),
    failed: await call("POST", "/predictions", {
      headers: { prefer: "wait=5" },
      json: { version: "acme/fails", input: {} },
    }),
  }),
  "predictions.get": async (fake, call) => {
    const samples = await predictionsInEveryState(fake, call);
    const out: Record<string, Response> = {};
    for (const [label, response] of Object.entries(samples)) {
      out[label] = await call("GET", `/predictions/${await idOf(response)}`);
    }
    return out;
  },
  "predictions.cancel": async (fake, call) => {
    const starting = await idOf(call("POST", "/models/acme/slow/predictions", { json: { input: {} } }));
    const running = await idOf(call("POST", "/models/acme/slow/predictions", { json: { input: {} } }));
    await until("processing", () => statusOf(fake, running) === "processing");
    const done = await idOf(
      call("POST", "/models/acme/echo/predictions", { headers: { prefer: "wait=5" }, json: { input: {} } }),
    );
    return {
      "canceled while starting": await call("POST", `/predictions/${starting}/cancel`),
      "canceled while processing": await call("POST", `/predictions/${running}/cancel`),
      "already succeeded": await call("POST", `/predictions/${done}/cancel`),
    };
  },
  search: async (_f, call) => ({
    results: await call("GET", "/search?query=echo"),
    limited: await call("GET", "/search?query=acme&limit=1"),
  }),
  "trainings.list": async (fake, call) => {
    const id = await idOf(
      call("POST", `/models/acme/trainer/versions/${V_TRAINER}/trainings`, {
        json: { destination: "me/dest", input: {} },
      }),
    );
    await until("training done", () => statusOf(fake, id) === "succeeded");
    for (let i = 0; i < 3; i++) {
      await call("POST", `/models/acme/trainer/versions/${V_TRAINER}/trainings`, {
        json: { destination: "me/dest", input: {} },
      });
    }
    return firstPages(call, "GET", "/trainings");
  },
  "trainings.get": async (fake, call) => {
    const id = await idOf(
      call("POST", `/models/acme/trainer/versions/${V_TRAINER}/trainings`, {
        json: { destination: "me/dest", input: { style: "soft" }, webhook: "https://example.com/hook" },
      }),
    );
    const starting = await call("GET", `/trainings/${id}`);
    await until("training done", () => statusOf(fake, id) === "succeeded");
    return { starting, succeeded: await call("GET", `/trainings/${id}`) };
  },
  "trainings.cancel": async (fake, call) => {
    const slow = fake.state.models.get("acme/slow-trainer")?.versions[0]?.id ?? "";
    const id = await idOf(
      call("POST", `/models/acme/slow-trainer/versions/${slow}/trainings`, {
        json: { destination: "me/dest", input: {} },
      }),
    );
    await until("processing", () => statusOf(fake, id) === "processing");
    return { canceled: await call("POST", `/trainings/${id}/cancel`) };
  },
  "webhooks.default.secret.get": async (_f, call) => ({ secret: await call("GET", "/webhooks/default/secret") }),
};

/** Validate every sample; the returned lines are the mismatches, prefixed by the sample's label. */
async function mismatches(validator: ResponseValidator, operationId: string, samples: Record<string, Response>) {
  const problems: string[] = [];
  for (const [label, response] of Object.entries(samples)) {
    const text = await response.text();
    if (!response.ok) {
      problems.push(`${label}: status ${response.status}: ${text.slice(0, 200)}`);
      continue;
    }
    const declared = validator.schemaFor(operationId, response.status);
    if (!declared) {
      problems.push(`${label}: status ${response.status} is not a declared response`);
      continue;
    }
    const type = response.headers.get("content-type") ?? "";
    if (!declared.contentType) {
      if (text !== "") problems.push(`${label}: expected an empty body, got ${JSON.stringify(text.slice(0, 80))}`);
      continue;
    }
    if (!type.startsWith(declared.contentType)) {
      problems.push(`${label}: content-type ${JSON.stringify(type)}, expected ${declared.contentType}`);
    }
    if (declared.contentType !== "application/json") continue; // text/plain and octet-stream: checked by the caller
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      problems.push(`${label}: not JSON: ${text.slice(0, 80)}`);
      continue;
    }
    for (const line of validator.check(operationId, response.status, body)) problems.push(`${label}: ${line}`);
    // An empty list validates trivially: make sure every list had something to check
    // (the fake has no way to register examples, so that page is always empty).
    const items =
      (body as { results?: unknown[]; models?: unknown[] } | null)?.results ?? (body as { models?: unknown[] })?.models;
    if (Array.isArray(items) && items.length === 0 && operationId !== "models.examples.list") {
      problems.push(`${label}: an empty list, nothing was validated`);
    }
  }
  return problems;
}

/**
 * Where the answers recorded from api.replicate.com depart from the schema, the fake follows
 * the recordings (../shared/REPLICATE-API.md, "What real responses carry beyond the
 * schema"): these fields are null there, though the schema does not declare them nullable.
 * Named one by one, so that no other field gets the same leniency.
 */
const RECORDED_NULLS: Record<string, string[]> = {
  schemas_prediction_response: ["logs"], // a job that has logged nothing
  schemas_training_response: ["logs", "output", "completed_at"], // and a training not yet finished
};

function withRecordedNulls(schema: OpenApiDocument): OpenApiDocument {
  const copy = structuredClone(schema);
  for (const [name, fields] of Object.entries(RECORDED_NULLS)) {
    const properties = (copy.components.schemas[name] as { properties?: Record<string, object> } | undefined)
      ?.properties;
    for (const field of fields) if (properties?.[field]) properties[field] = { ...properties[field], nullable: true };
  }
  return copy;
}

describe.runIf(doc !== undefined)("the fake's answers match Replicate's OpenAPI schema", () => {
  // The suite's body is still collected when it is skipped: an empty document keeps that harmless.
  const schema = doc ?? { paths: {}, components: { schemas: {} } };
  const validator = createValidator(withRecordedNulls(schema));
  const ids = operationsOf(schema).map((op) => op.operationId);

  test("the walk covers every operation of the schema, and nothing else", () => {
    expect(ids).toHaveLength(37);
    expect(new Set(ids).size).toBe(37);
    expect(Object.keys(WALK).sort()).toEqual([...ids].sort());
  });

  test("the validator itself: nullable, $ref and formats are honoured, and bad bodies are caught", () => {
    const prediction = {
      id: "p1",
      model: "acme/echo",
      version: V_ECHO,
      input: {},
      output: null,
      data_removed: false,
      error: null,
      status: "succeeded",
      created_at: "2025-01-01T00:00:00.000Z",
      urls: { web: "https://replicate.com/p/p1", get: `${API}/predictions/p1`, cancel: `${API}/predictions/p1/cancel` },
    };
    expect(validator.check("predictions.get", 200, prediction)).toEqual([]);
    expect(validator.check("predictions.get", 200, { ...prediction, status: "done" })).toEqual([
      "/status must be equal to one of the allowed values",
    ]);
    expect(validator.check("predictions.get", 200, { ...prediction, error: 3 })).toEqual([
      "/error must be string,null",
    ]);
    expect(validator.check("predictions.get", 200, { ...prediction, created_at: "yesterday" })).toEqual([
      '/created_at must match format "date-time"',
    ]);
    // Through a $ref into an array of $refs, with nullable fields.
    const model = {
      owner: "a",
      name: "b",
      url: "https://replicate.com/a/b",
      cover_image_url: null,
      latest_version: null,
    };
    expect(validator.check("models.list", 200, { next: null, previous: null, results: [model] })).toEqual([]);
    expect(
      validator.check("models.list", 200, {
        next: null,
        previous: null,
        results: [{ ...model, visibility: "secret" }],
      }),
    ).toEqual(["/results/0/visibility must be equal to one of the allowed values"]);
    expect(validator.check("models.get", 200, { ...model, url: "not a url" })).toEqual([
      '/url must match format "uri"',
    ]);
    expect(validator.check("files.create", 201, {})).toHaveLength(8); // every required field missing
    expect(validator.check("predictions.get", 404, {})).toEqual(["predictions.get: no 404 response in the schema"]);
  });

  for (const id of ids) {
    test(`${id}: 2xx answers validate`, async () => {
      const { fake, call } = seeded();
      const walk = WALK[id];
      if (!walk) throw new Error(`no walk for ${id}`);
      const samples = await walk(fake, call);
      expect(Object.keys(samples).length).toBeGreaterThan(0);
      expect(await mismatches(validator, id, samples)).toEqual([]);
    });
  }

  test("an aborted prediction (Cancel-After passed before it started) validates", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const fake = createFakeReplicate({ startDelayMs: 60_000 });
      fake.model("acme/echo", () => "x");
      const call = caller(fake);
      const created = await call("POST", "/models/acme/echo/predictions", {
        headers: { "cancel-after": "5s" },
        json: { input: {} },
      });
      const id = await idOf(created);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(statusOf(fake, id)).toBe("aborted");
      const errors = [
        ...(await mismatches(validator, "models.predictions.create", { created })),
        ...(await mismatches(validator, "predictions.get", { aborted: await call("GET", `/predictions/${id}`) })),
      ];
      expect(errors).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  test("models.readme.get is the model's markdown as text/plain", async () => {
    const { call } = seeded();
    const response = await call("GET", "/models/acme/echo/readme");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toMatch(/^# acme\/echo\n/);
  });

  test("files.download is the uploaded bytes as application/octet-stream", async () => {
    const { call } = seeded();
    const file = (await (await uploadFile(call)).json()) as { id: string; size: number };
    const response = await call("GET", `/files/${file.id}/download?owner=fake&expiry=1708515345&signature=c2ln`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(new TextDecoder().decode(bytes)).toBe("hello, file");
    expect(bytes.length).toBe(file.size);
  });

  test("the declared error answers (404 for files and readme) match their schemas", async () => {
    const { call } = seeded();
    const answers: [string, number, Response][] = [
      ["files.get", 404, await call("GET", "/files/nope")],
      ["files.delete", 404, await call("DELETE", "/files/nope")],
      ["files.download", 404, await call("GET", "/files/nope/download?owner=a&expiry=1&signature=s")],
      ["models.readme.get", 404, await call("GET", "/models/acme/nope/readme")],
    ];
    for (const [id, status, response] of answers) {
      expect(response.status, id).toBe(status);
      const text = await response.text();
      const declared = validator.schemaFor(id, status);
      if (declared?.contentType) {
        expect(response.headers.get("content-type"), id).toBe(declared.contentType);
        expect(validator.check(id, status, JSON.parse(text)), id).toEqual([]);
      }
    }
  });

  // The schema declares application/json (not problem+json) for search's 400.
  test("search without a query answers 400 with the declared content type", async () => {
    const { call } = seeded();
    const response = await call("GET", "/search?query=");
    expect(response.status).toBe(400);
    expect(validator.check("search", 400, await response.clone().json())).toEqual([]);
    expect(response.headers.get("content-type")).toBe(validator.schemaFor("search", 400)?.contentType);
  });
});
