// run(): create with a sync window, keep polling whatever state the window ends in,
// reject terminal failures as PredictionError, cancel on abort or timeout, and normalise
// the output. Wire behaviour is checked with nock; abort and timing with a scripted
// fetch and fake timers.
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AbortError,
  ApiError,
  createLimiter,
  createReplicate,
  FileOutput,
  isAbortError,
  isPredictionError,
  isTimeoutError,
  type Prediction,
  PredictionError,
  type Progress,
  run,
  TimeoutError,
  wait,
} from "../src/index.js";
import { deferred } from "./support/deferred.js";
import { calls, hang, held, json, type ScriptedFetch, scriptedFetch } from "./support/fake-fetch.js";
import { prediction as pred, PREDICTION_VERSION as V } from "./support/fixtures.js";
import { failOnUnmatched, nockRecorder } from "./support/nock-recorder.js";
import { failed } from "./support/rejection.js";

const ORIGIN = "https://api.replicate.com";
const FAST = { initialMs: 1 };

// ---------------------------------------------------------------------------------------
// nock: what reached the server, in order
// ---------------------------------------------------------------------------------------

const { log, on, lines } = nockRecorder(ORIGIN);
failOnUnmatched("requests nock could not match (nothing may go elsewhere)");
afterEach(() => {
  vi.useRealTimers();
});

const CREATE = "/v1/models/acme/model/predictions";
const GET_P1 = "/v1/predictions/p1";

// ---------------------------------------------------------------------------------------
// scripted fetch: for aborts and time
// ---------------------------------------------------------------------------------------

const URL_CREATE = "https://api.replicate.com/v1/models/acme/model/predictions";
const URL_P1 = "https://api.replicate.com/v1/predictions/p1";
const URL_CANCEL = "https://api.replicate.com/v1/predictions/p1/cancel";

const scripted = (fetch: ScriptedFetch) => createReplicate({ auth: "r8_test", fetch, retry: false });

// ---------------------------------------------------------------------------------------

describe("creating and polling", () => {
  const replicate = createReplicate({ auth: "r8_test", retry: false });

  it("keeps polling when the sync window ends in processing", async () => {
    on("POST", CREATE, [201, pred("p1", "processing")]);
    on("GET", GET_P1, [200, pred("p1", "processing")], [200, pred("p1", "succeeded", { output: "done" })]);
    await expect(run(replicate, "acme/model", { input: { prompt: "hi" }, interval: FAST })).resolves.toBe("done");
    expect(lines()).toEqual([`POST ${CREATE}`, `GET ${GET_P1}`, `GET ${GET_P1}`]);
    for (const seen of log) expect(seen.headers.authorization).toBe("Bearer r8_test");
    expect(JSON.parse(log[0]?.body as string)).toStrictEqual({ input: { prompt: "hi" } });
  });

  it("keeps polling when the sync window ends in starting", async () => {
    on("POST", CREATE, [201, pred("p1", "starting")]);
    on(
      "GET",
      GET_P1,
      [200, pred("p1", "starting")],
      [200, pred("p1", "processing")],
      [200, pred("p1", "succeeded", { output: 42 })],
    );
    await expect(run(replicate, "acme/model", { input: {}, interval: FAST })).resolves.toBe(42);
    expect(lines()).toEqual([`POST ${CREATE}`, `GET ${GET_P1}`, `GET ${GET_P1}`, `GET ${GET_P1}`]);
  });

  it("does not poll at all when the create already succeeded", async () => {
    on("POST", CREATE, [201, pred("p1", "succeeded", { output: ["a", 1] })]);
    await expect(run(replicate, "acme/model", { input: {}, interval: FAST })).resolves.toEqual(["a", 1]);
    expect(lines()).toEqual([`POST ${CREATE}`]);
  });

  // The prediction exists and is billed: an error that ends the run must still name it.
  it("an error that ends polling (a 404) carries the prediction as last seen", async () => {
    const fetch = scriptedFetch(json(201, pred("p1", "processing", { logs: "step 1" })), json(404, { detail: "gone" }));
    const error = await failed(run(scripted(fetch), "acme/model", { input: {}, interval: FAST }));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, prediction: { id: "p1", status: "processing", logs: "step 1" } });
    expect(calls(fetch)).toEqual([`POST ${URL_CREATE}`, `GET ${URL_P1}`]);
  });

  it("keeps waiting through an unknown status", async () => {
    on("POST", CREATE, [201, pred("p1", "starting")]);
    on(
      "GET",
      GET_P1,
      [200, pred("p1", "queued")],
      [200, pred("p1", "queued")],
      [200, pred("p1", "succeeded", { output: "ok" })],
    );
    await expect(run(replicate, "acme/model", { input: {}, interval: FAST })).resolves.toBe("ok");
    expect(lines()).toEqual([`POST ${CREATE}`, `GET ${GET_P1}`, `GET ${GET_P1}`, `GET ${GET_P1}`]);
  });

  it("routes each reference form to its create operation", async () => {
    on("POST", "/v1/predictions", [201, pred("p1", "succeeded", { output: 1 })]);
    on("POST", "/v1/deployments/acme/sdxl/predictions", [201, pred("p1", "succeeded", { output: 2 })]);
    await expect(run(replicate, `acme/model:${V}`, { input: { a: 1 } })).resolves.toBe(1);
    await expect(run(replicate, { deployment: "acme/sdxl" }, { input: { a: 1 } })).resolves.toBe(2);
    expect(lines()).toEqual(["POST /v1/predictions", "POST /v1/deployments/acme/sdxl/predictions"]);
    expect(JSON.parse(log[0]?.body as string)).toStrictEqual({ input: { a: 1 }, version: V });
    expect(JSON.parse(log[1]?.body as string)).toStrictEqual({ input: { a: 1 } });
  });

  it("sends the create options on the wire", async () => {
    on("POST", CREATE, [201, pred("p1", "succeeded")]);
    await run(replicate, "acme/model", {
      input: { prompt: "hi" },
      cancelAfter: "5m",
      webhook: "https://example.com/hook",
      webhookEventsFilter: ["completed"],
    });
    expect(log[0]?.headers["cancel-after"]).toBe("5m");
    expect(JSON.parse(log[0]?.body as string)).toStrictEqual({
      input: { prompt: "hi" },
      webhook: "https://example.com/hook",
      webhook_events_filter: ["completed"],
    });
  });
});

