// Hardening of the transport, checked on the wire: which requests reached which origin
// (two loopback servers are two origins), with which method, headers and body; that
// refused input sends nothing; that a download's deadline covers its body.
import type { ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { partsOf } from "../src/core/parts.js";
import {
  ConnectionError,
  createApiClient,
  createReplicate,
  FileOutput,
  InputError,
  ReplicateError,
  stream,
  TimeoutError,
} from "../src/index.js";
import { downloader } from "../src/run/file-output.js";
import { hang, json, scriptedFetch } from "./support/fake-fetch.js";
import { failed } from "./support/rejection.js";
import { type Handler, type Hit, sseEvent, startServer, type TestServer, tick } from "./support/sse-server.js";

const TOKEN = "r8_SECRETsecretSECRET";
const KEY = "gateway-KEY-0123";

let api: TestServer;
let cdn: TestServer;

beforeEach(async () => {
  api = await startServer();
  cdn = await startServer();
});

afterEach(async () => {
  vi.unstubAllEnvs();
  expect(api.unexpected, "requests the API origin did not expect").toEqual([]);
  expect(cdn.unexpected, "requests the other origin did not expect").toEqual([]);
  await Promise.all([api.close(), cdn.close()]);
});

/** A client of the loopback "API", with a gateway key in its extra headers. */
const client = (options: Parameters<typeof createReplicate>[0] = {}) =>
  createReplicate({
    auth: TOKEN,
    baseUrl: `${api.origin}/v1`,
    headers: { "x-gateway-key": KEY },
    retry: false,
    ...options,
  });

const redirect =
  (code: number, location: string): Handler =>
  (_req, res) => {
    res.writeHead(code, { location }).end();
  };

const ok =
  (body: unknown = { ok: true }): Handler =>
  (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  };

/** The one hit of a server (fails when there is not exactly one). */
function only(server: TestServer): Hit {
  expect(server.hits).toHaveLength(1);
  return server.hits[0] as Hit;
}

/** Settle within `ms`, or fail the test (rather than hang until vitest's timeout). */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)),
  ]);
}

