import net from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { backoffMs, parseRetryAfter, provablyNotSent, resolveRetry } from "../src/core/retry.js";
import { ApiError, ConnectionError, createReplicate, TimeoutError } from "../src/index.js";
import { json, refused, reset, scriptedFetch } from "./support/fake-fetch.js";

const client = (fetch: ReturnType<typeof scriptedFetch>, retry = {}) =>
  createReplicate({ auth: "r8_test", fetch, retry: { baseDelayMs: 1, ...retry } });
const prediction = { id: "p1", status: "starting" };
const createParams = { body: { version: "v1", input: { prompt: "hi" } } } as const;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("parseRetryAfter", () => {
  it("reads delay-seconds", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(" 0 ")).toBe(0);
    expect(parseRetryAfter("1.5")).toBe(1500);
  });
  it("reads an HTTP date relative to now, never negative", () => {
    const now = Date.parse("Wed, 25 Nov 2026 10:00:00 GMT");
    expect(parseRetryAfter("Wed, 25 Nov 2026 10:00:07 GMT", now)).toBe(7000);
    expect(parseRetryAfter("Wed, 25 Nov 2026 09:00:00 GMT", now)).toBe(0);
  });
  it("ignores absent and unreadable values", () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter("-3")).toBeUndefined();
  });
});

describe("backoff", () => {
  const policy = resolveRetry({ baseDelayMs: 500, maxDelayMs: 4000 });
  it("doubles per attempt, half fixed and half jitter", () => {
    expect(backoffMs(0, policy, () => 0)).toBe(250);
    expect(backoffMs(0, policy, () => 1)).toBe(500);
    expect(backoffMs(2, policy, () => 0)).toBe(1000);
    expect(backoffMs(2, policy, () => 1)).toBe(2000);
  });
  it("is capped at maxDelayMs", () => {
    expect(backoffMs(10, policy, () => 1)).toBe(4000);
  });
  it("rejects nonsense policies when the client is made", () => {
    expect(() => resolveRetry({ retries: -1 })).toThrow(/retry.retries must be a number ≥ 0/);
    expect(() => resolveRetry({ maxDelayMs: Number.NaN })).toThrow(/retry.maxDelayMs/);
    expect(resolveRetry(false).retries).toBe(0);
  });
});

describe("idempotent requests", () => {
  it.each([408, 429, 500, 502, 503, 504])("retry a GET after %i", async (status) => {
    const fetch = scriptedFetch(json(status, { detail: "busy" }), json(200, prediction));
    await expect(client(fetch).predictions.get({ prediction_id: "p1" })).resolves.toEqual(prediction);
    expect(fetch.calls.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET https://api.replicate.com/v1/predictions/p1",
      "GET https://api.replicate.com/v1/predictions/p1",
    ]);
    expect(fetch.calls[1]?.headers.get("authorization")).toBe("Bearer r8_test");
  });

  it("retry a GET after a reset connection", async () => {
    const fetch = scriptedFetch(reset(), json(200, prediction));
    await expect(client(fetch).predictions.get({ prediction_id: "p1" })).resolves.toEqual(prediction);
    expect(fetch.calls).toHaveLength(2);
  });

  it.each([400, 401, 403, 404, 422])("do not retry a GET after %i", async (status) => {
    const fetch = scriptedFetch(json(status, { title: "Nope", detail: "not this" }));
    const error = await client(fetch)
      .predictions.get({ prediction_id: "p1" })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(status);
    expect(fetch.calls).toHaveLength(1);
  });

  it("give up after `retries` retries and report the last answer", async () => {
    const fetch = scriptedFetch(json(500, {}), json(502, {}), json(503, { detail: "still down" }));
    const error = await client(fetch, { retries: 2 })
      .predictions.get({ prediction_id: "p1" })
      .catch((e) => e);
    expect(error).toMatchObject({ name: "ApiError", status: 503, detail: "still down" });
    expect(fetch.calls).toHaveLength(3);
  });

  it("never retry with retry: false", async () => {
    const fetch = scriptedFetch(json(503, {}));
    const replicate = createReplicate({ auth: "r8_test", fetch, retry: false });
    await expect(replicate.predictions.get({ prediction_id: "p1" })).rejects.toMatchObject({ status: 503 });
    expect(fetch.calls).toHaveLength(1);
  });
});

