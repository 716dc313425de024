// Adversarial review of train() and webhook verification: attacks the other suites do not
// make. Every request goes to a scripted `fetch` that records it (nothing leaves the
// process); webhook signatures are computed independently with node:crypto.
import { createHmac } from "node:crypto";
import vm from "node:vm";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ApiError,
  ConnectionError,
  createReplicate,
  ReplicateError,
  type Training,
  type TrainOptions,
  train,
  trainedVersion,
  verifyWebhookDelivery,
  webhookSecret,
} from "../src/index.js";
import { calls, json, reset, type ScriptedFetch, scriptedFetch } from "./support/fake-fetch.js";
import { TRAINER_VERSION, training as trainingOf } from "./support/fixtures.js";
import { failed } from "./support/rejection.js";

const API = "https://api.replicate.com/v1";
/** The trainer's version. */
const V = TRAINER_VERSION;
/** The version a training creates. */
const NEW = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

const URL_DEST = `${API}/models/me/dest`;
const URL_MODELS = `${API}/models`;
const URL_CREATE = `${API}/models/acme/trainer/versions/${V}/trainings`;

const training = (status: string, extra: Record<string, unknown> = {}) => trainingOf("t1", status, extra);
const model = { url: "https://replicate.com/me/dest", owner: "me", name: "dest", latest_version: null };
const conflict = () => json(409, { title: "Conflict", detail: "A model with that name already exists", status: 409 });
const notFound = () => json(404, { title: "Not found", detail: "Not found", status: 404 });

/** Retries on, with short delays: what is not re-sent is not re-sent because of the rule. */
const client = (fetch: ScriptedFetch) => createReplicate({ auth: "r8_test", fetch, retry: { baseDelayMs: 1 } });

const pinned = (extra: Partial<TrainOptions> = {}): TrainOptions => ({
  model: `acme/trainer:${V}`,
  destination: "me/dest",
  input: { steps: 10 },
  interval: { initialMs: 1 },
  ...extra,
});
const CREATE_DEST = { createDestination: { visibility: "private", hardware: "cpu" } } as const;

afterEach(() => {
  vi.useRealTimers();
});

describe("train: the destination is created by someone else meanwhile", () => {
  // Two trainings into one new destination, started together, both see the 404; one
  // creates the model, the other's create answers 409. The destination exists: train on.
  it("a 409 to the model's create, and the model is there: the training starts", async () => {
    const fetch = scriptedFetch(
      notFound(),
      conflict(),
      json(200, model),
      json(201, training("succeeded", { output: { version: NEW } })),
    );
    await expect(train(client(fetch), pinned(CREATE_DEST))).resolves.toMatchObject({ version: `me/dest:${NEW}` });
    expect(calls(fetch)).toEqual([`GET ${URL_DEST}`, `POST ${URL_MODELS}`, `GET ${URL_DEST}`, `POST ${URL_CREATE}`]);
  });

  // Replicate also answers 409 for a deleted model's name: not there, so no training.
  it("a 409, and the model is still not there: the 409 is the error, and no training starts", async () => {
    const fetch = scriptedFetch(notFound(), conflict(), notFound());
    const error = await failed(train(client(fetch), pinned(CREATE_DEST)));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(409);
    expect(calls(fetch)).toEqual([`GET ${URL_DEST}`, `POST ${URL_MODELS}`, `GET ${URL_DEST}`]);
  });
});

describe("train: a destination written as a replicate.com URL", () => {
  // The check accepts the URL (parseRef reads it as owner/name), and the training goes to
  // me/dest; the reference handed back must not be built from the URL, or a paid,
  // succeeded training ends in an error.
  it("the training goes to owner/name and resolves to owner/name:version", async () => {
    for (const destination of ["https://replicate.com/me/dest", "replicate.com/me/dest/"]) {
      const fetch = scriptedFetch(json(200, model), json(201, training("succeeded", { output: { version: NEW } })));
      await expect(train(client(fetch), pinned({ destination }))).resolves.toMatchObject({
        version: `me/dest:${NEW}`,
      });
      expect(JSON.parse(await (fetch.calls[1] as Request).text())).toMatchObject({ destination: "me/dest" });
    }
  });
});

describe("trainedVersion: what a succeeded training's output.version may hold", () => {
  const done = (version: unknown) =>
    ({ id: "t1", status: "succeeded", output: { version } }) as unknown as Pick<Training, "id" | "status" | "output">;

  it("always hands back owner/name:version, whatever form the trainer used", () => {
    expect(trainedVersion(done(`https://replicate.com/me/dest/versions/${NEW}`), "me/dest")).toBe(`me/dest:${NEW}`);
    expect(trainedVersion(done(NEW), "https://replicate.com/me/dest")).toBe(`me/dest:${NEW}`);
  });

  // "me/dest" would run the model's latest version, which another training may have
  // replaced: not the version this training made.
  it.each<[string, unknown]>([
    ["a model without a version", "me/dest"],
    ["a number", 42],
    ["an object", { id: NEW }],
  ])("%s is a ReplicateError naming the training, never a TypeError or a model reference", (_label, version) => {
    let caught: unknown;
    try {
      caught = trainedVersion(done(version), "me/dest");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ReplicateError);
    expect((caught as Error).message).toContain("t1");
  });

  it("train rejects on such an answer with the succeeded training attached", async () => {
    const fetch = scriptedFetch(json(200, model), json(201, training("succeeded", { output: { version: "me/dest" } })));
    const error = await failed(train(client(fetch), pinned()));
    expect(error).toBeInstanceOf(ReplicateError);
    expect(error.prediction).toMatchObject({ id: "t1", status: "succeeded" });
  });
});

