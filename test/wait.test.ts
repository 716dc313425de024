// wait(): polling a prediction (by id or object) until it ends, with exact timing checked
// under fake timers through a scripted fetch, and the wire checked with nock.
import nock from "nock";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AbortError,
  ApiError,
  createReplicate,
  isTimeoutError,
  type Prediction,
  type Progress,
  TERMINAL,
  TimeoutError,
  wait,
} from "../src/index.js";
import { calls, hang, json, refused, type ScriptedFetch, type Step, scriptedFetch } from "./support/fake-fetch.js";
import { prediction } from "./support/fixtures.js";

const URL_P1 = "https://api.replicate.com/v1/predictions/p1";

const pred = (status: string, extra: Record<string, unknown> = {}) =>
  prediction("p1", status, { input: {}, ...extra }) as unknown as Prediction;

const client = (fetch: ScriptedFetch, retry: { maxDelayMs?: number } | false = false) =>
  createReplicate({ auth: "r8_test", fetch, retry });

/** Wraps steps so that each records the (fake) time it was called at, relative to `start`. */
function timed(times: number[], start: number, ...steps: Step[]): Step[] {
  return steps.map((step) => async (request: Request) => {
    times.push(Date.now() - start);
    if (step instanceof Error) throw step;
    return typeof step === "function" ? step(request) : step;
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe("what wait accepts", () => {
  it("an id: GETs it at once, then polls", async () => {
    vi.useFakeTimers();
    const times: number[] = [];
    const fetch = scriptedFetch(
      ...timed(times, Date.now(), json(200, pred("processing")), json(200, pred("succeeded", { output: "ok" }))),
    );
    const result = wait(client(fetch), "p1");
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(500);
    await expect(result).resolves.toMatchObject({ id: "p1", status: "succeeded", output: "ok" });
    expect(times).toEqual([0, 500]);
    expect(fetch.calls.map((r) => `${r.method} ${r.url}`)).toEqual([`GET ${URL_P1}`, `GET ${URL_P1}`]);
    expect(fetch.calls[0]?.headers.get("authorization")).toBe("Bearer r8_test");
  });

  it("a prediction object: no initial GET, the first poll after one interval", async () => {
    vi.useFakeTimers();
    const times: number[] = [];
    const fetch = scriptedFetch(...timed(times, Date.now(), json(200, pred("succeeded"))));
    const result = wait(client(fetch), pred("starting"));
    await vi.advanceTimersByTimeAsync(499);
    expect(fetch.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toMatchObject({ status: "succeeded" });
    expect(times).toEqual([500]);
  });

  it.each([...TERMINAL])("an object already %s: returned as is, without any request", async (status) => {
    const fetch = scriptedFetch();
    const done = pred(status);
    await expect(wait(client(fetch), done)).resolves.toBe(done);
    expect(fetch.calls).toHaveLength(0);
  });

  it("terminal statuses are exactly succeeded, failed, canceled and aborted", () => {
    expect([...TERMINAL].sort()).toEqual(["aborted", "canceled", "failed", "succeeded"]);
  });

  it("an id that is already terminal: one GET", async () => {
    const fetch = scriptedFetch(json(200, pred("failed", { error: "boom" })));
    // wait resolves to failed predictions; only run turns them into errors.
    await expect(wait(client(fetch), "p1")).resolves.toMatchObject({ status: "failed", error: "boom" });
    expect(fetch.calls).toHaveLength(1);
  });

  it("GETs /v1/predictions/{id} on the wire, with the token", async () => {
    const seen: Record<string, unknown>[] = [];
    const scope = nock("https://api.replicate.com")
      .get("/v1/predictions/p1")
      .reply(200, pred("processing"))
      .get("/v1/predictions/p1")
      .reply(200, pred("succeeded"));
    scope.on("request", (req: { headers: Record<string, unknown> }) => seen.push(req.headers));
    const replicate = createReplicate({ auth: "r8_test" });
    await expect(wait(replicate, "p1", { interval: { initialMs: 1 } })).resolves.toMatchObject({ status: "succeeded" });
    expect(seen.map((h) => h.authorization)).toEqual(["Bearer r8_test", "Bearer r8_test"]);
  });
});

describe("statuses", () => {
  it("an unknown status keeps the loop going", async () => {
    const fetch = scriptedFetch(
      json(200, pred("queued")),
      json(200, pred("booting")),
      json(200, pred("succeeded", { output: 1 })),
    );
    await expect(wait(client(fetch), pred("starting"), { interval: { initialMs: 1 } })).resolves.toMatchObject({
      status: "succeeded",
    });
    expect(fetch.calls).toHaveLength(3);
  });

  it("aborted is terminal: polling stops there", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(json(200, pred("aborted")));
    const result = wait(client(fetch), pred("starting"));
    await vi.advanceTimersByTimeAsync(500);
    await expect(result).resolves.toMatchObject({ status: "aborted" });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch.calls).toHaveLength(1);
  });
});

describe("polling intervals", () => {
  it("start at 500 ms and grow 1.5× per poll, up to 5 s, by default", async () => {
    vi.useFakeTimers();
    const times: number[] = [];
    const steps = Array.from({ length: 9 }, () => json(200, pred("processing")));
    const fetch = scriptedFetch(...timed(times, Date.now(), ...steps, json(200, pred("succeeded"))));
    const result = wait(client(fetch), pred("starting"));
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(result).resolves.toMatchObject({ status: "succeeded" });
    expect(times.slice(0, 3)).toEqual([500, 1250, 2375]);
    const gaps = times.map((t, i) => t - (times[i - 1] ?? 0));
    // 500, 750, 1125, 1687.5, 2531.25, 3796.875, then 5695.3 is capped to 5000 for good
    // (timers run on whole milliseconds, so allow 1 ms for the fractions).
    const expected = [500, 750, 1125, 1687.5, 2531.25, 3796.875, 5000, 5000, 5000, 5000];
    gaps.forEach((gap, i) => {
      expect(Math.abs(gap - (expected[i] as number)), `gap ${i}: ${gap}`).toBeLessThanOrEqual(1);
    });
    expect(gaps.slice(6)).toEqual([5000, 5000, 5000, 5000]);
    expect(times).toHaveLength(10);
  });

  it("follow the interval option and are capped at interval.maxMs", async () => {
    vi.useFakeTimers();
    const times: number[] = [];
    const steps = Array.from({ length: 5 }, () => json(200, pred("processing")));
    const fetch = scriptedFetch(...timed(times, Date.now(), ...steps, json(200, pred("succeeded"))));
    const result = wait(client(fetch), pred("starting"), { interval: { initialMs: 100, factor: 2, maxMs: 300 } });
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(result).resolves.toMatchObject({ status: "succeeded" });
    expect(times).toEqual([100, 300, 600, 900, 1200, 1500]);
  });

  it("a factor of 1 polls at a fixed rate", async () => {
    vi.useFakeTimers();
    const times: number[] = [];
    const fetch = scriptedFetch(
      ...timed(
        times,
        Date.now(),
        json(200, pred("processing")),
        json(200, pred("processing")),
        json(200, pred("succeeded")),
      ),
    );
    const result = wait(client(fetch), "p1", { interval: { initialMs: 250, factor: 1 } });
    await vi.advanceTimersByTimeAsync(1000);
    await expect(result).resolves.toMatchObject({ status: "succeeded" });
    expect(times).toEqual([0, 250, 500]);
  });
});

describe("429 while polling", () => {
  it("waits as long as Retry-After asks, then goes on polling", async () => {
    vi.useFakeTimers();
    const times: number[] = [];
    const fetch = scriptedFetch(
      ...timed(
        times,
        Date.now(),
        json(429, { detail: "slow down" }, { "retry-after": "3" }), // at 500
        json(200, pred("processing")),
        json(200, pred("succeeded", { output: "ok" })),
      ),
    );
    const result = wait(client(fetch), pred("processing"));
    await vi.advanceTimersByTimeAsync(500);
    expect(times).toEqual([500]);
    await vi.advanceTimersByTimeAsync(2999);
    expect(fetch.calls, "no poll before the time the server asked for").toHaveLength(1);
    await vi.advanceTimersByTimeAsync(30_000);
    await expect(result).resolves.toMatchObject({ status: "succeeded", output: "ok" });
    expect(times).toHaveLength(3);
    expect(times[1]).toBeGreaterThanOrEqual(3500);
  });

  it("without Retry-After, waits one interval and goes on", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(json(429, { detail: "slow down" }), json(200, pred("succeeded")));
    const result = wait(client(fetch), pred("processing"));
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(result).resolves.toMatchObject({ status: "succeeded" });
    expect(fetch.calls).toHaveLength(2);
  });

  it("a Retry-After beyond the client's retry.maxDelayMs still waits it out, then continues", async () => {
    vi.useFakeTimers();
    const times: number[] = [];
    const fetch = scriptedFetch(
      ...timed(
        times,
        Date.now(),
        json(429, { detail: "quota" }, { "retry-after": "120" }),
        json(200, pred("succeeded", { output: "ok" })),
      ),
    );
    // The transport hands this 429 back at once (120 s > maxDelayMs); the loop waits it out.
    const result = wait(client(fetch, { maxDelayMs: 30_000 }), pred("processing"));
    await vi.advanceTimersByTimeAsync(500 + 119_999);
    expect(fetch.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(result).resolves.toMatchObject({ status: "succeeded", output: "ok" });
    expect(times[1]).toBeGreaterThanOrEqual(120_500);
  });

  it("with the default retry policy the transport's own retries cover a short Retry-After", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(
      json(429, {}, { "retry-after": "2" }),
      json(200, pred("processing")),
      json(200, pred("succeeded")),
    );
    const result = wait(createReplicate({ auth: "r8_test", fetch }), pred("processing"));
    await vi.advanceTimersByTimeAsync(500 + 1999);
    expect(fetch.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(30_000);
    await expect(result).resolves.toMatchObject({ status: "succeeded" });
    expect(fetch.calls).toHaveLength(3);
  });

  // The first GET of wait(id) gets the same 429 handling as every later poll.
  it("a 429 on the first GET of wait(id) is waited out too", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(
      json(429, { detail: "quota" }, { "retry-after": "60" }),
      json(200, pred("succeeded", { output: "ok" })),
    );
    const result = wait(client(fetch, { maxDelayMs: 30_000 }), "p1").catch((e) => e);
    await vi.advanceTimersByTimeAsync(120_000);
    await expect(result).resolves.toMatchObject({ status: "succeeded", output: "ok" });
  });
});

describe("errors", () => {
  it("a 404 for an id rejects with ApiError", async () => {
    const fetch = scriptedFetch(json(404, { title: "Not found", detail: "The requested resource does not exist." }));
    const error = await wait(client(fetch), "nope").catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, method: "GET", url: "https://api.replicate.com/v1/predictions/nope" });
    expect(fetch.calls).toHaveLength(1);
  });

  it("a 404 while polling rejects with ApiError, and polling stops", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(json(200, pred("processing")), json(404, { detail: "gone" }));
    const result = wait(client(fetch), "p1").catch((e) => e);
    await vi.advanceTimersByTimeAsync(60_000);
    const error = await result;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(404);
    // What was last seen comes with it, so the caller still has the job.
    expect(error.prediction).toMatchObject({ id: "p1", status: "processing" });
    expect(fetch.calls).toHaveLength(2);
  });

  // A poll is a GET: after the transport's own retries, a bad minute at Replicate must not
  // drop a prediction already paid for. The loop polls on at its interval; the deadline decides.
  it("a 5xx, a 408 or a lost connection while polling: polling goes on at the next interval", async () => {
    vi.useFakeTimers();
    const times: number[] = [];
    const start = Date.now();
    const fetch = scriptedFetch(
      ...timed(
        times,
        start,
        json(200, pred("processing")),
        json(502, { detail: "bad gateway" }),
        refused(),
        json(408, { detail: "request timeout" }),
        json(503, { detail: "unavailable" }, { "retry-after": "4" }),
        json(200, pred("succeeded", { output: "ok" })),
      ),
    );
    const result = wait(client(fetch), "p1");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await result).toMatchObject({ id: "p1", status: "succeeded", output: "ok" });
    // 500 ms growing 1.5× per poll, as without errors; the 503's Retry-After is honoured.
    expect(times).toEqual([0, 500, 1250, 2375, 4062, 8062]);
    expect(calls(fetch)).toEqual(Array(6).fill(`GET ${URL_P1}`));
  });

  it("a 5xx that lasts past the deadline: TimeoutError carrying the prediction, no poll after", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(
      json(200, pred("processing", { logs: "half" })),
      ...Array.from({ length: 20 }, () => json(500, { detail: "down" })),
    );
    const result = wait(client(fetch), "p1", { timeoutMs: 3000 }).catch((e) => e);
    await vi.advanceTimersByTimeAsync(3000);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.prediction).toMatchObject({ id: "p1", status: "processing", logs: "half" });
    const polls = fetch.calls.length;
    expect(polls).toBe(4); // at 0, 500, 1250, 2375
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch.calls).toHaveLength(polls);
  });

  it("timeoutMs: TimeoutError carrying the prediction as last seen", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(
      json(200, pred("processing", { logs: "step 1" })), // at 0
      json(200, pred("processing", { logs: "step 2" })), // at 500
      json(200, pred("processing", { logs: "step 3" })), // at 1250
      json(200, pred("succeeded")), // at 2375: too late
    );
    const result = wait(client(fetch), "p1", { timeoutMs: 2000 }).catch((e) => e);
    await vi.advanceTimersByTimeAsync(1999);
    expect(fetch.calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(isTimeoutError(error)).toBe(true);
    expect(error.timeoutMs).toBe(2000);
    expect(error.message).toContain("p1");
    expect(error.prediction).toMatchObject({ id: "p1", status: "processing", logs: "step 3", urls: { get: URL_P1 } });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch.calls).toHaveLength(3);
  });

  it("timeoutMs with a poll in flight: the poll is aborted, TimeoutError with the last prediction", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(json(200, pred("processing", { logs: "a" })), hang);
    const result = wait(client(fetch), "p1", { timeoutMs: 1000 }).catch((e) => e);
    await vi.advanceTimersByTimeAsync(1000);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.prediction).toMatchObject({ status: "processing", logs: "a" });
    expect(fetch.calls[1]?.signal.aborted).toBe(true);
  });

  it("timeoutMs before the first GET answers: TimeoutError without a prediction", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(hang);
    const result = wait(client(fetch), "p1", { timeoutMs: 1000 }).catch((e) => e);
    await vi.advanceTimersByTimeAsync(1000);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.prediction).toBeUndefined();
  });

  it("abort: AbortError with the prediction as last seen and the signal's reason; nothing is canceled", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(json(200, pred("processing", { logs: "x" })));
    const controller = new AbortController();
    const result = wait(client(fetch), "p1", { signal: controller.signal }).catch((e) => e);
    await vi.advanceTimersByTimeAsync(200);
    const reason = new Error("enough");
    controller.abort(reason);
    const error = await result;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBe(reason);
    expect(error.prediction).toMatchObject({ id: "p1", status: "processing", logs: "x" });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch.calls).toHaveLength(1);
  });
});

