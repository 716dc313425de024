// The promises of run, wait, stream and train under attack: no paid prediction whose id
// is lost, no polling storm, no wait without an end, clear errors for bad input before
// anything is sent. Each test here failed on the code before these fixes.
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createPrediction,
  createReplicate,
  InputError,
  isTimeoutError,
  type Prediction,
  run,
  stream,
  TimeoutError,
  train,
  verifyWebhook,
  verifyWebhookDelivery,
  WebhookVerificationError,
  wait,
  waitForTraining,
} from "../src/index.js";
import { deferred } from "./support/deferred.js";
import { hang, json } from "./support/fake-fetch.js";
import { failed } from "./support/rejection.js";
import { startServer } from "./support/sse-server.js";

const API = "https://api.replicate.com/v1";
const P1 = `${API}/predictions/p1`;

afterEach(() => {
  vi.useRealTimers();
});

/** A fetch answering by "METHOD url" from a table of functions; records every request. */
function routed(routes: Record<string, (request: Request) => Response | Promise<Response>>) {
  const requests: Request[] = [];
  const fetch = async (request: Request) => {
    requests.push(request);
    const route = routes[`${request.method} ${request.url}`];
    if (!route) throw new Error(`unexpected ${request.method} ${request.url}`);
    return route(request);
  };
  const lines = () => requests.map((r) => `${r.method} ${r.url}`);
  return { fetch, requests, lines };
}

const processing = (id = "p1"): Prediction =>
  ({ id, status: "processing", urls: { get: `${API}/predictions/${id}` } }) as unknown as Prediction;
const succeeded = (output: unknown = "done") =>
  ({ id: "p1", status: "succeeded", output, urls: { get: P1 } }) as unknown as Prediction;