describe("train: the paid create is sent once", () => {
  it("a 500 or a reset to the training's create is not retried (a 429 is)", async () => {
    for (const answer of [json(500, { detail: "boom" }), reset()]) {
      const fetch = scriptedFetch(json(200, model), answer);
      const error = await failed(train(client(fetch), pinned()));
      expect(error).toBeInstanceOf(answer instanceof Error ? ConnectionError : ApiError);
      expect(calls(fetch)).toEqual([`GET ${URL_DEST}`, `POST ${URL_CREATE}`]); // no retry, no cancel, no poll
    }
    const fetch = scriptedFetch(
      json(200, model),
      json(429, { detail: "slow down" }, { "retry-after": "0" }),
      json(201, training("succeeded", { output: { version: NEW } })),
    );
    await expect(train(client(fetch), pinned())).resolves.toMatchObject({ version: `me/dest:${NEW}` });
    expect(calls(fetch)).toEqual([`GET ${URL_DEST}`, `POST ${URL_CREATE}`, `POST ${URL_CREATE}`]);
  });
});

// ---------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------

const SECRET_BYTES = Buffer.from("0123456789abcdef01234567");
const SECRET = `whsec_${SECRET_BYTES.toString("base64")}`;
const NOW = 1_767_225_600;
const sign = (id: string, timestamp: string, body: Uint8Array | string) =>
  `v1,${createHmac("sha256", SECRET_BYTES).update(`${id}.${timestamp}.`).update(body).digest("base64")}`;

describe("verifyWebhook: the signature is over the exact bytes", () => {
  it("bytes that are not UTF-8 verify as sent (as Uint8Array and ArrayBuffer), never re-encoded", async () => {
    vi.useFakeTimers({ now: NOW * 1000, toFake: ["Date"] });
    const bytes = Buffer.concat([Buffer.from('{"logs":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    const headers = { "webhook-id": "msg_1", "webhook-timestamp": String(NOW), "webhook-signature": "" };
    headers["webhook-signature"] = sign("msg_1", String(NOW), bytes);
    const exact = new Uint8Array(bytes);
    for (const body of [exact, exact.buffer]) {
      const { payload } = await verifyWebhookDelivery<{ logs: string }>({ body, headers, secret: SECRET });
      expect(payload.logs).toBe("\uFFFD\uFFFD\uFFFD");
    }
  });
});

describe("verifyWebhook: raw bytes made in another realm", () => {
  // Jest's environments, vitest's vmThreads and other vm-based runners run the library in
  // a context of its own, while Buffer, Request and TextEncoder hand out the outer realm's
  // Uint8Array and ArrayBuffer: instanceof says no, yet they are raw bytes.
  it("a Uint8Array or an ArrayBuffer from another realm verifies; a DataView there is still refused", async () => {
    vi.useFakeTimers({ now: NOW * 1000, toFake: ["Date"] });
    const text = '{"id":"p1","output":"h\u00e9"}';
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(NOW),
      "webhook-signature": sign("msg_1", String(NOW), Buffer.from(text)),
    };
    const foreign = vm.runInNewContext("(bytes) => Uint8Array.from(bytes)")([...Buffer.from(text)]) as Uint8Array;
    expect(foreign instanceof Uint8Array).toBe(false);
    for (const body of [foreign, foreign.buffer as ArrayBuffer]) {
      const { payload } = await verifyWebhookDelivery({ body, headers, secret: SECRET });
      expect(payload).toStrictEqual(JSON.parse(text));
    }
    const view = vm.runInNewContext("(b) => new DataView(b)")(foreign.buffer) as Uint8Array;
    await expect(verifyWebhookDelivery({ body: view, headers, secret: SECRET })).rejects.toMatchObject({
      reason: "invalid_body",
    });
  });
});

describe("webhookSecret: a caller's signal", () => {
  // The request is shared by every caller waiting for the secret: one caller's abort ends
  // its own wait only, and an already aborted signal sends nothing.
  it("an abort ends that caller's wait; the shared request goes on for the others; aborted before: nothing sent", async () => {
    let answer!: (response: Response) => void;
    const fetch = scriptedFetch(() => new Promise<Response>((resolve) => (answer = resolve)));
    const replicate = client(fetch);
    const controller = new AbortController();
    const leaving = failed(webhookSecret(replicate, { signal: controller.signal }));
    const staying = webhookSecret(replicate);
    const reason = new Error("handler timed out");
    controller.abort(reason);
    expect(await leaving).toBe(reason);
    answer(json(200, { key: SECRET }));
    await expect(staying).resolves.toBe(SECRET);
    expect(calls(fetch)).toEqual([`GET ${API}/webhooks/default/secret`]);

    const idle = scriptedFetch();
    expect(await failed(webhookSecret(client(idle), { signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(idle.calls).toHaveLength(0);
  });
});
