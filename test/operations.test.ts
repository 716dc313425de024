// Every operation, called through its method and checked on the wire with nock: method,
// exact path and query, headers, body, and what the call resolves to. The expected wire
// values are written out by hand, never derived from the generated operation table, so
// a wrong row in that table (or in the generator) shows up here.
import nock from "nock";
import { describe, expect, test } from "vitest";
import {
  ApiError,
  createReplicate,
  InputError,
  isInputError,
  operationTable,
  type Replicate,
  ReplicateError,
} from "../src/index.js";
import { record, type Seen, watchUnmatched } from "./support/nock-recorder.js";

const ORIGIN = "https://api.replicate.com";
const AUTH = "Bearer r8_test";

const replicate = createReplicate({ auth: "r8_test", retry: false });

// ---------------------------------------------------------------------------------------
// Capturing what reached the server
// ---------------------------------------------------------------------------------------

interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  bytes?: Uint8Array;
  headers?: Record<string, string>;
}

/**
 * One interceptor for `method` that accepts any path, records the request and answers
 * with `reply`. Accepting any path lets the test compare the recorded path against the
 * expected one with a readable diff, instead of nock failing with "no match".
 */
function serve(method: string, reply: Reply, times = 1): Seen[] {
  const scope = nock(ORIGIN)
    .intercept(() => true, method)
    .times(times)
    .reply(() => {
      if (reply.json !== undefined) {
        return [reply.status, JSON.stringify(reply.json), { "content-type": "application/json", ...reply.headers }];
      }
      if (reply.bytes !== undefined) return [reply.status, Buffer.from(reply.bytes), reply.headers ?? {}];
      return [reply.status, reply.text ?? "", reply.headers ?? {}];
    });
  return record(scope, []);
}

/** Any request nock could not match (with net connect disabled, none may go out). */
const unmatched = watchUnmatched();

/** The headers these tests care about; an absent one is `undefined`. */
const RELEVANT = ["authorization", "content-type", "prefer", "cancel-after"] as const;
function relevantHeaders(headers: Seen["headers"]): Record<string, unknown> {
  return Object.fromEntries(RELEVANT.map((name) => [name, headers[name]]));
}

interface Part {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  content: string;
}

/** A small multipart/form-data parser, strict about the framing. */
function parseMultipart(raw: string, contentType: unknown): Part[] {
  const boundary = /^multipart\/form-data; boundary=(\S+)$/.exec(String(contentType))?.[1];
  if (!boundary) throw new Error(`not a multipart content type: ${String(contentType)}`);
  const segments = raw.split(`--${boundary}`);
  expect(segments[0], "nothing before the first boundary").toBe("");
  expect(segments.at(-1), "closing boundary").toBe("--\r\n");
  return segments.slice(1, -1).map((segment) => {
    expect(segment.startsWith("\r\n") && segment.endsWith("\r\n"), "part framing").toBe(true);
    const inner = segment.slice(2, -2);
    const split = inner.indexOf("\r\n\r\n");
    const head = inner.slice(0, split).split("\r\n");
    const content = inner.slice(split + 4);
    const disposition = head.find((h) => /^content-disposition:/i.test(h)) ?? "";
    const match = /^content-disposition: form-data; name="([^"]*)"(?:; filename="([^"]*)")?$/i.exec(disposition);
    if (!match) throw new Error(`bad part head: ${head.join(" | ")}`);
    const type = head.find((h) => /^content-type:/i.test(h));
    return {
      name: match[1] as string,
      filename: match[2],
      contentType: type?.replace(/^content-type:\s*/i, ""),
      content,
    };
  });
}

/** Wraps the client so that each method call records the dotted name it was reached by. */
function tracked(target: object, log: string[], path: string[] = []): Replicate {
  return new Proxy(target, {
    get(obj, key) {
      const value: unknown = Reflect.get(obj, key);
      const name = [...path, String(key)];
      if (typeof value === "function") {
        return (...args: unknown[]) => {
          log.push(name.join("."));
          return (value as (...a: unknown[]) => unknown).apply(obj, args);
        };
      }
      if (typeof value === "object" && value !== null) return tracked(value, log, name);
      return value;
    },
  }) as Replicate;
}

// ---------------------------------------------------------------------------------------
// The 37 operations
// ---------------------------------------------------------------------------------------

type ExpectedBody =
  | { none: true }
  | { json: unknown }
  | { text: string }
  | { multipart: Array<Omit<Part, "filename" | "contentType"> & Partial<Pick<Part, "filename" | "contentType">>> };

interface Case {
  id: string;
  call: (r: Replicate) => Promise<unknown>;
  method: string;
  /** Path and query exactly as they must appear on the wire. */
  path: string;
  /** Expected `content-type`, `prefer`, `cancel-after` (authorization is always checked). */
  headers?: { "content-type"?: unknown; prefer?: string; "cancel-after"?: string };
  body: ExpectedBody;
  reply: Reply;
  /** What the call resolves to; by default the JSON that was replied. */
  resolves?: { undefined: true } | { text: string } | { blob: { bytes: number[]; type: string } };
}

