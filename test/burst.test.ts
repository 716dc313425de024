// Bursts and rate limits: the wait after a 429 is jittered, a 429 is retried until the
// call's deadline (never past it, and never after a 5xx on a create), and the default
// client adapts its own concurrency to the rate limit (AIMD) unless given a limiter.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createAdaptiveLimiter, START_WINDOW } from "../src/core/adaptive.js";
import type { Release } from "../src/core/limiter.js";
import { resolveRetry, retryWait } from "../src/core/retry.js";
import { createLimiter, createReplicate, TimeoutError } from "../src/index.js";
import { json, reset, scriptedFetch } from "./support/fake-fetch.js";

const prediction = { id: "p1", status: "starting" };
const createParams = { body: { version: "v1", input: { prompt: "hi" } } } as const;
const tooMany = (retryAfter = "1") => json(429, { detail: "slow down" }, { "retry-after": retryAfter });

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("the wait after a 429", () => {
  const policy = resolveRetry({ baseDelayMs: 500, maxDelayMs: 30_000 });
  const wait = (retryAfter: string | null, random: number, spent = { tries: 0, limited: 0 }) =>
    retryWait("POST", 429, retryAfter, spent, policy, true, () => random);

  it("is Retry-After plus up to half as long again: never sooner than asked", () => {
    expect(wait("2", 0)).toBe(2000);
    expect(wait("2", 0.5)).toBe(2500);
    expect(wait("2", 1)).toBe(3000);
    for (let i = 0; i < 100; i++) {
      const ms = retryWait("POST", 429, "1", { tries: 0, limited: 0 }, policy, true) as number;
      expect(ms).toBeGreaterThanOrEqual(1000);
      expect(ms).toBeLessThanOrEqual(1500);
    }
  });

  it("spreads a burst: calls refused in the same instant do not come back in the same instant", () => {
    const waits = new Set(
      Array.from({ length: 50 }, () => retryWait("POST", 429, "1", { tries: 0, limited: 0 }, policy, true)),
    );
    expect(waits.size).toBeGreaterThan(40);
  });

  it("never exceeds maxDelayMs; a Retry-After above it hands the 429 back", () => {
    const tight = resolveRetry({ maxDelayMs: 2500 });
    expect(retryWait("POST", 429, "2", { tries: 0, limited: 0 }, tight, true, () => 1)).toBe(2500);
    expect(retryWait("POST", 429, "3", { tries: 0, limited: 0 }, tight, true, () => 0)).toBeUndefined();
  });

  it("backs off exponentially without a Retry-After, or with 0 (no spinning)", () => {
    expect(wait(null, 1, { tries: 0, limited: 0 })).toBe(500);
    expect(wait("0", 1, { tries: 0, limited: 3 })).toBe(4000);
  });

  it("does not use up `retries` with a deadline; counts against them without one", () => {
    const spent = { tries: 2, limited: 0 };
    expect(retryWait("POST", 429, "1", spent, policy, true, () => 0)).toBe(1000);
    expect(spent).toEqual({ tries: 2, limited: 1 });
    expect(retryWait("POST", 429, "1", spent, policy, false, () => 0)).toBeUndefined();
    expect(retryWait("POST", 429, "1", { tries: 0, limited: 0 }, resolveRetry(false), true)).toBeUndefined();
  });

  it("a 5xx on a create is never waited on: the prediction may be running", () => {
    expect(retryWait("POST", 503, "1", { tries: 0, limited: 0 }, policy, true)).toBeUndefined();
    expect(retryWait("GET", 503, "1", { tries: 0, limited: 0 }, policy, true, () => 0)).toBe(1000);
  });
});