describe("creates (POST) are never sent twice unless the first was refused", () => {
  it.each([500, 502, 503, 504, 408])("no retry after %i: the prediction may already be running", async (status) => {
    const fetch = scriptedFetch(json(status, { detail: "oops" }));
    const error = await client(fetch)
      .predictions.create(createParams)
      .catch((e) => e);
    expect(error).toMatchObject({ name: "ApiError", status, method: "POST" });
    expect(fetch.calls).toHaveLength(1);
  });

  it("no retry after a reset connection", async () => {
    const fetch = scriptedFetch(reset());
    const error = await client(fetch)
      .predictions.create(createParams)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toContain("ECONNRESET");
    expect(fetch.calls).toHaveLength(1);
  });

  it("retry after a refused connection, with the same body", async () => {
    const fetch = scriptedFetch(refused(), json(201, prediction));
    await expect(client(fetch).predictions.create(createParams)).resolves.toEqual(prediction);
    expect(fetch.calls).toHaveLength(2);
    const bodies = await Promise.all(fetch.calls.map((r) => r.text()));
    expect(bodies.map((b) => JSON.parse(b))).toEqual([createParams.body, createParams.body]);
  });

  it("retry after a 429, waiting Retry-After plus jitter: here a quarter more", async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const fetch = scriptedFetch(json(429, { detail: "slow down" }, { "retry-after": "2" }), json(201, prediction));
    const result = client(fetch).predictions.create(createParams);
    await vi.advanceTimersByTimeAsync(2499);
    expect(fetch.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toEqual(prediction);
    expect(fetch.calls).toHaveLength(2);
  });

  it("honour Retry-After given as an HTTP date", async () => {
    vi.useFakeTimers({ now: Date.parse("2026-11-25T10:00:00Z") });
    vi.spyOn(Math, "random").mockReturnValue(0); // no jitter: the date itself
    const fetch = scriptedFetch(
      json(429, {}, { "retry-after": "Wed, 25 Nov 2026 10:00:05 GMT" }),
      json(201, prediction),
    );
    const result = client(fetch).predictions.create(createParams);
    await vi.advanceTimersByTimeAsync(4990);
    expect(fetch.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10);
    await expect(result).resolves.toEqual(prediction);
  });

  it("fail at once, carrying the wait, when Retry-After asks for more than maxDelayMs", async () => {
    const fetch = scriptedFetch(json(429, { detail: "quota" }, { "retry-after": "120" }));
    const error = await client(fetch, { maxDelayMs: 30_000 })
      .predictions.create(createParams)
      .catch((e) => e);
    expect(error).toMatchObject({ name: "ApiError", status: 429, retryAfterMs: 120_000 });
    expect(fetch.calls).toHaveLength(1);
  });
});

describe("abort and deadline during backoff", () => {
  it("an abort while sleeping rejects with the signal's reason at once", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(json(503, {}, { "retry-after": "10" }), json(200, prediction));
    const controller = new AbortController();
    const result = client(fetch)
      .predictions.get({ prediction_id: "p1" }, { signal: controller.signal })
      .catch((e) => e);
    await vi.advanceTimersByTimeAsync(100);
    const reason = new Error("user gave up");
    controller.abort(reason);
    await expect(result).resolves.toBe(reason);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fetch.calls).toHaveLength(1);
  });

  it("the call's deadline covers backoff too", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(json(503, {}, { "retry-after": "10" }), json(200, prediction));
    const result = client(fetch)
      .predictions.get({ prediction_id: "p1" }, { timeoutMs: 3000 })
      .catch((e) => e);
    await vi.advanceTimersByTimeAsync(3000);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeoutMs: 3000 });
    expect(error.message).toContain("GET https://api.replicate.com/v1/predictions/p1");
    expect(fetch.calls).toHaveLength(1);
  });
});

describe("provablyNotSent", () => {
  it("recognises Node's own error for a closed port", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const error = await fetch(`http://127.0.0.1:${port}/`).catch((e) => e);
    expect(provablyNotSent(error)).toBe(true);
  });
  it("does not claim a reset or an unexplained failure was unsent", () => {
    expect(provablyNotSent(reset())).toBe(false);
    expect(provablyNotSent(new TypeError("Failed to fetch"))).toBe(false);
    expect(provablyNotSent(new AggregateError([{ code: "ECONNREFUSED" }]))).toBe(true);
  });
});
