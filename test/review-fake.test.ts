// Adversarial review of the fake Replicate (src/testing/): places where it answered
// differently from the real API, or broke under load a real server takes. Each test names
// its oracle: ../shared/openapi/replicate.openapi.json (the schema and its examples),
// ../shared/REPLICATE-API.md, or Replicate's documentation as quoted there.
import Replicate from "replicate";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createFakeReplicate, type FakeReplicate, type FakeReplicateOptions } from "../src/testing/index.js";
import { serveFake } from "../src/testing/node.js";

const API = "https://api.replicate.com/v1";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Json = Record<string, unknown>;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function makeFake(options: FakeReplicateOptions = {}): FakeReplicate {
  const fake = createFakeReplicate({ startDelayMs: 1, webhookThrottleMs: 1, ...options });
  fake.model("acme/echo", (input) => `echo ${String(input.text)}`);
  return fake;
}

function call(fake: FakeReplicate, method: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers({ authorization: "Bearer test", "content-type": "application/json" });
  for (const [name, value] of new Headers(init.headers)) headers.set(name, value);
  return fake.fetch(new Request(path.startsWith("http") ? path : `${API}${path}`, { ...init, method, headers }));
}

async function body(response: Response | Promise<Response>, status = 200): Promise<Json> {
  const answer = await response;
  const text = await answer.text();
  expect(answer.status, text).toBe(status);
  return JSON.parse(text) as Json;
}

const predict = (fake: FakeReplicate, extra: Json = {}, headers: Record<string, string> = {}) =>
  call(fake, "POST", "/models/acme/echo/predictions", {
    headers,
    body: JSON.stringify({ input: { text: "x" }, ...extra }),
  });