describe("money: no prediction whose id is lost", () => {
  it("fits run's default sync window inside the client's shorter per-request deadline", async () => {
    const { fetch, requests } = routed({
      [`POST ${API}/models/acme/m/predictions`]: () => json(201, succeeded()),
    });
    const replicate = createReplicate({ auth: "t", fetch, timeoutMs: 30_000 });
    await run(replicate, "acme/m", { input: {} });
    expect(requests[0]?.headers.get("prefer")).toBe("wait=29");
  });

  it("fits createPrediction's explicit window inside the client's per-request deadline too", async () => {
    const { fetch, requests } = routed({
      [`POST ${API}/models/acme/m/predictions`]: () => json(201, processing()),
    });
    const replicate = createReplicate({ auth: "t", fetch, timeoutMs: 10_000 });
    await createPrediction(replicate, "acme/m", { input: {}, wait: 60 });
    expect(requests[0]?.headers.get("prefer")).toBe("wait=9");
  });

  it("sends no Prefer: wait when the run's deadline leaves no room for a 1 s window", async () => {
    const { fetch, requests } = routed({
      [`POST ${API}/models/acme/m/predictions`]: () => json(201, succeeded()),
    });
    const replicate = createReplicate({ auth: "t", fetch });
    await run(replicate, "acme/m", { input: {}, timeoutMs: 1000 });
    expect(requests[0]?.headers.has("prefer")).toBe(false);
  });

  it.each([0, -1, Number.NaN, "5000"])("refuses timeoutMs %s before anything is sent, everywhere", async (bad) => {
    const { fetch, requests } = routed({});
    const replicate = createReplicate({ auth: "t", fetch });
    const timeoutMs = bad as number;
    const calls = [
      () => run(replicate, "acme/m", { input: {}, timeoutMs }),
      () => wait(replicate, "p1", { timeoutMs }),
      () => stream(replicate, "acme/m", { input: {}, timeoutMs }).next(),
      () => train(replicate, { model: "a/b", destination: "c/d", input: {}, timeoutMs }),
      () => waitForTraining(replicate, "t1", { timeoutMs }),
    ];
    for (const call of calls) {
      const error = await failed(call());
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toMatch(/^timeoutMs must be a number of milliseconds > 0, or Infinity for none/);
    }
    expect(requests).toEqual([]);
  });

  it("a throwing onProgress neither rejects the run nor cancels the prediction", async () => {
    let polls = 0;
    const { fetch, lines } = routed({
      [`POST ${API}/models/acme/m/predictions`]: () => json(201, processing()),
      [`GET ${P1}`]: () => json(200, ++polls < 2 ? processing() : succeeded("ok")),
    });
    const replicate = createReplicate({ auth: "t", fetch });
    const seen: string[] = [];
    const output = await run(replicate, "acme/m", {
      input: {},
      interval: { initialMs: 1 },
      onProgress: (p) => {
        seen.push(p.status);
        throw new Error("a bug in a progress bar");
      },
    });
    expect(output).toBe("ok");
    expect(seen).toEqual(["processing", "succeeded"]);
    expect(lines().filter((l) => l.includes("/cancel"))).toEqual([]);
  });

  it("an async onProgress that rejects is contained too: no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const { fetch } = routed({ [`GET ${P1}`]: () => json(200, succeeded("ok")) });
      const replicate = createReplicate({ auth: "t", fetch });
      const done = await wait(replicate, "p1", { onProgress: async () => Promise.reject(new Error("async bug")) });
      expect(done.status).toBe("succeeded");
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("no polling storms", () => {
  it("waits at least 100 ms between polls after 429 Retry-After: 0", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { fetch, requests } = routed({
      [`GET ${P1}`]: () => json(429, { detail: "slow down" }, { "retry-after": "0" }),
    });
    const replicate = createReplicate({ auth: "t", fetch, retry: false });
    const done = failed(wait(replicate, "p1", { timeoutMs: 1000 }));
    await vi.advanceTimersByTimeAsync(1001);
    expect((await done).name).toBe("TimeoutError");
    // One GET at once, then one per 100 ms at most.
    expect(requests.length).toBeGreaterThanOrEqual(5);
    expect(requests.length).toBeLessThanOrEqual(11);
  });

  it("a Retry-After longer than a timer can hold waits instead of firing at once", async () => {
    const { fetch, requests } = routed({
      [`GET ${P1}`]: () => json(429, { detail: "slow down" }, { "retry-after": "99999999" }),
    });
    // retry: false, so the 429 reaches the poller, which honours it.
    const replicate = createReplicate({ auth: "t", fetch, retry: false });
    const error = await failed(wait(replicate, "p1", { timeoutMs: 300 }));
    expect(isTimeoutError(error)).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it("interval initialMs: 0 still polls at most every 100 ms", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { fetch, requests } = routed({ [`GET ${P1}`]: () => json(200, processing()) });
    const replicate = createReplicate({ auth: "t", fetch });
    const done = failed(wait(replicate, "p1", { timeoutMs: 1000, interval: { initialMs: 0, maxMs: 0 } }));
    await vi.advanceTimersByTimeAsync(1001);
    expect((await done).name).toBe("TimeoutError");
    expect(requests.length).toBeLessThanOrEqual(11);
  });

  it.each([
    [{ initialMs: Number.NaN }, "interval.initialMs must be a finite number ≥ 0, got NaN."],
    [{ initialMs: -5 }, "interval.initialMs must be a finite number ≥ 0, got -5."],
    [{ factor: 0 }, "interval.factor must be a finite number ≥ 1, got 0."],
    [{ maxMs: Number.POSITIVE_INFINITY }, "interval.maxMs must be a finite number ≥ 0, got Infinity."],
  ])("refuses interval %o before anything is sent", async (interval, message) => {
    const { fetch, requests } = routed({});
    const replicate = createReplicate({ auth: "t", fetch });
    for (const call of [
      () => wait(replicate, "p1", { interval }),
      () => run(replicate, "acme/m", { input: {}, interval }),
      () => stream(replicate, "acme/m", { input: {}, interval }).next(),
    ]) {
      const error = await failed(call());
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe(message);
    }
    expect(requests).toEqual([]);
  });
});

describe("no wait without an end", () => {
  it("wait gives up after its default deadline of an hour, carrying the prediction, cancelling nothing", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { fetch, lines } = routed({ [`GET ${P1}`]: () => json(200, processing()) });
    const replicate = createReplicate({ auth: "t", fetch });
    const settled = vi.fn();
    const done = failed(wait(replicate, "p1", { interval: { maxMs: 60_000, factor: 10 } })).finally(settled);
    await vi.advanceTimersByTimeAsync(3_599_000);
    expect(settled).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_001);
    const error = await done;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.prediction?.id).toBe("p1");
    expect(error.message).toContain("the default deadline");
    expect(lines().every((l) => l === `GET ${P1}`)).toBe(true);
  });

  it("run's default deadline stops waiting but leaves the prediction running (no cancel)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { fetch, lines } = routed({
      [`POST ${API}/models/acme/m/predictions`]: () => json(201, processing()),
      [`GET ${P1}`]: () => json(200, processing()),
    });
    const replicate = createReplicate({ auth: "t", fetch });
    const done = failed(run(replicate, "acme/m", { input: {}, interval: { maxMs: 60_000, factor: 10 } }));
    await vi.advanceTimersByTimeAsync(3_600_001);
    const error = await done;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.prediction?.id).toBe("p1");
    expect(lines().filter((l) => l.endsWith("/cancel"))).toEqual([]);
  });

  it("an explicit timeoutMs still cancels, and the cancel gets 2 s of grace, not a fresh 10 s", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { fetch, lines } = routed({
      [`POST ${API}/models/acme/m/predictions`]: () => json(201, processing()),
      [`GET ${P1}`]: () => json(200, processing()),
      [`POST ${P1}/cancel`]: hang,
    });
    const replicate = createReplicate({ auth: "t", fetch, retry: false });
    const settled = vi.fn();
    const done = failed(run(replicate, "acme/m", { input: {}, timeoutMs: 2000 })).finally(settled);
    await vi.advanceTimersByTimeAsync(2000);
    expect(lines()).toContain(`POST ${P1}/cancel`);
    await vi.advanceTimersByTimeAsync(2001);
    expect(settled).toHaveBeenCalled();
    const error = await done;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.prediction?.id).toBe("p1");
  });

  it("waitForTraining's default deadline is a day", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const T1 = `${API}/trainings/t1`;
    const { fetch } = routed({ [`GET ${T1}`]: () => json(200, { id: "t1", status: "processing" }) });
    const replicate = createReplicate({ auth: "t", fetch });
    const settled = vi.fn();
    // Polls an hour apart: the deadline is what is tested, not 17,000 polls.
    const done = failed(waitForTraining(replicate, "t1", { interval: { initialMs: 3_600_000, maxMs: 3_600_000 } }));
    void done.finally(settled);
    await vi.advanceTimersByTimeAsync(3_600_001);
    expect(settled).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(86_400_000);
    expect((await done).prediction?.id).toBe("t1");
  });

  it("a silent SSE connection counts as dropped: it is resumed with Last-Event-ID", async () => {
    const server = await startServer();
    try {
      const silent = deferred();
      server.on(
        "GET",
        "/stream/p1",
        (_req, res, hit) => {
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.write("id: 1\nevent: output\ndata: Hel\n\n"); // then nothing, ever
          void hit.closed.then(() => silent.resolve());
        },
        (_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.end("id: 2\nevent: output\ndata: lo\n\nid: 3\nevent: done\ndata: {}\n\n");
        },
      );
      const replicate = createReplicate({ auth: "t", baseUrl: `${server.origin}/v1` });
      const p = { ...processing(), urls: { get: P1, stream: `${server.origin}/stream/p1` } } as Prediction;
      const text: string[] = [];
      for await (const e of stream(replicate, p, { reconnect: { idleMs: 200, delayMs: 10 } })) {
        if (e.type === "output") text.push(String(e.data));
      }
      await silent.promise; // the client closed the silent connection itself
      expect(text.join("")).toBe("Hello");
      expect(server.hits.map((h) => h.headers["last-event-id"])).toEqual([undefined, "1"]);
    } finally {
      await server.close();
    }
  });
});