describe("the sync window", () => {
  const replicate = createReplicate({ auth: "r8_test", retry: false });
  const prefer = async (options: { wait?: number; timeoutMs?: number }) => {
    on("POST", CREATE, [201, pred("p1", "succeeded")]);
    await run(replicate, "acme/model", { input: {}, ...options });
    return log.at(-1)?.headers.prefer;
  };

  it("is Prefer: wait=60 by default", async () => {
    expect(await prefer({})).toBe("wait=60");
  });
  it("is shortened to end before timeoutMs: 10 s → wait=9", async () => {
    expect(await prefer({ timeoutMs: 10_000 })).toBe("wait=9");
  });
  it("is never longer than 60 s, whatever the timeout", async () => {
    expect(await prefer({ timeoutMs: 600_000 })).toBe("wait=60");
  });
  it("follows the wait option, and the shorter of wait and the timeout wins", async () => {
    expect(await prefer({ wait: 5 })).toBe("wait=5");
    expect(await prefer({ wait: 30, timeoutMs: 10_000 })).toBe("wait=9");
    expect(await prefer({ wait: 3, timeoutMs: 10_000 })).toBe("wait=3");
  });
  it("is left out when not even 1 s fits before the deadline, so the id comes back at once", async () => {
    expect(await prefer({ timeoutMs: 1500 })).toBeUndefined();
    expect(await prefer({ timeoutMs: 2000 })).toBe("wait=1");
  });
  it("is at least 1 s when asked for less", async () => {
    expect(await prefer({ wait: 0 })).toBe("wait=1");
  });
});

