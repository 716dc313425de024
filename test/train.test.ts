// Fine-tuning: train() looks up the trainer's version, checks (or creates) the destination,
// uploads file inputs, starts the training, polls it, and resolves to a runnable reference
// of the new version. Every cheap check fails before the paid training starts. Wire
// behaviour is checked with nock; abort and timing with a scripted fetch and fake timers.
import { afterEach, describe, expect, it, test, vi } from "vitest";
import {
  AbortError,
  ApiError,
  createReplicate,
  InputError,
  isPredictionError,
  isTrainingError,
  PredictionError,
  type Progress,
  ReplicateError,
  run,
  startTraining,
  TimeoutError,
  type Training,
  TrainingError,
  type TrainOptions,
  train,
  trainedVersion,
  waitForTraining,
} from "../src/index.js";
import { deferred } from "./support/deferred.js";
import { calls, hang, json, type ScriptedFetch, scriptedFetch } from "./support/fake-fetch.js";
import { TRAINER_VERSION, training } from "./support/fixtures.js";
import { failOnUnmatched, nockRecorder, type Seen } from "./support/nock-recorder.js";
import { failed } from "./support/rejection.js";

const ORIGIN = "https://api.replicate.com";
const API = `${ORIGIN}/v1`;
/** The trainer's version. */
const V = TRAINER_VERSION;
/** The version a training creates. */
const NEW = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const FAST = { initialMs: 1 };

const model = (owner: string, name: string, latest: string | null) => ({
  url: `https://replicate.com/${owner}/${name}`,
  owner,
  name,
  visibility: "public",
  latest_version: latest === null ? null : { id: latest, created_at: "2025-01-01T00:00:00.000Z" },
});

// ---------------------------------------------------------------------------------------
// nock: what reached the server, in order
// ---------------------------------------------------------------------------------------

const { log, on, lines, bodyOf } = nockRecorder(ORIGIN);
failOnUnmatched("requests nock could not match (nothing may go elsewhere)");
afterEach(() => {
  vi.useRealTimers();
});

const TRAINER = "/v1/models/acme/trainer";
const DEST = "/v1/models/me/dest";
const MODELS = "/v1/models";
const CREATE = `/v1/models/acme/trainer/versions/${V}/trainings`;
const GET_T1 = "/v1/trainings/t1";
const CANCEL_T1 = "/v1/trainings/t1/cancel";

// ---------------------------------------------------------------------------------------
// scripted fetch: for aborts and time
// ---------------------------------------------------------------------------------------

const URL_DEST = `${API}/models/me/dest`;
const URL_CREATE = `${API}/models/acme/trainer/versions/${V}/trainings`;
const URL_T1 = `${API}/trainings/t1`;
const URL_CANCEL = `${API}/trainings/t1/cancel`;

const scripted = (fetch: ScriptedFetch) => createReplicate({ auth: "r8_test", fetch, retry: false });

/** Options for a trainer given with its version, so no lookup is made. */
const pinned = (extra: Partial<TrainOptions> = {}): TrainOptions => ({
  model: `acme/trainer:${V}`,
  destination: "me/dest",
  input: { steps: 10 },
  interval: FAST,
  ...extra,
});

// ---------------------------------------------------------------------------------------

