// The fake Replicate must never crash the process that hosts it, and must answer every
// request with problem+json as Replicate does. Each test watches for uncaught exceptions
// and unhandled rejections (either would end a plain Node process), and the serveFake
// tests check that the server keeps answering afterwards. Requests Node's own HTTP
// client or fetch would refuse to send (an invalid Host, a garbled request line, TRACE,
// CONNECT) go over a raw TCP socket.
import { connect, createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createFakeReplicate, type FakeReplicate, type FakeReplicateOptions } from "../src/testing/index.js";
import { type FakeServer, serveFake } from "../src/testing/node.js";
import { startReceiver, type WebhookReceiver } from "./support/webhook-receiver.js";

const API = "https://api.replicate.com/v1";
const TRAINER_VERSION = "b8f9c3a5e0d14a6f9c2e7d3b1a0f5e4c8d7b6a5f4e3d2c1b0a9f8e7d6c5b4a39";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Every uncaught exception or unhandled rejection during a test fails it.
const crashes: string[] = [];
const onCrash = (error: unknown) =>
  void crashes.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
const cleanups: (() => Promise<void>)[] = [];

beforeEach(() => {
  crashes.length = 0;
  process.on("unhandledRejection", onCrash);
  process.on("uncaughtException", onCrash);
});

afterEach(async () => {
  await sleep(50); // a rejection left behind surfaces within a few ticks
  process.off("unhandledRejection", onCrash);
  process.off("uncaughtException", onCrash);
  for (const cleanup of cleanups.splice(0)) await cleanup();
  expect(crashes, "uncaught exceptions and unhandled rejections").toEqual([]);
});

function makeFake(options: FakeReplicateOptions = {}): FakeReplicate {
  const fake = createFakeReplicate({ startDelayMs: 1, webhookThrottleMs: 1, ...options });
  fake.model("acme/echo", (input) => `echo ${String(input.text)}`);
  fake.deployment("acme/echo-prod", "acme/echo");
  fake.model("acme/trainer", () => "weights", { version: TRAINER_VERSION, train: () => "trained" });
  return fake;
}

async function served(fake: FakeReplicate): Promise<FakeServer> {
  const server = await serveFake(fake);
  cleanups.push(() => server.close());
  return server;
}

async function receiver(): Promise<WebhookReceiver> {
  const r = await startReceiver();
  cleanups.push(() => r.close());
  return r;
}

/** One raw call through `fake.fetch`, as the wire would carry it. */
function call(fake: FakeReplicate, method: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers({ authorization: "Bearer test", "content-type": "application/json" });
  for (const [name, value] of new Headers(init.headers)) headers.set(name, value);
  return fake.fetch(new Request(`${API}${path}`, { ...init, method, headers } as RequestInit));
}

/** A problem+json answer's body; fails the test if the answer is anything else. */
async function problemOf(response: Response): Promise<{ status: number; title: string; detail: string }> {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = (await response.json()) as { status: number; title: string; detail: string };
  expect(body.status).toBe(response.status);
  expect(body.title).toEqual(expect.any(String));
  expect(body.detail).toEqual(expect.any(String));
  return body;
}

async function until(what: string, check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

const portOf = (server: FakeServer) => Number(new URL(server.url).port);

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Send `text` as is over TCP and read the first answer (status 0 if none comes before
 * the connection closes or `timeoutMs` passes). `end` half-closes after writing.
 */
function rawHttp(port: number, text: string, options: { end?: boolean; timeoutMs?: number } = {}): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(text);
      if (options.end) socket.end();
    });
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parseAnswer(Buffer.concat(chunks).toString("latin1")));
    };
    const timer = setTimeout(done, options.timeoutMs ?? 2_000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", done);
  });
}

