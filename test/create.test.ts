// createPrediction on the wire (nock): each reference form reaches its own create
// operation, and every option becomes the exact header or body field the API expects.
// Every refused option is an InputError raised before any request leaves.
import nock from "nock";
import { describe, expect, it } from "vitest";
import {
  type CreatePredictionOptions,
  createPrediction,
  createReplicate,
  InputError,
  type ModelRef,
  run,
  type WebhookEvent,
} from "../src/index.js";
import { failOnUnmatched, record, type Seen } from "./support/nock-recorder.js";

const ORIGIN = "https://api.replicate.com";
const V = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";
const replicate = createReplicate({ auth: "r8_test", retry: false });

const prediction = (id: string, status = "starting") => ({
  id,
  model: "meta/llama-3-8b",
  version: V,
  input: { prompt: "hi" },
  status,
  created_at: "2025-01-01T00:00:00.000Z",
  urls: {
    get: `https://api.replicate.com/v1/predictions/${id}`,
    cancel: `https://api.replicate.com/v1/predictions/${id}/cancel`,
  },
});

/** One POST interceptor on any path that records what it got and answers 201 with `reply`. */
function serve(reply: unknown = prediction("p1")): Seen[] {
  const scope = nock(ORIGIN)
    .intercept(() => true, "POST")
    .reply(201, JSON.stringify(reply), { "content-type": "application/json" });
  return record(scope, []);
}

/** Requests nock could not match: with net connect disabled, none may go out. */
failOnUnmatched("requests nock could not match");

/** Create with `options` and return the one request the API saw. */
async function sent(ref: ModelRef, options: CreatePredictionOptions): Promise<Seen> {
  const seen = serve();
  await expect(createPrediction(replicate, ref, options)).resolves.toEqual(prediction("p1"));
  expect(seen).toHaveLength(1);
  return seen[0] as Seen;
}

/**
 * `call` must reject with an InputError matching `message`, and send nothing: an
 * interceptor that would answer any request stays unused, and nothing went unmatched.
 */
async function refusedBeforeSending(call: () => Promise<unknown>, message: RegExp): Promise<void> {
  const scopes = ["POST", "GET"].map((method) =>
    nock(ORIGIN)
      .intercept(() => true, method)
      .reply(201, prediction("p1")),
  );
  try {
    const error: unknown = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(message);
    expect(nock.pendingMocks(), "an interceptor was used: a request was sent").toHaveLength(2);
    for (const scope of scopes) expect(scope.isDone()).toBe(false);
  } finally {
    nock.cleanAll(); // these interceptors are meant to stay unused
  }
}

describe("routing: each reference form goes to its own create operation", () => {
  it("owner/name → POST /v1/models/{owner}/{name}/predictions, with no version in the body", async () => {
    const seen = await sent("meta/llama-3-8b", { input: { prompt: "hi" } });
    expect(seen.method).toBe("POST");
    expect(seen.path).toBe("/v1/models/meta/llama-3-8b/predictions");
    expect(seen.headers.authorization).toBe("Bearer r8_test");
    expect(seen.headers["content-type"]).toBe("application/json");
    expect(seen.headers.prefer).toBeUndefined();
    expect(seen.headers["cancel-after"]).toBeUndefined();
    expect(JSON.parse(seen.body)).toStrictEqual({ input: { prompt: "hi" } });
  });

  it("owner/name:version → POST /v1/predictions with body.version = the version id", async () => {
    const seen = await sent(`stability-ai/sdxl:${V}`, { input: { prompt: "hi" } });
    expect(seen.method).toBe("POST");
    expect(seen.path).toBe("/v1/predictions");
    expect(seen.headers.authorization).toBe("Bearer r8_test");
    expect(JSON.parse(seen.body)).toStrictEqual({ input: { prompt: "hi" }, version: V });
  });

  it("a bare version id → POST /v1/predictions with body.version", async () => {
    const seen = await sent(V, { input: { n: 1, nested: { list: [1, "two"] } } });
    expect(seen.path).toBe("/v1/predictions");
    expect(seen.headers.authorization).toBe("Bearer r8_test");
    expect(JSON.parse(seen.body)).toStrictEqual({ input: { n: 1, nested: { list: [1, "two"] } }, version: V });
  });

  it("{ deployment } → POST /v1/deployments/{owner}/{name}/predictions, with no version in the body", async () => {
    const seen = await sent({ deployment: "acme/sdxl" }, { input: { prompt: "hi" } });
    expect(seen.method).toBe("POST");
    expect(seen.path).toBe("/v1/deployments/acme/sdxl/predictions");
    expect(seen.headers.authorization).toBe("Bearer r8_test");
    expect(JSON.parse(seen.body)).toStrictEqual({ input: { prompt: "hi" } });
  });

  it("resolves to the prediction the API returned, without polling", async () => {
    const seen = serve(prediction("p9", "processing"));
    await expect(createPrediction(replicate, "meta/llama-3-8b", { input: {}, wait: 5 })).resolves.toEqual(
      prediction("p9", "processing"),
    );
    expect(seen).toHaveLength(1);
  });

  it("does not modify the caller's input", async () => {
    const input = { prompt: "hi", nested: { a: 1 } };
    const copy = structuredClone(input);
    await sent("meta/llama-3-8b", { input });
    expect(input).toStrictEqual(copy);
  });

  it("a malformed reference is refused before sending", async () => {
    await refusedBeforeSending(
      () => createPrediction(replicate, "a/b:c:d", { input: {} }),
      /Invalid model reference "a\/b:c:d".*Accepted forms/,
    );
  });
});

