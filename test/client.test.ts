import vm from "node:vm";
import { afterEach, describe, expect, it, vi } from "vitest";
import pkg from "../package.json" with { type: "json" };
import { createApiClient } from "../src/core/openapi-client.js";
import { resolveRetry } from "../src/core/retry.js";
import { createTransport } from "../src/core/transport.js";
import {
  ApiError,
  createReplicate,
  InputError,
  isApiError,
  isConnectionError,
  isInputError,
  isReplicateError,
  isTimeoutError,
  TimeoutError,
  VERSION,
} from "../src/index.js";
import { hang, json, reset, scriptedFetch } from "./support/fake-fetch.js";

const TOKEN = "r8_SECRETsecretSECRET";
const prediction = { id: "p1", status: "processing" };

afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("auth", () => {
  it("defaults to REPLICATE_API_TOKEN", async () => {
    vi.stubEnv("REPLICATE_API_TOKEN", "r8_fromenv");
    const fetch = scriptedFetch(json(200, prediction));
    await createReplicate({ fetch }).predictions.get({ prediction_id: "p1" });
    expect(fetch.calls[0]?.headers.get("authorization")).toBe("Bearer r8_fromenv");
  });

  it("prefers the auth option to the environment", async () => {
    vi.stubEnv("REPLICATE_API_TOKEN", "r8_fromenv");
    const fetch = scriptedFetch(json(200, prediction));
    await createReplicate({ fetch, auth: TOKEN }).predictions.get({ prediction_id: "p1" });
    expect(fetch.calls[0]?.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);
  });

  it("refuses to call Replicate's host without a token, naming the variable, and sends nothing", async () => {
    vi.stubEnv("REPLICATE_API_TOKEN", "");
    const fetch = scriptedFetch();
    const error = await createReplicate({ fetch })
      .account.get()
      .catch((e) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("REPLICATE_API_TOKEN");
    expect(fetch.calls).toHaveLength(0);
  });

  it("lets a custom baseUrl (a proxy) run without a token", async () => {
    vi.stubEnv("REPLICATE_API_TOKEN", "");
    const fetch = scriptedFetch(json(200, { username: "me" }));
    const replicate = createReplicate({ fetch, baseUrl: "https://proxy.example.test/api/replicate/" });
    await expect(replicate.account.get()).resolves.toEqual({ username: "me" });
    expect(fetch.calls[0]?.url).toBe("https://proxy.example.test/api/replicate/account");
    expect(fetch.calls[0]?.headers.has("authorization")).toBe(false);
  });

  it("reads no environment where `process` does not exist, or forbids env access", async () => {
    const saved = globalThis.process;
    let withoutProcess: ReturnType<typeof createReplicate>;
    let forbidden: ReturnType<typeof createReplicate>;
    const fetch = scriptedFetch(json(200, {}), json(200, {}));
    try {
      Object.defineProperty(globalThis, "process", { value: undefined, configurable: true, writable: true });
      withoutProcess = createReplicate({ fetch, baseUrl: "https://proxy.example.test" });
      const deno = {
        get env(): never {
          throw new Error("Requires env access");
        },
      };
      Object.defineProperty(globalThis, "process", { value: deno, configurable: true, writable: true });
      forbidden = createReplicate({ fetch, baseUrl: "https://proxy.example.test" });
    } finally {
      Object.defineProperty(globalThis, "process", { value: saved, configurable: true, writable: true });
    }
    await withoutProcess.account.get();
    await forbidden.account.get();
    expect(fetch.calls.map((r) => r.headers.has("authorization"))).toEqual([false, false]);
  });
});

describe("fetch", () => {
  it("looks up globalThis.fetch at call time, so a later interceptor sees the call", async () => {
    const replicate = createReplicate({ auth: TOKEN });
    const late = scriptedFetch(json(200, prediction));
    vi.stubGlobal("fetch", late);
    await expect(replicate.predictions.get({ prediction_id: "p1" })).resolves.toEqual(prediction);
    expect(late.calls).toHaveLength(1);
  });
});

describe("headers", () => {
  it("sends a User-Agent naming the package version by default", async () => {
    const fetch = scriptedFetch(json(200, {}));
    await createReplicate({ auth: TOKEN, fetch }).account.get();
    expect(fetch.calls[0]?.headers.get("user-agent")).toBe(`replicate-kit/${pkg.version}`);
    expect(VERSION).toBe(pkg.version);
  });

  it("takes a custom User-Agent, or none", async () => {
    const fetch = scriptedFetch(json(200, {}), json(200, {}));
    await createReplicate({ auth: TOKEN, fetch, userAgent: "my-app/2.0" }).account.get();
    await createReplicate({ auth: TOKEN, fetch, userAgent: false }).account.get();
    expect(fetch.calls.map((r) => r.headers.get("user-agent"))).toEqual(["my-app/2.0", null]);
  });

  it("adds the client's extra headers; a call's own headers win", async () => {
    const fetch = scriptedFetch(json(200, {}), json(200, {}));
    const replicate = createReplicate({ auth: TOKEN, fetch, headers: { "x-team": "ml", "x-trace": "client" } });
    await replicate.account.get();
    await replicate.account.get(undefined, { headers: { "x-trace": "call" } });
    expect(fetch.calls.map((r) => [r.headers.get("x-team"), r.headers.get("x-trace")])).toEqual([
      ["ml", "client"],
      ["ml", "call"],
    ]);
  });

  it("sends header names lower-cased, a call's mixed-case Authorization replaced by the token", async () => {
    const seen: [string, RequestInit | undefined][] = [];
    vi.stubGlobal("fetch", async (url: string, init?: RequestInit) => {
      seen.push([url, init]);
      return Response.json({});
    });
    const replicate = createReplicate({ auth: TOKEN, baseUrl: "http://127.0.0.1:9/v1", headers: { "X-Team": "ml" } });
    await replicate.account.get(undefined, { headers: { "X-Trace": "call", Authorization: "Bearer other" } });
    expect(seen[0]?.[0]).toBe("http://127.0.0.1:9/v1/account");
    expect(seen[0]?.[1]?.headers).toEqual({
      "x-trace": "call",
      "x-team": "ml",
      "user-agent": `replicate-kit/${VERSION}`,
      authorization: `Bearer ${TOKEN}`,
    });
  });

  it("takes a call's headers as a Headers or as pairs too, as JavaScript callers may pass them", async () => {
    const fetch = scriptedFetch(json(200, {}), json(200, {}));
    const replicate = createReplicate({ auth: TOKEN, fetch });
    await replicate.account.get(undefined, { headers: new Headers({ "X-Trace": "a" }) as never });
    await replicate.account.get(undefined, { headers: [["X-Trace", "b"]] as never });
    expect(fetch.calls.map((r) => r.headers.get("x-trace"))).toEqual(["a", "b"]);
    expect(fetch.calls.map((r) => [...r.headers.keys()].filter((k) => k !== "x-trace").sort())).toEqual([
      ["authorization", "user-agent"],
      ["authorization", "user-agent"],
    ]);
  });

  it("never sends the token to a host that only starts like the API's", async () => {
    const fetch = scriptedFetch(json(200, {}), json(200, {}), json(200, {}));
    const send = createTransport({
      baseUrl: "https://api.replicate.com/v1",
      auth: TOKEN,
      fetch,
      userAgent: undefined,
      headers: new Headers(),
      timeoutMs: undefined,
      retry: resolveRetry(false),
    });
    for (const url of [
      "https://api.replicate.com.evil.example.test/v1/account",
      "http://api.replicate.com/v1/account",
      "https://api.replicate.com:8443/v1/account",
    ]) {
      await send({ url, method: "GET", headers: { authorization: "Bearer mine" } });
    }
    expect(fetch.calls.map((r) => r.headers.has("authorization"))).toEqual([false, false, false]);
  });

  it("never sends the token or extra headers to another origin", async () => {
    const fetch = scriptedFetch(json(200, {}));
    const send = createTransport({
      baseUrl: "https://api.replicate.com/v1",
      auth: TOKEN,
      fetch,
      userAgent: "ua",
      headers: new Headers({ "x-team": "ml" }),
      timeoutMs: undefined,
      retry: resolveRetry(false),
    });
    await send({
      url: "https://elsewhere.example.test/file.png",
      method: "GET",
      headers: { authorization: "Bearer leaked" },
    });
    const sent = fetch.calls[0] as Request;
    expect(sent.headers.has("authorization")).toBe(false);
    expect(sent.headers.has("x-team")).toBe(false);
    expect(sent.headers.get("user-agent")).toBe("ua");
  });
});

describe("timeouts and aborts", () => {
  /** A fetch that never answers, but honours its signal like a real one. */
  const hanging = scriptedFetch(hang);

  it("rejects with TimeoutError after timeoutMs and aborts the HTTP call", async () => {
    vi.useFakeTimers();
    const replicate = createReplicate({ auth: TOKEN, fetch: hanging, timeoutMs: 5000 });
    const result = replicate.predictions.get({ prediction_id: "p1" }).catch((e) => e);
    await vi.advanceTimersByTimeAsync(5000);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(isTimeoutError(error)).toBe(true);
    expect(hanging.calls[0]?.signal.aborted).toBe(true);
  });

  it("rejects with the signal's reason when the caller aborts mid-request", async () => {
    const fetch = scriptedFetch(hang);
    const controller = new AbortController();
    const result = createReplicate({ auth: TOKEN, fetch })
      .predictions.get({ prediction_id: "p1" }, { signal: controller.signal })
      .catch((e) => e);
    await vi.waitFor(() => expect(fetch.calls).toHaveLength(1));
    const reason = new Error("navigated away");
    controller.abort(reason);
    expect(await result).toBe(reason);
    expect(fetch.calls[0]?.signal.aborted).toBe(true);
  });

  it("with timeoutMs: Infinity hands fetch no signal, or the caller's own signal as it is", async () => {
    const signals: (AbortSignal | null | undefined)[] = [];
    vi.stubGlobal("fetch", async (_url: string, init?: RequestInit) => {
      signals.push(init?.signal);
      return Response.json(prediction);
    });
    const replicate = createReplicate({ auth: TOKEN, baseUrl: "http://127.0.0.1:9/v1", timeoutMs: Infinity });
    const controller = new AbortController();
    await replicate.predictions.get({ prediction_id: "p1" });
    await replicate.predictions.get({ prediction_id: "p1" }, { signal: controller.signal });
    await replicate.predictions.get({ prediction_id: "p1" }, { timeoutMs: 5000 });
    expect(signals[0]).toBeNull();
    expect(signals[1]).toBe(controller.signal);
    // A per-call timeout still gets its own deadline signal.
    expect(signals[2]).toBeInstanceOf(AbortSignal);
    expect(signals[2]).not.toBe(controller.signal);
  });

  it("keeps a timeout longer than one timer can hold (about 24.8 days): neither 'fire now' nor 'never'", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(hang);
    const timeoutMs = 2 ** 32; // about 49.7 days
    const replicate = createReplicate({ auth: TOKEN, fetch, timeoutMs });
    const result = replicate.predictions.get({ prediction_id: "p1" }).catch((e) => e);
    await vi.advanceTimersByTimeAsync(timeoutMs - 1);
    expect(fetch.calls).toHaveLength(1);
    expect(fetch.calls[0]?.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.timeoutMs).toBe(timeoutMs);
    expect(fetch.calls[0]?.signal.aborted).toBe(true);
  });

  it("sends nothing when the signal is already aborted", async () => {
    const fetch = scriptedFetch();
    const controller = new AbortController();
    controller.abort(new Error("too late"));
    await expect(
      createReplicate({ auth: TOKEN, fetch }).predictions.get({ prediction_id: "p1" }, { signal: controller.signal }),
    ).rejects.toThrow("too late");
    expect(fetch.calls).toHaveLength(0);
  });
});