describe("a prediction that does not succeed rejects with PredictionError", () => {
  const replicate = createReplicate({ auth: "r8_test", retry: false });

  it("failed: reason, id, error and logs", async () => {
    on("POST", CREATE, [201, pred("p1", "starting")]);
    on("GET", GET_P1, [
      200,
      pred("p1", "failed", { error: "CUDA out of memory", logs: "loading weights\nTraceback: CUDA out of memory" }),
    ]);
    const error = await failed(run(replicate, "acme/model", { input: {}, interval: FAST }));
    expect(error).toBeInstanceOf(PredictionError);
    expect(isPredictionError(error)).toBe(true);
    expect(error.reason).toBe("failed");
    expect(error.prediction).toMatchObject({ id: "p1", status: "failed", error: "CUDA out of memory" });
    expect(error.logs).toBe("loading weights\nTraceback: CUDA out of memory");
    expect(error.message).toBe("Prediction p1 failed: CUDA out of memory");
  });

  it("failed already in the sync window: no poll", async () => {
    on("POST", CREATE, [201, pred("p1", "failed", { error: "bad input" })]);
    const error = await failed(run(replicate, "acme/model", { input: {}, interval: FAST }));
    expect(error).toMatchObject({ name: "PredictionError", reason: "failed" });
    expect(lines()).toEqual([`POST ${CREATE}`]);
  });

  it.each(["canceled", "aborted"] as const)("%s: its own reason, and polling stops there", async (status) => {
    on("POST", CREATE, [201, pred("p1", "starting")]);
    // One answer only: a second poll would find no interceptor and be reported as unmatched.
    on("GET", GET_P1, [200, pred("p1", status)]);
    const error = await failed(run(replicate, "acme/model", { input: {}, interval: FAST }));
    expect(error).toBeInstanceOf(PredictionError);
    expect(error.reason).toBe(status);
    expect(error.prediction).toMatchObject({ id: "p1", status });
    expect(error.message).toBe(`Prediction p1 was ${status}`);
    expect(lines()).toEqual([`POST ${CREATE}`, `GET ${GET_P1}`]);
    // Nothing is canceled for a prediction that already ended.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines()).toHaveLength(2);
  });
});