describe("train: the whole flow", () => {
  it("looks up the trainer, creates the destination, trains, polls, and the version runs", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", TRAINER, [200, model("acme", "trainer", V)]);
    on("GET", DEST, [404, { title: "Not found", detail: "Model not found", status: 404 }]);
    on("POST", MODELS, [201, model("me", "dest", null)]);
    on("POST", CREATE, [201, training("t1", "starting")]);
    on(
      "GET",
      GET_T1,
      [200, training("t1", "processing", { logs: "epoch 1" })],
      [200, training("t1", "succeeded", { logs: "epoch 1\ndone", output: { version: NEW, weights: "https://x/w" } })],
    );
    on("POST", "/v1/predictions", [201, { id: "p1", version: NEW, status: "succeeded", output: "TOK as a pilot" }]);

    const result = await train(replicate, {
      model: "acme/trainer",
      destination: "me/dest",
      input: { steps: 10, trigger: "TOK" },
      webhook: "https://example.com/hook",
      webhookEventsFilter: ["completed"],
      createDestination: { visibility: "private", hardware: "gpu-a100-large", description: "mine" },
      interval: FAST,
    });

    expect(result.version).toBe(`me/dest:${NEW}`);
    expect(result.training).toMatchObject({ id: "t1", status: "succeeded", output: { version: NEW } });
    expect(lines()).toEqual([
      `GET ${TRAINER}`,
      `GET ${DEST}`,
      `POST ${MODELS}`,
      `POST ${CREATE}`,
      `GET ${GET_T1}`,
      `GET ${GET_T1}`,
    ]);
    expect(bodyOf(`POST ${MODELS}`)).toStrictEqual({
      owner: "me",
      name: "dest",
      visibility: "private",
      hardware: "gpu-a100-large",
      description: "mine",
    });
    expect(bodyOf(`POST ${CREATE}`)).toStrictEqual({
      destination: "me/dest",
      input: { steps: 10, trigger: "TOK" },
      webhook: "https://example.com/hook",
      webhook_events_filter: ["completed"],
    });
    for (const seen of log) expect(seen.headers.authorization).toBe("Bearer r8_test");

    // The version it resolves to is one `run` takes.
    await expect(run(replicate, result.version, { input: { prompt: "TOK as a pilot" } })).resolves.toBe(
      "TOK as a pilot",
    );
    expect(lines().at(-1)).toBe("POST /v1/predictions");
    expect(bodyOf("POST /v1/predictions")).toStrictEqual({ input: { prompt: "TOK as a pilot" }, version: NEW });
    expect(log.at(-1)?.headers.authorization).toBe("Bearer r8_test");
  });

  it("without webhook options, the training body has only destination and input", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", DEST, [200, model("me", "dest", null)]);
    on("POST", CREATE, [201, training("t1", "succeeded", { output: { version: NEW } })]);
    await expect(train(replicate, pinned())).resolves.toMatchObject({ version: `me/dest:${NEW}` });
    expect(bodyOf(`POST ${CREATE}`)).toStrictEqual({ destination: "me/dest", input: { steps: 10 } });
    expect(lines()).toEqual([`GET ${DEST}`, `POST ${CREATE}`]); // succeeded at once: no poll
  });

  it('a trainer given as "owner/name:version" is not looked up', async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", DEST, [200, model("me", "dest", null)]);
    on("POST", CREATE, [201, training("t1", "starting")]);
    on("GET", GET_T1, [200, training("t1", "succeeded", { output: { version: NEW } })]);
    await expect(train(replicate, pinned())).resolves.toMatchObject({ version: `me/dest:${NEW}` });
    expect(lines()).toEqual([`GET ${DEST}`, `POST ${CREATE}`, `GET ${GET_T1}`]);
  });

  it("an existing destination is not created again, even with createDestination", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", TRAINER, [200, model("acme", "trainer", V)]);
    on("GET", DEST, [200, model("me", "dest", null)]);
    on("POST", CREATE, [201, training("t1", "starting")]);
    on("GET", GET_T1, [200, training("t1", "succeeded", { output: { version: NEW } })]);
    await train(replicate, {
      model: "acme/trainer",
      destination: "me/dest",
      input: { steps: 10 },
      createDestination: { visibility: "public", hardware: "cpu" },
      interval: FAST,
    });
    expect(lines()).toEqual([`GET ${TRAINER}`, `GET ${DEST}`, `POST ${CREATE}`, `GET ${GET_T1}`]);
  });

  it("createDestination without a description sends none", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", DEST, [404, { detail: "Model not found" }]);
    on("POST", MODELS, [201, model("me", "dest", null)]);
    on("POST", CREATE, [201, training("t1", "succeeded", { output: { version: NEW } })]);
    await train(replicate, pinned({ createDestination: { visibility: "public", hardware: "cpu" } }));
    expect(bodyOf(`POST ${MODELS}`)).toStrictEqual({
      owner: "me",
      name: "dest",
      visibility: "public",
      hardware: "cpu",
    });
  });

  it("onProgress is called once per change of the training", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    const bar = " 40%|████      | 4/10 [00:04<00:06]";
    on("GET", DEST, [200, model("me", "dest", null)]);
    on("POST", CREATE, [201, training("t1", "starting")]);
    on(
      "GET",
      GET_T1,
      [200, training("t1", "processing", { logs: bar })],
      [200, training("t1", "processing", { logs: bar })],
      [200, training("t1", "succeeded", { logs: bar, output: { version: NEW } })],
    );
    const seen: [string, Progress | null][] = [];
    await train(replicate, pinned({ onProgress: (t, progress) => seen.push([t.status, progress]) }));
    expect(seen).toEqual([
      ["starting", null],
      ["processing", { percent: 40, current: 4, total: 10 }],
      ["succeeded", { percent: 40, current: 4, total: 10 }],
    ]);
  });
});