describe("errors", () => {
  const problem = {
    title: "Input validation failed",
    detail: "- input.prompt: Invalid type. Expected: string",
    status: 422,
    invalid_fields: [{ type: "invalid_type", field: "input.prompt", description: "Expected: string" }],
  };

  it("ApiError carries status, problem details, method, URL, headers and the exact body", async () => {
    const body = JSON.stringify(problem);
    const fetch = scriptedFetch(
      new Response(body, {
        status: 422,
        headers: { "content-type": "application/problem+json", "x-request-id": "r1" },
      }),
    );
    const error = await createReplicate({ auth: TOKEN, fetch })
      .predictions.create({ body: { version: "v", input: { prompt: 1 } } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      name: "ApiError",
      status: 422,
      title: problem.title,
      detail: problem.detail,
      invalidFields: problem.invalid_fields,
      method: "POST",
      url: "https://api.replicate.com/v1/predictions",
      body,
    });
    expect(error.headers.get("x-request-id")).toBe("r1");
    expect(error.message).toBe(`POST https://api.replicate.com/v1/predictions failed with 422: ${problem.detail}`);
  });

  it("keeps a non-JSON error body as text", async () => {
    const fetch = scriptedFetch(new Response("upstream gateway exploded", { status: 400 }));
    const error = await createReplicate({ auth: TOKEN, fetch, retry: false })
      .account.get()
      .catch((e) => e);
    expect(error).toMatchObject({ status: 400, body: "upstream gateway exploded", title: undefined });
    expect(error.message).toContain("upstream gateway exploded");
  });

  it("never shows the token: message, toString, JSON, stack", async () => {
    const fetch = scriptedFetch(json(401, { detail: "Invalid token" }), reset(), reset(), reset());
    const replicate = createReplicate({ auth: TOKEN, fetch, retry: { baseDelayMs: 1 } });
    const apiError = await replicate.account.get().catch((e) => e);
    const connError = await replicate.account.get().catch((e) => e);
    expect(isConnectionError(connError)).toBe(true);
    for (const error of [apiError, connError]) {
      const shown = [error.message, String(error), JSON.stringify(error), error.stack].join("\n");
      expect(shown).not.toContain(TOKEN);
    }
    expect(fetch.calls[0]?.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);
  });

  it("guards match by name too, for errors from another realm", () => {
    const foreign = vm.runInNewContext(
      "const e = new Error('x'); e.name = 'ApiError'; e.status = 500; const t = new Error('t'); t.name = 'TimeoutError'; t.timeoutMs = 1; [e, t]",
    );
    expect(foreign[0] instanceof ApiError).toBe(false);
    expect(isApiError(foreign[0])).toBe(true);
    expect(isReplicateError(foreign[0])).toBe(true);
    expect(isTimeoutError(foreign[1])).toBe(true);
    expect(isTimeoutError(new DOMException("t", "TimeoutError"))).toBe(false);
    expect(isInputError(new InputError("x"))).toBe(true);
    expect(isReplicateError(new Error("x"))).toBe(false);
  });
});