function parseAnswer(raw: string): RawAnswer {
  const at = raw.indexOf("\r\n\r\n");
  if (at < 0) return { status: 0, headers: {}, body: raw };
  const [statusLine = "", ...lines] = raw.slice(0, at).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.slice(at + 4);
  if (headers["transfer-encoding"] === "chunked") {
    let out = "";
    for (let rest = body; ; ) {
      const eol = rest.indexOf("\r\n");
      const size = Number.parseInt(rest.slice(0, eol), 16);
      if (!(size > 0)) break;
      out += rest.slice(eol + 2, eol + 2 + size);
      rest = rest.slice(eol + 2 + size + 2);
    }
    body = out;
  } else if (headers["content-length"] !== undefined) body = body.slice(0, Number(headers["content-length"]));
  return { status: Number(statusLine.split(" ")[1]), headers, body };
}

/** A raw answer's problem+json body; fails the test if it is not one. */
function rawProblem(answer: RawAnswer): { status: number; title: string; detail: string } {
  expect(answer.headers["content-type"], `${answer.status} ${answer.body}`).toBe("application/problem+json");
  const body = JSON.parse(answer.body) as { status: number; title: string; detail: string };
  expect(body).toMatchObject({ status: answer.status, title: expect.any(String), detail: expect.any(String) });
  return body;
}

/** The server still answers a well-formed request. */
async function stillServes(server: FakeServer): Promise<void> {
  const response = await fetch(`${server.url}/account`, { headers: { authorization: "Bearer test" } });
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ username: "fake" });
}

// ---------------------------------------------------------------------------------------
// serveFake: whatever arrives on the socket
// ---------------------------------------------------------------------------------------

describe("serveFake answers every request with problem+json and keeps running", () => {
  test("an invalid Host (`a b`, or one with a path) is a 400, and the server goes on", async () => {
    const server = await served(makeFake());
    for (const host of ["a b", "127.0.0.1/evil", "[::1"]) {
      const answer = await rawHttp(
        portOf(server),
        `GET /v1/account HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer test\r\nConnection: close\r\n\r\n`,
      );
      expect(answer.status, host).toBe(400);
      expect(rawProblem(answer)).toMatchObject({ title: "Bad request", detail: expect.stringContaining("Host") });
    }
    await stillServes(server);
  });

  test("HTTP/1.1 without Host is a problem+json 400; HTTP/1.0 without Host gets the server's own address", async () => {
    const fake = makeFake({ pageSize: 1 });
    fake.model("acme/other", () => "x");
    const server = await served(fake);
    const missing = await rawHttp(
      portOf(server),
      "GET /v1/account HTTP/1.1\r\nAuthorization: Bearer test\r\nConnection: close\r\n\r\n",
    );
    expect(missing.status).toBe(400);
    expect(rawProblem(missing).detail).toContain("Host");

    const old = await rawHttp(portOf(server), "GET /v1/models HTTP/1.0\r\nAuthorization: Bearer test\r\n\r\n");
    expect(old.status).toBe(200);
    expect((JSON.parse(old.body) as { next: string }).next.startsWith(`${server.url}/models?cursor=`)).toBe(true);
    await stillServes(server);
  });

  test("a garbled request line is a 400 and headers that are too large a 431, both problem+json", async () => {
    const server = await served(makeFake());
    const garbled = await rawHttp(portOf(server), "NOT AN HTTP REQUEST\r\n\r\n");
    expect(garbled.status).toBe(400);
    rawProblem(garbled);

    const huge = await rawHttp(
      portOf(server),
      `GET /v1/account HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    expect(huge.status).toBe(431);
    rawProblem(huge);
    await stillServes(server);
  });

  test("TRACE and CONNECT, which fetch cannot represent, are a 501", async () => {
    const server = await served(makeFake());
    const trace = await rawHttp(portOf(server), "TRACE /v1/account HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(trace.status).toBe(501);
    expect(rawProblem(trace).detail).toContain("TRACE");

    const tunnel = await rawHttp(portOf(server), "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    expect(tunnel.status).toBe(501);
    expect(rawProblem(tunnel).detail).toContain("CONNECT");
    await stillServes(server);
  });

  test("an Expect the server cannot meet is a problem+json 417", async () => {
    const server = await served(makeFake());
    const answer = await rawHttp(
      portOf(server),
      "GET /v1/account HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nAuthorization: Bearer test\r\nConnection: close\r\n\r\n",
    );
    expect(answer.status).toBe(417);
    rawProblem(answer);
    await stillServes(server);
  });

  test("a body cut short by the client leaves the server running", async () => {
    const server = await served(makeFake());
    for (const route of ["POST /v1/predictions", "QUERY /v1/models", "PATCH /v1/models/acme/echo"]) {
      await rawHttp(
        portOf(server),
        `${route} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test\r\nContent-Length: 100\r\n\r\n{"inp`,
        { end: true, timeoutMs: 300 },
      );
    }
    await stillServes(server);
  });

  test("a failure inside the fake is a problem+json 500 over HTTP, not text/plain", async () => {
    const fake = makeFake();
    fake.state.jobs.set("broken", brokenJob());
    const server = await served(fake);
    const response = await fetch(`${server.url}/predictions/broken`, { headers: { authorization: "Bearer test" } });
    expect(response.status).toBe(500);
    expect((await problemOf(response)).detail).toContain("corrupt record");
    await stillServes(server);
  });
  test("a fake whose fetch rejects, or answers a header Node refuses, still gets a problem+json 500 out", async () => {
    const rejecting = await served({ ...makeFake(), fetch: () => Promise.reject(new Error("handler bug")) });
    const rejected = await fetch(`${rejecting.url}/account`);
    expect(rejected.status).toBe(500);
    expect((await problemOf(rejected)).detail).toContain("handler bug");

    const badHeader = { ...makeFake(), fetch: async () => new Response("x", { headers: { "x-bad": "a\x01b" } }) };
    const refused = await fetch(`${(await served(badHeader)).url}/account`);
    expect(refused.status).toBe(500);
    expect((await problemOf(refused)).detail).toMatch(/x-bad/i);
  });
});