describe("startTraining", () => {
  it("resolves to the created training at once, without polling", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", DEST, [200, model("me", "dest", null)]);
    on("POST", CREATE, [201, training("t1", "starting")]);
    const started = await startTraining(replicate, pinned());
    expect(started).toMatchObject({ id: "t1", status: "starting", urls: { get: `${API}/trainings/t1` } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines()).toEqual([`GET ${DEST}`, `POST ${CREATE}`]);
  });
});

describe("nothing is started when the training could not be saved", () => {
  it("a missing destination without createDestination: InputError saying how to fix it, no upload, no training", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", DEST, [404, { detail: "Model not found" }]);
    const error = await failed(
      train(replicate, pinned({ input: { train_data: new Blob(["zip bytes"], { type: "application/zip" }) } })),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("me/dest does not exist");
    expect(error.message).toContain("createDestination");
    expect(error.message).toContain("nothing was started");
    expect(lines()).toEqual([`GET ${DEST}`]);
  });

  it("startTraining refuses the same way", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", DEST, [404, { detail: "Model not found" }]);
    await expect(startTraining(replicate, pinned())).rejects.toBeInstanceOf(InputError);
    expect(lines()).toEqual([`GET ${DEST}`]);
  });

  it("any other error checking the destination (403) propagates as it is", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", DEST, [403, { title: "Forbidden", detail: "You do not own me/dest", status: 403 }]);
    const error = await failed(
      train(replicate, pinned({ createDestination: { visibility: "private", hardware: "cpu" } })),
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(403);
    expect(error.message).toContain("You do not own me/dest");
    expect(lines()).toEqual([`GET ${DEST}`]); // no create of the model, no training, no retry
  });

  it("a failed creation of the destination starts no training", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", DEST, [404, { detail: "Model not found" }]);
    on("POST", MODELS, [400, { detail: "Invalid hardware" }]);
    const error = await failed(
      train(replicate, pinned({ createDestination: { visibility: "private", hardware: "x" } })),
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(400);
    expect(lines()).toEqual([`GET ${DEST}`, `POST ${MODELS}`]);
  });

  it("a trainer with no latest version: a clear error, nothing else sent", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", TRAINER, [200, model("acme", "trainer", null)]);
    const error = await failed(
      train(replicate, {
        model: "acme/trainer",
        destination: "me/dest",
        input: {},
        createDestination: { visibility: "private", hardware: "cpu" },
      }),
    );
    expect(error).toBeInstanceOf(ReplicateError);
    expect(error).not.toBeInstanceOf(ApiError);
    expect(error.message).toBe("acme/trainer has no version to train from");
    expect(lines()).toEqual([`GET ${TRAINER}`]);
  });
});

describe("bad input is refused before any request", () => {
  const base: TrainOptions = { model: "acme/trainer", destination: "me/dest", input: { steps: 1 } };
  const cases: [string, Partial<TrainOptions>][] = [
    ['model "owner"', { model: "owner" }],
    ['model "a/b:c:d"', { model: "a/b:c:d" }],
    ["model a bare version id", { model: V }],
    ["model { deployment }", { model: { deployment: "acme/trainer" } as unknown as string }],
    ["model an empty string", { model: "" }],
    ['destination "a/b:<version>"', { destination: `a/b:${V}` }],
    ['destination "x"', { destination: "x" }],
    ["destination a bare version id", { destination: V }],
    [
      'createDestination with visibility "secret"',
      {
        createDestination: { visibility: "secret", hardware: "cpu" } as unknown as NonNullable<
          TrainOptions["createDestination"]
        >,
      },
    ],
    [
      "createDestination without hardware",
      { createDestination: { visibility: "private" } as unknown as NonNullable<TrainOptions["createDestination"]> },
    ],
    ['webhook "http://example.com"', { webhook: "http://example.com" }],
    ["webhook not a URL", { webhook: "hook" }],
    ["input missing", { input: undefined as unknown as Record<string, unknown> }],
    ["input an array", { input: [] as unknown as Record<string, unknown> }],
    [
      'webhookEventsFilter ["bogus"]',
      { webhookEventsFilter: ["bogus"] as unknown as NonNullable<TrainOptions["webhookEventsFilter"]> },
    ],
  ];

  it.each(cases)("%s: train rejects with InputError", async (_name, extra) => {
    // nock refuses every connection here: any request at all would be reported as unmatched.
    const replicate = createReplicate({ auth: "r8_test" });
    await expect(train(replicate, { ...base, ...extra })).rejects.toBeInstanceOf(InputError);
    expect(log).toEqual([]);
  });

  it.each(cases)("%s: startTraining rejects with InputError", async (_name, extra) => {
    const fetch = scriptedFetch();
    await expect(startTraining(scripted(fetch), { ...base, ...extra })).rejects.toBeInstanceOf(InputError);
    expect(fetch.calls).toHaveLength(0);
  });

  it("a bad destination gets a message about destinations, not the forms of a model to run", async () => {
    const error = await train(createReplicate({ auth: "r8_test" }), { ...base, destination: "x" }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe('destination must be "owner/name", got "x".');
  });

  it("an http webhook to localhost is allowed (local testing)", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", DEST, [200, model("me", "dest", null)]);
    on("POST", CREATE, [201, training("t1", "starting")]);
    await startTraining(replicate, pinned({ webhook: "http://localhost:3000/hook" }));
    expect(bodyOf(`POST ${CREATE}`)).toMatchObject({ webhook: "http://localhost:3000/hook" });
  });
});