describe("output", () => {
  it("URLs become FileOutputs and nothing downloads while only .url is read", async () => {
    const replicate = createReplicate({ auth: "r8_test", retry: false });
    const output = {
      images: ["https://replicate.delivery/pbxt/a.png", "https://replicate.delivery/pbxt/b.png"],
      caption: "two foxes",
      data: "data:text/plain;base64,aGk=",
    };
    on("POST", CREATE, [201, pred("p1", "succeeded", { output })]);
    // No interceptor for replicate.delivery: a download would be unmatched (and refused).
    const result = (await run(replicate, "acme/model", { input: {} })) as {
      images: FileOutput[];
      caption: string;
      data: FileOutput;
    };
    expect(result.images[0]).toBeInstanceOf(FileOutput);
    expect(result.images.map((f) => f.url)).toEqual(output.images);
    expect(String(result.images[1])).toBe("https://replicate.delivery/pbxt/b.png");
    expect(JSON.parse(JSON.stringify(result))).toEqual(output);
    expect(result.caption).toBe("two foxes");
    expect(result.data).toBeInstanceOf(FileOutput);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines()).toEqual([`POST ${CREATE}`]);
  });

  it("raw: true returns the output exactly as the API sent it", async () => {
    const replicate = createReplicate({ auth: "r8_test", retry: false });
    const output = ["https://replicate.delivery/pbxt/a.png", { nested: "https://replicate.delivery/b.png" }];
    on("POST", CREATE, [201, pred("p1", "succeeded", { output })]);
    const result = await run(replicate, "acme/model", { input: {}, raw: true });
    expect(result).toStrictEqual(output);
  });

  describe("outputSchema: true", () => {
    const schemaVersion = (output: unknown) => ({
      id: V,
      created_at: "2025-01-01T00:00:00Z",
      cog_version: "0.9.0",
      openapi_schema: { components: { schemas: { Output: output } } },
    });
    const tokens = {
      type: "array",
      items: { type: "string" },
      "x-cog-array-type": "iterator",
      "x-cog-array-display": "concatenate",
    };

    it("fetches the version's schema once for two runs of that version, and applies it", async () => {
      const replicate = createReplicate({ auth: "r8_test", retry: false });
      on("POST", CREATE, [201, pred("p1", "succeeded", { output: ["Hel", "lo", "!"] })]);
      on("POST", CREATE, [201, pred("p2", "succeeded", { output: ["Good", "bye"] })]);
      on("GET", `/v1/models/acme/model/versions/${V}`, [200, schemaVersion(tokens)]);
      await expect(run(replicate, "acme/model", { input: {}, outputSchema: true })).resolves.toBe("Hello!");
      await expect(run(replicate, "acme/model", { input: {}, outputSchema: true })).resolves.toBe("Goodbye");
      expect(lines()).toEqual([`POST ${CREATE}`, `GET /v1/models/acme/model/versions/${V}`, `POST ${CREATE}`]);
      expect(log[1]?.headers.authorization).toBe("Bearer r8_test");
    });

    it("only format: uri strings become files", async () => {
      const replicate = createReplicate({ auth: "r8_test", retry: false });
      const schema = {
        type: "object",
        properties: { image: { type: "string", format: "uri" }, link: { type: "string" } },
      };
      const output = { image: "https://replicate.delivery/a.png", link: "https://example.com/page" };
      on("POST", CREATE, [201, pred("p1", "succeeded", { output })]);
      on("GET", `/v1/models/acme/model/versions/${V}`, [200, schemaVersion(schema)]);
      const result = (await run(replicate, "acme/model", { input: {}, outputSchema: true })) as Record<string, unknown>;
      expect(result.image).toBeInstanceOf(FileOutput);
      expect(result.link).toBe("https://example.com/page");
    });

    it("a failed schema lookup falls back to URL detection, and is not cached", async () => {
      const replicate = createReplicate({ auth: "r8_test", retry: false });
      on("POST", CREATE, [201, pred("p1", "succeeded", { output: ["Hel", "lo"] })]);
      on("POST", CREATE, [201, pred("p2", "succeeded", { output: ["Hel", "lo"] })]);
      on("GET", `/v1/models/acme/model/versions/${V}`, [404, { detail: "not found" }], [200, schemaVersion(tokens)]);
      await expect(run(replicate, "acme/model", { input: {}, outputSchema: true })).resolves.toEqual(["Hel", "lo"]);
      await expect(run(replicate, "acme/model", { input: {}, outputSchema: true })).resolves.toBe("Hello");
      expect(lines().filter((l) => l.startsWith("GET"))).toHaveLength(2);
    });

    // The schema lookup is shared: one caller's abort must not cost another run its schema.
    it("one run's abort does not spoil the schema of a concurrent run of the same version", async () => {
      const { promise: lookup, resolve: lookingUp } = deferred();
      const { promise: answered, resolve: answer } = deferred();
      const fetch = scriptedFetch(
        json(201, pred("p1", "succeeded", { output: ["Hel", "lo"] })),
        json(201, pred("p2", "succeeded", { output: ["Hel", "lo"] })),
        async () => {
          lookingUp();
          await answered; // the one shared lookup answers only after run A was aborted
          return json(200, schemaVersion(tokens));
        },
      );
      const replicate = scripted(fetch);
      const controller = new AbortController();
      const a = failed(run(replicate, "acme/model", { input: {}, outputSchema: true, signal: controller.signal }));
      const b = run(replicate, "acme/model", { input: {}, outputSchema: true });
      await lookup;
      controller.abort(new Error("only run A"));
      expect(await a).toBeInstanceOf(AbortError);
      answer();
      await expect(b).resolves.toBe("Hello");
      expect(fetch.calls.map((r) => r.method)).toEqual(["POST", "POST", "GET"]); // one lookup for both
    });

    // An abort while the schema is being fetched still rejects; it is not swallowed.
    it("an abort during the schema lookup rejects with AbortError", async () => {
      const { promise: lookup, resolve: lookingUp } = deferred();
      const fetch = scriptedFetch(json(201, pred("p1", "succeeded", { output: ["Hel", "lo"] })), (request) => {
        lookingUp();
        return hang(request);
      });
      const controller = new AbortController();
      const result = failed(
        run(scripted(fetch), "acme/model", { input: {}, outputSchema: true, signal: controller.signal }),
      );
      await lookup;
      const reason = new Error("stop");
      controller.abort(reason);
      const error = await result;
      expect(error).toBeInstanceOf(AbortError);
      expect(error.cause).toBe(reason);
      expect(error.prediction?.id).toBe("p1");
    });

    it("without the option, no schema is fetched", async () => {
      const replicate = createReplicate({ auth: "r8_test", retry: false });
      on("POST", CREATE, [201, pred("p1", "succeeded", { output: ["Hel", "lo"] })]);
      await expect(run(replicate, "acme/model", { input: {} })).resolves.toEqual(["Hel", "lo"]);
      expect(lines()).toEqual([`POST ${CREATE}`]);
    });
  });
});