describe("bad input: a clear InputError, nothing sent", () => {
  const { fetch, requests } = routed({});
  const replicate = createReplicate({ auth: "t", fetch });
  afterEach(() => {
    expect(requests).toEqual([]);
  });

  it("run without options says the input is needed", async () => {
    const error = await failed((run as (...a: unknown[]) => Promise<unknown>)(replicate, "acme/m"));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe("Expected options with the model's input as the third argument: { input: { ... } }.");
  });

  it.each([null, undefined, 42, {}])("wait refuses %o as the prediction", async (bad) => {
    const error = await failed(wait(replicate, bad as never));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/^Expected a prediction \(or training\) or its id/);
  });

  it.each([
    ["a string", "abort"],
    ["an AbortController", new AbortController()],
    ["an object", { aborted: "no" }],
  ])("refuses %s as a signal", async (_, signal) => {
    const s = signal as unknown as AbortSignal;
    for (const call of [
      () => run(replicate, "acme/m", { input: {}, signal: s }),
      () => wait(replicate, "p1", { signal: s }),
      () => createPrediction(replicate, "acme/m", { input: {}, signal: s }),
      () => stream(replicate, "acme/m", { input: {}, signal: s }).next(),
      () => train(replicate, { model: "a/b", destination: "c/d", input: {}, signal: s }),
    ]) {
      const error = await failed(call());
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toMatch(/^signal must be an AbortSignal/);
    }
  });

  it.each([
    ["maxBufferSize: -5", { maxBufferSize: -5 }, /^maxBufferSize must be/],
    ["reconnect: 7", { reconnect: 7 }, /^reconnect must be/],
    ["reconnect.attempts: 'x'", { reconnect: { attempts: "x" } }, /^reconnect\.attempts must be/],
    ["reconnect.delayMs: -1", { reconnect: { delayMs: -1 } }, /^reconnect\.delayMs must be/],
    ["reconnect.idleMs: 'x'", { reconnect: { idleMs: "x" } }, /^reconnect\.idleMs must be/],
    ["cancelOnAbort: 'no'", { cancelOnAbort: "no" }, /^cancelOnAbort must be true or false/],
  ])("stream refuses %s before the paid create is sent", async (_, bad, message) => {
    const error = await failed(stream(replicate, "acme/m", { input: {}, ...(bad as object) }).next());
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(message);
  });

  it("refuses an onProgress that is not a function, before the create", async () => {
    const onProgress = "x" as never;
    for (const call of [
      () => run(replicate, "acme/m", { input: {}, onProgress }),
      () => wait(replicate, "p1", { onProgress }),
    ]) {
      const error = await failed(call());
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe("onProgress must be a function, got string.");
    }
  });

  it.each([
    ["retry: 'fast'", { retry: "fast" }, "retry must be an object like { retries: 2 }, or false for none."],
    ["retry.retries: -1", { retry: { retries: -1 } }, "retry.retries must be a number ≥ 0."],
    ["fetch: 'x'", { fetch: "x" }, "fetch must be a function that takes a Request and returns a Response."],
    ["limiter: 5", { limiter: 5 }, "limiter must be createLimiter(n), an object with acquire(signal), or false."],
  ])("createReplicate refuses %s at once, not at the first call", (_, options, message) => {
    expect(() => createReplicate({ auth: "t", ...(options as object) })).toThrow(new InputError(message));
  });

  it("verifyWebhook(undefined) is an InputError; a missing secret is invalid_secret, not a TypeError", async () => {
    const none = await failed(verifyWebhook(undefined as never));
    expect(none).toBeInstanceOf(InputError);
    const noSecret = await failed(verifyWebhook({ body: "{}", headers: {}, secret: undefined as unknown as string }));
    expect(noSecret).toBeInstanceOf(WebhookVerificationError);
    expect(noSecret.reason).toBe("invalid_secret");
  });

  it("await stream(...) rejects with a message saying to use for await", async () => {
    const error = await failed((async () => await stream(replicate, "acme/m", { input: {} }))());
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("for await");
  });
});