describe("file inputs", () => {
  it("a Blob is uploaded through POST /v1/files (multipart) and the training gets its URL", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    const fileUrl = `${API}/files/f1`;
    on("GET", DEST, [200, model("me", "dest", null)]);
    on("POST", "/v1/files", [201, { id: "f1", size: 9, content_type: "application/zip", urls: { get: fileUrl } }]);
    on("POST", CREATE, [201, training("t1", "starting")]);
    const input = { train_data: new Blob(["zip bytes"], { type: "application/zip" }), steps: 10 };
    await startTraining(replicate, pinned({ input }));

    expect(lines()).toEqual([`GET ${DEST}`, "POST /v1/files", `POST ${CREATE}`]);
    const upload = log[1] as Seen;
    expect(upload.headers.authorization).toBe("Bearer r8_test");
    expect(String(upload.headers["content-type"])).toMatch(/^multipart\/form-data; boundary=\S+$/);
    expect(upload.body).toContain('name="content"; filename="file"');
    expect(upload.body).toContain("Content-Type: application/zip");
    expect(upload.body).toContain("zip bytes");
    expect(upload.body).toMatch(/name="filename"\r\n\r\nfile\r\n/);
    expect(upload.body).toMatch(/name="type"\r\n\r\napplication\/zip\r\n/);
    expect(bodyOf(`POST ${CREATE}`)).toStrictEqual({
      destination: "me/dest",
      input: { train_data: fileUrl, steps: 10 },
    });
    expect(input.train_data).toBeInstanceOf(Blob); // the caller's input is left alone
  });

  it('files: { strategy: "data-uri" } inlines the file instead', async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", DEST, [200, model("me", "dest", null)]);
    on("POST", CREATE, [201, training("t1", "starting")]);
    await startTraining(
      replicate,
      pinned({ input: { train_data: new Blob(["hi"], { type: "text/plain" }) }, files: { strategy: "data-uri" } }),
    );
    expect(lines()).toEqual([`GET ${DEST}`, `POST ${CREATE}`]);
    expect(bodyOf(`POST ${CREATE}`)).toStrictEqual({
      destination: "me/dest",
      input: { train_data: "data:text/plain;base64,aGk=" },
    });
  });
});

