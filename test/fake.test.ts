// The fake Replicate (`replicate-kit/testing`), driven through the real client: models
// written as plain functions, the prediction lifecycle, the three create routes,
// streaming with resumption, signed webhooks, trainings, every other resource, cursor
// pagination and injected faults. A few raw `fake.fetch(new Request(...))` calls check
// what the client would hide (SSE text, headers, statuses it refuses to send).
import { afterEach, describe, expect, test, vi } from "vitest";
import {
  ApiError,
  createPrediction,
  createReplicate,
  FileOutput,
  InputError,
  type Prediction,
  PredictionError,
  type Replicate,
  run,
  type StreamEvent,
  startTraining,
  stream,
  TrainingError,
  train,
  verifyWebhook,
  wait,
  webhookEvent,
  webhookSecret,
} from "../src/index.js";
import { createFakeReplicate, type FakeReplicate, type FakeReplicateOptions } from "../src/testing/index.js";
import { type FakeServer, serveFake } from "../src/testing/node.js";
import { startReceiver, type WebhookReceiver } from "./support/webhook-receiver.js";

const API = "https://api.replicate.com/v1";
const V1 = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";
const V2 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const FAST = { initialMs: 2, factor: 1, maxMs: 2 };
const RETRY = { retries: 2, baseDelayMs: 1, maxDelayMs: 2_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function makeFake(options: FakeReplicateOptions = {}): FakeReplicate {
  return createFakeReplicate({ startDelayMs: 2, ...options });
}

/** A client on the fake, logging `METHOD /path` of every request it sends. */
function clientOf(fake: FakeReplicate, options: { auth?: string } = {}) {
  const log: string[] = [];
  const requests: Request[] = [];
  const replicate = createReplicate({
    auth: options.auth ?? "test",
    retry: RETRY,
    fetch: (request) => {
      const url = new URL(request.url);
      log.push(`${request.method} ${url.pathname.replace(/^\/v1/, "")}${url.search}`);
      requests.push(request.clone());
      return fake.fetch(request);
    },
  });
  return { replicate, log, requests };
}

/** A raw call, as the wire carries it. */
function raw(fake: FakeReplicate, method: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers({ authorization: "Bearer test", ...(init.headers as Record<string, string>) });
  if (typeof init.body === "string" && !headers.has("content-type")) headers.set("content-type", "application/json");
  return fake.fetch(new Request(path.startsWith("http") ? path : `${API}${path}`, { ...init, method, headers }));
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A model that runs until it is canceled, then resolves to "stopped"; records its signal. */
function untilCanceled() {
  const seen: { signal?: AbortSignal; calls: number } = { calls: 0 };
  const run = (_input: Record<string, unknown>, ctx: { signal: AbortSignal }) => {
    seen.calls++;
    seen.signal = ctx.signal;
    return new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve("stopped")));
  };
  return { run, seen };
}

const statusOf = (fake: FakeReplicate, id: string) => fake.state.jobs.get(id)?.record.status;

interface SseBlock {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
}

/** The SSE text split into its blocks, field by field (one `data` line each here). */
function parseSse(text: string): SseBlock[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const out: Record<string, string> = {};
      for (const line of block.split("\n")) {
        const at = line.indexOf(":");
        const field = line.slice(0, at);
        const value = line.slice(at + 1).replace(/^ /, "");
        out[field] = field in out ? `${out[field]}\n${value}` : value;
      }
      return out as SseBlock;
    });
}

afterEach(() => {
  vi.useRealTimers();
});

// ---------------------------------------------------------------------------------------
// Models as plain functions
// ---------------------------------------------------------------------------------------