describe("redirects: credentials stay on the API's origin", () => {
  it("a GET redirected to another origin arrives there without the token or the client's headers", async () => {
    api.on("GET", "/v1/account", redirect(302, `${cdn.origin}/elsewhere/account`));
    cdn.on("GET", "/elsewhere/account", ok({ username: "moved" }));
    await expect(client({ userAgent: "ua/1" }).account.get()).resolves.toEqual({ username: "moved" });
    expect(only(api).headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(only(api).headers["x-gateway-key"]).toBe(KEY);
    const there = only(cdn);
    expect(there.method).toBe("GET");
    expect(there.headers.authorization).toBeUndefined();
    expect(there.headers["x-gateway-key"]).toBeUndefined();
    expect(there.headers["user-agent"]).toBe("ua/1");
  });

  it("nor a call's own headers; and a hop back to the API's origin does not get them back", async () => {
    api.on("GET", "/v1/account", redirect(301, `${cdn.origin}/bounce`));
    cdn.on("GET", "/bounce", redirect(302, `${api.origin}/v1/landed`));
    api.on("GET", "/v1/landed", ok());
    await client().account.get(undefined, { headers: { "x-call-secret": "s3" } });
    expect(api.lines()).toEqual(["GET /v1/account", "GET /v1/landed"]);
    expect(api.hits[0]?.headers["x-call-secret"]).toBe("s3");
    for (const hit of [only(cdn), api.hits[1] as Hit]) {
      expect(hit.headers.authorization).toBeUndefined();
      expect(hit.headers["x-gateway-key"]).toBeUndefined();
      expect(hit.headers["x-call-secret"]).toBeUndefined();
    }
  });

  it("keeps the token and headers through a redirect within the API's origin", async () => {
    api.on("GET", "/v1/account", redirect(308, "/v1/account-moved"));
    api.on("GET", "/v1/account-moved", ok());
    await client().account.get();
    expect(api.lines()).toEqual(["GET /v1/account", "GET /v1/account-moved"]);
    for (const hit of api.hits) {
      expect(hit.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(hit.headers["x-gateway-key"]).toBe(KEY);
    }
  });

  it("an upload (multipart POST) answered 307 to another origin is refused: its body is never sent there", async () => {
    api.on("POST", "/v1/files", redirect(307, `${cdn.origin}/upload`));
    const error = await failed(
      client().files.create({ body: { content: new Blob(["file bytes"]), filename: "a.txt" } as never }),
    );
    expect(error).toBeInstanceOf(ReplicateError);
    expect(error.message).toMatch(/redirect/i);
    expect(error.message).not.toContain(TOKEN);
    expect(only(api).body).toContain("file bytes");
    expect(cdn.hits).toEqual([]);
  });

  it("an upload answered 307/308 within the API's origin is re-sent there, same method and body", async () => {
    api.on("POST", "/v1/files", redirect(307, "/v1/files-b"));
    api.on("POST", "/v1/files-b", redirect(308, "/v1/files-c"));
    api.on("POST", "/v1/files-c", ok({ id: "f1" }));
    const created = await client().files.create({ body: { content: new Blob(["file bytes"]), filename: "a.txt" } });
    expect(created).toEqual({ id: "f1" });
    expect(api.lines()).toEqual(["POST /v1/files", "POST /v1/files-b", "POST /v1/files-c"]);
    for (const hit of api.hits) {
      expect(hit.body).toContain("file bytes");
      expect(hit.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
      expect(hit.headers.authorization).toBe(`Bearer ${TOKEN}`);
    }
  });

  it("a POST answered 303 to another origin becomes a bare GET there: no body, no body headers, no credentials", async () => {
    api.on("POST", "/v1/predictions", redirect(303, `${cdn.origin}/see/p1`));
    cdn.on("GET", "/see/p1", ok({ id: "p1", status: "starting" }));
    const p = await client().predictions.create({ body: { version: "v", input: { prompt: "hi" } } });
    expect(p).toEqual({ id: "p1", status: "starting" });
    expect(only(api).body).toContain("prompt");
    const there = only(cdn);
    expect(there.body).toBe("");
    expect(there.headers["content-type"]).toBeUndefined();
    expect(there.headers.authorization).toBeUndefined();
    expect(there.headers["x-gateway-key"]).toBeUndefined();
  });

  it("a FileOutput download redirected to another origin takes no credentials there", async () => {
    api.on("GET", "/v1/files/f1/download", redirect(302, `${cdn.origin}/blob/f1`));
    cdn.on("GET", "/blob/f1", (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" }).end("file body");
    });
    const file = new FileOutput(`${api.origin}/v1/files/f1/download`, downloader(partsOf(client()).send));
    await expect(file.text()).resolves.toBe("file body");
    expect(only(api).headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(only(cdn).headers.authorization).toBeUndefined();
    expect(only(cdn).headers["x-gateway-key"]).toBeUndefined();
  });

  // A model writes its output's URLs: one naming an API endpoint must not be fetched with
  // the token, or `await file.text()` would hand out the webhook secret.
  it("a FileOutput of an API URL that is not a file takes no credentials, however it is spelled", async () => {
    const secret = ok({ key: "whsec_leaked" });
    api.on("GET", "/v1/webhooks/default/secret", secret, secret, secret);
    const download = downloader(partsOf(client()).send);
    for (const url of [
      `${api.origin}/v1/webhooks/default/secret`,
      `${api.origin}/v1/files/../webhooks/default/secret`,
      `${api.origin}/v1/files/%2e%2e/webhooks/default/secret`,
    ]) {
      await new FileOutput(url, download).text();
    }
    expect(api.lines()).toEqual(Array(3).fill("GET /v1/webhooks/default/secret"));
    for (const request of api.hits) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.headers["x-gateway-key"]).toBeUndefined();
    }
  });

  it("the openapi-fetch client's requests are followed by hand too", async () => {
    api.on("GET", "/v1/account", redirect(302, `${cdn.origin}/acct`));
    cdn.on("GET", "/acct", ok({ username: "x" }));
    const { data } = await createApiClient(client()).GET("/account");
    expect(data).toEqual({ username: "x" });
    expect(only(cdn).headers.authorization).toBeUndefined();
    expect(only(cdn).headers["x-gateway-key"]).toBeUndefined();
  });

  it("gives up after 5 redirects with a ReplicateError", async () => {
    for (let i = 0; i < 6; i++) api.on("GET", "/v1/account", redirect(302, "/v1/account"));
    const error = await failed(client().account.get());
    expect(error).toBeInstanceOf(ReplicateError);
    expect(error.message).toMatch(/too many redirects/i);
    expect(api.hits).toHaveLength(6); // the request and 5 redirects followed
  });

  it("retries and the deadline cover the whole chain", async () => {
    api.on("GET", "/v1/account", redirect(302, `${cdn.origin}/flaky`));
    cdn.on(
      "GET",
      "/flaky",
      (_req, res) => {
        res.writeHead(503).end();
      },
      ok({ username: "after retry" }),
    );
    const retrying = client({ retry: { retries: 1, baseDelayMs: 1 } });
    await expect(retrying.account.get()).resolves.toEqual({ username: "after retry" });
    expect(cdn.lines()).toEqual(["GET /flaky", "GET /flaky"]);

    api.on("GET", "/v1/account", redirect(302, `${cdn.origin}/stall`));
    cdn.on("GET", "/stall", () => {}); // never answers
    const error = await within(failed(client({ timeoutMs: 200 }).account.get()), 3000);
    expect(error).toBeInstanceOf(TimeoutError);
  });
});

describe("redirects where the runtime hides them (browsers: opaque redirect)", () => {
  /** What a browser's fetch answers a `redirect: "manual"` request that was redirected. */
  const opaque = () =>
    Object.defineProperties(new Response(null), { status: { value: 0 }, type: { value: "opaqueredirect" } });

  it("a GET is sent again with redirect: follow, and later GETs go with follow at once", async () => {
    const fetch = scriptedFetch(opaque(), json(200, { a: 1 }), json(200, { b: 2 }));
    const replicate = createReplicate({ auth: TOKEN, fetch, retry: false });
    await expect(replicate.account.get()).resolves.toEqual({ a: 1 });
    await expect(replicate.account.get()).resolves.toEqual({ b: 2 });
    expect(fetch.calls.map((r) => r.redirect)).toEqual(["manual", "follow", "follow"]);
  });

  it("a request with a body is not sent again: it could land on another origin", async () => {
    const fetch = scriptedFetch(opaque(), opaque());
    const replicate = createReplicate({ auth: TOKEN, fetch, retry: false });
    const body = { version: "v", input: {} };
    for (let i = 0; i < 2; i++) {
      const error = await failed(replicate.predictions.create({ body }));
      expect(error).toBeInstanceOf(ReplicateError);
      expect(error.message).toMatch(/redirect/i);
    }
    expect(fetch.calls.map((r) => `${r.method} ${r.redirect}`)).toEqual(["POST manual", "POST manual"]);
  });
});

describe("auth is checked when the client is made", () => {
  for (const [what, auth] of [
    ["CR LF", `${TOKEN}\r\nx-injected: 1`],
    ["a trailing LF", `${TOKEN}\n`],
    ["NUL", `${TOKEN}\0`],
    ["a space", `${TOKEN} more`],
  ] as const) {
    it(`refuses a token with ${what}, without echoing it, and sends nothing`, () => {
      const fetch = scriptedFetch(json(200, {}));
      let error: unknown;
      try {
        createReplicate({ auth, fetch });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect(String((error as Error).message)).not.toContain(TOKEN);
      expect(fetch.calls).toHaveLength(0);
    });
  }

  it("refuses a token that is not a string, without echoing it", () => {
    expect(() => createReplicate({ auth: 123 as never })).toThrow(InputError);
    expect(() => createReplicate({ auth: 123 as never })).not.toThrow(/123/);
    expect(() => createReplicate({ auth: {} as never })).toThrow(InputError);
    expect(() => createReplicate({ auth: {} as never })).not.toThrow(/object Object/);
  });

  it("refuses a REPLICATE_API_TOKEN with a line break, naming the variable, not its value", () => {
    vi.stubEnv("REPLICATE_API_TOKEN", `${TOKEN}\n`);
    expect(() => createReplicate()).toThrow(InputError);
    expect(() => createReplicate()).toThrow(/REPLICATE_API_TOKEN/);
    expect(() => createReplicate()).not.toThrow(TOKEN);
  });

  it("a connection failure never shows the token", async () => {
    const leaky = Object.assign(new TypeError(`fetch failed: bad header Bearer ${TOKEN}`), {});
    const fetch = scriptedFetch(leaky);
    const error = await failed(createReplicate({ auth: TOKEN, fetch, retry: false }).account.get());
    expect(error).toBeInstanceOf(ConnectionError);
    expect([error.message, String(error), JSON.stringify(error)].join("\n")).not.toContain(TOKEN);
  });
});

describe("bad options are an InputError before anything is sent", () => {
  it("a baseUrl with a query or a fragment, without echoing the query", () => {
    for (const baseUrl of [
      "https://gw.example.test/v1?key=abc123",
      "https://gw.example.test/v1?",
      "https://gw.example.test/v1#frag",
    ]) {
      expect(() => createReplicate({ baseUrl }), baseUrl).toThrow(InputError);
      expect(() => createReplicate({ baseUrl }), baseUrl).not.toThrow(/abc123/);
    }
  });

  it("a client timeoutMs that is not a number > 0", () => {
    for (const timeoutMs of [0, -5, Number.NaN, "1000", null]) {
      expect(() => createReplicate({ timeoutMs: timeoutMs as never }), String(timeoutMs)).toThrow(InputError);
    }
  });

  it("a per-call timeoutMs ≤ 0 or NaN, on plain and paginated methods", async () => {
    const fetch = scriptedFetch();
    const replicate = createReplicate({ auth: TOKEN, fetch });
    for (const timeoutMs of [0, -1, Number.NaN]) {
      expect(await failed(replicate.account.get(undefined, { timeoutMs }))).toBeInstanceOf(InputError);
      expect(await failed(replicate.predictions.list(undefined, { timeoutMs }))).toBeInstanceOf(InputError);
      expect(
        await failed(replicate.predictions.create({ body: { version: "v", input: {} } }, { timeoutMs })),
      ).toBeInstanceOf(InputError);
    }
    expect(fetch.calls).toHaveLength(0);
  });

  it("a per-call signal that is not an AbortSignal", async () => {
    const fetch = scriptedFetch();
    const replicate = createReplicate({ auth: TOKEN, fetch });
    for (const signal of ["soon", {}, null]) {
      expect(await failed(replicate.account.get(undefined, { signal: signal as never }))).toBeInstanceOf(InputError);
    }
    expect(fetch.calls).toHaveLength(0);
  });

  it("a client header value with CR or LF, anywhere in it, without echoing the value", () => {
    for (const value of [`${KEY}\r\nx-injected: 1`, `${KEY}\n`, `\r${KEY}`, `${KEY}\0`]) {
      const make = () => createReplicate({ auth: TOKEN, headers: { "x-gateway-key": value } });
      expect(make, JSON.stringify(value)).toThrow(InputError);
      expect(make, JSON.stringify(value)).not.toThrow(KEY);
    }
    expect(() => createReplicate({ auth: TOKEN, userAgent: "ua\r\nx: 1" })).toThrow(InputError);
  });

  it("a per-call header value with CR or LF, or a header param with one", async () => {
    const fetch = scriptedFetch();
    const replicate = createReplicate({ auth: TOKEN, fetch });
    for (const headers of [{ "x-trace": "a\r\nx-injected: 1" }, { "x-trace": "a\n" }, [["x-trace", "\ra"]]]) {
      const error = await failed(replicate.account.get(undefined, { headers: headers as never }));
      expect(error, JSON.stringify(headers)).toBeInstanceOf(InputError);
    }
    const prefer = await failed(
      replicate.predictions.create({ Prefer: "wait\r\nx-injected: 1", body: { version: "v", input: {} } }),
    );
    expect(prefer).toBeInstanceOf(InputError);
    expect(fetch.calls).toHaveLength(0);
  });
});

describe("a download's deadline covers its body", () => {
  /** Headers and a first chunk at once, then nothing, ever. */
  const stalls: Handler = (_req, res: ServerResponse) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.write("first chunk");
  };

  it("FileOutput.blob() on a body that never ends rejects with TimeoutError near the deadline", async () => {
    cdn.on("GET", "/out.bin", stalls);
    const file = new FileOutput(`${cdn.origin}/out.bin`, downloader(partsOf(client({ timeoutMs: 200 })).send));
    const started = performance.now();
    const error = await within(failed(file.blob()), 3000);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.timeoutMs).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(2500);
    await within(only(cdn).closed, 2000); // the connection was let go
    expect(only(cdn).clientLeft).toBe(true);
  });

  it("FileOutput.stream() that stalls errors with TimeoutError too", async () => {
    cdn.on("GET", "/out.bin", stalls);
    const file = new FileOutput(`${cdn.origin}/out.bin`, downloader(partsOf(client({ timeoutMs: 200 })).send));
    const reader = file.stream().getReader();
    const first = await within(reader.read(), 2000);
    expect(new TextDecoder().decode(first.value)).toBe("first chunk");
    expect(await within(failed(reader.read()), 3000)).toBeInstanceOf(TimeoutError);
  });

  it("a caller's abort mid-body rejects with the caller's reason", async () => {
    cdn.on("GET", "/out.bin", stalls);
    const controller = new AbortController();
    const file = new FileOutput(`${cdn.origin}/out.bin`, downloader(partsOf(client({ timeoutMs: 5000 })).send));
    const pending = failed(file.blob({ signal: controller.signal }));
    await vi.waitFor(() => expect(cdn.hits).toHaveLength(1));
    await tick(50);
    const reason = new Error("user left");
    controller.abort(reason);
    expect(await within(pending, 2000)).toBe(reason);
  });

  it("a body read in time stops the timer: nothing is aborted afterwards", async () => {
    const fetch = scriptedFetch(new Response("all of it"));
    const send = partsOf(createReplicate({ auth: TOKEN, fetch, timeoutMs: 100 })).send;
    const file = new FileOutput("https://replicate.delivery/x/out.txt", downloader(send));
    await expect(file.text()).resolves.toBe("all of it");
    await tick(200);
    expect(fetch.calls[0]?.signal.aborted).toBe(false);
  });

  it("a fetch whose body ignores the signal still times out (custom fetch)", async () => {
    const never = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
    const fetch = scriptedFetch(new Response(never));
    const send = partsOf(createReplicate({ auth: TOKEN, fetch, timeoutMs: 200 })).send;
    const file = new FileOutput("https://replicate.delivery/x/out.bin", downloader(send));
    expect(await within(failed(file.arrayBuffer()), 3000)).toBeInstanceOf(TimeoutError);
  });

  it("an event stream is not cut by the client's per-call deadline (it has its own)", async () => {
    const STREAM = "/v1/streams/p1";
    const pred = { id: "p1", status: "processing", urls: { stream: `${cdn.origin}${STREAM}` } };
    cdn.on("GET", STREAM, async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.flushHeaders();
      for (let i = 1; i <= 4; i++) {
        res.write(sseEvent({ id: String(i), event: "output", data: `chunk${i}` }));
        await tick(100);
      }
      res.end(sseEvent({ id: "5", event: "done", data: "{}" }));
    });
    const replicate = client({ timeoutMs: 150 });
    const seen: string[] = [];
    for await (const event of stream(replicate, pred as never))
      if (event.type === "output") seen.push(String(event.data));
    expect(seen).toEqual(["chunk1", "chunk2", "chunk3", "chunk4"]);
  });

  it("a request that hangs before headers still times out (unbuffered)", async () => {
    const fetch = scriptedFetch(hang);
    const send = partsOf(createReplicate({ auth: TOKEN, fetch, timeoutMs: 100 })).send;
    const file = new FileOutput("https://replicate.delivery/x/out.bin", downloader(send));
    expect(await within(failed(file.blob()), 3000)).toBeInstanceOf(TimeoutError);
  });
});

describe("a custom fetch is called on its own", () => {
  it("never as a method: workerd's fetch refuses any `this` but the global (Illegal invocation)", async () => {
    const thisValues: unknown[] = [];
    const fetch = function (this: unknown, _request: Request) {
      thisValues.push(this);
      if (this !== undefined && this !== globalThis) throw new TypeError("Illegal invocation");
      return Promise.resolve(Response.json({ type: "user", username: "a" }));
    };
    const replicate = createReplicate({ auth: "t", fetch });
    await replicate.account.get();
    expect(thisValues).toEqual([undefined]);
  });
});
