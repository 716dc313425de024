// Second adversarial review of src/core: pagination's `next`, the openapi-fetch client's
// path serialisation, the limiter under user limiters and every error path, multipart
// bytes, and reading the environment. Every request goes to a recording `fetch` (no
// network: the URLs here are only ever handed to it).
import { describe, expect, it } from "vitest";
import { readEnv } from "../src/core/env.js";
import {
  AbortError,
  ApiError,
  ConnectionError,
  createApiClient,
  createLimiter,
  createReplicate,
  InputError,
  isAbortError,
  isApiError,
  isConnectionError,
  isInputError,
  isPredictionError,
  isReplicateError,
  isTimeoutError,
  type Limiter,
  PredictionError,
  ReplicateError,
  TimeoutError,
} from "../src/index.js";
import { json, scriptedFetch } from "./support/fake-fetch.js";
import { failed } from "./support/rejection.js";

const TOKEN = "r8_SECRETsecretSECRET";
const API = "https://api.replicate.com/v1";

/** Every item of `iterable`, and what ended it (undefined when it ran out). */
async function drain<T>(iterable: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of iterable) items.push(item);
    return { items, error: undefined };
  } catch (error) {
    return { items, error };
  }
}

describe("pagination follows only pages of the same list", () => {
  it.each([
    ["the webhook secret", `${API}/webhooks/default/secret`],
    ["the account, through a dot-dot", `${API}/predictions/../account`],
    ["a prediction under the list's own path", `${API}/predictions/p9`],
    ["a relative path to another endpoint", "/v1/trainings?cursor=2"],
  ])("a next URL naming %s on the API's origin is refused and never requested", async (_what, next) => {
    // It would go there with the token, and its answer ({ key: "whsec_..." }) be handed out as a page.
    const fetch = scriptedFetch(
      json(200, { next, results: [{ id: "p1" }] }),
      json(200, { key: "whsec_stolen", next: null }),
    );
    const replicate = createReplicate({ auth: TOKEN, fetch });
    const { items, error } = await drain(replicate.predictions.list().pages());
    expect(fetch.calls.map((r) => r.url)).toEqual([`${API}/predictions`]);
    expect(items).toHaveLength(1);
    expect(error).toBeInstanceOf(ReplicateError);
    expect((error as Error).message).toMatch(/Refusing to follow a next-page URL/);
  });

  it("a cursor loop through the first page, or another spelling of a loaded URL, stops before loading it again", async () => {
    for (const back of [`${API}/predictions?source=web`, "/v1/predictions?source=web&cursor=2"]) {
      const fetch = scriptedFetch(
        json(200, { next: `${API}/predictions?source=web&cursor=2`, results: [{ id: "p1" }] }),
        json(200, { next: back, results: [{ id: "p2" }] }),
        json(200, { next: null, results: [{ id: "again" }] }),
      );
      const replicate = createReplicate({ auth: TOKEN, fetch });
      const { items, error } = await drain(replicate.predictions.list({ source: "web" }));
      expect(items.map((p) => p.id)).toEqual(["p1", "p2"]); // no item handed out twice
      expect(fetch.calls).toHaveLength(2);
      expect((error as Error).message).toMatch(/Pagination loop/);
    }
  });

  it.each([
    ["results that are a string", { next: null, results: "abc" }],
    ["results that are an object", { next: null, results: { 0: "a", length: 1 } }],
  ])("a page with %s is a ReplicateError, not its characters or a TypeError", async (_what, body) => {
    const fetch = scriptedFetch(json(200, body));
    const { items, error } = await drain(createReplicate({ auth: TOKEN, fetch }).files.list());
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(ReplicateError);
  });
});

