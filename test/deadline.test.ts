// The per-call deadline without its per-call cost: long deadlines of calls without a
// signal of their own share one signal and one timer (a few calls per second's bucket),
// yet still abort the HTTP request; short ones stay exact. And making a client touches
// none of the fetch machinery (Headers, Request, Response, FormData).
import { afterEach, describe, expect, it, vi } from "vitest";
import { deadline } from "../src/core/signals.js";
import { createReplicate, InputError, TimeoutError } from "../src/index.js";
import { hang, json, scriptedFetch } from "./support/fake-fetch.js";

const TOKEN = "r8_test";

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** Stub the global fetch, recording the signal each call was handed. */
function recordSignals(respond: (signal: AbortSignal) => Promise<Response> = async () => json(200, { id: "p" })) {
  const signals: AbortSignal[] = [];
  vi.stubGlobal("fetch", (_url: string, init: RequestInit) => {
    signals.push(init.signal as AbortSignal);
    return respond(init.signal as AbortSignal);
  });
  return signals;
}

const api = (options: Parameters<typeof createReplicate>[0] = {}) =>
  createReplicate({ auth: TOKEN, baseUrl: "http://127.0.0.1:9/v1", ...options });

describe("the shared deadline", () => {
  it("aborts a hanging request at the default deadline (120 s), within a second: TimeoutError", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(hang);
    const result = createReplicate({ auth: TOKEN, fetch })
      .predictions.get({ prediction_id: "p1" })
      .catch((e) => e);
    await vi.advanceTimersByTimeAsync(119_999);
    expect(fetch.calls[0]?.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1001);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeoutMs: 120_000 });
    expect(fetch.calls[0]?.signal.aborted).toBe(true);
  });

  it("is one signal for calls started close together, a few at most; a call with its own signal gets its own", async () => {
    const signals = recordSignals();
    const replicate = api();
    // Starting within the same millisecond: their deadlines share a bucket.
    vi.useFakeTimers({ now: Date.parse("2026-11-25T10:00:00.000Z") });
    await Promise.all(Array.from({ length: 10 }, () => replicate.predictions.get({ prediction_id: "p" })));
    const caller = new AbortController();
    await replicate.predictions.get({ prediction_id: "p" }, { signal: caller.signal });
    expect(new Set(signals.slice(0, 8)).size).toBe(1);
    expect(signals[8]).not.toBe(signals[0]);
    expect(signals[10]).not.toBe(caller.signal);
    expect(signals.slice(0, 10)).not.toContain(signals[10]);
    expect(signals.every((s) => !s.aborted)).toBe(true);
  });

  it("a completed call is untouched when its shared timer fires later; the next call gets a fresh signal", async () => {
    vi.useFakeTimers();
    const signals = recordSignals();
    const replicate = api();
    await expect(replicate.predictions.get({ prediction_id: "p" })).resolves.toEqual({ id: "p" });
    await vi.advanceTimersByTimeAsync(200_000); // the idle slot's timer fires: nothing to abort
    await expect(replicate.predictions.get({ prediction_id: "p" })).resolves.toEqual({ id: "p" });
    expect(signals[1]).not.toBe(signals[0]);
    expect(signals[1]?.aborted).toBe(false);
  });

  it("leaves no timer holding the process once calls are done (no timer per call either)", async () => {
    recordSignals();
    const real = globalThis.setTimeout;
    const timers: ReturnType<typeof setTimeout>[] = [];
    vi.stubGlobal("setTimeout", (...args: Parameters<typeof setTimeout>) => {
      const timer = real(...args);
      timers.push(timer);
      return timer;
    });
    const replicate = api();
    for (let i = 0; i < 4; i++) await replicate.predictions.get({ prediction_id: "p" });
    // One timer for the four (one bucket), unless they straddled a second.
    expect(timers.length).toBeLessThanOrEqual(2);
    expect(timers.filter((t) => t.hasRef())).toEqual([]);
  });

  it("never hands a fired signal to a later call", async () => {
    vi.useFakeTimers({ now: Date.parse("2026-11-25T10:00:00.000Z") });
    const signals = recordSignals(
      (signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
        ),
    );
    const replicate = api({ timeoutMs: 10_000 });
    const first = replicate.predictions.get({ prediction_id: "p" }).catch((e) => e);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await first).toBeInstanceOf(TimeoutError);
    // Same bucket as the first, had it not fired: 10 s after the start of this second.
    vi.setSystemTime(Date.parse("2026-11-25T10:00:00.000Z"));
    const second = replicate.predictions.get({ prediction_id: "p" }).catch((e) => e);
    await vi.advanceTimersByTimeAsync(0);
    expect(signals[1]).not.toBe(signals[0]);
    expect(signals[1]?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await second).toBeInstanceOf(TimeoutError);
  });

  it("keeps short deadlines exact, each with a signal of its own", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(hang);
    const result = createReplicate({ auth: TOKEN, fetch })
      .predictions.get({ prediction_id: "p1" }, { timeoutMs: 3000 })
      .catch((e) => e);
    await vi.advanceTimersByTimeAsync(2999);
    expect(fetch.calls[0]?.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toMatchObject({ name: "TimeoutError", timeoutMs: 3000 });
  });

  it("deadline() shares only when asked, without a caller's signal, and for long deadlines", () => {
    const a = deadline(undefined, 60_000, true);
    const b = deadline(undefined, 60_000, true);
    const own = deadline(undefined, 60_000);
    const short = deadline(undefined, 5000, true);
    const caller = deadline(new AbortController().signal, 60_000, true);
    try {
      expect(a.signal).toBe(b.signal);
      for (const d of [own, short, caller]) expect(d.signal).not.toBe(a.signal);
    } finally {
      for (const d of [a, b, own, short, caller]) d.dispose();
    }
  });

  it("queued calls sharing a signal print no MaxListenersExceededWarning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      recordSignals(async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return json(200, { id: "p" });
      });
      const replicate = api({ limiter: { acquire: async () => () => {} } });
      const one = api();
      await Promise.all([
        ...Array.from({ length: 40 }, () => replicate.predictions.get({ prediction_id: "p" })),
        ...Array.from({ length: 200 }, () => one.predictions.get({ prediction_id: "p" })),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  });
});