describe("wait → Prefer: wait=N, rounded and clamped to 1–60", () => {
  it.each([
    [1, "wait=1"],
    [5, "wait=5"],
    [60, "wait=60"],
    [0, "wait=1"],
    [-3, "wait=1"],
    [61, "wait=60"],
    [600, "wait=60"],
    [2.4, "wait=2"],
    [2.5, "wait=3"],
  ])("wait: %d sends %s", async (wait, prefer) => {
    const seen = await sent("meta/llama-3-8b", { input: {}, wait });
    expect(seen.headers.prefer).toBe(prefer);
  });

  it("on every route", async () => {
    expect((await sent(V, { input: {}, wait: 7 })).headers.prefer).toBe("wait=7");
    expect((await sent({ deployment: "acme/sdxl" }, { input: {}, wait: 7 })).headers.prefer).toBe("wait=7");
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY])("wait: %d is refused before sending", async (wait) => {
    await refusedBeforeSending(
      () => createPrediction(replicate, "meta/llama-3-8b", { input: {}, wait }),
      /wait must be a number of seconds/,
    );
  });
});

describe("cancelAfter → Cancel-After, at least 5 seconds", () => {
  it.each<[number | string, string]>([
    [5, "5s"],
    [90, "90s"],
    ["5", "5"],
    ["30s", "30s"],
    ["5m", "5m"],
    ["1h", "1h"],
    ["1h30m", "1h30m"],
    ["1h30m45s", "1h30m45s"],
    [" 90s ", "90s"],
  ])("cancelAfter: %j sends %j", async (cancelAfter, header) => {
    const seen = await sent("meta/llama-3-8b", { input: {}, cancelAfter });
    expect(seen.headers["cancel-after"]).toBe(header);
  });

  it("on every route, alongside Prefer", async () => {
    const a = await sent(V, { input: {}, cancelAfter: "5m", wait: 10 });
    expect([a.headers.prefer, a.headers["cancel-after"]]).toEqual(["wait=10", "5m"]);
    const b = await sent({ deployment: "acme/sdxl" }, { input: {}, cancelAfter: "5m", wait: 10 });
    expect([b.headers.prefer, b.headers["cancel-after"]]).toEqual(["wait=10", "5m"]);
  });

  it.each<[number | string, RegExp]>([
    [4, /at least 5 seconds, got 4/],
    ["4s", /at least 5 seconds, got "4s"/],
    ["4", /at least 5 seconds/],
    ["0", /at least 5 seconds/],
    [0, /at least 5 seconds/],
    ["0h0m4s", /at least 5 seconds/],
    ["", /whole seconds or a duration/],
    ["   ", /whole seconds or a duration/],
    ["5x", /whole seconds or a duration/],
    ["1.5m", /whole seconds or a duration/],
    ["m5", /whole seconds or a duration/],
    ["5m1h", /whole seconds or a duration/],
    ["-10", /whole seconds or a duration/],
    [2.5, /whole seconds or a duration/],
    [7.5, /whole seconds or a duration/],
    [-10, /whole seconds or a duration/],
    [Number.NaN, /whole seconds or a duration/],
  ])("cancelAfter: %j is refused before sending", async (cancelAfter, message) => {
    await refusedBeforeSending(
      () => createPrediction(replicate, "meta/llama-3-8b", { input: {}, cancelAfter }),
      message,
    );
  });
});

// Untyped callers may pass anything: the answer is still an InputError, never a TypeError.
describe("cancelAfter of the wrong type", () => {
  it.each<[string, unknown]>([
    ["null", null],
    ["an object", { minutes: 5 }],
  ])("%s is an InputError", async (_label, cancelAfter) => {
    await refusedBeforeSending(
      () => createPrediction(replicate, "meta/llama-3-8b", { input: {}, cancelAfter: cancelAfter as number }),
      /cancelAfter must be/,
    );
  });
});

