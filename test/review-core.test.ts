// Adversarial review of src/core: attacks on the token's confinement, the money rule,
// deadlines and bad input, each checked on the wire through a recording `fetch` (no
// network: every URL here is only ever handed to that fetch).
import { getEventListeners } from "node:events";
import { inspect } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import { strictFetch } from "../src/core/methods.js";
import { partsOf } from "../src/core/parts.js";
import { underDeadline } from "../src/core/responses.js";
import { createLimiter, createReplicate, InputError, isApiError, TimeoutError } from "../src/index.js";
import { hang, json, scriptedFetch } from "./support/fake-fetch.js";
import { failed } from "./support/rejection.js";

const TOKEN = "r8_SECRETsecretSECRET";
const API = "https://api.replicate.com/v1";

afterEach(() => {
  vi.useRealTimers();
});

/** Settle within `ms`, or fail the test (rather than hang until vitest's timeout). */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)),
  ]);
}

/** A body that never yields a byte and ignores cancellation too. */
const stuck = () =>
  new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}), cancel: () => new Promise(() => {}) });

describe("deadlines hold whatever a custom fetch does", () => {
  it("an operation whose body never ends, from a fetch that ignores the signal, times out and frees its slot", async () => {
    // Only the download path watched the body; an operation (buffered) waited for it forever.
    const fetch = scriptedFetch(new Response(stuck()), json(200, { username: "next" }));
    const replicate = createReplicate({ auth: TOKEN, fetch, timeoutMs: 200, retry: false, limiter: createLimiter(1) });
    expect(await within(failed(replicate.account.get()), 3000)).toBeInstanceOf(TimeoutError);
    // The slot came back: with a cap of one, the next call goes through.
    await expect(within(replicate.account.get(), 3000)).resolves.toEqual({ username: "next" });
  });

  it("a fetch that never answers and ignores the signal times out too", async () => {
    const fetch = scriptedFetch(() => new Promise<Response>(() => {}));
    const replicate = createReplicate({ auth: TOKEN, fetch, timeoutMs: 200, retry: false });
    expect(await within(failed(replicate.account.get()), 3000)).toBeInstanceOf(TimeoutError);
  });

  it("a redirect whose body's cancel never settles does not hold up the next hop", async () => {
    const fetch = scriptedFetch(
      new Response(stuck(), { status: 302, headers: { location: "/v1/moved" } }),
      json(200, { ok: 1 }),
    );
    const replicate = createReplicate({ auth: TOKEN, fetch, timeoutMs: 2000, retry: false });
    await expect(within(replicate.account.get(), 1500)).resolves.toEqual({ ok: 1 });
    expect(fetch.calls.map((r) => r.url)).toEqual([`${API}/account`, `${API}/moved`]);
  });

  it("shared deadlines of different lengths each end on time: none early, none more than a second late", async () => {
    vi.useFakeTimers({ now: Date.parse("2026-11-25T10:00:00.250Z") });
    const fetch = vi.fn(hang);
    const replicate = createReplicate({ auth: TOKEN, fetch, retry: false });
    const started = Date.now();
    const ended: Record<string, number> = {};
    const call = (name: string, timeoutMs: number) =>
      replicate.account.get(undefined, { timeoutMs }).catch((e: unknown) => {
        expect(e).toBeInstanceOf(TimeoutError);
        ended[name] = Date.now() - started;
      });
    const calls = [call("30s", 30_000), call("120s", 120_000)];
    await vi.advanceTimersByTimeAsync(5_000);
    calls.push(call("15s at 5s", 15_000)); // due before the armed timer: the timer is brought forward
    await vi.advanceTimersByTimeAsync(16_000);
    calls.push(call("10s at 21s", 10_000)); // joins while others run, due between two others
    await vi.advanceTimersByTimeAsync(120_000);
    await Promise.all(calls);
    const expected = { "30s": 30_000, "120s": 120_000, "15s at 5s": 20_000, "10s at 21s": 31_000 };
    for (const [name, at] of Object.entries(expected)) {
      expect(ended[name], name).toBeGreaterThanOrEqual(at);
      expect(ended[name], name).toBeLessThanOrEqual(at + 1000);
    }
  });
});