const JSON_CT = { "content-type": "application/json" };

const prediction = (id: string, status = "starting") => ({
  id,
  model: "black-forest-labs/flux-schnell",
  version: "hidden",
  input: { prompt: "an astronaut riding a horse" },
  status,
  created_at: "2025-01-01T00:00:00.000Z",
  data_removed: false,
  error: null,
  urls: {
    get: `https://api.replicate.com/v1/predictions/${id}`,
    cancel: `https://api.replicate.com/v1/predictions/${id}/cancel`,
    web: `https://replicate.com/p/${id}`,
  },
});
const training = (id: string, status = "starting") => ({
  id,
  model: "acme/base",
  version: "v1",
  status,
  input: { steps: 100 },
});
const model = (owner: string, name: string) => ({ owner, name, visibility: "public", run_count: 42 });
const deployment = (owner: string, name: string) => ({
  owner,
  name,
  current_release: { number: 1, model: "acme/base", version: "v1", configuration: { hardware: "gpu-t4" } },
});
const file = (id: string) => ({
  id,
  content_type: "text/plain",
  size: 12,
  checksums: { sha256: "abc" },
  metadata: { purpose: "test" },
  created_at: "2025-01-01T00:00:00Z",
  expires_at: "2025-01-02T00:00:00Z",
  urls: { get: `https://api.replicate.com/v1/files/${id}` },
});
const page = <T>(results: T[]) => ({ next: null, previous: null, results });
const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x00, 0xff];