/** A job whose record cannot be read: stands in for any bug of the fake's own. */
function brokenJob(): never {
  return {
    kind: "prediction",
    get record(): never {
      throw new Error("corrupt record");
    },
  } as never;
}

// ---------------------------------------------------------------------------------------
// fake.fetch: bad requests and the fake's own failures
// ---------------------------------------------------------------------------------------

describe("fake.fetch answers every request with problem+json", () => {
  const JSON_ROUTES = [
    "POST /predictions",
    "POST /models/acme/echo/predictions",
    "POST /deployments/acme/echo-prod/predictions",
    "POST /models",
    "PATCH /models/acme/echo",
    "POST /deployments",
    "PATCH /deployments/acme/echo-prod",
    `POST /models/acme/trainer/versions/${TRAINER_VERSION}/trainings`,
  ];

  test("a body that is not JSON is a 400 on every route that takes JSON, and changes nothing", async () => {
    const fake = makeFake();
    const before = JSON.stringify([...fake.state.deployments.values(), fake.state.models.get("acme/echo")]);
    for (const route of JSON_ROUTES) {
      const [method = "", path = ""] = route.split(" ");
      const response = await call(fake, method, path, { body: '{"input": {"text": "unterminated' });
      expect(response.status, route).toBe(400);
      expect((await problemOf(response)).detail, route).toMatch(/not valid JSON/);
    }
    expect(JSON.stringify([...fake.state.deployments.values(), fake.state.models.get("acme/echo")])).toBe(before);
    expect(fake.state.jobs.size).toBe(0);
  });

  test("JSON that is not an object is a 400 on every route that takes JSON", async () => {
    const fake = makeFake();
    for (const route of JSON_ROUTES) {
      const [method = "", path = ""] = route.split(" ");
      for (const body of ["[1]", '"text"', "null", "42"]) {
        const response = await call(fake, method, path, { body });
        expect(response.status, `${route} ${body}`).toBe(400);
        expect((await problemOf(response)).detail).toMatch(/must be a JSON object/);
      }
    }
    expect(fake.state.jobs.size).toBe(0);
  });

  test("a body that fails mid-read is a 400", async () => {
    const fake = makeFake();
    for (const route of ["QUERY /models", "PATCH /models/acme/echo", "POST /predictions", "POST /deployments"]) {
      const [method = "", path = ""] = route.split(" ");
      const body = new ReadableStream({
        pull: (controller) => controller.error(new Error("connection reset")),
      });
      const response = await call(fake, method, path, { body, duplex: "half" } as RequestInit);
      expect(response.status, route).toBe(400);
      expect((await problemOf(response)).detail, route).toMatch(/could not be read.*connection reset/);
    }
  });

  test("unknown routes and methods are a 404", async () => {
    const fake = makeFake();
    for (const route of [
      "GET /nope",
      "DELETE /account",
      "HEAD /predictions",
      "OPTIONS /models",
      "QUERY /predictions",
    ]) {
      const [method = "", path = ""] = route.split(" ");
      const response = await call(fake, method, path);
      expect(response.status, route).toBe(404);
      if (method !== "HEAD") await problemOf(response);
    }
  });

  test("a failure inside the fake (a bug, corrupt state) is a 500 naming the error", async () => {
    const fake = makeFake();
    fake.state.jobs.set("broken", brokenJob());
    for (const path of ["/predictions/broken", "/predictions"]) {
      const response = await call(fake, "GET", path);
      expect(response.status, path).toBe(500);
      expect(await problemOf(response)).toMatchObject({ title: "Internal server error", detail: /corrupt record/ });
    }
    // The fake goes on answering, its in-flight count intact.
    fake.faults.maxInFlight = 1;
    expect((await call(fake, "GET", "/account")).status).toBe(200);
  });

  test("an injected fault with a status no Response can carry is a 500 saying so", async () => {
    const fake = makeFake();
    fake.faults.statuses.push(1000);
    const response = await call(fake, "GET", "/account");
    expect(response.status).toBe(500);
    expect((await problemOf(response)).detail).toMatch(/status/);
    expect((await call(fake, "GET", "/account")).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------
// Models whose output JSON cannot carry
// ---------------------------------------------------------------------------------------

interface Created {
  id: string;
  status: string;
  output: unknown;
  error: string | null;
  logs: string;
}

async function created(response: Response | Promise<Response>): Promise<Created> {
  const answer = await response;
  expect(answer.status).toBe(201);
  return (await answer.json()) as Created;
}

describe("a model whose output JSON cannot encode fails its prediction", () => {
  const cycle = () => {
    const out: Record<string, unknown> = { name: "loop" };
    out.self = out;
    return out;
  };
  test.each([
    ["a BigInt", () => 10n, /BigInt/],
    ["a cycle", cycle, /circular/i],
    [
      "a toJSON that throws",
      () => ({
        toJSON() {
          throw new Error("no JSON for you");
        },
      }),
      /no JSON for you/,
    ],
  ] as [string, () => unknown, RegExp][])(
    "%s: failed, with an error, and every answer is JSON",
    async (_, output, reason) => {
      const fake = makeFake();
      fake.model("acme/odd", output);
      const p = await created(
        call(fake, "POST", "/models/acme/odd/predictions", { headers: { prefer: "wait=5" }, body: '{"input":{}}' }),
      );
      expect(p).toMatchObject({
        status: "failed",
        output: null,
        error: expect.stringMatching(/could not be encoded as JSON/),
      });
      expect(p.error).toMatch(reason);
      const got = await call(fake, "GET", `/predictions/${p.id}`);
      expect(got.status).toBe(200);
      expect(await got.json()).toMatchObject({ status: "failed", error: p.error });
      expect((await call(fake, "GET", "/predictions")).status).toBe(200);
    },
  );

  test("over serveFake, with a webhook: no unhandled rejection, the webhook and the GET say failed", async () => {
    const fake = makeFake();
    fake.model("acme/big", () => ({ count: 2n ** 70n }));
    const server = await served(fake);
    const hooks = await receiver();
    const create = await fetch(`${server.url}/models/acme/big/predictions`, {
      method: "POST",
      headers: { authorization: "Bearer test", "content-type": "application/json", prefer: "wait=5" },
      body: JSON.stringify({ input: {}, webhook: hooks.url }),
    });
    const p = await created(create);
    expect(p.status).toBe("failed");
    await until("the completed webhook", () => hooks.received.some((r) => JSON.parse(r.body).status === "failed"));
    await until("every delivery answered", () => fake.deliveries.every((d) => d.status !== "pending"));
    expect(fake.deliveries.map((d) => d.status)).toEqual(fake.deliveries.map(() => 204));
    const got = await fetch(`${server.url}/predictions/${p.id}`, { headers: { authorization: "Bearer test" } });
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("application/json");
    expect(await got.json()).toMatchObject({ status: "failed", error: expect.stringContaining("BigInt") });
    await stillServes(server);
  });

  test("a streamed piece JSON cannot encode fails the prediction; the pieces before it stay, the stream ends", async () => {
    const fake = makeFake();
    fake.model("acme/tokens", async function* () {
      yield "a";
      yield 1n;
      yield "never";
    });
    const p = await created(
      call(fake, "POST", "/models/acme/tokens/predictions", { headers: { prefer: "wait=5" }, body: '{"input":{}}' }),
    );
    expect(p).toMatchObject({ status: "failed", output: ["a"], error: expect.stringContaining("BigInt") });
    const sse = await (await call(fake, "GET", `/stream/${p.id}`)).text();
    expect(sse).toContain("event: output\ndata: a\n");
    expect(sse).toContain("event: error\n");
    expect(sse).toContain('event: done\ndata: {"reason":"error"}\n');
    expect(sse).not.toContain("never");
  });

  test("pieces JSON carries differently (undefined, a function) stream as JSON does, with a stream open", async () => {
    const fake = makeFake();
    let go!: () => void;
    const gate = new Promise<void>((resolve) => {
      go = resolve;
    });
    fake.model("acme/holes", async function* (_input, { log }) {
      await gate;
      log(42 as never);
      yield undefined;
      yield () => 1;
      yield "x";
    });
    const p = await created(call(fake, "POST", "/models/acme/holes/predictions", { body: '{"input":{}}' }));
    const stream = await call(fake, "GET", `/stream/${p.id}`);
    go();
    const sse = await stream.text();
    await until("the end", () => fake.state.jobs.get(p.id)?.record.status !== "processing");
    const record = fake.state.jobs.get(p.id)?.record;
    expect(record).toMatchObject({ status: "succeeded", output: [null, null, "x"], logs: "42\n", error: null });
    expect(sse).toContain("event: logs\ndata: 42\n");
    expect(sse).toContain("event: output\ndata: null\n");
    expect(sse).toContain("event: done\n");
  });

  test("a model that throws something with no string form fails with an error string", async () => {
    const fake = makeFake();
    fake.model("acme/weird", () => {
      throw Object.create(null);
    });
    const p = await created(
      call(fake, "POST", "/models/acme/weird/predictions", { headers: { prefer: "wait=5" }, body: '{"input":{}}' }),
    );
    expect(p).toMatchObject({ status: "failed", error: expect.any(String) });
  });
});

// ---------------------------------------------------------------------------------------
// Webhook deliveries that fail
// ---------------------------------------------------------------------------------------

describe("a webhook delivery that fails is recorded, never thrown", () => {
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  async function runWithWebhook(fake: FakeReplicate, webhook: string): Promise<void> {
    fake.model("acme/fine", () => "ok");
    const p = await created(
      call(fake, "POST", "/models/acme/fine/predictions", {
        headers: { prefer: "wait=5" },
        body: JSON.stringify({ input: {}, webhook, webhook_events_filter: ["start", "completed"] }),
      }),
    );
    expect(p.status).toBe("succeeded");
    await until("both deliveries", () => fake.deliveries.length === 2);
    await until("every delivery settled", () => fake.deliveries.every((d) => d.status !== "pending"));
  }

  test("a receiver that is down, an address that is not a URL, a deliver that throws: status error", async () => {
    const down = makeFake({ webhookRetryDelaysMs: [] }); // one attempt each: retries are tested elsewhere
    await runWithWebhook(down, `http://127.0.0.1:${await closedPort()}/hook`);
    expect(down.deliveries.map((d) => d.status)).toEqual(["error", "error"]);

    const nowhere = makeFake();
    await runWithWebhook(nowhere, "not a url");
    expect(nowhere.deliveries.map((d) => [d.status, d.error])).toEqual([
      ["error", expect.stringMatching(/URL/i)],
      ["error", expect.stringMatching(/URL/i)],
    ]);

    const thrower = makeFake({
      webhookRetryDelaysMs: [],
      deliver: () => {
        throw new Error("no network here");
      },
    });
    await runWithWebhook(thrower, "https://hooks.example/r");
    expect(thrower.deliveries.map((d) => [d.status, d.error])).toEqual([
      ["error", "no network here"],
      ["error", "no network here"],
    ]);
  });

  test("a secret that cannot sign (not base64) makes every delivery an error, not a crash", async () => {
    const fake = makeFake({ secret: "not base64!", deliver: async () => new Response(null, { status: 204 }) });
    await runWithWebhook(fake, "https://hooks.example/r");
    expect(fake.deliveries.map((d) => d.status)).toEqual(["error", "error"]);
    expect(fake.deliveries[0]?.error).toMatch(/base64/);
    expect(JSON.parse(fake.deliveries[1]?.body ?? "")).toMatchObject({ status: "succeeded" });
  });
});

// ---------------------------------------------------------------------------------------
// Headers outside the schema
// ---------------------------------------------------------------------------------------

describe("Prefer outside the schema's pattern is refused as a schema validator would", () => {
  const ROUTES = [
    ["/predictions", { version: "acme/echo", input: { text: "a" } }],
    ["/models/acme/echo/predictions", { input: { text: "a" } }],
    ["/deployments/acme/echo-prod/predictions", { input: { text: "a" } }],
  ] as const;

  test.each(ROUTES)("%s: wait=0, wait=100, wait=abc and the like are a 422; nothing is created", async (path, body) => {
    const fake = makeFake();
    for (const prefer of [
      "wait=0",
      "wait=100",
      "wait=999",
      "wait=abc",
      "wait=",
      "wait=05",
      "wait=5s",
      "respond-async",
    ]) {
      const response = await call(fake, "POST", path, { headers: { prefer }, body: JSON.stringify(body) });
      expect(response.status, prefer).toBe(422);
      const problem = await problemOf(response);
      expect(problem.title).toBe("Invalid request");
      expect(problem.detail).toContain("Prefer");
      expect(problem.detail).toContain(JSON.stringify(prefer));
    }
    expect(fake.state.jobs.size).toBe(0);
  });

  test.each(ROUTES)(
    "%s: wait, wait=1, wait=60 and wait=99 (the pattern admits it) are accepted",
    async (path, body) => {
      const fake = makeFake();
      for (const prefer of ["wait", "wait=1", "wait=60", "wait=99"]) {
        const response = await call(fake, "POST", path, { headers: { prefer }, body: JSON.stringify(body) });
        expect(response.status, prefer).toBe(201);
        expect(await response.json(), prefer).toMatchObject({ status: "succeeded", output: "echo a" });
      }
    },
  );
});

describe("Cancel-After beyond what a timer holds", () => {
  test("a deadline no date can hold is a 400", async () => {
    const fake = makeFake();
    const response = await call(fake, "POST", "/models/acme/echo/predictions", {
      headers: { "cancel-after": "99999999999999999999" },
      body: '{"input":{}}',
    });
    expect(response.status).toBe(400);
    expect((await problemOf(response)).detail).toContain("Cancel-After");
    expect(fake.state.jobs.size).toBe(0);
  });

  test("a deadline months away is kept: the prediction is not canceled at once", async () => {
    const fake = makeFake({ startDelayMs: 20 });
    const p = await created(
      call(fake, "POST", "/models/acme/echo/predictions", {
        headers: { "cancel-after": "2000h", prefer: "wait=5" },
        body: '{"input":{"text":"late"}}',
      }),
    );
    expect(p).toMatchObject({ status: "succeeded", output: "echo late" });
    expect(Date.parse((p as unknown as { deadline: string }).deadline)).toBeGreaterThan(Date.now() + 1_999 * 3_600_000);
  });
});