describe("the token and other credentials stay out of errors", () => {
  it("a baseUrl with user:password@ is an InputError when the client is made, without the password", () => {
    // Before: every call failed as a ConnectionError quoting the URL, password and all.
    for (const baseUrl of ["https://user:hunter2@proxy.test/v1", "https://:hunter2@proxy.test/v1"]) {
      const error = (() => {
        try {
          createReplicate({ auth: TOKEN, baseUrl, fetch: scriptedFetch() });
        } catch (e) {
          return e as Error;
        }
      })();
      expect(error).toBeInstanceOf(InputError);
      expect(error?.message).not.toContain("hunter2");
    }
    // An @ in the path is not a credential.
    expect(createReplicate({ auth: TOKEN, baseUrl: "https://proxy.test/@team/v1" }).baseUrl).toBe(
      "https://proxy.test/@team/v1",
    );
  });

  it("an ApiError does not repeat the token when a server or gateway echoes it back", async () => {
    const echoed = `Invalid header Authorization: Bearer ${TOKEN}`;
    const fetch = scriptedFetch(json(400, { detail: echoed }), new Response(echoed, { status: 502 }));
    const replicate = createReplicate({ auth: TOKEN, fetch, retry: false });
    for (const call of [replicate.account.get(), replicate.predictions.create({ body: { version: "v", input: {} } })]) {
      const error = await failed(call);
      expect(isApiError(error)).toBe(true);
      const shown = [error.message, String(error), JSON.stringify(error), inspect(error), error.stack].join("\n");
      expect(shown).not.toContain(TOKEN);
      expect(shown).toContain("Bearer [token]"); // the rest of the body is kept
    }
    expect(fetch.calls.map((r) => r.headers.get("authorization"))).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  });

  it("a redirect downgrading to http, or to a protocol-relative or look-alike host, drops the token there", async () => {
    const fetch = scriptedFetch(
      new Response(null, { status: 302, headers: { location: "http://api.replicate.com/v1/a" } }),
      json(200, {}),
      new Response(null, { status: 302, headers: { location: "//api.replicate.com.evil.test/b" } }),
      json(200, {}),
      new Response(null, { status: 307, headers: { location: "https://API.REPLICATE.COM:443/v1/c" } }),
      json(200, {}),
    );
    const replicate = createReplicate({ auth: TOKEN, fetch, retry: false, headers: { "x-key": "k" } });
    for (let i = 0; i < 3; i++) await replicate.account.get();
    expect(fetch.calls.map((r) => [r.url, r.headers.get("authorization"), r.headers.get("x-key")])).toEqual([
      [`${API}/account`, `Bearer ${TOKEN}`, "k"],
      ["http://api.replicate.com/v1/a", null, null],
      [`${API}/account`, `Bearer ${TOKEN}`, "k"],
      ["https://api.replicate.com.evil.test/b", null, null],
      [`${API}/account`, `Bearer ${TOKEN}`, "k"],
      // The same origin written differently is the same origin: it keeps them.
      [`${API}/c`, `Bearer ${TOKEN}`, "k"],
    ]);
  });
});

describe("bad header values fail first", () => {
  it("a header param or User-Agent past Latin-1 is an InputError, not a 'connection error' of a create", async () => {
    const fetch = scriptedFetch();
    const replicate = createReplicate({ auth: TOKEN, fetch, retry: false });
    const error = await failed(
      replicate.predictions.create({ Prefer: "wait=5€", body: { version: "v", input: {} } } as never),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/prefer/i);
    expect(() => createReplicate({ auth: TOKEN, fetch, userAgent: "app/1 ☃" })).toThrow(InputError);
    expect(fetch.calls).toHaveLength(0);
  });
});