describe("429s are retried until the deadline", () => {
  const client = (fetch: ReturnType<typeof scriptedFetch>, timeoutMs?: number) =>
    createReplicate({ auth: "r8_test", fetch, ...(timeoutMs ? { timeoutMs } : {}) });

  it("a create answered 429 ten times, then 201, succeeds (not after `retries`)", async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(0);
    const fetch = scriptedFetch(...Array.from({ length: 10 }, () => tooMany()), json(201, prediction));
    const result = client(fetch).predictions.create(createParams);
    await vi.advanceTimersByTimeAsync(9999);
    expect(fetch.calls).toHaveLength(10);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toEqual(prediction);
    expect(fetch.calls).toHaveLength(11);
    expect(new Set(await Promise.all(fetch.calls.map((r) => r.text())))).toEqual(
      new Set([JSON.stringify(createParams.body)]),
    );
  });

  it("never past it: a TimeoutError at the deadline, and nothing sent after", async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(0.5); // waits of 1.5 s: sends at 0, 1.5, 3, 4.5 s
    const fetch = scriptedFetch(...Array.from({ length: 20 }, () => tooMany()));
    const result = client(fetch, 5000)
      .predictions.create(createParams)
      .catch((e) => e);
    await vi.advanceTimersByTimeAsync(4999);
    expect(fetch.calls).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(1);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.timeoutMs).toBe(5000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch.calls).toHaveLength(4);
  });

  it("a 5xx after 429s still ends a create: it is handed back, never sent again", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(tooMany(), tooMany(), tooMany(), json(503, { detail: "down" }), json(201, prediction));
    const result = client(fetch)
      .predictions.create(createParams)
      .catch((e) => e);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await result).toMatchObject({ name: "ApiError", status: 503 });
    expect(fetch.calls).toHaveLength(4);
  });

  it("without a deadline, 429s count against `retries`", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(tooMany(), tooMany(), tooMany(), json(201, prediction));
    const replicate = createReplicate({ auth: "r8_test", fetch, timeoutMs: Number.POSITIVE_INFINITY });
    const result = replicate.predictions.create(createParams).catch((e) => e);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await result).toMatchObject({ name: "ApiError", status: 429 });
    expect(fetch.calls).toHaveLength(3);
  });
});