const cases: Case[] = [
  {
    id: "account.get",
    call: (r) => r.account.get(),
    method: "GET",
    path: "/v1/account",
    body: { none: true },
    reply: { status: 200, json: { type: "user", username: "alice", name: "Alice" } },
  },
  {
    id: "collections.list",
    call: (r) => r.collections.list(),
    method: "GET",
    path: "/v1/collections",
    body: { none: true },
    reply: { status: 200, json: page([{ slug: "super-resolution", name: "Super resolution", description: "d" }]) },
  },
  {
    id: "collections.get",
    call: (r) => r.collections.get({ collection_slug: "super resolution" }),
    method: "GET",
    path: "/v1/collections/super%20resolution",
    body: { none: true },
    reply: { status: 200, json: { slug: "super-resolution", name: "Super resolution", description: "d", models: [] } },
  },
  {
    id: "deployments.list",
    call: (r) => r.deployments.list(),
    method: "GET",
    path: "/v1/deployments",
    body: { none: true },
    reply: { status: 200, json: page([deployment("acme", "my-app")]) },
  },
  {
    id: "deployments.create",
    call: (r) =>
      r.deployments.create({
        body: {
          name: "my-app",
          model: "acme/base",
          version: "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa",
          hardware: "gpu-t4",
          min_instances: 0,
          max_instances: 3,
        },
      }),
    method: "POST",
    path: "/v1/deployments",
    headers: JSON_CT,
    body: {
      json: {
        name: "my-app",
        model: "acme/base",
        version: "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa",
        hardware: "gpu-t4",
        min_instances: 0,
        max_instances: 3,
      },
    },
    reply: { status: 200, json: deployment("acme", "my-app") },
  },
  {
    id: "deployments.get",
    call: (r) => r.deployments.get({ deployment_owner: "acme", deployment_name: "my app" }),
    method: "GET",
    path: "/v1/deployments/acme/my%20app",
    body: { none: true },
    reply: { status: 200, json: deployment("acme", "my app") },
  },
  {
    id: "deployments.delete",
    call: (r) => r.deployments.delete({ deployment_owner: "acme", deployment_name: "my-app" }),
    method: "DELETE",
    path: "/v1/deployments/acme/my-app",
    body: { none: true },
    reply: { status: 204 },
    resolves: { undefined: true },
  },
  {
    id: "deployments.update",
    call: (r) =>
      r.deployments.update({
        deployment_owner: "acme",
        deployment_name: "my-app",
        body: { min_instances: 1, max_instances: 5 },
      }),
    method: "PATCH",
    path: "/v1/deployments/acme/my-app",
    headers: JSON_CT,
    body: { json: { min_instances: 1, max_instances: 5 } },
    reply: { status: 200, json: deployment("acme", "my-app") },
  },
  {
    id: "deployments.predictions.create",
    call: (r) =>
      r.deployments.predictions.create({
        deployment_owner: "acme",
        deployment_name: "my-app",
        Prefer: "wait=5",
        "Cancel-After": "5m",
        body: { input: { prompt: "hi" }, webhook: "https://example.com/hook", webhook_events_filter: ["completed"] },
      }),
    method: "POST",
    path: "/v1/deployments/acme/my-app/predictions",
    headers: { ...JSON_CT, prefer: "wait=5", "cancel-after": "5m" },
    body: {
      json: { input: { prompt: "hi" }, webhook: "https://example.com/hook", webhook_events_filter: ["completed"] },
    },
    reply: { status: 201, json: prediction("dp1", "succeeded") },
  },
  {
    id: "files.list",
    call: (r) => r.files.list(),
    method: "GET",
    path: "/v1/files",
    body: { none: true },
    reply: { status: 200, json: page([file("f1")]) },
  },
  {
    id: "files.create",
    call: (r) =>
      r.files.create({
        body: {
          content: new Blob(["hello world\n"], { type: "text/plain" }),
          filename: "hello.txt",
          type: "text/plain",
          metadata: { purpose: "test", n: 1 },
        },
      }),
    method: "POST",
    path: "/v1/files",
    headers: { "content-type": expect.stringMatching(/^multipart\/form-data; boundary=\S+$/) },
    body: {
      multipart: [
        { name: "content", filename: "hello.txt", contentType: "text/plain", content: "hello world\n" },
        { name: "filename", content: "hello.txt" },
        { name: "type", content: "text/plain" },
        { name: "metadata", content: '{"purpose":"test","n":1}' },
      ],
    },
    reply: { status: 201, json: file("f1") },
  },
  {
    id: "files.get",
    call: (r) => r.files.get({ file_id: "dir/f1" }),
    method: "GET",
    path: "/v1/files/dir%2Ff1",
    body: { none: true },
    reply: { status: 200, json: file("dir/f1") },
  },
  {
    id: "files.delete",
    call: (r) => r.files.delete({ file_id: "f1" }),
    method: "DELETE",
    path: "/v1/files/f1",
    body: { none: true },
    reply: { status: 204 },
    resolves: { undefined: true },
  },
  {
    id: "files.download",
    call: (r) => r.files.download({ file_id: "f1", owner: "alice&bob", expiry: 1735689600, signature: "ab+c/d==" }),
    method: "GET",
    path: "/v1/files/f1/download?owner=alice%26bob&expiry=1735689600&signature=ab%2Bc%2Fd%3D%3D",
    body: { none: true },
    reply: { status: 200, bytes: new Uint8Array(PNG_BYTES), headers: { "content-type": "image/png" } },
    resolves: { blob: { bytes: PNG_BYTES, type: "image/png" } },
  },
  {
    id: "hardware.list",
    call: (r) => r.hardware.list(),
    method: "GET",
    path: "/v1/hardware",
    body: { none: true },
    reply: {
      status: 200,
      json: [
        { name: "CPU", sku: "cpu" },
        { name: "Nvidia T4 GPU", sku: "gpu-t4" },
      ],
    },
  },
  {
    id: "models.list",
    call: (r) => r.models.list({ sort_by: "model_created_at", sort_direction: "asc" }),
    method: "GET",
    path: "/v1/models?sort_by=model_created_at&sort_direction=asc",
    body: { none: true },
    reply: { status: 200, json: page([model("acme", "base")]) },
  },
  {
    id: "models.create",
    call: (r) =>
      r.models.create({
        body: {
          owner: "acme",
          name: "hot-dog",
          visibility: "private",
          hardware: "cpu",
          description: "Detect hot dogs",
        },
      }),
    method: "POST",
    path: "/v1/models",
    headers: JSON_CT,
    body: {
      json: { owner: "acme", name: "hot-dog", visibility: "private", hardware: "cpu", description: "Detect hot dogs" },
    },
    reply: { status: 201, json: model("acme", "hot-dog") },
  },
  {
    id: "models.search",
    call: (r) => r.models.search({ body: "upscale faces, 4x" }),
    method: "QUERY",
    path: "/v1/models",
    headers: { "content-type": "text/plain" },
    body: { text: "upscale faces, 4x" },
    reply: { status: 200, json: page([model("acme", "upscaler")]) },
  },
  {
    id: "models.get",
    call: (r) => r.models.get({ model_owner: "acme", model_name: "hot-dog" }),
    method: "GET",
    path: "/v1/models/acme/hot-dog",
    body: { none: true },
    reply: { status: 200, json: model("acme", "hot-dog") },
  },
  {
    id: "models.delete",
    call: (r) => r.models.delete({ model_owner: "acme", model_name: "hot-dog" }),
    method: "DELETE",
    path: "/v1/models/acme/hot-dog",
    body: { none: true },
    reply: { status: 204 },
    resolves: { undefined: true },
  },
  {
    id: "models.update",
    call: (r) =>
      r.models.update({ model_owner: "acme", model_name: "hot-dog", body: { description: "New", readme: "# Hi" } }),
    method: "PATCH",
    path: "/v1/models/acme/hot-dog",
    headers: JSON_CT,
    body: { json: { description: "New", readme: "# Hi" } },
    reply: { status: 200, json: model("acme", "hot-dog") },
  },
  {
    id: "models.examples.list",
    call: (r) => r.models.examples.list({ model_owner: "acme", model_name: "hot-dog" }),
    method: "GET",
    path: "/v1/models/acme/hot-dog/examples",
    body: { none: true },
    reply: { status: 200, json: page([prediction("ex1", "succeeded")]) },
  },
  {
    id: "models.predictions.create",
    call: (r) =>
      r.models.predictions.create({
        model_owner: "black-forest-labs",
        model_name: "flux-schnell",
        Prefer: "wait=60",
        "Cancel-After": "1h30m",
        body: { input: { prompt: "an astronaut riding a horse" } },
      }),
    method: "POST",
    path: "/v1/models/black-forest-labs/flux-schnell/predictions",
    headers: { ...JSON_CT, prefer: "wait=60", "cancel-after": "1h30m" },
    body: { json: { input: { prompt: "an astronaut riding a horse" } } },
    reply: { status: 202, json: prediction("mp1", "processing") },
  },
  {
    id: "models.readme.get",
    call: (r) => r.models.readme.get({ model_owner: "acme", model_name: "hot-dog" }),
    method: "GET",
    path: "/v1/models/acme/hot-dog/readme",
    body: { none: true },
    reply: {
      status: 200,
      text: "# Hot dog\n\nDetects hot dogs. ünïcödé ✓\n",
      headers: { "content-type": "text/plain" },
    },
    resolves: { text: "# Hot dog\n\nDetects hot dogs. ünïcödé ✓\n" },
  },
  {
    id: "models.versions.list",
    call: (r) => r.models.versions.list({ model_owner: "acme", model_name: "hot-dog" }),
    method: "GET",
    path: "/v1/models/acme/hot-dog/versions",
    body: { none: true },
    reply: { status: 200, json: page([{ id: "v1", cog_version: "0.16.7", created_at: "2025-01-01T00:00:00Z" }]) },
  },
  {
    id: "models.versions.get",
    call: (r) => r.models.versions.get({ model_owner: "acme", model_name: "hot dog", version_id: "v1" }),
    method: "GET",
    path: "/v1/models/acme/hot%20dog/versions/v1",
    body: { none: true },
    reply: { status: 200, json: { id: "v1", cog_version: "0.16.7", openapi_schema: {} } },
  },
  {
    id: "models.versions.delete",
    call: (r) => r.models.versions.delete({ model_owner: "acme", model_name: "hot-dog", version_id: "v1" }),
    method: "DELETE",
    path: "/v1/models/acme/hot-dog/versions/v1",
    body: { none: true },
    // Documented as 202 with no body; anything sent anyway is discarded.
    reply: { status: 202, json: { detail: "deletion scheduled" } },
    resolves: { undefined: true },
  },
  {
    id: "trainings.create",
    call: (r) =>
      r.trainings.create({
        model_owner: "acme",
        model_name: "base",
        version_id: "v1",
        body: { destination: "acme/tuned", input: { steps: 100 }, webhook: "https://example.com/hook" },
      }),
    method: "POST",
    path: "/v1/models/acme/base/versions/v1/trainings",
    headers: JSON_CT,
    body: { json: { destination: "acme/tuned", input: { steps: 100 }, webhook: "https://example.com/hook" } },
    reply: { status: 201, json: training("t1") },
  },
  {
    id: "predictions.list",
    call: (r) =>
      r.predictions.list({
        created_after: "2025-01-01T00:00:00Z",
        created_before: "2025-02-01T00:00:00+01:00",
        source: "web",
      }),
    method: "GET",
    path: "/v1/predictions?created_after=2025-01-01T00%3A00%3A00Z&created_before=2025-02-01T00%3A00%3A00%2B01%3A00&source=web",
    body: { none: true },
    reply: { status: 200, json: page([prediction("p1", "succeeded")]) },
  },
  {
    id: "predictions.create",
    call: (r) =>
      r.predictions.create({
        Prefer: "wait",
        "Cancel-After": "30s",
        body: { version: "acme/base:v1", input: { text: "Alice" } },
      }),
    method: "POST",
    path: "/v1/predictions",
    headers: { ...JSON_CT, prefer: "wait", "cancel-after": "30s" },
    body: { json: { version: "acme/base:v1", input: { text: "Alice" } } },
    reply: { status: 201, json: prediction("p1") },
  },
  {
    id: "predictions.get",
    call: (r) => r.predictions.get({ prediction_id: "gm3qorzdhgbfurvjtvhg6dckhu" }),
    method: "GET",
    path: "/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu",
    body: { none: true },
    reply: { status: 200, json: prediction("gm3qorzdhgbfurvjtvhg6dckhu", "succeeded") },
  },
  {
    id: "predictions.cancel",
    call: (r) => r.predictions.cancel({ prediction_id: "p1" }),
    method: "POST",
    path: "/v1/predictions/p1/cancel",
    body: { none: true },
    reply: { status: 200, json: prediction("p1", "canceled") },
  },
  {
    id: "search",
    call: (r) => r.search({ query: "nano banana", limit: 5 }),
    method: "GET",
    path: "/v1/search?query=nano%20banana&limit=5",
    body: { none: true },
    reply: { status: 200, json: { query: "nano banana", models: [], collections: [], pages: [] } },
  },
  {
    id: "trainings.list",
    call: (r) => r.trainings.list(),
    method: "GET",
    path: "/v1/trainings",
    body: { none: true },
    reply: { status: 200, json: page([training("t1", "succeeded")]) },
  },
  {
    id: "trainings.get",
    call: (r) => r.trainings.get({ training_id: "t1" }),
    method: "GET",
    path: "/v1/trainings/t1",
    body: { none: true },
    reply: { status: 200, json: training("t1", "processing") },
  },
  {
    id: "trainings.cancel",
    call: (r) => r.trainings.cancel({ training_id: "t1" }),
    method: "POST",
    path: "/v1/trainings/t1/cancel",
    body: { none: true },
    reply: { status: 200, json: training("t1", "canceled") },
  },
  {
    id: "webhooks.default.secret.get",
    call: (r) => r.webhooks.default.secret.get(),
    method: "GET",
    path: "/v1/webhooks/default/secret",
    body: { none: true },
    reply: { status: 200, json: { key: "whsec_abc" } },
  },
];