async function until(what: string, check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** A webhook receiver on 127.0.0.1 answering its n-th request (from 0) with `answer(n)`. */
async function scriptedReceiver(answer: (n: number) => number): Promise<{ url: string; bodies: string[] }> {
  const { createServer } = await import("node:http");
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    req.on("end", () => {
      const status = answer(bodies.length);
      bodies.push(text);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, bodies };
}

describe("faults: maxInFlight counts a request for as long as it is held, latency included", () => {
  test("with latencyMs, two concurrent requests past maxInFlight = 1: one is a 429 with Retry-After", async () => {
    const fake = makeFake();
    fake.faults.latencyMs = 40;
    fake.faults.maxInFlight = 1;
    fake.faults.retryAfterSec = 3;
    const answers = await Promise.all([call(fake, "GET", "/account"), call(fake, "GET", "/account")]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 429]);
    expect(answers.find((a) => a.status === 429)?.headers.get("retry-after")).toBe("3");
  });
});

describe("stream event ids look like Replicate's: `<unix seconds>:<n>`", () => {
  test("every id: line is two integers, and Last-Event-ID with one of them resumes after it", async () => {
    const fake = makeFake();
    fake.model("acme/tokens", async function* () {
      yield "a";
      yield "b";
    });
    const p = await body(
      call(fake, "POST", "/models/acme/tokens/predictions", { headers: { prefer: "wait=5" }, body: '{"input":{}}' }),
      201,
    );
    const stream = (p.urls as Json).stream as string;
    const text = await (await fake.fetch(stream, { headers: { accept: "text/event-stream" } })).text();
    const ids = [...text.matchAll(/^id: (.*)$/gm)].map((m) => m[1] as string);
    expect(ids).toHaveLength(3); // a, b, done
    for (const id of ids) expect(id).toMatch(/^\d+:\d+$/);
    const rest = await (await fake.fetch(stream, { headers: { "last-event-id": ids[0] as string } })).text();
    expect(rest).toContain("data: b");
    expect(rest).not.toContain("data: a");
  });
});

describe("cursor pages are positions, as the API's (`cursor=cD0yMDIz…`, a created_at), not offsets", () => {
  async function pages(fake: FakeReplicate, first: string): Promise<{ ids: string[]; next: string | null }> {
    const page = await body(call(fake, "GET", first));
    return { ids: (page.results as Json[]).map((r) => String(r.id)), next: page.next as string | null };
  }

  test("predictions created between two pages neither repeat an item nor push one off the list", async () => {
    const fake = makeFake({ pageSize: 4 });
    const made: string[] = [];
    for (let i = 0; i < 6; i++) made.push(String((await body(predict(fake), 201)).id));
    const one = await pages(fake, "/predictions");
    expect(one.ids).toEqual(made.slice(2).reverse());
    await body(predict(fake), 201); // a new one, newest: on no later page
    await body(predict(fake), 201);
    const two = await pages(fake, one.next as string);
    expect(two.ids).toEqual(made.slice(0, 2).reverse());
    expect(two.next).toBeNull();
  });

  test("deleting every file of a page, then following next, still reaches the files after it", async () => {
    const fake = makeFake({ pageSize: 3 });
    const upload = async (n: number) => {
      const form = new FormData();
      form.set("content", new Blob([`file ${n}`]), `${n}.txt`);
      const answer = await fake.fetch(`${API}/files`, {
        method: "POST",
        body: form,
        headers: { authorization: "Bearer test" },
      });
      return String((await body(answer, 201)).id);
    };
    const ids: string[] = [];
    for (let n = 0; n < 7; n++) ids.push(await upload(n));
    // The usual clean-up loop: delete what a page lists, go on with its next.
    const deleted: string[] = [];
    for (let url: string | null = "/files"; url; ) {
      const page = await pages(fake, url);
      for (const id of page.ids) {
        expect((await call(fake, "DELETE", `/files/${id}`)).status).toBe(204);
        deleted.push(id);
      }
      url = page.next;
    }
    expect(deleted.sort()).toEqual([...ids].sort());
  });

  test("previous leads back to the page before; a cursor the fake never gave is a 4xx problem", async () => {
    const fake = makeFake({ pageSize: 2 });
    for (let i = 0; i < 5; i++) fake.model(`acme/m${i}`, () => i);
    const first = await body(call(fake, "GET", "/models"));
    const second = await body(call(fake, "GET", first.next as string));
    const back = await body(call(fake, "GET", second.previous as string));
    expect(back.results).toEqual(first.results);
    expect(back.previous).toBeNull();
    for (const cursor of ["not-a-cursor", "abcd", btoa("q=1")]) {
      const bad = await call(fake, "GET", `/models?cursor=${cursor}`);
      expect(bad.status, cursor).toBe(404); // Django REST framework's "Invalid cursor", whose format this is
      expect(bad.headers.get("content-type")).toBe("application/problem+json");
    }
  });
});

describe("lists come in the order the schema documents", () => {
  test("models.list: latest version first by default, or sort_by/sort_direction; deployments.list: newest first", async () => {
    const fake = createFakeReplicate({ startDelayMs: 1 });
    for (const name of ["m0", "m1", "m2"]) fake.model(`acme/${name}`, () => name);
    fake.model("acme/m0", () => "new"); // a new version: m0 has the latest
    const names = async (query: string) =>
      ((await body(call(fake, "GET", `/models${query}`))).results as Json[]).map((m) => m.name);
    expect(await names("")).toEqual(["m0", "m2", "m1"]);
    expect(await names("?sort_by=model_created_at")).toEqual(["m2", "m1", "m0"]);
    expect(await names("?sort_by=model_created_at&sort_direction=asc")).toEqual(["m0", "m1", "m2"]);

    fake.deployment("acme/first", "acme/m0");
    fake.deployment("acme/second", "acme/m1");
    const deployments = (await body(call(fake, "GET", "/deployments"))).results as Json[];
    expect(deployments.map((d) => d.name)).toEqual(["second", "first"]);
  });
});

describe("a create's body is checked against the schema's request", () => {
  test("input that is not an object, or a webhook_events_filter outside the enum, is a 422 and creates nothing", async () => {
    const fake = makeFake();
    for (const extra of [
      { input: "x" },
      { input: [1] },
      { input: null },
      { webhook_events_filter: ["done"] },
      { webhook_events_filter: "completed" },
      { webhook: 42 },
    ]) {
      const answer = await predict(fake, extra);
      expect(answer.status, JSON.stringify(extra)).toBe(422);
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
    }
    expect(fake.state.jobs.size).toBe(0);
  });
});

describe("webhooks", () => {
  test("a completed delivery answered 5xx is retried until the receiver takes it; start is not retried", async () => {
    const hook = await scriptedReceiver((n) => (n < 3 ? 500 : 204)); // start: 500, completed: 500, 500, then 204
    const fake = makeFake();
    await body(predict(fake, { webhook: hook.url, webhook_events_filter: ["start", "completed"] }), 201);
    await fake.idle();
    expect(fake.deliveries.map((d) => [d.event, d.status])).toEqual([
      ["start", 500],
      ["completed", 500],
      ["completed", 500],
      ["completed", 204],
    ]);
    // Each retry is its own attempt, as Standard Webhooks' retries are, of the same message.
    expect(new Set(fake.deliveries.slice(1).map((d) => d.body)).size).toBe(1);
  });

  test("a completed delivery the receiver never takes is retried a few times, then given up", async () => {
    const hook = await scriptedReceiver(() => 503);
    const fake = makeFake();
    await body(predict(fake, { webhook: hook.url, webhook_events_filter: ["completed"] }), 201);
    const started = Date.now();
    await fake.idle();
    expect(Date.now() - started).toBeLessThan(3_000);
    const attempts = fake.deliveries.map((d) => d.status);
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.every((s) => s === 503)).toBe(true);
  });

  test("by default the fake delivers to loopback receivers only: a test never posts to the internet", async () => {
    const spy = vi.spyOn(globalThis, "fetch");
    const fake = makeFake();
    await body(predict(fake, { webhook: "https://hooks.example/r", webhook_events_filter: ["completed"] }), 201);
    await fake.idle();
    expect(
      spy.mock.calls.filter(([input]) =>
        String(input instanceof Request ? input.url : input).includes("hooks.example"),
      ),
    ).toEqual([]);
    expect(fake.deliveries.at(-1)).toMatchObject({ status: "error", error: expect.stringMatching(/loopback/) });
  });
});