describe("the openapi-fetch client keeps the methods' rules on path parameters", () => {
  it.each([
    ["..", "DELETE", "/models/{model_owner}/{model_name}/versions/{version_id}", { version_id: ".." }],
    [".", "DELETE", "/models/{model_owner}/{model_name}/versions/{version_id}", { version_id: "." }],
    ["an empty string", "GET", "/predictions/{prediction_id}", { prediction_id: "" }],
    ["a number", "GET", "/predictions/{prediction_id}", { prediction_id: 7 }],
  ])("%s is an InputError before anything is sent", async (_what, method, path, values) => {
    // openapi-fetch encodes a value with encodeURIComponent, which leaves dots alone, and
    // fetch then resolves the segment: DELETE .../versions/.. deletes the model itself.
    const fetch = scriptedFetch();
    const api = createApiClient(createReplicate({ auth: TOKEN, fetch }));
    const call = (api as unknown as Record<string, (path: string, init: unknown) => Promise<unknown>>)[method];
    const error = await failed(
      (call as (path: string, init: unknown) => Promise<unknown>)(path, {
        params: { path: { model_owner: "acme", model_name: "m", ...values } },
      }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(fetch.calls).toEqual([]);
  });

  it("a value with a slash stays one segment, encoded; and another baseUrl gets no token", async () => {
    const fetch = scriptedFetch(json(200, {}), json(200, {}));
    const api = createApiClient(createReplicate({ auth: TOKEN, fetch }));
    await api.GET("/predictions/{prediction_id}", { params: { path: { prediction_id: "../account" } } });
    await api.GET("/account", { baseUrl: "https://elsewhere.example" });
    expect(fetch.calls.map((r) => [r.url, r.headers.get("authorization")])).toEqual([
      [`${API}/predictions/..%2Faccount`, `Bearer ${TOKEN}`],
      ["https://elsewhere.example/account", null],
    ]);
  });
});

describe("a user's limiter cannot lose an answer or a slot", () => {
  it("a release that throws does not lose a create's answer", async () => {
    const limiter: Limiter = {
      acquire: async () => () => {
        throw new Error("limiter backend down");
      },
    };
    const fetch = scriptedFetch(json(201, { id: "p1", status: "starting" }));
    const replicate = createReplicate({ auth: TOKEN, fetch, limiter });
    const created = await replicate.predictions.create({ body: { version: "v", input: {} } });
    expect(created.id).toBe("p1");
    expect(fetch.calls).toHaveLength(1);
  });

  it("every failure frees its slot: a throwing fetch, a bad body, a non-Response, a redirect loop, abort and timeout in the queue", async () => {
    const broken = new ReadableStream({
      pull: (c) => c.error(new Error("body torn")),
    });
    const loop = () => new Response(null, { status: 302, headers: { location: `${API}/account` } });
    const fetch = scriptedFetch(
      () => {
        throw new TypeError("sync throw");
      },
      new Response(broken, { status: 200 }),
      (() => undefined) as unknown as () => Response,
      ...Array.from({ length: 6 }, loop),
      json(200, { ok: true }),
    );
    const replicate = createReplicate({ auth: TOKEN, fetch, limiter: createLimiter(1), retry: false });
    for (let i = 0; i < 4; i++) await failed(replicate.account.get());
    // One call holds the only slot while two more queue behind it: one aborted, one timed out.
    let answer: (r: Response) => void = () => {};
    const held = new Promise<Response>((resolve) => {
      answer = resolve;
    });
    const slow = scriptedFetch(() => held, json(200, { ok: 2 }));
    const queued = createReplicate({ auth: TOKEN, fetch: slow, limiter: createLimiter(1) });
    const first = queued.account.get();
    const controller = new AbortController();
    const aborted = failed(queued.account.get({}, { signal: controller.signal }));
    const timedOut = failed(queued.account.get({}, { timeoutMs: 20 }));
    controller.abort(new Error("stop"));
    expect((await aborted).message).toBe("stop");
    expect((await timedOut).name).toBe("TimeoutError");
    answer(json(200, { ok: 1 }));
    expect(await first).toEqual({ ok: 1 });
    expect(await queued.account.get()).toEqual({ ok: 2 });
    expect(await replicate.account.get()).toEqual({ ok: true }); // the slot came back each time
  });
});

describe("multipart uploads", () => {
  it("bytes given as content (a Uint8Array, an ArrayBuffer) are sent as the file, not as JSON text", async () => {
    const fetch = scriptedFetch(json(201, { id: "f1" }), json(201, { id: "f2" }));
    const replicate = createReplicate({ auth: TOKEN, fetch });
    const bytes = new Uint8Array([104, 105]);
    await replicate.files.create({ body: { content: bytes as unknown as Blob, filename: "a.txt" } });
    await replicate.files.create({ body: { content: bytes.buffer as unknown as Blob } });
    for (const request of fetch.calls) {
      const content = (await request.formData()).get("content");
      expect(content).toBeInstanceOf(Blob);
      expect(await (content as Blob).text()).toBe("hi");
    }
  });
});

describe("reading REPLICATE_API_TOKEN", () => {
  it("gives undefined where reading the environment throws (Deno without --allow-env) or there is none", () => {
    const real = Object.getOwnPropertyDescriptor(globalThis, "process") as PropertyDescriptor;
    const denied = new Proxy(
      {},
      {
        get() {
          throw new Error('NotCapable: Requires env access to "REPLICATE_API_TOKEN"');
        },
      },
    );
    const seen: unknown[] = [];
    try {
      for (const stand of [{ env: denied }, { env: undefined }, undefined]) {
        Object.defineProperty(globalThis, "process", { value: stand, configurable: true, writable: true });
        seen.push(readEnv("REPLICATE_API_TOKEN"));
      }
    } finally {
      Object.defineProperty(globalThis, "process", real);
    }
    expect(seen).toEqual([undefined, undefined, undefined]);
  });
});

describe("errors posted from a worker", () => {
  it("lose their class in a structured clone, but the plain form guards.ts advises keeps every guard working", () => {
    const errors: [Error, (e: unknown) => boolean][] = [
      [
        new ApiError({ status: 404, method: "GET", url: `${API}/x`, headers: new Headers({ a: "b" }), body: "{}" }),
        isApiError,
      ],
      [new ConnectionError("down"), isConnectionError],
      [new TimeoutError("late", 5), isTimeoutError],
      [new AbortError("stopped", undefined, { cause: "user" }), isAbortError],
      [new InputError("bad"), isInputError],
      [new PredictionError({ id: "p", status: "failed" }), isPredictionError],
    ];
    for (const [error, guard] of errors) {
      expect(guard(structuredClone(error))).toBe(false); // named "Error", fields gone: nothing to match
      const plain = (error as { toJSON?: () => object }).toJSON?.() ?? { ...error, message: error.message };
      const posted = structuredClone(plain);
      expect([guard(posted), isReplicateError(posted)]).toEqual([true, true]);
      expect((posted as Error).message).toBe(error.message);
    }
  });
});