describe("every operation on the wire", () => {
  test("the cases cover exactly the operations in the table, once each", () => {
    const ids = cases.map((c) => c.id);
    expect(new Set(ids).size, "duplicate cases").toBe(ids.length);
    expect([...ids].sort()).toEqual(Object.keys(operationTable).sort());
    expect(ids).toHaveLength(37);
  });

  test.each(cases.map((c) => [c.id, c] as const))("%s", async (id, c) => {
    const seen = serve(c.method, c.reply);
    const calledAs: string[] = [];

    const result = await c.call(tracked(replicate, calledAs));

    expect(calledAs, "the case calls the method named by its id").toEqual([id]);
    expect(unmatched).toEqual([]);
    expect(seen).toHaveLength(1);
    const [wire] = seen as [Seen];
    expect(wire.method).toBe(c.method);
    expect(wire.path).toBe(c.path);
    expect(relevantHeaders(wire.headers)).toEqual({
      authorization: AUTH,
      "content-type": undefined,
      prefer: undefined,
      "cancel-after": undefined,
      ...c.headers,
    });

    if ("none" in c.body) {
      expect(wire.body).toBe("");
    } else if ("json" in c.body) {
      expect(JSON.parse(wire.body)).toEqual(c.body.json);
    } else if ("text" in c.body) {
      expect(wire.body).toBe(c.body.text);
    } else {
      const parts = parseMultipart(wire.body, wire.headers["content-type"]);
      expect(parts).toEqual(c.body.multipart.map((p) => ({ filename: undefined, contentType: undefined, ...p })));
      const metadata = parts.find((p) => p.name === "metadata");
      expect(JSON.parse(metadata?.content ?? "null")).toEqual({ purpose: "test", n: 1 });
    }

    const resolves = c.resolves;
    if (resolves === undefined) {
      expect(result).toEqual(c.reply.json);
    } else if ("undefined" in resolves) {
      expect(result).toBeUndefined();
    } else if ("text" in resolves) {
      expect(result).toBe(resolves.text);
    } else {
      expect(result).toBeInstanceOf(Blob);
      const blob = result as Blob;
      expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual(resolves.blob.bytes);
      expect(blob.type).toBe(resolves.blob.type);
    }
  });

  test("request(id, params) reaches the same operation as the method", async () => {
    const seen = serve("GET", { status: 200, json: prediction("abc") });
    expect(await replicate.request("predictions.get", { prediction_id: "abc" })).toEqual(prediction("abc"));
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual(["GET /v1/predictions/abc"]);
  });

  test("path values are percent-encoded whole: reserved, non-ASCII and percent signs", async () => {
    const seen = serve("GET", { status: 200, json: model("x", "y") });
    await replicate.models.get({ model_owner: "a?b#c&d", model_name: "ünï %2F/ça" });
    expect(seen[0]?.path).toBe("/v1/models/a%3Fb%23c%26d/%C3%BCn%C3%AF%20%252F%2F%C3%A7a");
  });

  test("files.create names the file after the Blob's own name when no filename is given", async () => {
    const seen = serve("POST", { status: 201, json: file("f2") });
    await replicate.files.create({ body: { content: new File(["{}"], "data.json", { type: "application/json" }) } });
    const [wire] = seen as [Seen];
    expect(parseMultipart(wire.body, wire.headers["content-type"])).toEqual([
      { name: "content", filename: "data.json", contentType: "application/json", content: "{}" },
    ]);
  });

  test("per-call headers are sent, and header params win over them", async () => {
    const seen = serve("POST", { status: 201, json: prediction("p2") });
    await replicate.predictions.create(
      { Prefer: "wait=1", body: { version: "v", input: {} } },
      { headers: { "X-Request-Source": "batch", Prefer: "respond-async" } },
    );
    expect(seen[0]?.headers["x-request-source"]).toBe("batch");
    expect(seen[0]?.headers.prefer).toBe("wait=1");
  });

  test("a non-2xx answer rejects with ApiError carrying the problem details", async () => {
    serve("GET", {
      status: 404,
      json: { title: "Not found", detail: "Prediction not found" },
      headers: { "content-type": "application/problem+json" },
    });
    const error = await replicate.predictions.get({ prediction_id: "missing" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, method: "GET", detail: "Prediction not found" });
    expect(String((error as Error).message)).not.toContain("r8_test");
  });
});