describe("options", () => {
  it("rejects a baseUrl that is not http(s)", () => {
    expect(() => createReplicate({ baseUrl: "ftp://example.test" })).toThrow(InputError);
    expect(() => createReplicate({ baseUrl: "/api/replicate" })).toThrow(/absolute/);
  });
  it("rejects a timeout that is not a positive number", () => {
    expect(() => createReplicate({ timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => createReplicate({ timeoutMs: -1 })).toThrow(/timeoutMs/);
    expect(() => createReplicate({ timeoutMs: Number.NaN })).toThrow(/timeoutMs/);
  });
  it("resolves a relative baseUrl against the page location in a browser", async () => {
    vi.stubGlobal("location", { href: "https://app.example.test/dashboard/" });
    const fetch = scriptedFetch(json(200, {}));
    const replicate = createReplicate({ fetch, baseUrl: "/api/replicate" });
    expect(replicate.baseUrl).toBe("https://app.example.test/api/replicate");
    await replicate.account.get();
    expect(fetch.calls[0]?.url).toBe("https://app.example.test/api/replicate/account");
  });
});

describe("createApiClient(replicate), the openapi-fetch client", () => {
  it("shares auth and retries, and returns { data } instead of throwing", async () => {
    const fetch = scriptedFetch(json(503, {}), json(200, prediction), json(404, { detail: "gone" }));
    const replicate = createReplicate({ auth: TOKEN, fetch, retry: { baseDelayMs: 1 } });
    const ok = await createApiClient(replicate).GET("/predictions/{prediction_id}", {
      params: { path: { prediction_id: "p1" } },
    });
    expect(ok.data).toEqual(prediction);
    const missing = await createApiClient(replicate).GET("/predictions/{prediction_id}", {
      params: { path: { prediction_id: "p2" } },
    });
    expect(missing.error).toEqual({ detail: "gone" });
    expect(missing.response.status).toBe(404);
    expect(fetch.calls.map((r) => [r.url, r.headers.get("authorization")])).toEqual([
      ["https://api.replicate.com/v1/predictions/p1", `Bearer ${TOKEN}`],
      ["https://api.replicate.com/v1/predictions/p1", `Bearer ${TOKEN}`],
      ["https://api.replicate.com/v1/predictions/p2", `Bearer ${TOKEN}`],
    ]);
  });
});