describe("onProgress", () => {
  it("is called once per change, with the parsed progress", async () => {
    const bar = (n: number) => `${n}%|${"█".repeat(n / 10)}| ${n}/100 [00:01<00:01, 10it/s]`;
    const fetch = scriptedFetch(
      json(200, pred("processing", { logs: bar(10) })),
      json(200, pred("processing", { logs: bar(10) })),
      json(200, pred("processing", { logs: `${bar(10)}\n${bar(60)}` })),
      json(200, pred("processing", { logs: `${bar(10)}\n${bar(60)}` })),
      json(200, pred("succeeded", { logs: `${bar(10)}\n${bar(60)}\n${bar(100)}` })),
    );
    const seen: [string, Progress | null][] = [];
    await wait(client(fetch), pred("starting"), {
      interval: { initialMs: 1 },
      onProgress: (p, progress) => seen.push([p.status, progress]),
    });
    expect(fetch.calls).toHaveLength(5);
    expect(seen).toEqual([
      ["starting", null],
      ["processing", { percent: 10, current: 10, total: 100 }],
      ["processing", { percent: 60, current: 60, total: 100 }],
      ["succeeded", { percent: 100, current: 100, total: 100 }],
    ]);
  });
});

describe("errors from another copy of the package", () => {
  it("a 429 that is an ApiError by name only (another copy's class) is still waited out", async () => {
    const { waitFor } = await import("../src/run/wait.js");
    // What a client from the package's other build (CJS beside ESM) throws: same name, other class.
    const foreign = Object.assign(new Error("GET … failed with 429"), {
      name: "ApiError",
      status: 429,
      retryAfterMs: 1,
    });
    let calls = 0;
    const done = await waitFor<Prediction>(
      "p1",
      async () => {
        calls++;
        if (calls === 1) throw foreign;
        return pred("succeeded", { output: "ok" });
      },
      { interval: { initialMs: 1 } },
    );
    expect(done.status).toBe("succeeded");
    expect(calls).toBe(2);
  });
});