// ---------------------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------------------

describe("pagination", () => {
  const P2 = `${ORIGIN}/v1/predictions?cursor=c2`;
  const P3 = `${ORIGIN}/v1/predictions?cursor=c3`;
  const pages = [
    { next: P2, previous: null, results: [prediction("p1"), prediction("p2")] },
    { next: P3, previous: `${ORIGIN}/v1/predictions?cursor=c1`, results: [prediction("p3")] },
    { next: null, previous: P2, results: [prediction("p4"), prediction("p5")] },
  ];

  /** Three pages of predictions.list, each answered only with the right token. */
  function serveThreePages(): Seen[] {
    const seen: Seen[] = [];
    const scope = nock(ORIGIN, { reqheaders: { authorization: AUTH } })
      .get("/v1/predictions")
      .query({ source: "web" })
      .reply(200, pages[0])
      .get("/v1/predictions")
      .query({ cursor: "c2" })
      .reply(200, pages[1])
      .get("/v1/predictions")
      .query({ cursor: "c3" })
      .reply(200, pages[2]);
    scope.on("request", (req: { method: string; path: string; headers: Seen["headers"] }) => {
      seen.push({ method: req.method, path: req.path, headers: { ...req.headers }, body: "" });
    });
    return seen;
  }

  test("for await yields every item of every page, in order, following next with auth", async () => {
    const seen = serveThreePages();
    const ids: string[] = [];
    for await (const p of replicate.predictions.list({ source: "web" })) ids.push(p.id);
    expect(ids).toEqual(["p1", "p2", "p3", "p4", "p5"]);
    expect(seen.map((s) => `${s.method} ${s.path} ${s.headers.authorization}`)).toEqual([
      `GET /v1/predictions?source=web ${AUTH}`,
      `GET /v1/predictions?cursor=c2 ${AUTH}`,
      `GET /v1/predictions?cursor=c3 ${AUTH}`,
    ]);
    expect(unmatched).toEqual([]);
  });

  test("a call's own headers go with every page, not just the first", async () => {
    const seen = serveThreePages();
    const pagesSeen = [];
    for await (const page of replicate.predictions.list({ source: "web" }, { headers: { "x-trace": "t1" } }).pages()) {
      pagesSeen.push(page);
    }
    expect(pagesSeen).toHaveLength(3);
    expect(seen.map((s) => s.headers["x-trace"])).toEqual(["t1", "t1", "t1"]);
  });

  test(".pages() yields each page whole", async () => {
    serveThreePages();
    const got: unknown[] = [];
    for await (const p of replicate.predictions.list({ source: "web" }).pages()) got.push(p);
    expect(got).toEqual(pages);
  });

  test("awaiting the list gives the first page and loads nothing more", async () => {
    nock(ORIGIN).get("/v1/predictions").reply(200, pages[0]);
    expect(await replicate.predictions.list()).toEqual(pages[0]);
    await new Promise((r) => setTimeout(r, 20));
    expect(unmatched).toEqual([]);
  });

  test("a page with no results field ends without items", async () => {
    nock(ORIGIN).get("/v1/trainings").reply(200, { next: null });
    const items: unknown[] = [];
    for await (const t of replicate.trainings.list()) items.push(t);
    expect(items).toEqual([]);
  });

  test.each([
    ["another origin", "https://evil.example.com/v1/models?cursor=2"],
    ["a look-alike host", "https://api.replicate.com.evil.example.com/v1/models?cursor=2"],
    ["plain http", "http://api.replicate.com/v1/models?cursor=2"],
    ["another path on the same origin", "https://api.replicate.com/v2/models?cursor=2"],
    ["a dot-dot escape", "https://api.replicate.com/v1/../admin?cursor=2"],
  ])("a next URL on %s is refused and never requested", async (_what, next) => {
    nock(ORIGIN)
      .get("/v1/models")
      .reply(200, { next, results: [model("a", "one")] });
    const target = new URL(next);
    const elsewhere = nock(target.origin)
      .get(() => true)
      .reply(200, { next: null, results: [model("x", "evil")] });

    const names: unknown[] = [];
    const error = await (async () => {
      for await (const m of replicate.models.list()) names.push(m.name);
    })().catch((e: unknown) => e);

    expect(names).toEqual(["one"]);
    expect(error).toBeInstanceOf(ReplicateError);
    expect(isInputError(error)).toBe(false);
    expect((error as Error).message).toMatch(/Refusing to follow a next-page URL/);
    expect((error as Error).message).not.toContain("r8_test");
    expect(JSON.stringify(error)).not.toContain("r8_test");
    expect(elsewhere.isDone(), "no request went to the next URL").toBe(false);
    expect(unmatched).toEqual([]);
    nock.cleanAll(); // the unused interceptor is the point of this test
  });

  test("models.search re-sends QUERY with the same text body to the next page", async () => {
    const seen: Seen[] = [];
    const scope = nock(ORIGIN, { reqheaders: { authorization: AUTH, "content-type": "text/plain" } })
      .intercept("/v1/models", "QUERY", "flux dev")
      .reply(200, { next: `${ORIGIN}/v1/models?cursor=2`, previous: null, results: [model("bfl", "flux-dev")] })
      .intercept("/v1/models?cursor=2", "QUERY", "flux dev")
      .reply(200, { next: null, previous: null, results: [model("bfl", "flux-dev-lora")] });
    record(scope, seen);

    const names: unknown[] = [];
    for await (const m of replicate.models.search({ body: "flux dev" })) names.push(m.name);

    expect(names).toEqual(["flux-dev", "flux-dev-lora"]);
    expect(seen.map((s) => [s.method, s.path, s.headers["content-type"], s.body])).toEqual([
      ["QUERY", "/v1/models", "text/plain", "flux dev"],
      ["QUERY", "/v1/models?cursor=2", "text/plain", "flux dev"],
    ]);
  });

  test("a server repeating the same next URL is stopped instead of looping", async () => {
    const next = `${ORIGIN}/v1/files?cursor=same`;
    nock(ORIGIN)
      .get("/v1/files")
      .reply(200, { next, results: [file("f1")] })
      .get("/v1/files")
      .query({ cursor: "same" })
      .reply(200, { next, results: [file("f2")] });
    const ids: string[] = [];
    const error = await (async () => {
      for await (const f of replicate.files.list()) ids.push(f.id);
    })().catch((e: unknown) => e);
    expect(ids).toEqual(["f1", "f2"]);
    expect(error).toBeInstanceOf(ReplicateError);
    expect((error as Error).message).toMatch(/Pagination loop/);
  });

  test("aborting between pages stops with the signal's reason, without asking for the next page", async () => {
    nock(ORIGIN).get("/v1/predictions").reply(200, pages[0]);
    const controller = new AbortController();
    const reason = new Error("user navigated away");
    const ids: string[] = [];
    const error = await (async () => {
      for await (const p of replicate.predictions.list(undefined, { signal: controller.signal })) {
        ids.push(p.id);
        controller.abort(reason);
      }
    })().catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(ids[0]).toBe("p1");
    expect(ids).not.toContain("p3");
    expect(unmatched, "no request for page 2").toEqual([]);
  });

  test("aborting while the next page is loading stops with the signal's reason", async () => {
    nock(ORIGIN)
      .get("/v1/predictions")
      .reply(200, pages[0])
      .get("/v1/predictions")
      .query({ cursor: "c2" })
      .delay(5_000)
      .reply(200, pages[1]);
    const controller = new AbortController();
    const reason = new Error("stop now");
    const ids: string[] = [];
    const started = Date.now();
    const error = await (async () => {
      for await (const p of replicate.predictions.list(undefined, { signal: controller.signal })) {
        ids.push(p.id);
        if (p.id === "p2") setTimeout(() => controller.abort(reason), 30);
      }
    })().catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(ids).toEqual(["p1", "p2"]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

// ---------------------------------------------------------------------------------------
// Bad input is refused before any request
// ---------------------------------------------------------------------------------------

describe("bad input fails before any request", () => {
  // No interceptors are set up here: any request would fail with a nock error instead
  // of an InputError, and would be recorded in `unmatched`.
  async function refused(promise: Promise<unknown>, message: RegExp | string): Promise<void> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
    await new Promise((r) => setTimeout(r, 10));
    expect(unmatched, "no request was sent").toEqual([]);
  }

  test("a missing path param", async () => {
    await refused(replicate.predictions.get({} as never), 'predictions.get: "prediction_id" is required.');
    await refused(
      replicate.models.versions.get({ model_owner: "acme", model_name: "m" } as never),
      'models.versions.get: "version_id" is required.',
    );
  });

  test("a path param given as undefined counts as missing", async () => {
    await refused(
      replicate.deployments.get({ deployment_owner: "acme", deployment_name: undefined } as never),
      '"deployment_name" is required',
    );
  });

  test("an empty-string path param", async () => {
    await refused(
      replicate.predictions.get({ prediction_id: "" }),
      /predictions\.get: path parameter "prediction_id" must be a non-empty string/,
    );
  });

  test("a path param of the wrong type", async () => {
    await refused(
      replicate.files.get({ file_id: { id: "f1" } } as never),
      /files\.get: path parameter "file_id" must be a non-empty string, got object/,
    );
  });

  test.each([
    ["NaN", Number.NaN, "number"],
    ["a number", 42, "number"],
    ["a boolean", true, "boolean"],
  ])("a path param that is %s, not a string (nothing is sent)", async (_, value, kind) => {
    await refused(
      replicate.predictions.get({ prediction_id: value } as never),
      `predictions.get: path parameter "prediction_id" must be a non-empty string, got ${kind}.`,
    );
  });

  test("a missing required query param", async () => {
    await refused(
      replicate.files.download({ file_id: "f1", owner: "alice", expiry: 1 } as never),
      'files.download: "signature" is required.',
    );
    await refused(replicate.search({} as never), 'search: "query" is required.');
  });

  test("a missing required body", async () => {
    await refused(replicate.models.create({} as never), 'models.create: "body" is required.');
    await refused(replicate.models.search({} as never), 'models.search: "body" is required.');
  });

  test.each([
    ["a string", "abc", "got string"],
    ["an array", ["abc"], "got an array"],
    ["null", null, "got null"],
    ["a number", 42, "got number"],
  ])("params given as %s", async (_what, params, got) => {
    await refused(
      replicate.predictions.get(params as never),
      new RegExp(`^predictions\\.get: params must be an object, ${got}\\.$`),
    );
  });

  test("an unknown param name lists the accepted names", async () => {
    await refused(
      replicate.predictions.get({ prediction_id: "p1", predictionId: "p1" } as never),
      'predictions.get: unknown parameter "predictionId". Accepted: prediction_id.',
    );
    // Body fields passed flat instead of under `body`.
    await refused(
      replicate.predictions.create({ version: "v", input: {} } as never),
      'predictions.create: unknown parameter "version". Accepted: Prefer, Cancel-After, body.',
    );
    // A header param with the wrong case.
    await refused(
      replicate.models.predictions.create({ model_owner: "a", model_name: "b", prefer: "wait" } as never),
      /unknown parameter "prefer"\. Accepted: model_owner, model_name, Prefer, Cancel-After, body\./,
    );
  });

  test("inherited Object.prototype names are unknown params too", async () => {
    for (const name of ["toString", "constructor", "hasOwnProperty", "__proto__"]) {
      const params = JSON.parse(`{"prediction_id":"p1",${JSON.stringify(name)}:"x"}`) as never;
      await refused(replicate.predictions.get(params), `predictions.get: unknown parameter "${name}".`);
    }
  });

  test("any param for an operation that takes none", async () => {
    await refused(
      replicate.account.get({ verbose: true } as never),
      'account.get: unknown parameter "verbose". It takes no parameters.',
    );
  });

  test("`body` for an operation that takes no body", async () => {
    await refused(
      replicate.predictions.cancel({ prediction_id: "p1", body: {} } as never),
      'predictions.cancel: unknown parameter "body". Accepted: prediction_id.',
    );
  });

  test("an unknown operationId", async () => {
    await refused(
      replicate.request("predictions.gett" as "account.get"),
      'Unknown operation "predictions.gett". See the README',
    );
    // Inherited object keys are not operations either.
    await refused(replicate.request("constructor" as "account.get"), 'Unknown operation "constructor"');
  });

  test("a body of the wrong kind", async () => {
    await refused(
      replicate.models.search({ body: { query: "flux" } } as never),
      "models.search: body must be a string, got object.",
    );
    await refused(
      replicate.models.create({ body: "owner=acme" } as never),
      "models.create: body must be an object, got string.",
    );
    await refused(
      replicate.deployments.update({ deployment_owner: "a", deployment_name: "b", body: [1] } as never),
      "deployments.update: body must be an object, got an array.",
    );
  });
});

describe("edge cases that once went wrong", () => {
  test("a '..' path param is refused instead of climbing to another endpoint", async () => {
    // Unchecked, DELETE /v1/models/acme/hot-dog/ would be sent: the model, not the version.
    const seen = serve("DELETE", { status: 204 });
    const error = await replicate.models.versions
      .delete({ model_owner: "acme", model_name: "hot-dog", version_id: ".." })
      .catch((e: unknown) => e);
    nock.cleanAll();
    expect(seen).toEqual([]);
    expect(error).toBeInstanceOf(InputError);
  });

  test("a paginated call with bad input is still iterable and throws the InputError", async () => {
    const list = replicate.models.search({ body: 42 } as never);
    list.catch(() => {}); // handled here; the iteration below must still see the error
    const error = await (async () => {
      for await (const _ of list) break;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
  });

  test("an empty README sent with Content-Length: 0 resolves to an empty string", async () => {
    // openapi-fetch short-circuits on Content-Length 0 and yields no data at all.
    serve("GET", { status: 200, text: "", headers: { "content-type": "text/plain", "content-length": "0" } });
    expect(await replicate.models.readme.get({ model_owner: "acme", model_name: "empty" })).toBe("");
  });
});