describe("models registered as plain functions", () => {
  test("a sync function: run resolves to its return value", async () => {
    const fake = makeFake();
    fake.model("acme/upper", (input) => String(input.text).toUpperCase());
    const { replicate } = clientOf(fake);
    await expect(run(replicate, "acme/upper", { input: { text: "hi there" } })).resolves.toBe("HI THERE");
  });

  test("an async function: run resolves to what it resolves to", async () => {
    const fake = makeFake();
    fake.model("acme/sum", async (input) => {
      await sleep(5);
      return { sum: (input.a as number) + (input.b as number), parts: [input.a, input.b] };
    });
    const { replicate } = clientOf(fake);
    await expect(run(replicate, "acme/sum", { input: { a: 2, b: 3 } })).resolves.toEqual({ sum: 5, parts: [2, 3] });
  });

  test("an async generator of tokens: the output is the tokens, joined by the output schema", async () => {
    const fake = makeFake();
    fake.model(
      "acme/llm",
      async function* (input) {
        for (const word of String(input.prompt).split(" ")) {
          await sleep(1);
          yield `${word} `;
        }
      },
      {
        output: {
          type: "array",
          items: { type: "string" },
          "x-cog-array-type": "iterator",
          "x-cog-array-display": "concatenate",
        },
      },
    );
    const { replicate } = clientOf(fake);
    const input = { prompt: "the quick brown fox" };
    await expect(run(replicate, "acme/llm", { input })).resolves.toEqual(["the ", "quick ", "brown ", "fox "]);
    await expect(run(replicate, "acme/llm", { input, outputSchema: true })).resolves.toBe("the quick brown fox ");
  });

  test("an async generator of several files as data: URIs: run resolves to FileOutputs", async () => {
    const fake = makeFake();
    const dataUri = (text: string) => `data:text/plain;base64,${Buffer.from(text).toString("base64")}`;
    fake.model("acme/files", async function* (input) {
      for (let i = 0; i < (input.n as number); i++) yield dataUri(`file ${i}`);
    });
    const { replicate } = clientOf(fake);
    const files = await run<FileOutput[]>(replicate, "acme/files", { input: { n: 3 } });
    expect(files).toHaveLength(3);
    for (const file of files) expect(file).toBeInstanceOf(FileOutput);
    expect(await Promise.all(files.map((f) => f.text()))).toEqual(["file 0", "file 1", "file 2"]);
    expect(files[1]?.url).toBe(dataUri("file 1"));
  });

  test("input is validated against the `input` schema: the client's ApiError 422 lists invalidFields", async () => {
    const fake = makeFake();
    let calls = 0;
    fake.model(
      "acme/strict",
      () => {
        calls++;
        return "ok";
      },
      {
        input: {
          type: "object",
          required: ["prompt"],
          properties: {
            prompt: { type: "string" },
            steps: { type: "integer", minimum: 1, maximum: 50 },
            scheduler: { type: "string", enum: ["ddim", "euler"] },
          },
        },
      },
    );
    const { replicate } = clientOf(fake);
    const error = await run(replicate, "acme/strict", { input: { prompt: 42, steps: 99, scheduler: "dpm" } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    const api = error as ApiError;
    expect(api.status).toBe(422);
    expect(api.invalidFields?.map((f) => f.field).sort()).toEqual(["input.prompt", "input.scheduler", "input.steps"]);
    for (const field of api.invalidFields ?? []) expect(field.description).toEqual(expect.any(String));

    const missing = (await run(replicate, "acme/strict", { input: { steps: 3 } }).catch((e: unknown) => e)) as ApiError;
    expect(missing.status).toBe(422);
    expect(missing.invalidFields).toEqual([expect.objectContaining({ field: "input.prompt" })]);

    const fractional = (await run(replicate, "acme/strict", { input: { prompt: "x", steps: 1.5 } }).catch(
      (e: unknown) => e,
    )) as ApiError;
    expect(fractional.invalidFields).toEqual([expect.objectContaining({ field: "input.steps" })]);

    expect(calls).toBe(0); // nothing ran
    expect(fake.state.jobs.size).toBe(0); // nothing was created
    await expect(run(replicate, "acme/strict", { input: { prompt: "x", steps: 50 } })).resolves.toBe("ok");
  });

  // `typeof null` is "object": a null nested input must still get the API's 422.
  test("a null given for a nested object input is a 422, not a crash", async () => {
    const fake = makeFake();
    fake.model("acme/nested", () => "ok", {
      input: { type: "object", properties: { options: { type: "object", properties: { seed: { type: "integer" } } } } },
    });
    const response = await raw(fake, "POST", "/models/acme/nested/predictions", {
      body: JSON.stringify({ input: { options: null } }),
    });
    expect(response.status).toBe(422);
  });

  // An array is not an object input.
  test("an array given for an object input is a 422", async () => {
    const fake = makeFake();
    fake.model("acme/nested", () => "ok", {
      input: { type: "object", properties: { options: { type: "object" } } },
    });
    const response = await raw(fake, "POST", "/models/acme/nested/predictions", {
      body: JSON.stringify({ input: { options: [1, 2] } }),
    });
    expect(response.status).toBe(422);
  });

  test("the version id option is honoured; a second registration adds a version, the latest runs by default", async () => {
    const fake = makeFake();
    expect(fake.model("acme/echo", (i) => `v1 ${String(i.text)}`, { version: V1 })).toBe(V1);
    expect(fake.model("acme/echo", (i) => `v2 ${String(i.text)}`, { version: V2 })).toBe(V2);
    const random = fake.model("acme/other", () => "x");
    expect(random).toMatch(/^[0-9a-f]{64}$/);
    const { replicate } = clientOf(fake);

    await expect(run(replicate, "acme/echo", { input: { text: "a" } })).resolves.toBe("v2 a");
    await expect(run(replicate, `acme/echo:${V1}`, { input: { text: "b" } })).resolves.toBe("v1 b");
    await expect(run(replicate, V1, { input: { text: "c" } })).resolves.toBe("v1 c");
    const p = await createPrediction(replicate, `acme/echo:${V1}`, { input: { text: "d" }, wait: 5 });
    expect(p.version).toBe(V1);
    expect(p.model).toBe("acme/echo");
    const model = await replicate.models.get({ model_owner: "acme", model_name: "echo" });
    expect((model.latest_version as { id: string }).id).toBe(V2);
    const versions = await replicate.models.versions.list({ model_owner: "acme", model_name: "echo" });
    expect(versions.results?.map((v) => v.id)).toEqual([V2, V1]); // most recent first
  });
});

// ---------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------

describe("the prediction lifecycle", () => {
  test("starting, then processing, then succeeded, with timestamps, metrics and accumulating logs", async () => {
    const fake = makeFake({ startDelayMs: 5 });
    const gate = deferred();
    fake.model("acme/gated", async (_input, ctx) => {
      ctx.log("loading weights");
      await gate.promise;
      ctx.log("100%|██████████| 10/10");
      return "done";
    });
    const { replicate } = clientOf(fake);
    const created = await createPrediction(replicate, "acme/gated", { input: {} });
    expect(created.status).toBe("starting");
    expect(created.started_at).toBeUndefined();
    expect(created.completed_at).toBeUndefined();
    expect(created.output).toBeNull();
    expect(created.logs).toBe("");

    const get = () => replicate.predictions.get({ prediction_id: created.id });
    await until("processing", async () => (await get()).status === "processing");
    const running = await get();
    expect(running.started_at).toEqual(expect.any(String));
    expect(running.completed_at).toBeUndefined();
    expect(running.logs).toBe("loading weights\n");

    gate.resolve();
    const progress: number[] = [];
    const done = await wait(replicate, created.id, {
      interval: FAST,
      onProgress: (_p, bar) => bar && progress.push(bar.percent),
    });
    expect(done.status).toBe("succeeded");
    expect(done.output).toBe("done");
    expect(done.error).toBeNull();
    expect(done.logs).toBe("loading weights\n100%|██████████| 10/10\n");
    expect(progress.at(-1)).toBe(100);
    const created_at = Date.parse(done.created_at);
    const started = Date.parse(done.started_at ?? "");
    const completed = Date.parse(done.completed_at ?? "");
    expect(created_at).toBeLessThanOrEqual(started);
    expect(started).toBeLessThanOrEqual(completed);
    const metrics = done.metrics as { predict_time?: number; total_time?: number };
    expect(metrics.predict_time).toEqual(expect.any(Number));
    expect(metrics.predict_time).toBeGreaterThanOrEqual(0);
    expect(metrics.total_time).toBeGreaterThanOrEqual(metrics.predict_time ?? 0);
  });

  test("a throwing model fails with its message in `error`; run rejects with PredictionError", async () => {
    const fake = makeFake();
    fake.model("acme/broken", (_input, ctx) => {
      ctx.log("about to fail");
      throw new Error("CUDA out of memory");
    });
    const { replicate } = clientOf(fake);
    const error = await run(replicate, "acme/broken", { input: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PredictionError);
    const failed = error as PredictionError;
    expect(failed.reason).toBe("failed");
    expect(failed.prediction.status).toBe("failed");
    expect(failed.prediction.error).toBe("CUDA out of memory");
    expect(failed.logs).toBe("about to fail\n");
    expect(failed.message).toContain("CUDA out of memory");
    const again = await replicate.predictions.get({ prediction_id: failed.prediction.id });
    expect(again.completed_at).toEqual(expect.any(String));
  });

  test("Prefer: wait=N holds the create until the prediction is done", async () => {
    const fake = makeFake();
    fake.model("acme/quick", async () => {
      await sleep(20);
      return "fast enough";
    });
    const { replicate, requests } = clientOf(fake);
    const p = await createPrediction(replicate, "acme/quick", { input: {}, wait: 5 });
    expect(requests[0]?.headers.get("prefer")).toBe("wait=5");
    expect(p.status).toBe("succeeded");
    expect(p.output).toBe("fast enough");
  });

  test("Prefer: wait=1 with a slower model returns the prediction still running after about a second", async () => {
    const fake = makeFake();
    fake.model(
      "acme/slow",
      (_input, ctx) =>
        new Promise((resolve) => {
          const timer = setTimeout(() => resolve("finally"), 1_500);
          ctx.signal.addEventListener("abort", () => {
            clearTimeout(timer);
            resolve("stopped");
          });
        }),
    );
    const { replicate } = clientOf(fake);
    const started = Date.now();
    const p = await createPrediction(replicate, "acme/slow", { input: {}, wait: 1 });
    const elapsed = Date.now() - started;
    expect(["starting", "processing"]).toContain(p.status);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(1_450);
    await replicate.predictions.cancel({ prediction_id: p.id });
  });

  test("Cancel-After: 5s cancels a running prediction after 5 s (fake timers); one that never started is aborted", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const fake = makeFake({ startDelayMs: 1 });
    const model = untilCanceled();
    fake.model("acme/forever", model.run);
    const { replicate, requests } = clientOf(fake);
    const p = await createPrediction(replicate, "acme/forever", { input: {}, cancelAfter: "5s" });
    expect(requests[0]?.headers.get("cancel-after")).toBe("5s");
    await vi.advanceTimersByTimeAsync(4_900);
    expect(statusOf(fake, p.id)).toBe("processing");
    expect(model.seen.signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(statusOf(fake, p.id)).toBe("canceled");
    expect(model.seen.signal?.aborted).toBe(true);

    const queued = makeFake({ startDelayMs: 60_000 }); // never leaves `starting` in time
    queued.model("acme/forever", untilCanceled().run);
    const q = await createPrediction(clientOf(queued).replicate, "acme/forever", { input: {}, cancelAfter: 5 });
    await vi.advanceTimersByTimeAsync(5_001);
    expect(statusOf(queued, q.id)).toBe("aborted");
    const record = queued.state.jobs.get(q.id)?.record;
    expect(record?.completed_at).toEqual(expect.any(String));
  });

  test("an invalid Cancel-After (under 5 s, or not a duration) is a 400", async () => {
    const fake = makeFake();
    fake.model("acme/echo", () => "x");
    for (const value of ["2s", "4", "soon", "5x"]) {
      const response = await raw(fake, "POST", "/models/acme/echo/predictions", {
        headers: { "cancel-after": value },
        body: JSON.stringify({ input: {} }),
      });
      expect(response.status, value).toBe(400);
    }
    for (const value of ["5", "5s", "1m", "1h30m"]) {
      const response = await raw(fake, "POST", "/models/acme/echo/predictions", {
        headers: { "cancel-after": value },
        body: JSON.stringify({ input: {} }),
      });
      expect(response.status, value).toBe(201);
    }
    // The client refuses such a value before sending anything.
    const { replicate, log } = clientOf(fake);
    await expect(createPrediction(replicate, "acme/echo", { input: {}, cancelAfter: "2s" })).rejects.toBeInstanceOf(
      InputError,
    );
    expect(log).toEqual([]);
  });

  // Replicate reports a Cancel-After as the prediction's `deadline`.
  test("a prediction created with Cancel-After carries its `deadline`", async () => {
    const fake = makeFake();
    fake.model("acme/echo", () => "x");
    const response = await raw(fake, "POST", "/models/acme/echo/predictions", {
      headers: { "cancel-after": "1m" },
      body: JSON.stringify({ input: {} }),
    });
    const p = (await response.json()) as Prediction;
    expect(p.deadline).toEqual(expect.any(String));
    expect(Date.parse(p.deadline ?? "") - Date.parse(p.created_at)).toBe(60_000);
  });

  test("predictions.cancel cancels a running prediction and aborts the model's ctx.signal", async () => {
    const fake = makeFake();
    const model = untilCanceled();
    fake.model("acme/forever", model.run);
    const { replicate } = clientOf(fake);
    const p = await createPrediction(replicate, "acme/forever", { input: {} });
    await until("the model to run", () => model.seen.signal !== undefined);
    expect(model.seen.signal?.aborted).toBe(false);
    const canceled = await replicate.predictions.cancel({ prediction_id: p.id });
    expect(canceled.status).toBe("canceled");
    expect(model.seen.signal?.aborted).toBe(true);
    const after = await wait(replicate, p.id, { interval: FAST });
    expect(after.status).toBe("canceled");
    expect(after.completed_at).toEqual(expect.any(String));
    // Canceling again changes nothing.
    const twice = await replicate.predictions.cancel({ prediction_id: p.id });
    expect(twice.status).toBe("canceled");
    expect(twice.completed_at).toBe(after.completed_at);
  });

  test("a prediction canceled while starting never runs its model", async () => {
    const fake = makeFake({ startDelayMs: 20 });
    const model = untilCanceled();
    fake.model("acme/forever", model.run);
    const { replicate } = clientOf(fake);
    const p = await createPrediction(replicate, "acme/forever", { input: {} });
    const canceled = await replicate.predictions.cancel({ prediction_id: p.id });
    expect(canceled.status).toBe("canceled");
    await sleep(40);
    expect(model.seen.calls).toBe(0);
    expect(statusOf(fake, p.id)).toBe("canceled");
  });

  test("run with a timeout cancels the prediction on the fake", async () => {
    const fake = makeFake();
    const model = untilCanceled();
    fake.model("acme/forever", model.run);
    const { replicate } = clientOf(fake);
    const error = await run(replicate, "acme/forever", { input: {}, timeoutMs: 1_500, interval: FAST }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe("TimeoutError");
    expect(model.seen.signal?.aborted).toBe(true);
    const [job] = fake.state.jobs.values();
    expect(job?.record.status).toBe("canceled");
  });

  // Once canceled, a model that carries on cannot change the prediction.
  test("a model that ignores the cancel cannot change the canceled prediction afterwards", async () => {
    const delivered: string[] = [];
    const fake = makeFake({
      webhookThrottleMs: 1,
      deliver: async (request) => {
        delivered.push(((await request.json()) as Prediction).status);
        return new Response(null, { status: 204 });
      },
    });
    fake.model("acme/stubborn", async (_input, ctx) => {
      await sleep(30); // ignores ctx.signal
      ctx.log("still here");
      return "late output";
    });
    const { replicate } = clientOf(fake);
    const p = await createPrediction(replicate, "acme/stubborn", { input: {}, webhook: "https://hooks.example/r" });
    await until("processing", () => statusOf(fake, p.id) === "processing");
    await replicate.predictions.cancel({ prediction_id: p.id });
    await sleep(80);
    const after = await replicate.predictions.get({ prediction_id: p.id });
    expect(after.status).toBe("canceled");
    expect(after.output).toBeNull();
    expect(after.logs).toBeNull(); // as Replicate answers for a job that logged nothing
    expect(fake.state.jobs.get(p.id)?.events.at(-1)?.type).toBe("done");
    expect(fake.deliveries.at(-1)?.event).toBe("completed");
  });
});

// ---------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------

describe("the create routes", () => {
  function echoFake() {
    const fake = makeFake();
    fake.model("acme/echo", (i) => `echo ${String(i.text)}`, { version: V1 });
    return fake;
  }

  test("an official model goes to /models/{owner}/{name}/predictions", async () => {
    const fake = echoFake();
    const { replicate, log } = clientOf(fake);
    const p = await createPrediction(replicate, "acme/echo", { input: { text: "a" }, wait: 5 });
    expect(log[0]).toBe("POST /models/acme/echo/predictions");
    expect(p).toMatchObject({ model: "acme/echo", version: V1, status: "succeeded", output: "echo a", source: "api" });
    expect(p.urls.get).toBe(`${API}/predictions/${p.id}`);
    expect(p.urls.cancel).toBe(`${API}/predictions/${p.id}/cancel`);
    expect(p.urls.stream).toEqual(expect.any(String));
    expect(fake.state.models.get("acme/echo")?.run_count).toBe(1);
  });

  test("the version route takes `version` as a bare id and as owner/name:id", async () => {
    const fake = echoFake();
    const { replicate, log } = clientOf(fake);
    const p = await createPrediction(replicate, V1, { input: { text: "b" }, wait: 5 });
    expect(log[0]).toBe("POST /predictions");
    expect(p).toMatchObject({ model: "acme/echo", version: V1, output: "echo b" });

    const response = await raw(fake, "POST", "/predictions", {
      headers: { prefer: "wait=5" },
      body: JSON.stringify({ version: `acme/echo:${V1}`, input: { text: "c" } }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ model: "acme/echo", version: V1, output: "echo c" });
  });

  test("the deployment route runs the deployment's model and names the deployment", async () => {
    const fake = echoFake();
    fake.deployment("acme/echo-prod", "acme/echo");
    const { replicate, log } = clientOf(fake);
    await expect(run(replicate, { deployment: "acme/echo-prod" }, { input: { text: "d" } })).resolves.toBe("echo d");
    expect(log[0]).toBe("POST /deployments/acme/echo-prod/predictions");
    const [job] = fake.state.jobs.values();
    expect(job?.record).toMatchObject({ deployment: "acme/echo-prod", model: "acme/echo", version: V1 });
  });

  test("an unknown model, version or deployment is a 404", async () => {
    const fake = echoFake();
    const { replicate } = clientOf(fake);
    const status = (p: Promise<unknown>) =>
      p.then(
        () => 200,
        (e: unknown) => (e instanceof ApiError ? e.status : -1),
      );
    expect(await status(run(replicate, "acme/nope", { input: {} }))).toBe(404);
    expect(await status(run(replicate, `acme/echo:${V2}`, { input: {} }))).toBe(404);
    expect(await status(run(replicate, V2, { input: {} }))).toBe(404);
    expect(await status(run(replicate, { deployment: "acme/nope" }, { input: {} }))).toBe(404);
    expect(await status(replicate.predictions.get({ prediction_id: "nope" }))).toBe(404);
    expect(fake.state.jobs.size).toBe(0);
  });

  test("an unknown path is a 404 problem, and a body that is not JSON a 400", async () => {
    const fake = echoFake();
    const unknown = await raw(fake, "GET", "/nothing/here");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toBe("application/problem+json");
    const notJson = await raw(fake, "POST", "/models/acme/echo/predictions", { body: "{oops" });
    expect(notJson.status).toBe(400);
  });

  // A malformed escape in a path is answered (404), not thrown.
  test("a malformed percent-escape in a path is answered, not thrown", async () => {
    const fake = echoFake();
    const response = await raw(fake, "GET", "/predictions/%E0%A4%A");
    expect(response.status).toBe(404);
  });
});

// ---------------------------------------------------------------------------------------
// Streaming
// ---------------------------------------------------------------------------------------

function tokenModel(fake: FakeReplicate, ref = "acme/llm", count = 6, gapMs = 3) {
  fake.model(ref, async function* (_input, ctx) {
    ctx.log("generating");
    for (let i = 0; i < count; i++) {
      await sleep(gapMs);
      yield `t${i} `;
    }
  });
  return Array.from({ length: count }, (_, i) => `t${i} `);
}

describe("streaming", () => {
  test("stream yields output events with ids, then done", async () => {
    const fake = makeFake();
    const tokens = tokenModel(fake);
    const { replicate } = clientOf(fake);
    const events: StreamEvent[] = [];
    for await (const event of stream(replicate, "acme/llm", { input: {} })) events.push(event);
    expect(events.filter((e) => e.type === "output").map((e) => e.data)).toEqual(tokens);
    expect(events.filter((e) => e.type === "logs").map((e) => e.data)).toEqual(["generating"]);
    expect(events.at(-1)).toMatchObject({ type: "done", data: {} });
    const ids = events.map((e) => e.id);
    for (const id of ids) expect(id).not.toBe("");
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("the raw SSE text has id:, event: and data: lines, and ends with done", async () => {
    const fake = makeFake();
    const tokens = tokenModel(fake, "acme/llm", 3);
    const { replicate } = clientOf(fake);
    const p = await createPrediction(replicate, "acme/llm", { input: {}, wait: 5 });
    expect(p.status).toBe("succeeded");
    const response = await raw(fake, "GET", p.urls.stream ?? "", { headers: { accept: "text/event-stream" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const text = await response.text();
    expect(text).toMatch(/^id: \S+$/m);
    expect(text).toMatch(/^event: output$/m);
    expect(text).toMatch(/^data: t0 $/m);
    const blocks = parseSse(text).filter((b) => b.event !== undefined);
    expect(blocks.map((b) => b.event)).toEqual(["logs", "output", "output", "output", "done"]);
    expect(blocks.filter((b) => b.event === "output").map((b) => b.data)).toEqual(tokens);
    expect(JSON.parse(blocks.at(-1)?.data ?? "")).toEqual({});
    for (const block of blocks) expect(block.id).toEqual(expect.any(String));
    expect(new Set(blocks.map((b) => b.id)).size).toBe(blocks.length);
  });

  test("a failed prediction's stream has an error event, then done with reason error", async () => {
    const fake = makeFake();
    fake.model("acme/broken", async function* () {
      yield "partial ";
      throw new Error("exploded");
    });
    const { replicate } = clientOf(fake);
    const events: StreamEvent[] = [];
    const error = await (async () => {
      for await (const event of stream(replicate, "acme/broken", { input: {} })) events.push(event);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PredictionError);
    expect((error as PredictionError).prediction.error).toBe("exploded");
    expect(events.map((e) => e.type)).toEqual(["output", "error"]);
    const p = (error as PredictionError).prediction as Prediction;
    const text = await (await raw(fake, "GET", p.urls.stream ?? "")).text();
    expect(parseSse(text).at(-1)).toMatchObject({ event: "done", data: '{"reason":"error"}' });
  });

  test("resuming with Last-Event-ID serves only the later events", async () => {
    const fake = makeFake();
    tokenModel(fake, "acme/llm", 4);
    const { replicate } = clientOf(fake);
    const p = await createPrediction(replicate, "acme/llm", { input: {}, wait: 5 });
    const all = parseSse(await (await raw(fake, "GET", p.urls.stream ?? "")).text()).filter((b) => b.id);
    const third = all[2]?.id ?? "";
    const rest = parseSse(
      await (await raw(fake, "GET", p.urls.stream ?? "", { headers: { "last-event-id": third } })).text(),
    ).filter((b) => b.id);
    expect(rest).toEqual(all.slice(3));
    expect(rest.at(-1)?.event).toBe("done");
  });

  // Resuming after `done` has nothing more to send: the response ends at once.
  test("resuming a finished stream after its done event ends at once", async () => {
    const fake = makeFake();
    tokenModel(fake, "acme/llm", 2);
    const { replicate } = clientOf(fake);
    const p = await createPrediction(replicate, "acme/llm", { input: {}, wait: 5 });
    const all = parseSse(await (await raw(fake, "GET", p.urls.stream ?? "")).text()).filter((b) => b.id);
    const response = await raw(fake, "GET", p.urls.stream ?? "", {
      headers: { "last-event-id": all.at(-1)?.id ?? "" },
    });
    const body = response.text();
    const outcome = await Promise.race([body.then(() => "ended"), sleep(300).then(() => "still open")]);
    await response.body?.cancel().catch(() => undefined);
    expect(outcome).toBe("ended");
  });

  test("the stream of an unknown prediction is a 404", async () => {
    const fake = makeFake();
    expect((await raw(fake, "GET", "/stream/nope")).status).toBe(404);
  });

  test("a stream opened while the prediction runs delivers events as they happen", async () => {
    const fake = makeFake();
    const gate = deferred();
    fake.model("acme/gated", async function* () {
      yield "first ";
      await gate.promise;
      yield "second ";
    });
    const { replicate } = clientOf(fake);
    const seen: string[] = [];
    const events = stream(replicate, "acme/gated", { input: {} });
    for await (const event of events) {
      if (event.type === "output") {
        seen.push(String(event.data));
        if (seen.length === 1) gate.resolve();
      }
    }
    expect(seen).toEqual(["first ", "second "]);
  });

  test("faults.dropStreams = 1: the first connection drops mid-event and every token still arrives once", async () => {
    const fake = makeFake();
    const tokens = tokenModel(fake, "acme/llm", 8, 4);
    fake.faults.dropStreams = 1;
    const { replicate, requests } = clientOf(fake);
    const events: StreamEvent[] = [];
    for await (const event of stream(replicate, "acme/llm", { input: {} })) events.push(event);
    expect(events.filter((e) => e.type === "output").map((e) => e.data)).toEqual(tokens);
    expect(events.at(-1)?.type).toBe("done");
    expect(fake.faults.dropStreams).toBe(0);
    const streams = requests.filter((r) => new URL(r.url).pathname.includes("/stream/"));
    expect(streams.length).toBeGreaterThanOrEqual(2);
    expect(streams[0]?.headers.get("last-event-id")).toBeNull();
    expect(streams[1]?.headers.get("last-event-id")).toEqual(expect.any(String));
  });

  // A drop ends the body early (no `done`), after dropAfterEvents events and half of the
  // next; the chunks already queued are not thrown away, as a real network would deliver them.
  test("the dropped connection delivers dropAfterEvents events, then stops in the middle of the next", async () => {
    const fake = makeFake();
    tokenModel(fake, "acme/llm", 3, 1);
    const { replicate } = clientOf(fake);
    const p = await createPrediction(replicate, "acme/llm", { input: {}, wait: 5 });
    fake.faults.dropStreams = 1;
    fake.faults.dropAfterEvents = 2;
    const response = await raw(fake, "GET", p.urls.stream ?? "");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    const failure = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        text += new TextDecoder().decode(value);
      }
    })().catch((e: unknown) => e);
    expect(failure).toBeUndefined(); // the body just ends, as when the server side closes
    expect(text).not.toContain("event: done");
    const complete = parseSse(text.slice(0, text.lastIndexOf("\n\n") + 2)).filter((b) => b.id);
    expect(complete).toHaveLength(2);
    expect(text.endsWith("\n\n")).toBe(false); // a partial event follows
  });

  test("faults.dropStreams over serveFake HTTP: every token arrives once", async () => {
    const fake = makeFake();
    const tokens = tokenModel(fake, "acme/llm", 8, 4);
    fake.faults.dropStreams = 1;
    const server = await serveFake(fake);
    try {
      const replicate = createReplicate({ auth: "test", baseUrl: server.url, retry: RETRY });
      const p = await createPrediction(replicate, "acme/llm", { input: {} });
      expect(p.urls.stream?.startsWith(server.url)).toBe(true);
      const output: string[] = [];
      let last: StreamEvent | undefined;
      for await (const event of stream(replicate, p)) {
        if (event.type === "output") output.push(String(event.data));
        last = event;
      }
      expect(output).toEqual(tokens);
      expect(last?.type).toBe("done");
      expect(fake.faults.dropStreams).toBe(0);
    } finally {
      await server.close();
    }
  });

  // A `data:` line cannot hold a CR (SSE ends lines there): the carriage return arrives as
  // a line break, and nothing after it is lost.
  test("a token containing a carriage return loses nothing after it", async () => {
    const fake = makeFake();
    fake.model("acme/cr", async function* () {
      yield "progress\r";
      yield "100%";
    });
    const { replicate } = clientOf(fake);
    const output: string[] = [];
    for await (const event of stream(replicate, "acme/cr", { input: {} }))
      if (event.type === "output") output.push(String(event.data));
    expect(output.join("")).toBe("progress\n100%");
  });
});

// ---------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------

describe("webhooks", () => {
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  test("deliveries to a local receiver are signed, and verifyWebhook accepts them with fake.secret", async () => {
    receiver = await startReceiver();
    const fake = makeFake({ webhookThrottleMs: 5 });
    const tokens = tokenModel(fake, "acme/llm", 3, 10);
    const { replicate } = clientOf(fake);
    const p = await createPrediction(replicate, "acme/llm", { input: {}, webhook: receiver.url });
    await wait(replicate, p, { interval: FAST });
    const hooks = receiver;
    await until("the completed delivery", () => hooks.received.some((r) => r.body.includes('"succeeded"')));
    await sleep(20);
    expect(hooks.received.length).toBeGreaterThanOrEqual(2);
    const payloads: Prediction[] = [];
    for (const delivery of hooks.received) {
      expect(delivery.path).toBe("/hooks/replicate");
      expect(delivery.headers["content-type"]).toBe("application/json");
      expect(delivery.headers["webhook-id"]).toMatch(/^msg_/);
      const payload = (await verifyWebhook({
        body: delivery.body,
        headers: delivery.headers,
        secret: fake.secret,
      })) as Prediction;
      expect(payload.id).toBe(p.id);
      payloads.push(payload);
    }
    expect(fake.deliveries.map((d) => d.event)).toContain("start");
    expect(fake.deliveries.at(-1)?.event).toBe("completed");
    expect(payloads.map((payload) => webhookEvent(payload))).toContain("completed");
    const completed = payloads.find((payload) => payload.status === "succeeded");
    expect(completed?.output).toEqual(tokens);
    // A wrong secret is refused.
    const other = createFakeReplicate().secret;
    const first = hooks.received[0] as (typeof hooks.received)[number];
    await expect(verifyWebhook({ body: first.body, headers: first.headers, secret: other })).rejects.toMatchObject({
      reason: "signature_mismatch",
    });
    await until("every answer", () => fake.deliveries.every((d) => d.status !== "pending"));
    expect(fake.deliveries.every((d) => d.status === 204 && d.url === hooks.url)).toBe(true);
  });

  // Replicate sends `start` at creation, with the prediction still `starting`.
  test("the start delivery carries the prediction as starting", async () => {
    const payloads: Prediction[] = [];
    const fake = makeFake({
      deliver: async (request) => {
        payloads.push((await request.json()) as Prediction);
        return new Response(null, { status: 204 });
      },
    });
    fake.model("acme/echo", () => "x");
    const { replicate } = clientOf(fake);
    await createPrediction(replicate, "acme/echo", {
      input: {},
      wait: 5,
      webhook: "https://hooks.example/r",
      webhookEventsFilter: ["start", "completed"],
    });
    await until("both deliveries", () => payloads.length === 2);
    expect(payloads.map((p) => p.status).sort()).toEqual(["starting", "succeeded"]);
    expect(payloads.map((p) => webhookEvent(p)).sort()).toEqual(["completed", "start"]);
  });

  test('webhook_events_filter: ["completed"] sends only the completed delivery', async () => {
    receiver = await startReceiver();
    const fake = makeFake({ webhookThrottleMs: 1 });
    tokenModel(fake, "acme/llm", 3, 2);
    const { replicate } = clientOf(fake);
    const p = await createPrediction(replicate, "acme/llm", {
      input: {},
      webhook: receiver.url,
      webhookEventsFilter: ["completed"],
    });
    await wait(replicate, p, { interval: FAST });
    const hooks = receiver;
    await until("the completed delivery", () => hooks.received.length > 0);
    await sleep(30);
    expect(hooks.received).toHaveLength(1);
    const payload = (await verifyWebhook({
      body: hooks.received[0]?.body ?? "",
      headers: hooks.received[0]?.headers ?? {},
      secret: fake.secret,
    })) as Prediction;
    expect(payload.status).toBe("succeeded");
    expect(fake.deliveries.map((d) => d.event)).toEqual(["completed"]);
  });

  test("output deliveries are throttled; the completed one carries the whole output", async () => {
    const captured: { at: number; payload: Prediction; request: Request }[] = [];
    const fake = makeFake({
      webhookThrottleMs: 100,
      deliver: async (request) => {
        captured.push({ at: Date.now(), request, payload: (await request.clone().json()) as Prediction });
        return new Response(null, { status: 200 });
      },
    });
    fake.model("acme/ten", async function* () {
      for (let i = 0; i < 10; i++) {
        await sleep(10);
        yield `piece ${i}`;
      }
    });
    const { replicate } = clientOf(fake);
    const p = await createPrediction(replicate, "acme/ten", {
      input: {},
      webhook: "https://hooks.example/replicate",
      webhookEventsFilter: ["output", "completed"],
    });
    await wait(replicate, p, { interval: FAST });
    await until("the completed delivery", () =>
      fake.deliveries.some((d) => d.event === "completed" && d.status !== "pending"),
    );
    await until("every answer", () => fake.deliveries.every((d) => d.status !== "pending"));
    await sleep(150); // nothing more may come
    const outputs = fake.deliveries.filter((d) => d.event === "output");
    expect(outputs.length).toBeGreaterThanOrEqual(1);
    expect(outputs.length).toBeLessThanOrEqual(3);
    const outputTimes = captured.filter((c) => c.payload.status === "processing").map((c) => c.at);
    for (let i = 1; i < outputTimes.length; i++) {
      expect((outputTimes[i] ?? 0) - (outputTimes[i - 1] ?? 0)).toBeGreaterThanOrEqual(90);
    }
    const completed = captured.filter((c) => c.payload.status === "succeeded");
    expect(completed).toHaveLength(1);
    expect(completed[0]?.payload.output).toEqual(Array.from({ length: 10 }, (_, i) => `piece ${i}`));
    for (const c of captured) {
      expect(c.request.url).toBe("https://hooks.example/replicate");
      await expect(
        verifyWebhook({ body: JSON.stringify(c.payload), headers: c.request.headers, secret: fake.secret }),
      ).resolves.toMatchObject({ id: p.id });
    }
    expect(fake.deliveries.filter((d) => d.event === "completed")).toHaveLength(1);
    expect(fake.deliveries.every((d) => d.status === 200)).toBe(true);
  });

  test("a delivery that fails is recorded with status error, and the prediction is unaffected", async () => {
    const fake = makeFake({ deliver: () => Promise.reject(new TypeError("fetch failed")) });
    fake.model("acme/echo", () => "x");
    const { replicate } = clientOf(fake);
    const p = await createPrediction(replicate, "acme/echo", {
      input: {},
      wait: 5,
      webhook: "https://hooks.example/r",
      webhookEventsFilter: ["completed"],
    });
    expect(p.status).toBe("succeeded");
    await until("the delivery attempt", () => fake.deliveries.some((d) => d.status !== "pending"));
    expect(fake.deliveries[0]).toMatchObject({ event: "completed", status: "error" });
  });

  test("webhookSecret(replicate) returns fake.secret; a given secret is used as is", async () => {
    const fake = makeFake();
    expect(fake.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    await expect(webhookSecret(clientOf(fake).replicate)).resolves.toBe(fake.secret);
    const fixed = makeFake({ secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" });
    expect(fixed.secret).toBe("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    await expect(webhookSecret(clientOf(fixed).replicate)).resolves.toBe(fixed.secret);
  });
});

// ---------------------------------------------------------------------------------------
// Trainings
// ---------------------------------------------------------------------------------------

describe("trainings", () => {
  function trainerFake(options: FakeReplicateOptions = {}) {
    const fake = makeFake(options);
    const version = fake.model("acme/trainer", () => "base behaviour", {
      version: V1,
      train: async (input, ctx) => {
        ctx.log(`training with ${String(input.style)}`);
        await sleep(5);
        return (i: Record<string, unknown>) => `${String(input.style)}: ${String(i.text)}`;
      },
    });
    return { fake, version };
  }

  test("train creates the destination, succeeds, adds a version to it, and run(version) runs the trained behaviour", async () => {
    const { fake } = trainerFake();
    const { replicate, log } = clientOf(fake);
    const { training, version } = await train(replicate, {
      model: "acme/trainer",
      destination: "me/styled",
      input: { style: "shouty" },
      createDestination: { visibility: "private", hardware: "cpu", description: "my styled model" },
      interval: FAST,
    });
    expect(log).toContain("POST /models");
    expect(log).toContain(`POST /models/acme/trainer/versions/${V1}/trainings`);
    expect(training.status).toBe("succeeded");
    expect(training.logs).toBe("training with shouty\n");
    expect(training.model).toBe("acme/trainer");
    expect(training.version).toBe(V1);
    expect(version).toMatch(/^me\/styled:[0-9a-f]{64}$/);
    const id = version.split(":")[1] as string;

    const dest = await replicate.models.get({ model_owner: "me", model_name: "styled" });
    expect(dest).toMatchObject({ owner: "me", name: "styled", visibility: "private", description: "my styled model" });
    expect((dest.latest_version as { id: string }).id).toBe(id);
    const versions = await replicate.models.versions.list({ model_owner: "me", model_name: "styled" });
    expect(versions.results?.map((v) => v.id)).toEqual([id]);

    await expect(run(replicate, version, { input: { text: "hello" } })).resolves.toBe("shouty: hello");
    await expect(run(replicate, "me/styled", { input: { text: "again" } })).resolves.toBe("shouty: again");
    await expect(run(replicate, "acme/trainer", { input: {} })).resolves.toBe("base behaviour");
  });

  test("a trainer that returns a fixed value: the new version outputs it", async () => {
    const fake = makeFake();
    fake.model("acme/fixed-trainer", () => "base", { train: () => ({ weights: "w" }) });
    fake.model("me/dest", () => "untrained");
    const { replicate } = clientOf(fake);
    const { version } = await train(replicate, {
      model: "acme/fixed-trainer",
      destination: "me/dest",
      input: {},
      interval: FAST,
    });
    await expect(run(replicate, version, { input: {} })).resolves.toEqual({ weights: "w" });
    await expect(run(replicate, "me/dest", { input: {} })).resolves.toEqual({ weights: "w" });
  });

  test("a training with a webhook gets signed deliveries too", async () => {
    const received: Request[] = [];
    const { fake } = trainerFake({
      deliver: async (request) => {
        received.push(request);
        return new Response(null, { status: 204 });
      },
    });
    fake.model("me/dest", () => "x");
    const { replicate } = clientOf(fake);
    const { training } = await train(replicate, {
      model: `acme/trainer:${V1}`,
      destination: "me/dest",
      input: { style: "calm" },
      webhook: "https://hooks.example/t",
      webhookEventsFilter: ["completed"],
      interval: FAST,
    });
    await until("the delivery", () => fake.deliveries.length === 1);
    expect(received).toHaveLength(1);
    const request = received[0] as Request;
    expect(request.url).toBe("https://hooks.example/t");
    const payload = await verifyWebhook({ body: await request.text(), headers: request.headers, secret: fake.secret });
    expect(payload).toMatchObject({ id: training.id, status: "succeeded", output: training.output });
  });

  test("a missing destination: the raw operation gets a 4xx, and train refuses before starting", async () => {
    const { fake } = trainerFake();
    const { replicate } = clientOf(fake);
    const error = await replicate.trainings
      .create({
        model_owner: "acme",
        model_name: "trainer",
        version_id: V1,
        body: { destination: "me/missing", input: { style: "x" } },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBeGreaterThanOrEqual(400);
    expect((error as ApiError).status).toBeLessThan(500);
    await expect(
      train(replicate, { model: "acme/trainer", destination: "me/missing", input: {}, interval: FAST }),
    ).rejects.toBeInstanceOf(InputError);
    expect(fake.state.jobs.size).toBe(0);
  });

  test("training a model that is not a trainer, or an unknown version, is a 404", async () => {
    const { fake } = trainerFake();
    fake.model("acme/plain", () => "x", { version: V2 });
    fake.model("me/dest", () => "x");
    const { replicate } = clientOf(fake);
    for (const [name, version] of [
      ["plain", V2],
      ["trainer", V2],
    ] as const) {
      const error = await replicate.trainings
        .create({
          model_owner: "acme",
          model_name: name,
          version_id: version,
          body: { destination: "me/dest", input: {} },
        })
        .catch((e: unknown) => e);
      expect((error as ApiError).status, name).toBe(404);
    }
  });

  test("a failing trainer rejects train with a TrainingError; trainings.cancel cancels; both are listed", async () => {
    const fake = makeFake();
    fake.model("acme/bad-trainer", () => "x", {
      train: () => {
        throw new Error("no images");
      },
    });
    const slow = untilCanceled();
    fake.model("acme/slow-trainer", () => "x", { version: V2, train: slow.run });
    fake.model("me/dest", () => "x");
    const { replicate } = clientOf(fake);
    const error = await train(replicate, {
      model: "acme/bad-trainer",
      destination: "me/dest",
      input: {},
      interval: FAST,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingError);
    expect((error as TrainingError).prediction.error).toBe("no images");

    const training = await startTraining(replicate, {
      model: `acme/slow-trainer:${V2}`,
      destination: "me/dest",
      input: {},
    });
    await until("the trainer to run", () => slow.seen.signal !== undefined);
    const canceled = await replicate.trainings.cancel({ training_id: training.id });
    expect(canceled.status).toBe("canceled");
    expect(slow.seen.signal?.aborted).toBe(true);
    expect((await replicate.trainings.get({ training_id: training.id })).status).toBe("canceled");

    const listed = [];
    for await (const t of replicate.trainings.list()) listed.push(t.id);
    expect(listed).toEqual([training.id, (error as TrainingError).prediction.id]); // most recent first
    // Trainings are not predictions.
    await expect(replicate.predictions.get({ prediction_id: training.id })).rejects.toMatchObject({ status: 404 });
    expect((await replicate.predictions.list()).results).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// Other resources, through the client's generated operations
// ---------------------------------------------------------------------------------------

describe("other resources", () => {
  test("files: create (multipart, metadata, filename), get, list, download, delete, then 404", async () => {
    const fake = makeFake();
    const { replicate, requests } = clientOf(fake);
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const created = await replicate.files.create({
      body: {
        content: new Blob([bytes], { type: "image/png" }),
        filename: "pixel.png",
        type: "image/png",
        metadata: { user: 7 },
      },
    });
    expect(requests[0]?.headers.get("content-type")).toMatch(/^multipart\/form-data; boundary=/);
    expect(created).toMatchObject({ name: "pixel.png", content_type: "image/png", size: 5, metadata: { user: 7 } });
    expect(created.urls.get).toBe(`${API}/files/${created.id}`);
    expect(Date.parse(created.expires_at)).toBeGreaterThan(Date.parse(created.created_at));

    const other = await replicate.files.create({ body: { content: new Blob(["{}"]), filename: "b.json" } });
    expect(other.content_type).toBe("application/octet-stream");
    expect(other.metadata).toEqual({});

    expect(await replicate.files.get({ file_id: created.id })).toEqual(created);
    const listed = [];
    for await (const f of replicate.files.list()) listed.push(f.id);
    expect(listed).toEqual([other.id, created.id]); // most recent first

    const blob = await replicate.files.download({
      file_id: created.id,
      owner: "fake",
      expiry: 1_900_000_000,
      signature: "x",
    });
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(bytes);

    await expect(replicate.files.delete({ file_id: created.id })).resolves.toBeUndefined();
    await expect(replicate.files.get({ file_id: created.id })).rejects.toMatchObject({ status: 404 });
    await expect(
      replicate.files.download({ file_id: created.id, owner: "fake", expiry: 1, signature: "x" }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(replicate.files.delete({ file_id: created.id })).rejects.toMatchObject({ status: 404 });
  });

  test("file inputs of run are uploaded to the fake's Files API and reach the model as URLs", async () => {
    const fake = makeFake();
    let seen: unknown;
    fake.model("acme/reader", (input) => {
      seen = input.image;
      return "read";
    });
    const { replicate } = clientOf(fake);
    await expect(
      run(replicate, "acme/reader", { input: { image: new Blob(["png bytes"], { type: "image/png" }) } }),
    ).resolves.toBe("read");
    const [file] = fake.state.files.values();
    expect(seen).toBe(`${API}/files/${file?.id}`);
    expect(await file?.content.text()).toBe("png bytes");
  });

  // Metadata that is not JSON is the caller's error (4xx), not a crash.
  test("files.create with metadata that is not JSON is a 4xx, not a crash", async () => {
    const fake = makeFake();
    const form = new FormData();
    form.append("content", new Blob(["x"]), "x.txt");
    form.append("metadata", "{not json");
    const response = await raw(fake, "POST", "/files", { body: form });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  // Replicate's file object carries a sha256 checksum.
  test("a file's checksums include its sha256", async () => {
    const fake = makeFake();
    const { replicate } = clientOf(fake);
    const created = await replicate.files.create({ body: { content: new Blob(["hello"]), filename: "h.txt" } });
    expect(created.checksums.sha256).toBe("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  });

  test("models: create, get, list, update the description, delete, then 404", async () => {
    const fake = makeFake();
    fake.model("acme/echo", () => "x");
    const { replicate } = clientOf(fake);
    const created = await replicate.models.create({
      body: { owner: "me", name: "detector", description: "Detects things", visibility: "public", hardware: "gpu-t4" },
    });
    expect(created).toMatchObject({
      owner: "me",
      name: "detector",
      url: "https://replicate.com/me/detector",
      description: "Detects things",
      visibility: "public",
      run_count: 0,
      latest_version: null,
    });
    await expect(
      replicate.models.create({ body: { owner: "me", name: "detector", visibility: "public", hardware: "cpu" } }),
    ).rejects.toMatchObject({ status: 409 });
    expect(await replicate.models.get({ model_owner: "me", model_name: "detector" })).toEqual(created);

    const names = [];
    for await (const m of replicate.models.list()) names.push(`${m.owner}/${m.name}`);
    expect(names.sort()).toEqual(["acme/echo", "me/detector"]);

    const updated = await replicate.models.update({
      model_owner: "me",
      model_name: "detector",
      body: { description: "Detects more things" },
    });
    expect(updated.description).toBe("Detects more things");
    expect((await replicate.models.get({ model_owner: "me", model_name: "detector" })).description).toBe(
      "Detects more things",
    );

    await expect(replicate.models.delete({ model_owner: "me", model_name: "detector" })).resolves.toBeUndefined();
    await expect(replicate.models.get({ model_owner: "me", model_name: "detector" })).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      replicate.models.update({ model_owner: "me", model_name: "detector", body: {} }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(replicate.models.delete({ model_owner: "me", model_name: "detector" })).rejects.toMatchObject({
      status: 404,
    });
  });

  test("a model's readme is text/plain markdown; examples is an empty page", async () => {
    const fake = makeFake();
    fake.model("acme/echo", () => "x");
    const { replicate } = clientOf(fake);
    const readme = await replicate.models.readme.get({ model_owner: "acme", model_name: "echo" });
    expect(readme).toMatch(/^# acme\/echo/);
    const response = await raw(fake, "GET", "/models/acme/echo/readme");
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await replicate.models.examples.list({ model_owner: "acme", model_name: "echo" })).toEqual({
      next: null,
      previous: null,
      results: [],
    });
    await expect(replicate.models.readme.get({ model_owner: "acme", model_name: "nope" })).rejects.toMatchObject({
      status: 404,
    });
  });

  // models.update applies every field it accepts, not only the description.
  test("models.update also updates the readme and the URLs", async () => {
    const fake = makeFake();
    fake.model("acme/echo", () => "x");
    const { replicate } = clientOf(fake);
    const updated = await replicate.models.update({
      model_owner: "acme",
      model_name: "echo",
      body: {
        readme: "# New readme\n",
        github_url: "https://github.com/acme/echo",
        paper_url: "https://arxiv.org/abs/1",
      },
    });
    expect(updated).toMatchObject({ github_url: "https://github.com/acme/echo", paper_url: "https://arxiv.org/abs/1" });
    expect(await replicate.models.readme.get({ model_owner: "acme", model_name: "echo" })).toBe("# New readme\n");
  });

  // "You can only delete models that have no versions associated with them."
  test("deleting a model that still has versions is refused", async () => {
    const fake = makeFake();
    fake.model("acme/echo", () => "x", { visibility: "private" });
    const { replicate } = clientOf(fake);
    const error = await replicate.models.delete({ model_owner: "acme", model_name: "echo" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(fake.state.models.has("acme/echo")).toBe(true);
  });

  test("versions: list (most recent first), get, delete (202), then 404", async () => {
    const fake = makeFake();
    const input = { type: "object", properties: { text: { type: "string" } } };
    fake.model("acme/echo", () => "one", { version: V1, input });
    fake.model("acme/echo", () => "two", { version: V2, input, output: { type: "string" } });
    const { replicate } = clientOf(fake);
    const versions = [];
    for await (const v of replicate.models.versions.list({ model_owner: "acme", model_name: "echo" }))
      versions.push(v.id);
    expect(versions).toEqual([V2, V1]);
    const v2 = await replicate.models.versions.get({ model_owner: "acme", model_name: "echo", version_id: V2 });
    expect(v2).toMatchObject({ id: V2, cog_version: expect.any(String) });
    // A whole Cog document, its paths around the Input and Output schemas given.
    const doc = v2.openapi_schema as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.components.schemas).toMatchObject({ Input: input, Output: { type: "string" } });
    expect(Object.keys(doc.paths)).toContain("/predictions");

    await expect(
      replicate.models.versions.delete({ model_owner: "acme", model_name: "echo", version_id: V2 }),
    ).resolves.toBeUndefined();
    expect((await raw(fake, "DELETE", `/models/acme/echo/versions/${V1}`)).status).toBe(202);
    await expect(
      replicate.models.versions.get({ model_owner: "acme", model_name: "echo", version_id: V2 }),
    ).rejects.toMatchObject({ status: 404 });
    expect((await replicate.models.versions.list({ model_owner: "acme", model_name: "echo" })).results).toEqual([]);
  });

  test("collections: list and get, with the models that exist", async () => {
    const fake = makeFake();
    fake.model("acme/echo", () => "x");
    fake.model("acme/upper", () => "X");
    fake.collection("text", "Text models", ["acme/echo", "acme/upper", "acme/deleted"]);
    fake.collection("image", "Image models", []);
    const { replicate } = clientOf(fake);
    const list = await replicate.collections.list();
    expect(list.results?.map((c) => c.slug)).toEqual(["text", "image"]);
    for (const c of list.results ?? []) expect(c.description).toEqual(expect.any(String));
    const text = await replicate.collections.get({ collection_slug: "text" });
    expect(text).toMatchObject({ slug: "text", name: "Text models" });
    expect(text.models.map((m) => `${m.owner}/${m.name}`)).toEqual(["acme/echo", "acme/upper"]);
    await expect(replicate.collections.get({ collection_slug: "nope" })).rejects.toMatchObject({ status: 404 });
  });

  test("deployments: create, get, update, list, delete", async () => {
    const fake = makeFake({ username: "acme" });
    fake.model("acme/echo", (i) => `echo ${String(i.text)}`, { version: V1 });
    const { replicate } = clientOf(fake);
    const created = await replicate.deployments.create({
      body: { name: "prod", model: "acme/echo", version: V1, hardware: "gpu-t4", min_instances: 0, max_instances: 2 },
    });
    expect(created).toMatchObject({
      owner: "acme",
      name: "prod",
      current_release: {
        model: "acme/echo",
        version: V1,
        configuration: { hardware: "gpu-t4", min_instances: 0, max_instances: 2 },
        created_by: { username: "acme" },
      },
    });
    expect(await replicate.deployments.get({ deployment_owner: "acme", deployment_name: "prod" })).toEqual(created);
    await expect(run(replicate, { deployment: "acme/prod" }, { input: { text: "a" } })).resolves.toBe("echo a");

    const updated = await replicate.deployments.update({
      deployment_owner: "acme",
      deployment_name: "prod",
      body: { min_instances: 1, max_instances: 5 },
    });
    expect(updated.current_release?.version).toBe(V1);
    expect(updated.current_release?.configuration).toEqual({ hardware: "gpu-t4", min_instances: 1, max_instances: 5 });

    fake.deployment("acme/staging", "acme/echo");
    const names = [];
    for await (const d of replicate.deployments.list()) names.push(d.name);
    expect(names.sort()).toEqual(["prod", "staging"]);

    await expect(
      replicate.deployments.delete({ deployment_owner: "acme", deployment_name: "prod" }),
    ).resolves.toBeUndefined();
    await expect(
      replicate.deployments.get({ deployment_owner: "acme", deployment_name: "prod" }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      replicate.deployments.create({
        body: { name: "x", model: "acme/nope", version: V1, hardware: "cpu", min_instances: 0, max_instances: 1 },
      }),
    ).rejects.toMatchObject({ status: 400 });
  });

  // A deployment runs its current release's version, not the model's latest.
  test("a deployment runs the version of its current release, not the model's latest", async () => {
    const fake = makeFake({ username: "acme" });
    fake.model("acme/echo", () => "v1", { version: V1 });
    fake.model("acme/echo", () => "v2", { version: V2 });
    const { replicate } = clientOf(fake);
    await replicate.deployments.create({
      body: { name: "pinned", model: "acme/echo", version: V1, hardware: "cpu", min_instances: 0, max_instances: 1 },
    });
    const p = await createPrediction(replicate, { deployment: "acme/pinned" }, { input: {}, wait: 5 });
    expect(p.version).toBe(V1);
    expect(p.output).toBe("v1");
  });

  // Every deployment update is a new release with the next number.
  test("deployments.update increments current_release.number", async () => {
    const fake = makeFake();
    fake.model("acme/echo", () => "x", { version: V1 });
    fake.deployment("acme/prod", "acme/echo");
    const { replicate } = clientOf(fake);
    const before = await replicate.deployments.get({ deployment_owner: "acme", deployment_name: "prod" });
    const after = await replicate.deployments.update({
      deployment_owner: "acme",
      deployment_name: "prod",
      body: { max_instances: 3 },
    });
    expect(after.current_release?.number).toBe((before.current_release?.number ?? 0) + 1);
  });

  test("hardware, account, and the webhook secret", async () => {
    const fake = makeFake({ username: "acme" });
    const { replicate } = clientOf(fake);
    const hardware = await replicate.hardware.list();
    expect(hardware.map((h) => h.sku)).toContain("cpu");
    for (const h of hardware) expect(h).toEqual({ name: expect.any(String), sku: expect.any(String) });
    expect(await replicate.account.get()).toMatchObject({ type: "organization", username: "acme" });
    expect(await replicate.webhooks.default.secret.get()).toEqual({ key: fake.secret });
  });

  test("search (GET /search?query=) and models.search (QUERY /models) find models by name and description", async () => {
    const fake = makeFake();
    fake.model("acme/upscaler", () => "x", { description: "Makes images bigger" });
    fake.model("acme/llm", () => "x", { description: "Writes text" });
    fake.model("other/image-upscaler-2", () => "x");
    const { replicate, log, requests } = clientOf(fake);

    const found = await replicate.search({ query: "UPSCALER" });
    expect(log.at(-1)).toBe("GET /search?query=UPSCALER");
    expect(found.query).toBe("UPSCALER");
    expect(found.models.map((m) => `${m.model.owner}/${m.model.name}`).sort()).toEqual([
      "acme/upscaler",
      "other/image-upscaler-2",
    ]);
    for (const m of found.models) expect(m.metadata).toEqual(expect.any(Object));
    expect(found.collections).toEqual([]);
    expect(found.pages).toEqual([]);
    expect((await replicate.search({ query: "upscaler", limit: 1 })).models).toHaveLength(1);
    expect((await replicate.search({ query: "writes" })).models.map((m) => m.model.name)).toEqual(["llm"]);
    expect((await raw(fake, "GET", "/search")).status).toBe(400);

    const page = await replicate.models.search({ body: "bigger" });
    expect(log.at(-1)).toBe("QUERY /models");
    expect(await requests.at(-1)?.text()).toBe("bigger");
    expect(page.results?.map((m) => m.name)).toEqual(["upscaler"]);
    const all = [];
    for await (const m of replicate.models.search({ body: "acme" })) all.push(m.name);
    expect(all.sort()).toEqual(["llm", "upscaler"]);
  });
});

// ---------------------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------------------

describe("pagination", () => {
  test("25 models at the default page size: 3 pages, every model once, absolute next URLs", async () => {
    const fake = makeFake();
    const refs = Array.from({ length: 25 }, (_, i) => `acme/model-${String(i).padStart(2, "0")}`);
    for (const ref of refs) fake.model(ref, () => ref);
    const { replicate, log } = clientOf(fake);

    const first = await replicate.models.list();
    expect(first.results).toHaveLength(10);
    expect(first.previous).toBeNull();
    expect(first.next).toEqual(expect.any(String));
    const next = new URL(first.next ?? "");
    expect(`${next.origin}${next.pathname}`).toBe(`${API}/models`);

    const seen = [];
    for await (const m of replicate.models.list()) seen.push(`${m.owner}/${m.name}`);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect([...seen].sort()).toEqual(refs);

    const pages = [];
    for await (const page of replicate.models.list().pages()) pages.push(page);
    expect(pages.map((p) => p.results?.length)).toEqual([10, 10, 5]);
    expect(pages.at(-1)?.next).toBeNull();
    expect(pages[1]?.previous).toEqual(expect.any(String));
    expect(log.filter((l) => l.startsWith("GET /models")).length).toBe(1 + 3 + 3);
  });

  test("the page size option, and QUERY search pages repeat the query", async () => {
    const fake = makeFake({ pageSize: 2 });
    for (let i = 0; i < 5; i++) fake.model(`acme/upscaler-${i}`, () => "x");
    fake.model("acme/other", () => "x");
    const { replicate, requests } = clientOf(fake);
    const names = [];
    for await (const m of replicate.models.search({ body: "upscaler" })) names.push(m.name);
    expect(names.sort()).toEqual(["upscaler-0", "upscaler-1", "upscaler-2", "upscaler-3", "upscaler-4"]);
    expect(requests.map((r) => r.method)).toEqual(["QUERY", "QUERY", "QUERY"]);
    for (const r of requests) expect(await r.text()).toBe("upscaler");
  });

  // predictions.list honours its query parameters.
  test("predictions.list honours source, created_after and created_before", async () => {
    const fake = makeFake();
    fake.model("acme/echo", () => "x");
    const { replicate } = clientOf(fake);
    await createPrediction(replicate, "acme/echo", { input: {} });
    expect((await replicate.predictions.list({ source: "web" })).results).toEqual([]);
    expect((await replicate.predictions.list({ created_after: "2999-01-01T00:00:00Z" })).results).toEqual([]);
    expect((await replicate.predictions.list({ created_before: "2000-01-01T00:00:00Z" })).results).toEqual([]);
  });

  // GET /models lists public models only, as documented.
  test("models.list lists public models only", async () => {
    const fake = makeFake();
    fake.model("acme/public", () => "x");
    fake.model("acme/secret", () => "x", { visibility: "private" });
    const { replicate } = clientOf(fake);
    const names = [];
    for await (const m of replicate.models.list()) names.push(m.name);
    expect(names).toEqual(["public"]);
  });

  test("predictions.list pages over every prediction, most recent first", async () => {
    const fake = makeFake({ pageSize: 4 });
    fake.model("acme/echo", (i) => i.n);
    const { replicate } = clientOf(fake);
    const ids = [];
    for (let n = 0; n < 9; n++) ids.push((await createPrediction(replicate, "acme/echo", { input: { n } })).id);
    const listed = [];
    for await (const p of replicate.predictions.list()) listed.push(p.id);
    expect(listed).toEqual([...ids].reverse());
  });

  test("over serveFake, next URLs point at the server and are followed", async () => {
    const fake = makeFake({ pageSize: 3 });
    for (let i = 0; i < 7; i++) fake.model(`acme/m${i}`, () => "x");
    const server = await serveFake(fake);
    try {
      const replicate = createReplicate({ auth: "test", baseUrl: server.url, retry: RETRY });
      const first = await replicate.models.list();
      expect(first.next?.startsWith(`${server.url}/models?`)).toBe(true);
      const names = [];
      for await (const m of replicate.models.list()) names.push(m.name);
      expect(names).toHaveLength(7);
      const searched = [];
      for await (const m of replicate.models.search({ body: "acme/m" })) searched.push(m.name);
      expect(searched).toHaveLength(7);
    } finally {
      await server.close();
    }
  });
});

// ---------------------------------------------------------------------------------------
// Faults and auth
// ---------------------------------------------------------------------------------------

describe("faults", () => {
  test("faults.statuses = [503]: the client's GET retries and succeeds", async () => {
    const fake = makeFake({ username: "acme" });
    fake.faults.statuses = [503];
    const { replicate, log } = clientOf(fake);
    await expect(replicate.account.get()).resolves.toMatchObject({ username: "acme" });
    expect(log).toEqual(["GET /account", "GET /account"]);
    expect(fake.faults.statuses).toEqual([]);
  });

  test("faults.statuses = [503] on a create: not retried (it may have been billed)", async () => {
    const fake = makeFake();
    fake.model("acme/echo", () => "x");
    fake.faults.statuses = [503];
    const { replicate, log } = clientOf(fake);
    await expect(createPrediction(replicate, "acme/echo", { input: {} })).rejects.toMatchObject({ status: 503 });
    expect(log).toHaveLength(1);
  });

  test("faults.statuses = [429]: Retry-After (retryAfterSec) is honoured", async () => {
    const fake = makeFake();
    fake.faults.statuses = [429];
    fake.faults.retryAfterSec = 0.3;
    const { replicate, log } = clientOf(fake);
    const started = Date.now();
    await expect(replicate.hardware.list()).resolves.toEqual(expect.any(Array));
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(log).toEqual(["GET /hardware", "GET /hardware"]);
  });

  test("an injected 429 carries Retry-After and a problem body", async () => {
    const fake = makeFake();
    fake.faults.statuses = [429];
    const response = await raw(fake, "GET", "/account");
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({ status: 429 });
    expect((await raw(fake, "GET", "/account")).status).toBe(200);
  });

  test("faults.maxInFlight: the excess request gets a 429 with Retry-After", async () => {
    const fake = makeFake();
    fake.faults.maxInFlight = 1;
    const gate = deferred();
    fake.model("acme/gated", async () => {
      await gate.promise;
      return "done";
    });
    const held = raw(fake, "POST", "/models/acme/gated/predictions", {
      headers: { prefer: "wait=10" },
      body: JSON.stringify({ input: {} }),
    });
    await until("the held create", () => fake.state.jobs.size === 1);
    const excess = await raw(fake, "GET", "/account");
    expect(excess.status).toBe(429);
    expect(excess.headers.get("retry-after")).toBe(String(fake.faults.retryAfterSec));
    gate.resolve();
    expect((await held).status).toBe(201);
    expect((await raw(fake, "GET", "/account")).status).toBe(200);
  });

  test("faults.latencyMs delays every answer", async () => {
    const fake = makeFake();
    fake.faults.latencyMs = 60;
    const { replicate } = clientOf(fake);
    const started = Date.now();
    await replicate.account.get();
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    fake.faults.latencyMs = 0;
    const again = Date.now();
    await replicate.account.get();
    expect(Date.now() - again).toBeLessThan(50);
  });

  test("no, blank or non-bearer Authorization is a 401", async () => {
    const fake = makeFake();
    const call = (headers: Record<string, string>) => fake.fetch(new Request(`${API}/account`, { headers }));
    for (const headers of [{}, { authorization: "" }, { authorization: "Bearer " }, { authorization: "Token abc" }]) {
      const response = await call(headers);
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
    expect((await call({ authorization: "Bearer anything" })).status).toBe(200);
  });

  test("the token option requires exactly that token", async () => {
    const fake = makeFake({ token: "r8_right" });
    await expect(clientOf(fake, { auth: "r8_right" }).replicate.account.get()).resolves.toBeDefined();
    const error = await clientOf(fake, { auth: "r8_wrong" })
      .replicate.account.get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect(JSON.stringify(error)).not.toContain("r8_wrong");
  });
});

// ---------------------------------------------------------------------------------------
// serveFake
// ---------------------------------------------------------------------------------------

describe("serveFake", () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test("serves the fake on 127.0.0.1 with /v1: run, files and 204s work over HTTP", async () => {
    const fake = makeFake();
    fake.model("acme/upper", (input) => String(input.text).toUpperCase());
    server = await serveFake(fake);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const replicate: Replicate = createReplicate({ auth: "test", baseUrl: server.url, retry: RETRY });
    await expect(run(replicate, "acme/upper", { input: { text: "over http" } })).resolves.toBe("OVER HTTP");
    const file = await replicate.files.create({ body: { content: new Blob(["abc"]), filename: "a.txt" } });
    expect(file.urls.get).toBe(`${server.url}/files/${file.id}`);
    const blob = await replicate.files.download({ file_id: file.id, owner: "fake", expiry: 1, signature: "x" });
    expect(await blob.text()).toBe("abc");
    await expect(replicate.files.delete({ file_id: file.id })).resolves.toBeUndefined();
    const unauthorized = await fetch(`${server.url}/account`);
    expect(unauthorized.status).toBe(401);
  });

  test("close() ends the server: later requests fail to connect", async () => {
    const fake = makeFake();
    const running = await serveFake(fake);
    await running.close();
    await expect(fetch(`${running.url}/account`, { headers: { authorization: "Bearer x" } })).rejects.toThrow();
  });
});