describe("webhook: https, or http only for loopback", () => {
  it.each([
    "https://example.com/hooks/replicate?x=1",
    "http://localhost/hook",
    "http://localhost:3000/hook",
    "http://127.0.0.1/hook",
    "http://127.0.0.1:8080/hook",
    "http://[::1]/hook",
    "http://[::1]:8080/hook",
  ])("%s is sent as body.webhook", async (webhook) => {
    const seen = await sent("meta/llama-3-8b", { input: { prompt: "hi" }, webhook });
    expect(JSON.parse(seen.body)).toStrictEqual({ input: { prompt: "hi" }, webhook });
  });

  it.each([
    ["http://example.com/hook", /must be an absolute https URL/],
    ["http://localhost.example.com/hook", /must be an absolute https URL/],
    ["http://10.0.0.1/hook", /must be an absolute https URL/],
    ["ftp://example.com/hook", /must be an absolute https URL/],
    ["not a url", /must be an absolute https URL .*, got "not a url"/],
    ["/relative/hook", /must be an absolute https URL/],
    ["", /must be an absolute https URL/],
  ])("%j is refused before sending", async (webhook, message) => {
    await refusedBeforeSending(() => createPrediction(replicate, "meta/llama-3-8b", { input: {}, webhook }), message);
  });
});

describe("webhookEventsFilter → body.webhook_events_filter", () => {
  it("sends the events with the webhook, on each route", async () => {
    const options = {
      input: { prompt: "hi" },
      webhook: "https://example.com/hook",
      webhookEventsFilter: ["start", "completed"] as WebhookEvent[],
    };
    const expected = {
      input: { prompt: "hi" },
      webhook: "https://example.com/hook",
      webhook_events_filter: ["start", "completed"],
    };
    expect(JSON.parse((await sent("meta/llama-3-8b", options)).body)).toStrictEqual(expected);
    expect(JSON.parse((await sent({ deployment: "acme/sdxl" }, options)).body)).toStrictEqual(expected);
    expect(JSON.parse((await sent(V, options)).body)).toStrictEqual({ ...expected, version: V });
  });

  it("accepts all four events", async () => {
    const all: WebhookEvent[] = ["start", "output", "logs", "completed"];
    const seen = await sent("meta/llama-3-8b", { input: {}, webhookEventsFilter: all });
    expect(JSON.parse(seen.body).webhook_events_filter).toEqual(all);
  });

  it.each<[string, unknown]>([
    ["an unknown event", ["start", "done"]],
    ["a wrongly cased event", ["Completed"]],
    ["a string instead of a list", "completed"],
    ["null", null],
  ])("%s is refused before sending", async (_label, webhookEventsFilter) => {
    await refusedBeforeSending(
      () =>
        createPrediction(replicate, "meta/llama-3-8b", {
          input: {},
          webhookEventsFilter: webhookEventsFilter as WebhookEvent[],
        }),
      /webhookEventsFilter must list only "start", "output", "logs", "completed"/,
    );
  });
});

describe("input must be an object", () => {
  it.each<[string, unknown]>([
    ["undefined", undefined],
    ["null", null],
    ["an array", [1, 2]],
    ["a string", "a fox"],
    ["a number", 42],
  ])("%s is refused before sending", async (_label, input) => {
    await refusedBeforeSending(
      () => createPrediction(replicate, "meta/llama-3-8b", { input: input as Record<string, unknown> }),
      /input must be an object/,
    );
  });
});

describe("all validation happens before anything is sent", () => {
  it("a bad option after good ones still sends nothing", async () => {
    await refusedBeforeSending(
      () =>
        createPrediction(replicate, V, {
          input: { prompt: "hi" },
          wait: 10,
          cancelAfter: "5m",
          webhook: "https://example.com/hook",
          webhookEventsFilter: ["start", "nope" as WebhookEvent],
        }),
      /webhookEventsFilter/,
    );
  });

  it("run refuses the same inputs before sending", async () => {
    await refusedBeforeSending(() => run(replicate, "meta/llama-3-8b", { input: {}, cancelAfter: 4 }), /at least 5/);
    await refusedBeforeSending(
      () => run(replicate, "meta/llama-3-8b", { input: {}, webhook: "http://example.com/hook" }),
      /must be an absolute https URL/,
    );
    await refusedBeforeSending(() => run(replicate, "owner/ name", { input: {} }), /whitespace/);
  });
});