describe("onProgress", () => {
  it("is called once per change, not once per poll, with the tqdm progress from the logs", async () => {
    const replicate = createReplicate({ auth: "r8_test", retry: false });
    const bar45 = "loading\n 45%|████▌     | 45/100 [00:03<00:04, 12.3it/s]";
    const bar100 = `${bar45}\r100%|██████████| 100/100 [00:08<00:00, 12.3it/s]`;
    on("POST", CREATE, [201, pred("p1", "starting")]);
    on(
      "GET",
      GET_P1,
      [200, pred("p1", "processing", { logs: bar45 })],
      [200, pred("p1", "processing", { logs: bar45 })], // the same again: no call
      [200, pred("p1", "succeeded", { logs: bar100, output: "ok" })],
    );
    const seen: [string, Progress | null][] = [];
    await run(replicate, "acme/model", {
      input: {},
      interval: FAST,
      onProgress: (p: Prediction, progress: Progress | null) => seen.push([p.status, progress]),
    });
    expect(lines()).toHaveLength(4);
    expect(seen).toEqual([
      ["starting", null],
      ["processing", { percent: 45, current: 45, total: 100 }],
      ["succeeded", { percent: 100, current: 100, total: 100 }],
    ]);
  });
});

describe("abort", () => {
  it("during polling: aborts the GET in flight, cancels the prediction, rejects with AbortError", async () => {
    const { promise: polled, resolve: polling } = deferred();
    const fetch = scriptedFetch(
      json(201, pred("p1", "starting")),
      (request) => {
        polling();
        return hang(request);
      },
      json(200, pred("p1", "canceled")),
    );
    const controller = new AbortController();
    const result = failed(run(scripted(fetch), "acme/model", { input: {}, signal: controller.signal, interval: FAST }));
    await polled;
    const reason = new Error("user closed the tab");
    controller.abort(reason);
    const error = await result;
    expect(error).toBeInstanceOf(AbortError);
    expect(isAbortError(error)).toBe(true);
    expect(error.cause).toBe(reason);
    expect(error.prediction?.id).toBe("p1");
    expect(error.message).toContain("p1");
    expect(calls(fetch)).toEqual([`POST ${URL_CREATE}`, `GET ${URL_P1}`, `POST ${URL_CANCEL}`]);
    expect(fetch.calls[1]?.signal.aborted, "the poll in flight was aborted").toBe(true);
    // The cancel itself must not carry the aborted signal, or it would never be sent.
    expect(fetch.calls[2]?.signal.aborted).toBe(false);
    expect(fetch.calls[2]?.headers.get("authorization")).toBe("Bearer r8_test");
  });

  it("during the wait between polls: no further poll, the prediction is canceled", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(
      json(201, pred("p1", "starting")),
      json(200, pred("p1", "processing")),
      json(200, pred("p1", "canceled")),
    );
    const controller = new AbortController();
    const result = failed(
      run(scripted(fetch), "acme/model", { input: {}, signal: controller.signal, interval: { initialMs: 1000 } }),
    );
    await vi.advanceTimersByTimeAsync(1000); // the first poll
    expect(calls(fetch)).toEqual([`POST ${URL_CREATE}`, `GET ${URL_P1}`]);
    await vi.advanceTimersByTimeAsync(500); // halfway through the next wait
    const reason = new Error("stop");
    controller.abort(reason);
    const error = await result;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBe(reason);
    expect(error.prediction?.id).toBe("p1");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls(fetch)).toEqual([`POST ${URL_CREATE}`, `GET ${URL_P1}`, `POST ${URL_CANCEL}`]);
  });

  it("cancelOnAbort: false sends no cancel, and hands back the prediction as last seen", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(json(201, pred("p1", "starting")), json(200, pred("p1", "processing")), hang);
    const controller = new AbortController();
    const result = failed(
      run(scripted(fetch), "acme/model", {
        input: {},
        signal: controller.signal,
        cancelOnAbort: false,
        interval: { initialMs: 100 },
      }),
    );
    await vi.advanceTimersByTimeAsync(250); // two polls; the second hangs
    expect(fetch.calls).toHaveLength(3);
    controller.abort();
    const error = await result;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBeInstanceOf(DOMException);
    expect(error.cause).toMatchObject({ name: "AbortError" });
    expect(error.prediction).toMatchObject({ id: "p1", status: "processing" });
    expect(fetch.calls[2]?.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch.calls).toHaveLength(3); // no cancel
  });

  it("a failed cancel still rejects with AbortError naming the prediction", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(
      json(201, pred("p1", "starting")),
      json(200, pred("p1", "processing")),
      json(500, { detail: "oops" }),
    );
    const controller = new AbortController();
    const result = failed(
      run(scripted(fetch), "acme/model", { input: {}, signal: controller.signal, interval: { initialMs: 100 } }),
    );
    await vi.advanceTimersByTimeAsync(150);
    controller.abort();
    const error = await result;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.prediction).toMatchObject({ id: "p1", status: "processing" });
    expect(calls(fetch).at(-1)).toBe(`POST ${URL_CANCEL}`);
  });

  // A create held for its window is running, and billed, whether or not its answer is read:
  // cutting the request off would only lose the id. It is left to answer, then canceled.
  it("during the create request: the request is left to answer, then its prediction is canceled", async () => {
    const { promise: created, resolve: creating } = deferred();
    const create = held();
    const answer = create.answer;
    const fetch = scriptedFetch(
      (request: Request) => {
        creating();
        return create.step(request);
      },
      json(200, pred("p1", "canceled")),
    );
    const controller = new AbortController();
    const result = failed(run(scripted(fetch), "acme/model", { input: {}, signal: controller.signal, interval: FAST }));
    await created;
    const reason = new Error("never mind");
    controller.abort(reason);
    const error = await result;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.prediction).toBeUndefined();
    expect(error.cause).toBe(reason);
    expect(error.message).toContain("no id yet: its create had not answered");
    expect(fetch.calls[0]?.signal.aborted, "the create request was left to answer").toBe(false);
    answer(json(201, pred("p1", "processing")));
    await vi.waitFor(() => expect(calls(fetch)).toEqual([`POST ${URL_CREATE}`, `POST ${URL_CANCEL}`]));
  });

  // Only a create already sent is left to answer: one still queued, or backing off after a
  // 429, must never go out once the run has stopped.
  it("stopped while its create waits for a slot, or backs off after a 429: the create is never sent", async () => {
    const create = held();
    const letGo = create.answer;
    const fetch = scriptedFetch(create.step, json(429, { detail: "slow down" }, { "retry-after": "1" }));
    const replicate = createReplicate({ auth: "r8_test", fetch, limiter: createLimiter(1) });
    const holding = replicate.account.get(); // takes the only slot
    await vi.waitFor(() => expect(fetch.calls).toHaveLength(1));
    const queued = new AbortController();
    const first = failed(run(replicate, "acme/model", { input: {}, signal: queued.signal }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    queued.abort();
    expect(await first).toBeInstanceOf(AbortError);
    letGo(json(200, { type: "user", username: "u", name: "U" }));
    await holding;
    // Now one that is sent, answered 429, and stopped during the wait before it goes again.
    const backing = new AbortController();
    const second = failed(run(replicate, "acme/model", { input: {}, signal: backing.signal }));
    await vi.waitFor(() => expect(fetch.calls).toHaveLength(2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    backing.abort();
    expect(await second).toBeInstanceOf(AbortError);
    await new Promise((resolve) => setTimeout(resolve, 1600)); // past the Retry-After
    expect(calls(fetch)).toEqual(["GET https://api.replicate.com/v1/account", `POST ${URL_CREATE}`]);
  });

  it("during the create request with cancelOnAbort: false, the late answer is left running", async () => {
    const create = held();
    const answer = create.answer;
    const fetch = scriptedFetch(create.step);
    const controller = new AbortController();
    const options = { input: {}, signal: controller.signal, cancelOnAbort: false };
    const result = failed(run(scripted(fetch), "acme/model", options));
    await vi.waitFor(() => expect(fetch.calls).toHaveLength(1));
    controller.abort();
    expect(await result).toBeInstanceOf(AbortError);
    answer(json(201, pred("p1", "processing")));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls(fetch)).toEqual([`POST ${URL_CREATE}`]);
  });

  it("a finished run leaves no listener on the caller's signal", async () => {
    const fetch = scriptedFetch(json(201, pred("p1", "starting")), json(200, pred("p1", "succeeded", { output: 1 })));
    const controller = new AbortController();
    await run(scripted(fetch), "acme/model", { input: {}, signal: controller.signal, interval: FAST });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("an already aborted signal sends nothing", async () => {
    const fetch = scriptedFetch();
    const reason = new Error("too late");
    const error = await failed(run(scripted(fetch), "acme/model", { input: {}, signal: AbortSignal.abort(reason) }));
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBe(reason);
    expect(error.prediction).toBeUndefined();
    expect(fetch.calls).toHaveLength(0);
  });
});

describe("timeoutMs", () => {
  it("during polling: TimeoutError with the prediction, cancel sent; wait(id) resumes", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(
      json(201, pred("p1", "starting")),
      json(200, pred("p1", "processing")), // at 1.5 s
      json(200, pred("p1", "processing")), // at 3 s
      json(200, pred("p1", "processing")), // at 4.5 s; the deadline (5 s) falls in the next wait
      json(200, pred("p1", "canceled")), // the cancel
      json(200, pred("p1", "canceled")), // wait(id)
    );
    const replicate = scripted(fetch);
    const result = failed(
      run(replicate, "acme/model", { input: {}, timeoutMs: 5000, interval: { initialMs: 1500, factor: 1 } }),
    );
    await vi.advanceTimersByTimeAsync(4999);
    expect(fetch.calls).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(1);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(isTimeoutError(error)).toBe(true);
    expect(error.timeoutMs).toBe(5000);
    expect(error.prediction).toMatchObject({
      id: "p1",
      urls: { get: URL_P1, cancel: URL_CANCEL },
    });
    expect(fetch.calls[0]?.headers.get("prefer")).toBe("wait=4");
    expect(calls(fetch)).toEqual([
      `POST ${URL_CREATE}`,
      `GET ${URL_P1}`,
      `GET ${URL_P1}`,
      `GET ${URL_P1}`,
      `POST ${URL_CANCEL}`,
    ]);
    vi.useRealTimers();
    await expect(wait(replicate, error.prediction?.id as string)).resolves.toMatchObject({
      id: "p1",
      status: "canceled",
    });
    expect(calls(fetch).at(-1)).toBe(`GET ${URL_P1}`);
  });

  it("with a poll in flight at the deadline: that poll is aborted too", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(json(201, pred("p1", "starting")), hang, json(200, pred("p1", "canceled")));
    const result = failed(
      run(scripted(fetch), "acme/model", { input: {}, timeoutMs: 3000, interval: { initialMs: 1000 } }),
    );
    await vi.advanceTimersByTimeAsync(3000);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.prediction?.id).toBe("p1");
    expect(fetch.calls[1]?.signal.aborted).toBe(true);
    expect(calls(fetch)).toEqual([`POST ${URL_CREATE}`, `GET ${URL_P1}`, `POST ${URL_CANCEL}`]);
  });

  it("cancelOnAbort: false leaves it running, and wait(error.prediction.id) gets the result", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(
      json(201, pred("p1", "starting")),
      json(200, pred("p1", "processing")),
      json(200, pred("p1", "succeeded", { output: "late" })),
    );
    const replicate = scripted(fetch);
    const result = failed(
      run(replicate, "acme/model", { input: {}, timeoutMs: 2000, cancelOnAbort: false, interval: { initialMs: 1500 } }),
    );
    await vi.advanceTimersByTimeAsync(2000);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.prediction).toMatchObject({ id: "p1", status: "processing", urls: { get: URL_P1 } });
    expect(calls(fetch)).toEqual([`POST ${URL_CREATE}`, `GET ${URL_P1}`]);
    vi.useRealTimers();
    await expect(wait(replicate, error.prediction?.id as string)).resolves.toMatchObject({
      status: "succeeded",
      output: "late",
    });
  });

  it("during the create request: TimeoutError without a prediction; the late answer is canceled", async () => {
    vi.useFakeTimers();
    const create = held();
    const answer = create.answer;
    const fetch = scriptedFetch(create.step, json(200, pred("p1", "canceled")));
    const result = failed(run(scripted(fetch), "acme/model", { input: {}, timeoutMs: 3000 }));
    await vi.advanceTimersByTimeAsync(3000);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.prediction).toBeUndefined();
    expect(fetch.calls[0]?.signal.aborted).toBe(false);
    answer(json(201, pred("p1", "processing")));
    await vi.advanceTimersByTimeAsync(10);
    expect(calls(fetch)).toEqual([`POST ${URL_CREATE}`, `POST ${URL_CANCEL}`]);
  });
});