describe("making a client", () => {
  it("constructs no Headers, Request, Response or FormData", () => {
    const made: string[] = [];
    for (const name of ["Headers", "Request", "Response", "FormData"] as const) {
      const real = globalThis[name];
      vi.stubGlobal(
        name,
        new Proxy(real, {
          construct(target, args, newTarget) {
            made.push(name);
            return Reflect.construct(target, args, newTarget);
          },
        }),
      );
    }
    createReplicate({ auth: TOKEN, headers: { "X-Team": "ml", "x-trace": "a" } });
    createReplicate({ auth: TOKEN, headers: [["X-Team", "ml"]] as never });
    expect(made).toEqual([]);
  });

  it("checks the client's headers by hand as Headers would: names lower-cased, values trimmed, repeats joined", async () => {
    const seen: Record<string, string>[] = [];
    vi.stubGlobal("fetch", async (_url: string, init: RequestInit) => {
      seen.push(init.headers as Record<string, string>);
      return json(200, {});
    });
    const pairs = [
      ["X-Team", " ml\t"],
      ["x-team", "ops"],
      ["Constructor", "x"],
      ["X-Latin", "café"],
    ];
    await api({ headers: pairs as never, userAgent: false }).account.get();
    expect(seen[0]).toEqual({
      "x-team": "ml, ops",
      constructor: "x",
      "x-latin": "café",
      authorization: `Bearer ${TOKEN}`,
    });
    const refused = [{ "bad name": "x" }, { "": "x" }, { "x-euro": "€" }, { "x-nl": "a\nb" }];
    for (const headers of refused) expect(() => api({ headers }), JSON.stringify(headers)).toThrow(InputError);
    expect(() => api({ headers: { "x-secret": "s3cret€" } })).toThrow(/not a valid token|cannot carry/);
    try {
      api({ headers: { "x-secret": "s3cret€" } });
    } catch (error) {
      expect(String(error)).not.toContain("s3cret");
    }
  });
});