describe("serveFake and streams that are left open", () => {
  test("a client that drops a stream mid-way, and close() with a stream open: no listener is left behind", async () => {
    const fake = makeFake();
    let release = () => {};
    fake.model("acme/slow", async function* () {
      yield "first";
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      yield "second";
    });
    const server = await serveFake(fake);
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await server.close();
    });
    const replicate = new Replicate({ auth: "t", baseUrl: server.url });
    const p = await replicate.predictions.create({ model: "acme/slow", input: {} } as never);
    const job = fake.state.jobs.get(p.id);
    await until("first output", () => (job?.events.length ?? 0) >= 1);
    const base = job?.listeners.size ?? 0;

    const controller = new AbortController();
    const left = await fetch(p.urls.stream as string, { signal: controller.signal });
    const reader = left.body?.getReader();
    await reader?.read();
    expect(job?.listeners.size).toBe(base + 1);
    controller.abort();
    await until("the dropped stream stops listening", () => job?.listeners.size === base);

    const open = await fetch(p.urls.stream as string);
    await open.body?.getReader().read();
    expect(job?.listeners.size).toBe(base + 1);
    const started = Date.now();
    await server.close();
    closed = true;
    expect(Date.now() - started).toBeLessThan(1_000);
    await until("the closed stream stops listening", () => job?.listeners.size === base);
    release();
  });
});