describe("the trained version", () => {
  const done = (output: Training["output"]): Pick<Training, "id" | "status" | "output"> => ({
    id: "t1",
    status: "succeeded",
    ...(output !== undefined && { output }),
  });

  it("a full reference in output.version is used as is", () => {
    expect(trainedVersion(done({ version: `other/model:${NEW}` }), "me/dest")).toBe(`other/model:${NEW}`);
  });

  it("a bare version id is prefixed with the destination", () => {
    expect(trainedVersion(done({ version: NEW }), "me/dest")).toBe(`me/dest:${NEW}`);
  });

  it("a succeeded training with no output.version throws a ReplicateError naming it", () => {
    for (const output of [undefined, {}, { weights: "https://x/w" }, { version: "" }]) {
      const call = () => trainedVersion(done(output), "me/dest");
      expect(call).toThrow(ReplicateError);
      expect(call).toThrow("Training t1 succeeded but named no output.version");
    }
  });

  it("a malformed output.version is reported at once, not at the next run", () => {
    expect(() => trainedVersion(done({ version: "not-a-version" }), "me/dest")).toThrow(ReplicateError);
    expect(() => trainedVersion(done({ version: "me/dest:abc" }), "me/dest")).toThrow(ReplicateError);
    // The server's answer was wrong, not the caller's input: not an InputError.
    expect(() => trainedVersion(done({ version: "me/dest:abc" }), "me/dest")).not.toThrow(InputError);
  });

  it.each(["failed", "canceled", "aborted", "processing"] as const)("a %s training throws TrainingError", (status) => {
    const call = () => trainedVersion({ id: "t1", status, output: { version: NEW } }, "me/dest");
    expect(call).toThrow(TrainingError);
    expect(call).toThrow(PredictionError);
  });

  it("train resolves to a full reference as the trainer sent it", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", DEST, [200, model("me", "dest", null)]);
    on("POST", CREATE, [201, training("t1", "starting")]);
    on("GET", GET_T1, [200, training("t1", "succeeded", { output: { version: `me/dest:${NEW}` } })]);
    await expect(train(replicate, pinned())).resolves.toMatchObject({ version: `me/dest:${NEW}` });
  });

  it("train rejects with a ReplicateError (not a TrainingError) when a succeeded training names no version", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", DEST, [200, model("me", "dest", null)]);
    on("POST", CREATE, [201, training("t1", "starting")]);
    on("GET", GET_T1, [200, training("t1", "succeeded", { output: { weights: "https://x/w" } })]);
    const error = await failed(train(replicate, pinned()));
    expect(error).toBeInstanceOf(ReplicateError);
    expect(error).not.toBeInstanceOf(PredictionError);
    expect(error.message).toContain("t1");
    // The training comes with it, as it ended: its weights are not lost with the error.
    expect(error.prediction).toMatchObject({ id: "t1", status: "succeeded", output: { weights: "https://x/w" } });
    // Nothing is canceled for a training that succeeded.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines()).toEqual([`GET ${DEST}`, `POST ${CREATE}`, `GET ${GET_T1}`]);
  });
});