describe("odd arguments from JavaScript fail first, as InputErrors", () => {
  it("a lone surrogate in a path or query value: an InputError naming the parameter, nothing sent", async () => {
    const fetch = scriptedFetch();
    const replicate = createReplicate({ auth: TOKEN, fetch, retry: false });
    const inPath = await failed(replicate.predictions.get({ prediction_id: "a\uD800" }));
    expect(inPath).toBeInstanceOf(InputError);
    expect(inPath.message).toBe(
      'predictions.get: "prediction_id" has a lone UTF-16 surrogate, which a URL cannot carry.',
    );
    const inQuery = await failed(replicate.search({ query: "fox \uDC00" }));
    expect(inQuery).toBeInstanceOf(InputError);
    expect(inQuery.message).toContain('"query"');
    expect(fetch.calls).toHaveLength(0);
  });

  it("createReplicate(token) or createReplicate(null): an InputError, not a client that ignores it", () => {
    for (const wrong of ["r8_abc", null]) {
      let error: unknown;
      try {
        createReplicate(wrong as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe(
        `options must be an object like { auth }, got ${wrong === null ? "null" : "string"}.`,
      );
    }
  });

  it("null per-call options are no options", async () => {
    const fetch = scriptedFetch(json(200, { type: "user", username: "u", name: "U" }));
    const replicate = createReplicate({ auth: TOKEN, fetch, retry: false });
    expect(await replicate.account.get(undefined, null as never)).toMatchObject({ username: "u" });
    expect(fetch.calls.map((r) => `${r.method} ${r.url}`)).toEqual(["GET https://api.replicate.com/v1/account"]);
  });
});

describe("a rate-limited call does not spin", () => {
  it("a sub-second Retry-After (0.001) backs off as with none, instead of retrying every millisecond", async () => {
    const fetch = vi.fn(async () => json(429, { detail: "slow down" }, { "retry-after": "0.001" }));
    const replicate = createReplicate({ auth: TOKEN, fetch, timeoutMs: 1000, retry: { baseDelayMs: 200 } });
    expect(await failed(replicate.predictions.create({ body: { version: "v", input: {} } }))).toBeInstanceOf(
      TimeoutError,
    );
    // Backoff 100–200, 200–400, 400–800 ms: at most five sends in a second (before: hundreds).
    expect(fetch.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(fetch.mock.calls.length).toBeLessThanOrEqual(5);
  });
});

describe("open-ended requests (streams)", () => {
  const sse = () => new Response("data: x\n\n", { headers: { "content-type": "text/event-stream" } });

  it("leave no listener on the caller's signal once their body has ended", async () => {
    // Each reconnect of one stream opens with the stream's signal: listeners piled up on
    // it (MaxListenersExceededWarning past 10), one per connection, for the stream's life.
    const { send } = partsOf(createReplicate({ auth: TOKEN, fetch: async () => sse(), timeoutMs: 5000 }));
    const caller = new AbortController();
    const options = { signal: caller.signal, buffer: false, openEnded: true };
    for (let i = 0; i < 12; i++) {
      const response = await strictFetch(send, options)({ url: `${API}/stream`, method: "GET", headers: {} });
      expect(await response.text()).toBe("data: x\n\n");
    }
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
  });

  it("still end with the caller's reason when the caller aborts mid-body, past the per-call deadline", async () => {
    const { send } = partsOf(createReplicate({ auth: TOKEN, fetch: async () => new Response(stuck()), timeoutMs: 50 }));
    const caller = new AbortController();
    const response = await send(
      { url: `${API}/stream`, method: "GET", headers: {} },
      { signal: caller.signal, buffer: false, openEnded: true, hold: underDeadline },
    );
    const reading = response.text();
    await new Promise((r) => setTimeout(r, 150)); // past the 50 ms deadline: the body is not cut
    caller.abort(new Error("user stopped"));
    await expect(within(reading, 2000)).rejects.toThrow("user stopped");
  });
});