describe("surprises a new user met", () => {
  it("with onProgress, run uses a short window so progress shows while the prediction runs", async () => {
    let polls = 0;
    const { fetch, requests } = routed({
      [`POST ${API}/models/acme/m/predictions`]: () => json(201, processing()),
      [`GET ${P1}`]: () =>
        json(200, ++polls < 3 ? { ...processing(), logs: `${polls * 40}%|####| ${polls}/3` } : succeeded()),
    });
    const replicate = createReplicate({ auth: "t", fetch });
    const percents: (number | undefined)[] = [];
    await run(replicate, "acme/m", {
      input: {},
      interval: { initialMs: 1 },
      onProgress: (_, progress) => percents.push(progress?.percent),
    });
    expect(requests[0]?.headers.get("prefer")).toBe("wait=1");
    expect(percents).toEqual([undefined, 40, 80, undefined]);
  });

  it("verifyWebhookDelivery gives the webhook-id beside the payload, to de-duplicate replays", async () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const { signWebhook } = await import("../src/index.js");
    const body = JSON.stringify({ id: "p1", status: "succeeded" });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": timestamp,
      "webhook-signature": await signWebhook({ secret, id: "msg_1", timestamp, body }),
    };
    const first = await verifyWebhookDelivery({ body, headers, secret });
    const replay = await verifyWebhookDelivery({ body, headers, secret });
    expect(first).toEqual({ id: "msg_1", timestamp: Number(timestamp), payload: { id: "p1", status: "succeeded" } });
    expect(replay.id).toBe(first.id); // stateless: the replay passes, and the id tells it apart
  });
});