describe("a training that does not succeed rejects with TrainingError", () => {
  it("failed: reason, training, error and logs", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    const logs = "step 1/10\nTraceback: CUDA out of memory";
    on("GET", DEST, [200, model("me", "dest", null)]);
    on("POST", CREATE, [201, training("t1", "starting")]);
    on(
      "GET",
      GET_T1,
      [200, training("t1", "processing", { logs: "step 1/10" })],
      [200, training("t1", "failed", { logs, error: "CUDA out of memory" })],
    );
    const error = await failed(train(replicate, pinned()));
    expect(error).toBeInstanceOf(TrainingError);
    expect(error).toBeInstanceOf(PredictionError);
    expect(isTrainingError(error)).toBe(true);
    expect(isPredictionError(error)).toBe(true);
    expect(error.name).toBe("TrainingError");
    expect(error.reason).toBe("failed");
    expect(error.training?.id).toBe("t1");
    expect(error.training).toBe(error.prediction);
    expect(error.training).toMatchObject({ status: "failed", error: "CUDA out of memory" });
    expect(error.logs).toBe(logs);
    expect(error.message).toBe("Training t1 failed: CUDA out of memory");
    // Polling stops at the terminal status, and nothing is canceled.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines()).toEqual([`GET ${DEST}`, `POST ${CREATE}`, `GET ${GET_T1}`, `GET ${GET_T1}`]);
  });

  it.each(["canceled", "aborted"] as const)("%s: its own reason", async (status) => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", DEST, [200, model("me", "dest", null)]);
    on("POST", CREATE, [201, training("t1", "starting")]);
    on("GET", GET_T1, [200, training("t1", status)]);
    const error = await failed(train(replicate, pinned()));
    expect(error).toBeInstanceOf(TrainingError);
    expect(error.reason).toBe(status);
    expect(error.training).toMatchObject({ id: "t1", status });
    expect(error.message).toBe(`Training t1 was ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines()).toEqual([`GET ${DEST}`, `POST ${CREATE}`, `GET ${GET_T1}`]);
  });

  it("failed already when created: no poll", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", DEST, [200, model("me", "dest", null)]);
    on("POST", CREATE, [201, training("t1", "failed", { error: "bad zip" })]);
    const error = await failed(train(replicate, pinned()));
    expect(error).toMatchObject({ name: "TrainingError", reason: "failed" });
    expect(lines()).toEqual([`GET ${DEST}`, `POST ${CREATE}`]);
  });
});

describe("waitForTraining", () => {
  it("by id: GETs at once and until terminal, and resolves to a failed training without throwing", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on(
      "GET",
      GET_T1,
      [200, training("t1", "starting")],
      [200, training("t1", "processing")],
      [200, training("t1", "failed", { error: "boom", logs: "boom" })],
    );
    await expect(waitForTraining(replicate, "t1", { interval: FAST })).resolves.toMatchObject({
      id: "t1",
      status: "failed",
      error: "boom",
    });
    expect(lines()).toEqual([`GET ${GET_T1}`, `GET ${GET_T1}`, `GET ${GET_T1}`]);
    for (const seen of log) expect(seen.headers.authorization).toBe("Bearer r8_test");
  });

  it("by object: polls it until succeeded", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("GET", GET_T1, [200, training("t1", "succeeded", { output: { version: NEW } })]);
    const started = training("t1", "starting") as unknown as Training;
    const done = await waitForTraining(replicate, started, { interval: FAST });
    expect(done).toMatchObject({ status: "succeeded", output: { version: NEW } });
    expect(trainedVersion(done, "me/dest")).toBe(`me/dest:${NEW}`);
  });

  it("a terminal training object is returned without a request", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    const ended = training("t1", "canceled") as unknown as Training;
    await expect(waitForTraining(replicate, ended)).resolves.toBe(ended);
    expect(log).toEqual([]);
  });

  it("onProgress: once per change, not once per poll", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    const bar = " 45%|████▌     | 45/100 [00:03<00:04, 12.3it/s]";
    on(
      "GET",
      GET_T1,
      [200, training("t1", "processing", { logs: bar })],
      [200, training("t1", "processing", { logs: bar })],
      [200, training("t1", "processing", { logs: bar })],
      [200, training("t1", "succeeded", { logs: `${bar}\r100%|██████████| 100/100`, output: { version: NEW } })],
    );
    const seen: [string, Progress | null][] = [];
    await waitForTraining(replicate, "t1", {
      interval: FAST,
      onProgress: (t: Training, progress: Progress | null) => seen.push([t.status, progress]),
    });
    expect(lines()).toHaveLength(4);
    expect(seen).toEqual([
      ["processing", { percent: 45, current: 45, total: 100 }],
      ["succeeded", { percent: 100, current: 100, total: 100 }],
    ]);
  });

  it("timeoutMs: TimeoutError carrying the training, no cancel; waitForTraining(id) resumes", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(
      json(200, training("t1", "processing")), // at 0
      json(200, training("t1", "processing")), // at 1 s
      json(200, training("t1", "processing")), // at 2 s; the deadline (2.5 s) falls in the next wait
      json(200, training("t1", "succeeded", { output: { version: NEW } })), // the resumed wait
    );
    const replicate = scripted(fetch);
    const result = failed(
      waitForTraining(replicate, "t1", { timeoutMs: 2500, interval: { initialMs: 1000, factor: 1 } }),
    );
    await vi.advanceTimersByTimeAsync(2500);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.timeoutMs).toBe(2500);
    expect(error.prediction?.id).toBe("t1");
    expect(error.prediction).toMatchObject({ status: "processing", urls: { get: URL_T1, cancel: URL_CANCEL } });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls(fetch)).toEqual([`GET ${URL_T1}`, `GET ${URL_T1}`, `GET ${URL_T1}`]); // waiting cancels nothing
    vi.useRealTimers();
    await expect(waitForTraining(replicate, error.prediction?.id as string)).resolves.toMatchObject({
      id: "t1",
      status: "succeeded",
    });
    expect(fetch.calls).toHaveLength(4);
  });

  it("signal: AbortError with the training as last seen and the reason as cause", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(json(200, training("t1", "processing")));
    const controller = new AbortController();
    const result = failed(
      waitForTraining(scripted(fetch), "t1", { signal: controller.signal, interval: { initialMs: 1000 } }),
    );
    await vi.advanceTimersByTimeAsync(500);
    const reason = new Error("stop");
    controller.abort(reason);
    const error = await result;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBe(reason);
    expect(error.prediction).toMatchObject({ id: "t1", status: "processing" });
    expect(fetch.calls).toHaveLength(1);
  });
});

describe("train: abort", () => {
  it("during polling: the GET in flight is aborted, the training canceled, AbortError carries it", async () => {
    const { promise: polled, resolve: polling } = deferred();
    const fetch = scriptedFetch(
      json(200, model("me", "dest", null)),
      json(201, training("t1", "starting")),
      (request) => {
        polling();
        return hang(request);
      },
      json(200, training("t1", "canceled")),
    );
    const controller = new AbortController();
    const result = failed(train(scripted(fetch), pinned({ signal: controller.signal })));
    await polled;
    const reason = new Error("user gave up");
    controller.abort(reason);
    const error = await result;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBe(reason);
    expect(error.prediction).toMatchObject({ id: "t1", status: "canceled" });
    expect(error.message).toContain("t1");
    expect(calls(fetch)).toEqual([`GET ${URL_DEST}`, `POST ${URL_CREATE}`, `GET ${URL_T1}`, `POST ${URL_CANCEL}`]);
    expect(fetch.calls[2]?.signal.aborted, "the poll in flight was aborted").toBe(true);
    // The cancel must not carry the aborted signal, or it would never be sent.
    expect(fetch.calls[3]?.signal.aborted).toBe(false);
    expect(fetch.calls[3]?.headers.get("authorization")).toBe("Bearer r8_test");
  });

  it("during the wait between polls: no further poll, the training is canceled", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(
      json(200, model("me", "dest", null)),
      json(201, training("t1", "starting")),
      json(200, training("t1", "processing")),
      json(200, training("t1", "canceled")),
    );
    const controller = new AbortController();
    const result = failed(
      train(scripted(fetch), pinned({ signal: controller.signal, interval: { initialMs: 1000, factor: 1 } })),
    );
    await vi.advanceTimersByTimeAsync(1500);
    expect(calls(fetch)).toEqual([`GET ${URL_DEST}`, `POST ${URL_CREATE}`, `GET ${URL_T1}`]);
    const reason = new Error("stop");
    controller.abort(reason);
    const error = await result;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBe(reason);
    expect(error.prediction?.id).toBe("t1");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls(fetch)).toEqual([`GET ${URL_DEST}`, `POST ${URL_CREATE}`, `GET ${URL_T1}`, `POST ${URL_CANCEL}`]);
  });

  it("cancelOnAbort: false sends no cancel and hands back the training as last seen", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(
      json(200, model("me", "dest", null)),
      json(201, training("t1", "starting")),
      json(200, training("t1", "processing")),
      hang,
    );
    const controller = new AbortController();
    const result = failed(
      train(scripted(fetch), pinned({ signal: controller.signal, cancelOnAbort: false, interval: { initialMs: 100 } })),
    );
    await vi.advanceTimersByTimeAsync(250); // two polls; the second hangs
    expect(fetch.calls).toHaveLength(4);
    const reason = new Error("leave it running");
    controller.abort(reason);
    const error = await result;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBe(reason);
    expect(error.prediction).toMatchObject({ id: "t1", status: "processing" });
    expect(fetch.calls[3]?.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch.calls).toHaveLength(4); // no cancel
  });

  it("a failed cancel still rejects with AbortError carrying the training", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(
      json(200, model("me", "dest", null)),
      json(201, training("t1", "starting")),
      json(200, training("t1", "processing")),
      json(500, { detail: "oops" }),
    );
    const controller = new AbortController();
    const result = failed(train(scripted(fetch), pinned({ signal: controller.signal, interval: { initialMs: 100 } })));
    await vi.advanceTimersByTimeAsync(150);
    controller.abort();
    const error = await result;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.prediction).toMatchObject({ id: "t1", status: "processing" });
    expect(calls(fetch).at(-1)).toBe(`POST ${URL_CANCEL}`);
  });

  it("before the training was created: that request is aborted, nothing is canceled, no training", async () => {
    const { promise: checked, resolve: checking } = deferred();
    const fetch = scriptedFetch((request) => {
      checking();
      return hang(request);
    });
    const controller = new AbortController();
    const result = failed(train(scripted(fetch), pinned({ signal: controller.signal })));
    await checked;
    const reason = new Error("never mind");
    controller.abort(reason);
    const error = await result;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBe(reason);
    expect(error.prediction).toBeUndefined();
    expect(calls(fetch)).toEqual([`GET ${URL_DEST}`]);
    expect(fetch.calls[0]?.signal.aborted).toBe(true);
  });

  it("an already aborted signal sends nothing", async () => {
    const fetch = scriptedFetch();
    const reason = new Error("too late");
    const error = await failed(train(scripted(fetch), pinned({ signal: AbortSignal.abort(reason) })));
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBe(reason);
    expect(error.prediction).toBeUndefined();
    expect(fetch.calls).toHaveLength(0);
  });

  // The message must point the caller at the trainings API, not the predictions one.
  test("the rejection's message calls the training a training, not a prediction", async () => {
    const { promise: polled, resolve: polling } = deferred();
    const fetch = scriptedFetch(
      json(200, model("me", "dest", null)),
      json(201, training("t1", "starting")),
      (request) => {
        polling();
        return hang(request);
      },
      json(200, training("t1", "canceled")),
    );
    const controller = new AbortController();
    const result = failed(train(scripted(fetch), pinned({ signal: controller.signal })));
    await polled;
    controller.abort();
    const error = await result;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.message).toContain("training t1");
    expect(error.message).not.toContain("prediction");
  });
});

describe("train: timeoutMs", () => {
  it("during polling: the training is canceled, TimeoutError carries it, waitForTraining(id) resumes", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(
      json(200, model("me", "dest", null)),
      json(201, training("t1", "starting")),
      json(200, training("t1", "processing")), // at 1 s
      json(200, training("t1", "processing")), // at 2 s; the deadline (2.5 s) falls in the next wait
      json(200, training("t1", "canceled")), // the cancel
      json(200, training("t1", "canceled")), // waitForTraining(id)
    );
    const replicate = scripted(fetch);
    const result = failed(train(replicate, pinned({ timeoutMs: 2500, interval: { initialMs: 1000, factor: 1 } })));
    await vi.advanceTimersByTimeAsync(2499);
    expect(fetch.calls).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(1);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.timeoutMs).toBe(2500);
    expect(error.prediction).toMatchObject({ id: "t1", urls: { get: URL_T1, cancel: URL_CANCEL } });
    expect(calls(fetch)).toEqual([
      `GET ${URL_DEST}`,
      `POST ${URL_CREATE}`,
      `GET ${URL_T1}`,
      `GET ${URL_T1}`,
      `POST ${URL_CANCEL}`,
    ]);
    expect(fetch.calls[4]?.signal.aborted).toBe(false);
    vi.useRealTimers();
    await expect(waitForTraining(replicate, error.prediction?.id as string)).resolves.toMatchObject({
      id: "t1",
      status: "canceled",
    });
    expect(calls(fetch).at(-1)).toBe(`GET ${URL_T1}`);
  });

  it("cancelOnAbort: false leaves it running, and waitForTraining gets the result", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(
      json(200, model("me", "dest", null)),
      json(201, training("t1", "starting")),
      json(200, training("t1", "processing")),
      json(200, training("t1", "succeeded", { output: { version: NEW } })),
    );
    const replicate = scripted(fetch);
    const result = failed(
      train(replicate, pinned({ timeoutMs: 1500, cancelOnAbort: false, interval: { initialMs: 1000, factor: 1 } })),
    );
    await vi.advanceTimersByTimeAsync(1500);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.prediction).toMatchObject({ id: "t1", status: "processing" });
    expect(calls(fetch)).toEqual([`GET ${URL_DEST}`, `POST ${URL_CREATE}`, `GET ${URL_T1}`]);
    vi.useRealTimers();
    const done = await waitForTraining(replicate, error.prediction?.id as string);
    expect(trainedVersion(done, "me/dest")).toBe(`me/dest:${NEW}`);
  });

  it("before the training was created: TimeoutError without a training, nothing canceled", async () => {
    vi.useFakeTimers();
    const fetch = scriptedFetch(json(200, model("me", "dest", null)), hang);
    const result = failed(train(scripted(fetch), pinned({ timeoutMs: 3000 })));
    await vi.advanceTimersByTimeAsync(3000);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.prediction).toBeUndefined();
    expect(calls(fetch)).toEqual([`GET ${URL_DEST}`, `POST ${URL_CREATE}`]);
    expect(fetch.calls[1]?.signal.aborted).toBe(true);
  });
});

describe("trainings.cancel, the generated operation", () => {
  it("POSTs /v1/trainings/{id}/cancel and resolves to the training", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    on("POST", CANCEL_T1, [200, training("t1", "canceled")]);
    await expect(replicate.trainings.cancel({ training_id: "t1" })).resolves.toMatchObject({
      id: "t1",
      status: "canceled",
    });
    expect(lines()).toEqual([`POST ${CANCEL_T1}`]);
    expect(log[0]?.headers.authorization).toBe("Bearer r8_test");
  });

  it("a missing training_id is refused before sending", async () => {
    const replicate = createReplicate({ auth: "r8_test" });
    await expect(replicate.trainings.cancel({} as { training_id: string })).rejects.toBeInstanceOf(InputError);
    expect(log).toEqual([]);
  });
});