describe("the adaptive limiter (AIMD)", () => {
  /** Acquire, expecting a slot at once (the release itself, not a promise). */
  const now = (limiter: ReturnType<typeof createAdaptiveLimiter>): Release => {
    const got = limiter.acquire(undefined);
    expect(typeof got, "a slot at once").toBe("function");
    return got as Release;
  };
  const settled = async (promise: Promise<unknown>) => {
    let done = false;
    void promise.then(
      () => (done = true),
      () => (done = true),
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    return done;
  };

  it("starts with a generous window and queues beyond it", async () => {
    const limiter = createAdaptiveLimiter();
    const held = Array.from({ length: START_WINDOW }, () => now(limiter));
    const queued = limiter.acquire(undefined) as Promise<Release>;
    expect(queued).toBeInstanceOf(Promise);
    expect(await settled(queued)).toBe(false);
    held[0]?.(false);
    expect(await settled(queued)).toBe(true);
  });

  it("halves on a 429, once per round: 429s to requests sent under the old window do not halve it again", async () => {
    const limiter = createAdaptiveLimiter(8);
    const first = Array.from({ length: 8 }, () => now(limiter));
    for (const release of first) release(true); // one round of 429s: 8 → 4, not 8 → 1/32
    const second = Array.from({ length: 4 }, () => now(limiter));
    const queued = limiter.acquire(undefined) as Promise<Release>;
    expect(queued).toBeInstanceOf(Promise);
    second[0]?.(true); // sent under the halved window: halves it again, 4 → 2
    for (const release of second.slice(1)) release(); // no answer: no change
    await queued; // 1 in flight
    now(limiter); // 2 in flight
    expect(limiter.acquire(undefined)).toBeInstanceOf(Promise);
  });

  it("after a 429, grows by one per window's worth of answers (additive increase)", async () => {
    const limiter = createAdaptiveLimiter(4);
    const first = Array.from({ length: 4 }, () => now(limiter));
    first[0]?.(true); // 4 → 2
    for (const release of first.slice(1)) release();
    const x = now(limiter);
    now(limiter);
    const queued = limiter.acquire(undefined) as Promise<Release>;
    x(false); // 2 → 2.5: with 1 in flight, the queued call goes
    await queued;
    now(limiter); // 2 in flight < 2.5: a third fits
    expect(limiter.acquire(undefined)).toBeInstanceOf(Promise);
  });

  it("grows on answers while in use: by one per answer before any 429 (slow start)", async () => {
    const limiter = createAdaptiveLimiter(2);
    const a = now(limiter);
    now(limiter);
    const c = limiter.acquire(undefined) as Promise<Release>;
    a(false); // window 3, 1 in flight: c goes, and one more fits
    await c;
    now(limiter);
    expect(limiter.acquire(undefined)).toBeInstanceOf(Promise);
  });

  it("does not grow while idle: answers with room to spare leave the window as it is", () => {
    const limiter = createAdaptiveLimiter(2);
    for (let i = 0; i < 10; i++) now(limiter)(false);
    now(limiter);
    now(limiter);
    expect(limiter.acquire(undefined)).toBeInstanceOf(Promise);
  });

  it("never below one, and errors without an answer change nothing", async () => {
    const limiter = createAdaptiveLimiter(1);
    now(limiter)(true);
    now(limiter)(true);
    const a = now(limiter);
    expect(limiter.acquire(undefined)).toBeInstanceOf(Promise);
    a();
  });

  it("a call aborted while queued leaves the queue with the signal's reason", async () => {
    const limiter = createAdaptiveLimiter(1);
    const a = now(limiter);
    const controller = new AbortController();
    const queued = limiter.acquire(controller.signal) as Promise<Release>;
    const next = limiter.acquire(undefined) as Promise<Release>;
    const reason = new Error("gave up");
    controller.abort(reason);
    await expect(queued).rejects.toBe(reason);
    a(false);
    await expect(next).resolves.toBeTypeOf("function");
  });
});

describe("the default client under a burst", () => {
  /** A server allowing `limit` requests in flight, each answered after 5 ms; 429 past that. */
  function limitedServer(limit: number) {
    let inFlight = 0;
    const seen = { requests: 0, refused: 0, most: 0 };
    const fetch = async (request: Request) => {
      seen.requests++;
      if (inFlight >= limit) {
        seen.refused++;
        return tooMany();
      }
      inFlight++;
      seen.most = Math.max(seen.most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return json(201, { id: String(JSON.parse(await request.text()).input.n), status: "succeeded" });
    };
    return { fetch, seen };
  }

  async function burst(replicate: ReturnType<typeof createReplicate>, calls: number) {
    const results = Promise.allSettled(
      Array.from({ length: calls }, (_, n) => replicate.predictions.create({ body: { version: "v", input: { n } } })),
    );
    await vi.advanceTimersByTimeAsync(60_000);
    return results;
  }

  it("turns 300 calls against a limit of 40 into a queue: all complete, few 429s", async () => {
    vi.useFakeTimers();
    const server = limitedServer(40);
    const results = await burst(createReplicate({ auth: "r8", fetch: server.fetch }), 300);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(300);
    // The first round refuses what the start window sends over the limit (24); once
    // halved, the window creeps back up and earns a 429 or two per cycle.
    expect(server.seen.refused).toBeLessThanOrEqual(START_WINDOW - 40 + 6);
    expect(server.seen.requests).toBeLessThanOrEqual(300 * 1.2);
  });

  it("an explicit limiter wins: no adaptation, and its release learns which attempts were rate limited", async () => {
    vi.useFakeTimers();
    const server = limitedServer(2);
    const told: (boolean | undefined)[] = [];
    const inner = createLimiter(3);
    const limiter = {
      acquire: async (signal: AbortSignal | undefined) => {
        const release = await inner.acquire(signal);
        return (rateLimited?: boolean) => {
          told.push(rateLimited);
          release();
        };
      },
    };
    const results = await burst(createReplicate({ auth: "r8", fetch: server.fetch, limiter }), 30);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(30);
    expect(server.seen.most).toBe(2);
    // A fixed cap of 3 against a limit of 2 keeps earning 429s: nothing adapts it.
    expect(server.seen.refused).toBeGreaterThan(5);
    expect(told.filter((t) => t === true)).toHaveLength(server.seen.refused);
    expect(told.filter((t) => t === false)).toHaveLength(30);
  });

  it("a slot is not held through the backoff after a connection error", async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(1);
    const sent: string[] = [];
    const fetch = async (request: Request) => {
      const id = new URL(request.url).pathname.split("/").at(-1) as string;
      sent.push(id);
      if (id === "a" && sent.length === 1) throw reset();
      return json(200, { id });
    };
    const replicate = createReplicate({
      auth: "r8",
      fetch,
      limiter: createLimiter(1),
      retry: { baseDelayMs: 10_000 },
    });
    const a = replicate.predictions.get({ prediction_id: "a" });
    const b = replicate.predictions.get({ prediction_id: "b" });
    await vi.advanceTimersByTimeAsync(1000); // a backs off for 10 s; b goes meanwhile
    expect(sent).toEqual(["a", "b"]);
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(Promise.all([a, b])).resolves.toEqual([{ id: "a" }, { id: "b" }]);
    expect(sent).toEqual(["a", "b", "a"]);
  });

  it("limiter: false sends every call at once", async () => {
    vi.useFakeTimers();
    const server = limitedServer(1000);
    const results = await burst(createReplicate({ auth: "r8", fetch: server.fetch, limiter: false }), 100);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(100);
    expect(server.seen.most).toBe(100);
  });
});
