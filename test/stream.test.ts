// stream(): a prediction's events over Server-Sent Events, checked against real HTTP
// servers on 127.0.0.1 (the API on one port, the stream on another, so two origins).
// Chunks really arrive one by one, sockets really drop mid-event, and the server sees
// when the client lets go of a connection. Every request is logged; one no handler was
// queued for, or a handler no request used, fails the test.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AbortError,
  ApiError,
  collectText,
  createReplicate,
  FileOutput,
  outputText,
  type Prediction,
  PredictionError,
  type Replicate,
  ReplicateError,
  type StreamEvent,
  stream,
  TimeoutError,
} from "../src/index.js";
import { prediction } from "./support/fixtures.js";
import type { Failure } from "./support/rejection.js";
import {
  type Handler,
  json,
  sseEvent,
  startServer,
  startSse,
  streamOf,
  type TestServer,
  tick,
  write,
} from "./support/sse-server.js";

const TOKEN = "r8_test";
const STREAM = "/v1/files/qoxq-stream-p1";
const GET_P1 = "/v1/predictions/p1";
const CANCEL_P1 = "/v1/predictions/p1/cancel";
const CREATE = "/v1/models/acme/model/predictions";
const FAST = { initialMs: 1 };

let servers: TestServer[] = [];
let api: TestServer;
let sse: TestServer;
let replicate: Replicate;
let unmatched: string[] = [];
// nock reports every request it lets through; only loopback ones (the test servers) may go.
const onNoMatch = (req: { method?: string; href?: string }) => {
  if (!req.href?.startsWith("http://127.0.0.1:")) unmatched.push(`${req.method} ${req.href}`);
};

async function serve(): Promise<TestServer> {
  const server = await startServer();
  servers.push(server);
  return server;
}

beforeEach(async () => {
  [api, sse] = await Promise.all([serve(), serve()]);
  replicate = createReplicate({ auth: TOKEN, baseUrl: `${api.origin}/v1`, retry: false });
  unmatched = [];
  nock.emitter.on("no match", onNoMatch);
});

afterEach(async () => {
  nock.emitter.removeListener("no match", onNoMatch);
  const problems = servers.flatMap((s) => [
    ...s.unexpected.map((line) => `${s.origin}: unexpected ${line}`),
    ...s.unused().map((line) => `${s.origin}: never requested ${line}`),
  ]);
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  expect(problems, "requests no handler was queued for, or handlers no request used").toEqual([]);
  expect(unmatched, "requests that went anywhere but the test servers").toEqual([]);
});

/** A prediction as the API returns it, with its stream on the stream server. */
function pred(status: string, extra: Record<string, unknown> = {}): Prediction {
  return prediction("p1", status, {
    urls: {
      get: `${api.origin}${GET_P1}`,
      cancel: `${api.origin}${CANCEL_P1}`,
      stream: `${sse.origin}${STREAM}`,
      web: "https://replicate.com/p/p1",
    },
    ...extra,
  }) as unknown as Prediction;
}

/** The same prediction without a stream URL: a model that does not stream. */
const unstreamed = (status: string, extra: Record<string, unknown> = {}) =>
  pred(status, { urls: { get: `${api.origin}${GET_P1}`, cancel: `${api.origin}${CANCEL_P1}` }, ...extra });

// ---------------------------------------------------------------------------------------
// the wire: SSE text and stream handlers
// ---------------------------------------------------------------------------------------

/** One event on the wire. */
const ev = (id: string, event: string, data: string, retry?: number) =>
  sseEvent({ id, event, data, ...(retry !== undefined && { retry }) });

type Chunk = string | Uint8Array;

const status =
  (code: number): Handler =>
  (_req, res) => {
    res.writeHead(code, { "content-type": "text/plain" }).end("gone");
  };

const redirect =
  (code: number, location: string): Handler =>
  (_req, res) => {
    res.writeHead(code, { location }).end();
  };

// ---------------------------------------------------------------------------------------
// what the consumer sees
// ---------------------------------------------------------------------------------------

const out = (data: string, id = ""): StreamEvent => ({ type: "output", data, id });
const logs = (data: string, id = ""): StreamEvent => ({ type: "logs", data, id });
const done = (data: { reason?: string } = {}, id = ""): StreamEvent => ({ type: "done", data, id });

/** Every event the iteration yields, and what it rejected with (if it did). */
async function collect(events: AsyncIterable<StreamEvent>): Promise<{ events: StreamEvent[]; error?: Failure }> {
  const seen: StreamEvent[] = [];
  try {
    for await (const event of events) seen.push(event);
  } catch (error) {
    return { events: seen, error: error as Failure };
  }
  return { events: seen };
}

/** The request `server` received at `index`; fails the test when there is none. */
function hit(server: TestServer, index = 0) {
  const h = server.hits[index];
  if (!h) throw new Error(`${server.origin} has no request #${index} (it has ${server.lines().join(", ")})`);
  return h;
}

const enc = (s: string) => Buffer.from(s, "utf8");

// ---------------------------------------------------------------------------------------

describe("streaming a prediction", () => {
  const o = enc("ö"); // two bytes
  const smile = enc("🙂"); // four bytes
  /** A stream split mid-field, mid-CRLF and inside two multi-byte characters. */
  const ragged: Chunk[] = [
    "id: 1690212292:0\r\nevent: out",
    "put\r\ndata: Hel\r",
    "\n\r\nid: 1690212292:1\nevent: logs\ndata: step 1\n\n",
    Buffer.concat([enc("id: 1690212292:2\nevent: output\ndata: lo w"), o.subarray(0, 1)]),
    Buffer.concat([
      o.subarray(1),
      enc("rld\n\n: keep-alive\n\nid: 1690212292:3\nevent: output\ndata:  "),
      smile.subarray(0, 1),
    ]),
    Buffer.concat([smile.subarray(1), enc("\n\nid: 1690212292:4\nevent: logs\ndata: line 1\ndata: line 2\n\n")]),
    ev("1690212292:5", "done", "{}"),
  ];

  it("yields output and logs in order with their ids, across chunks split anywhere, and ends at done", async () => {
    sse.on("GET", STREAM, streamOf(ragged));
    const { events, error } = await collect(stream(replicate, pred("processing")));
    expect(error).toBeUndefined();
    expect(events).toEqual([
      out("Hel", "1690212292:0"),
      logs("step 1", "1690212292:1"),
      out("lo wörld", "1690212292:2"),
      out(" 🙂", "1690212292:3"),
      logs("line 1\nline 2", "1690212292:4"),
      done({}, "1690212292:5"),
    ]);
    const request = hit(sse);
    expect(request.method).toBe("GET");
    expect(request.path).toBe(STREAM);
    expect(request.headers.accept).toBe("text/event-stream");
    expect(request.headers["last-event-id"]).toBeUndefined();
    // The server never ended the response: the client closed it after `done`.
    await request.closed;
    expect(request.clientLeft).toBe(true);
    expect(sse.hits).toHaveLength(1);
    expect(api.hits).toHaveLength(0);
  });

  it("collectText and outputText give the output text only", async () => {
    sse.on("GET", STREAM, streamOf(ragged), streamOf(ragged));
    await expect(collectText(stream(replicate, pred("processing")))).resolves.toBe("Hello wörld 🙂");
    const pieces: string[] = [];
    for await (const piece of outputText(stream(replicate, pred("processing")))) pieces.push(piece);
    expect(pieces).toEqual(["Hel", "lo wörld", " 🙂"]);
  });

  it("creates the prediction from a model reference, then GETs the stream URL it returned", async () => {
    api.on("POST", CREATE, json(201, pred("starting")));
    sse.on("GET", STREAM, streamOf([ev("1", "output", "Hi"), ev("2", "done", "{}")]));
    const { events, error } = await collect(stream(replicate, "acme/model", { input: { prompt: "hi" } }));
    expect(error).toBeUndefined();
    expect(events).toEqual([out("Hi", "1"), done({}, "2")]);
    expect(api.lines()).toEqual([`POST ${CREATE}`]);
    const create = hit(api);
    expect(create.headers.prefer).toBeUndefined();
    expect(create.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(create.body)).toStrictEqual({ input: { prompt: "hi" } });
    expect(sse.lines()).toEqual([`GET ${STREAM}`]);
    expect(hit(sse).headers.accept).toBe("text/event-stream");
  });

  it("yields file-streaming output as FileOutput, downloading nothing", async () => {
    const https = "https://replicate.delivery/xezq/frame-0.png";
    const dataUri = "data:image/png;base64,iVBORw0KGgo=";
    sse.on("GET", STREAM, streamOf([ev("1", "output", https), ev("2", "output", dataUri), ev("3", "done", "{}")]));
    const { events, error } = await collect(stream(replicate, pred("processing")));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(["output", "output", "done"]);
    const [first, second] = events.map((e) => e.data);
    expect(first).toBeInstanceOf(FileOutput);
    expect((first as FileOutput).url).toBe(https);
    expect(second).toBeInstanceOf(FileOutput);
    expect((second as FileOutput).url).toBe(dataUri);
    await tick(20);
    expect(sse.hits).toHaveLength(1);
    expect(api.hits).toHaveLength(0);
    // `unmatched` (checked after each test) would hold any download of the https file.
  });

  // By the SSE standard an event without an `id:` line carries the last id seen: that
  // is not a replay, and must not be dropped as one.
  it("keeps an event that has no id field of its own after one that had an id", async () => {
    sse.on(
      "GET",
      STREAM,
      streamOf(["id: 1\nevent: output\ndata: a\n\n", "event: output\ndata: b\n\n", ev("2", "done", "{}")]),
    );
    const { events } = await collect(stream(replicate, pred("processing")));
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ["output", "a"],
      ["output", "b"],
      ["done", {}],
    ]);
  });
});

describe("failure events", () => {
  it.each([
    ["JSON", '{"detail":"boom"}', { detail: "boom" }],
    ["plain text", "boom", "boom"],
  ])(
    "an error event with %s data is yielded, then rejects with PredictionError for the fetched failed prediction",
    async (_kind, raw, parsed) => {
      sse.on("GET", STREAM, streamOf([ev("1", "output", "par"), ev("2", "error", raw)]));
      api.on(
        "GET",
        GET_P1,
        json(200, pred("failed", { error: "boom", logs: "loading\nTraceback: boom\n", output: ["par"] })),
      );
      const { events, error } = await collect(stream(replicate, pred("processing")));
      expect(events).toEqual([out("par", "1"), { type: "error", data: parsed, id: "2" }]);
      expect(error).toBeInstanceOf(PredictionError);
      expect(error?.reason).toBe("failed");
      expect(error?.prediction?.status).toBe("failed");
      expect(error?.prediction?.error).toBe("boom");
      expect(error?.logs).toBe("loading\nTraceback: boom\n");
      expect(api.lines()).toEqual([`GET ${GET_P1}`]);
      expect(hit(api).headers.authorization).toBe(`Bearer ${TOKEN}`);
      // The server held the connection open: the client closed it, and did not reconnect.
      await hit(sse).closed;
      expect(hit(sse).clientLeft).toBe(true);
      expect(sse.hits).toHaveLength(1);
    },
  );

  it("closes the connection before handing out the error event", async () => {
    sse.on("GET", STREAM, streamOf([ev("1", "error", "boom")]));
    api.on("GET", GET_P1, json(200, pred("failed", { error: "boom" })));
    let closedFirst = false;
    const error = await (async () => {
      for await (const event of stream(replicate, pred("processing"))) {
        if (event.type === "error") {
          await hit(sse).closed; // would never settle if the connection were still open here
          closedFirst = hit(sse).clientLeft;
        }
      }
    })().catch((e: unknown) => e);
    expect(closedFirst).toBe(true);
    expect(error).toBeInstanceOf(PredictionError);
  });

  it("says failed, with the event's error, when the API still reports the prediction as running", async () => {
    sse.on("GET", STREAM, streamOf([ev("1", "error", '{"detail":"boom"}')]));
    api.on("GET", GET_P1, json(200, pred("processing", { logs: "partial logs" })));
    const { error } = await collect(stream(replicate, pred("processing")));
    expect(error).toBeInstanceOf(PredictionError);
    expect(error?.reason).toBe("failed");
    expect(error?.prediction?.status).toBe("failed");
    expect(error?.prediction?.error).toEqual({ detail: "boom" });
    expect(error?.logs).toBe("partial logs");
  });

  it("still rejects with PredictionError when the final state cannot be fetched", async () => {
    sse.on("GET", STREAM, streamOf([ev("1", "error", "boom")]));
    api.on("GET", GET_P1, json(404, { detail: "not found" }));
    const { events, error } = await collect(stream(replicate, pred("processing")));
    expect(events).toEqual([{ type: "error", data: "boom", id: "1" }]);
    expect(error).toBeInstanceOf(PredictionError);
    expect(error?.prediction?.status).toBe("failed");
    expect(error?.prediction?.error).toBe("boom");
  });

  it.each([
    ["canceled", "canceled", "canceled"],
    ["error", "failed", "failed"],
  ])(
    "done with reason %s is yielded, then rejects with PredictionError reason %s",
    async (reason, apiStatus, expected) => {
      sse.on("GET", STREAM, streamOf([ev("1", "output", "a"), ev("2", "done", JSON.stringify({ reason }))]));
      api.on("GET", GET_P1, json(200, pred(apiStatus, { output: ["a"] })));
      const { events, error } = await collect(stream(replicate, pred("processing")));
      expect(events).toEqual([out("a", "1"), done({ reason }, "2")]);
      expect(error).toBeInstanceOf(PredictionError);
      expect(error?.reason).toBe(expected);
      expect(error?.prediction?.status).toBe(apiStatus);
      await hit(sse).closed;
      expect(sse.hits).toHaveLength(1);
    },
  );

  it("done with reason error says failed even when the API has not caught up", async () => {
    sse.on("GET", STREAM, streamOf([ev("1", "done", '{"reason":"error"}')]));
    api.on("GET", GET_P1, json(200, pred("processing")));
    const { error } = await collect(stream(replicate, pred("processing")));
    expect(error).toBeInstanceOf(PredictionError);
    expect(error?.reason).toBe("failed");
    expect(error?.prediction?.status).toBe("failed");
  });
});

describe("opening the stream", () => {
  it("rejects with ApiError on a non-2xx answer, without reconnecting or polling", async () => {
    sse.on("GET", STREAM, json(404, { detail: "stream not found" }));
    const { events, error } = await collect(stream(replicate, pred("processing"), { reconnect: { delayMs: 1 } }));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(ApiError);
    expect(error?.status).toBe(404);
    expect(error?.url).toBe(`${sse.origin}${STREAM}`);
    expect(error?.message).toContain("stream not found");
    // The prediction it was streaming comes with the error, to poll or cancel it.
    expect(error?.prediction).toMatchObject({ id: "p1", status: "processing" });
    expect(sse.hits).toHaveLength(1);
    expect(api.hits).toHaveLength(0);
  });

  it("rejects a 200 that is not an event stream, naming its content type", async () => {
    sse.on("GET", STREAM, json(200, { output: "not a stream" }));
    const { events, error } = await collect(stream(replicate, pred("processing"), { reconnect: { delayMs: 1 } }));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(ReplicateError);
    expect(error).not.toBeInstanceOf(ApiError);
    expect(error?.message).toContain("application/json");
    expect(error?.prediction?.id).toBe("p1");
    expect(sse.hits).toHaveLength(1);
    expect(api.hits).toHaveLength(0);
  });

  it("rejects an event stream that never ends a line past maxBufferSize, and closes the connection", async () => {
    sse.on("GET", STREAM, async (_req, res) => {
      startSse(res);
      const line = `data: ${"x".repeat(1000)}`;
      // Endless, without a newline, until the client lets go (bounded so a broken client cannot hang the test).
      for (let i = 0; i < 10_000; i++) if (!(await write(res, line))) return;
    });
    const { events, error } = await collect(stream(replicate, pred("processing"), { maxBufferSize: 8192 }));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(ReplicateError);
    expect(error?.message).toMatch(/buffer/);
    await hit(sse).closed;
    expect(hit(sse).clientLeft).toBe(true);
    expect(sse.hits).toHaveLength(1);
  });
});

describe("redirects", () => {
  it("gives up after 5 redirects with a ReplicateError", async () => {
    for (let i = 0; i < 6; i++) sse.on("GET", STREAM, redirect(302, STREAM));
    const { events, error } = await collect(stream(replicate, pred("processing")));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(ReplicateError);
    expect(error?.message).toMatch(/too many redirects/i);
    expect(sse.hits).toHaveLength(6); // the request and 5 redirects followed
  });
});

describe("the token", () => {
  it("goes to the stream URL's origin, though it is not the API's; the client's extra headers do not", async () => {
    const client = createReplicate({
      auth: TOKEN,
      baseUrl: `${api.origin}/v1`,
      retry: false,
      headers: { "x-team": "research" },
    });
    api.on("POST", CREATE, json(201, pred("starting")));
    sse.on("GET", STREAM, streamOf([ev("1", "done", "{}")]));
    await collect(stream(client, "acme/model", { input: {} }));
    expect(sse.origin).not.toBe(api.origin);
    expect(hit(api).headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(hit(api).headers["x-team"]).toBe("research");
    expect(hit(sse).headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(hit(sse).headers["x-team"]).toBeUndefined();
  });

  it("is not sent where a redirect from the stream URL to another origin points", async () => {
    const cdn = await serve();
    api.on("POST", CREATE, json(201, pred("starting")));
    sse.on("GET", STREAM, redirect(302, `${cdn.origin}/edge/p1?sig=abc`));
    cdn.on("GET", "/edge/p1?sig=abc", streamOf([ev("1", "output", "hi"), ev("2", "done", "{}")]));
    const { events, error } = await collect(stream(replicate, "acme/model", { input: {} }));
    expect(error).toBeUndefined();
    expect(events).toEqual([out("hi", "1"), done({}, "2")]);
    expect(hit(sse).headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(cdn.lines()).toEqual(["GET /edge/p1?sig=abc"]);
    expect(hit(cdn).headers.authorization).toBeUndefined();
    expect(hit(cdn).headers.accept).toBe("text/event-stream");
  });

  it("is kept through a redirect within the stream URL's origin", async () => {
    api.on("POST", CREATE, json(201, pred("starting")));
    sse.on("GET", STREAM, redirect(307, "/v1/files/moved-p1"));
    sse.on("GET", "/v1/files/moved-p1", streamOf([ev("1", "output", "hi"), ev("2", "done", "{}")]));
    const { events, error } = await collect(stream(replicate, "acme/model", { input: {} }));
    expect(error).toBeUndefined();
    expect(events).toEqual([out("hi", "1"), done({}, "2")]);
    expect(sse.lines()).toEqual([`GET ${STREAM}`, "GET /v1/files/moved-p1"]);
    for (const h of sse.hits) expect(h.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("is not sent to the stream URL of a prediction handed in, unless it is a Replicate https host", async () => {
    // The prediction could come from anywhere (a request body): its stream URL is not the API's word.
    sse.on("GET", STREAM, streamOf([ev("1", "output", "hi"), ev("2", "done", "{}")]));
    const { events, error } = await collect(stream(replicate, pred("processing")));
    expect(error).toBeUndefined();
    expect(events).toEqual([out("hi", "1"), done({}, "2")]);
    expect(hit(sse).headers.authorization).toBeUndefined();
    expect(api.hits).toHaveLength(0);
  });

  it("is sent to a handed-in prediction's stream on https *.replicate.com, and not to look-alikes", async () => {
    const body = () => new Response(`${ev("1", "done", "{}")}`, { headers: { "content-type": "text/event-stream" } });
    const urls = [
      "https://stream.replicate.com/v1/files/abc",
      "https://replicate.com/v1/files/abc",
      "http://stream.replicate.com/v1/files/abc",
      "https://stream.replicate.com.evil.example.test/v1/files/abc",
      "https://evilreplicate.com/v1/files/abc",
    ];
    const seen: (string | null)[] = [];
    const client = createReplicate({
      auth: TOKEN,
      baseUrl: `${api.origin}/v1`,
      retry: false,
      fetch: async (request) => {
        seen.push(request.headers.get("authorization"));
        return body();
      },
    });
    for (const url of urls) {
      const urls = { get: `${api.origin}${GET_P1}`, stream: url };
      const handedIn = prediction("p1", "processing", { urls }) as unknown as Prediction;
      const { error } = await collect(stream(client, handedIn));
      expect(error).toBeUndefined();
    }
    expect(seen).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`, null, null, null]);
  });
});

describe("stopping early", () => {
  /** One event, then nothing: the connection stays open until the client closes it. */
  const oneThenStall = () => streamOf([ev("1", "output", "first")]);

  it("a break closes the connection at once", async () => {
    sse.on("GET", STREAM, oneThenStall());
    const seen: StreamEvent[] = [];
    for await (const event of stream(replicate, pred("processing"))) {
      seen.push(event);
      break;
    }
    expect(seen).toEqual([out("first", "1")]);
    await hit(sse).closed;
    expect(hit(sse).clientLeft).toBe(true);
  });

  it("a return from the consuming function closes the connection", async () => {
    sse.on("GET", STREAM, oneThenStall());
    async function firstOutput(events: AsyncIterable<StreamEvent>): Promise<StreamEvent | undefined> {
      for await (const event of events) if (event.type === "output") return event;
      return undefined;
    }
    await expect(firstOutput(stream(replicate, pred("processing")))).resolves.toEqual(out("first", "1"));
    await hit(sse).closed;
    expect(hit(sse).clientLeft).toBe(true);
  });

  it("a break out of outputText closes the connection underneath", async () => {
    sse.on("GET", STREAM, oneThenStall());
    for await (const piece of outputText(stream(replicate, pred("processing")))) {
      expect(piece).toBe("first");
      break;
    }
    await hit(sse).closed;
    expect(hit(sse).clientLeft).toBe(true);
  });

  it("an abort rejects with AbortError carrying the reason and the prediction, and closes the connection", async () => {
    sse.on("GET", STREAM, oneThenStall());
    const controller = new AbortController();
    const reason = new Error("user left");
    const events = stream(replicate, pred("processing"), { signal: controller.signal });
    await expect(events.next()).resolves.toEqual({ done: false, value: out("first", "1") });
    const next = events.next();
    controller.abort(reason);
    const error = (await next.catch((e: unknown) => e)) as Failure;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBe(reason);
    expect(error.prediction?.id).toBe("p1");
    await hit(sse).closed;
    expect(hit(sse).clientLeft).toBe(true);
    // A prediction the stream did not create is not the stream's to cancel.
    expect(api.hits).toHaveLength(0);
  });

  it("an abort of a stream that created its prediction cancels it on Replicate", async () => {
    api.on("POST", CREATE, json(201, pred("starting")));
    api.on("POST", CANCEL_P1, json(200, pred("canceled")));
    sse.on("GET", STREAM, oneThenStall());
    const controller = new AbortController();
    const events = stream(replicate, "acme/model", { input: {}, signal: controller.signal });
    await expect(events.next()).resolves.toEqual({ done: false, value: out("first", "1") });
    const next = events.next();
    controller.abort("stop");
    const error = (await next.catch((e: unknown) => e)) as Failure;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBe("stop");
    expect(error.prediction?.status).toBe("canceled");
    expect(api.lines()).toEqual([`POST ${CREATE}`, `POST ${CANCEL_P1}`]);
    expect(hit(api, 1).headers.authorization).toBe(`Bearer ${TOKEN}`);
    await hit(sse).closed;
    expect(hit(sse).clientLeft).toBe(true);
  });

  it("with cancelOnAbort: false an abort leaves the prediction running", async () => {
    api.on("POST", CREATE, json(201, pred("starting")));
    sse.on("GET", STREAM, oneThenStall());
    const controller = new AbortController();
    const events = stream(replicate, "acme/model", { input: {}, signal: controller.signal, cancelOnAbort: false });
    await events.next();
    const next = events.next();
    controller.abort();
    const error = (await next.catch((e: unknown) => e)) as Failure;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.prediction?.status).toBe("starting");
    await hit(sse).closed;
    expect(api.lines()).toEqual([`POST ${CREATE}`]);
  });

  it("a break never cancels, even a prediction the stream created", async () => {
    api.on("POST", CREATE, json(201, pred("starting")));
    sse.on("GET", STREAM, oneThenStall());
    for await (const _event of stream(replicate, "acme/model", { input: {} })) break;
    await hit(sse).closed;
    expect(hit(sse).clientLeft).toBe(true);
    await tick(20);
    expect(api.lines()).toEqual([`POST ${CREATE}`]);
  });

  it("timeoutMs covers the whole stream: a stalled stream rejects with TimeoutError carrying the prediction", async () => {
    sse.on("GET", STREAM, oneThenStall());
    const { events, error } = await collect(stream(replicate, pred("processing"), { timeoutMs: 500 }));
    expect(events).toEqual([out("first", "1")]);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeoutMs).toBe(500);
    expect(error?.prediction?.id).toBe("p1");
    await hit(sse).closed;
    expect(hit(sse).clientLeft).toBe(true);
    expect(api.hits).toHaveLength(0);
  });

  // Events already parsed from the same chunk are not handed out after an abort.
  it("an abort stops the iteration at once, even with events already received", async () => {
    // Both events in one write: they reach the client as one chunk.
    sse.on("GET", STREAM, streamOf([ev("1", "output", "a") + ev("2", "output", "b")]));
    const controller = new AbortController();
    const seen: StreamEvent[] = [];
    const error = await (async () => {
      for await (const event of stream(replicate, pred("processing"), { signal: controller.signal })) {
        seen.push(event);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(seen).toEqual([out("a", "1")]);
    expect(error).toBeInstanceOf(AbortError);
  });

  it("a timeout of a stream that created its prediction cancels it", async () => {
    api.on("POST", CREATE, json(201, pred("starting")));
    api.on("POST", CANCEL_P1, json(200, pred("canceled")));
    sse.on("GET", STREAM, oneThenStall());
    const { events, error } = await collect(stream(replicate, "acme/model", { input: {}, timeoutMs: 500 }));
    expect(events).toEqual([out("first", "1")]);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error?.prediction?.status).toBe("canceled");
    expect(api.lines()).toEqual([`POST ${CREATE}`, `POST ${CANCEL_P1}`]);
  });
});

describe("resuming a dropped connection", () => {
  it("reconnects with Last-Event-ID after a drop mid-event, delivering every event exactly once", async () => {
    sse.on(
      "GET",
      STREAM,
      streamOf(
        [
          ev("1", "output", "a", 20),
          ev("2", "output", "b"),
          "id: 3\nevent: output\ndata: c-but-cut-", // an unfinished event, its id line included
        ],
        "drop",
      ),
      // Resumes from the id it is given, replaying that event once more.
      streamOf([ev("2", "output", "b"), ev("3", "output", "c"), ev("4", "output", "d"), ev("5", "done", "{}")]),
    );
    // A delay no test could wait out: only the server's `retry: 20` makes this finish.
    const { events, error } = await collect(stream(replicate, pred("processing"), { reconnect: { delayMs: 60_000 } }));
    expect(error).toBeUndefined();
    expect(events).toEqual([out("a", "1"), out("b", "2"), out("c", "3"), out("d", "4"), done({}, "5")]);
    expect(sse.lines()).toEqual([`GET ${STREAM}`, `GET ${STREAM}`]);
    expect(hit(sse, 0).headers["last-event-id"]).toBeUndefined();
    expect(hit(sse, 1).headers["last-event-id"]).toBe("2");
    expect(hit(sse, 1).headers.accept).toBe("text/event-stream");
    expect(api.hits).toHaveLength(0);
  });

  it("survives several failures in a row within the attempts budget", async () => {
    sse.on(
      "GET",
      STREAM,
      streamOf([ev("1", "output", "a"), ev("2", "output", "b")], "drop"), // failure 1
      status(503), // failure 2: the reconnection itself fails
      streamOf([ev("2", "output", "b")], "end"), // failure 3: only a replay, nothing new
      streamOf([ev("3", "output", "c"), ev("4", "done", "{}")]), // the 3rd reconnection: allowed
    );
    const { events, error } = await collect(
      stream(replicate, pred("processing"), { reconnect: { attempts: 3, delayMs: 1 } }),
    );
    expect(error).toBeUndefined();
    expect(events).toEqual([out("a", "1"), out("b", "2"), out("c", "3"), done({}, "4")]);
    expect(sse.hits.map((h) => h.headers["last-event-id"])).toEqual([undefined, "2", "2", "2"]);
    expect(api.hits).toHaveLength(0);
  });

  it("counts only failures in a row: new events reset the count", async () => {
    sse.on(
      "GET",
      STREAM,
      streamOf([ev("1", "output", "a")], "drop"),
      streamOf([ev("2", "output", "b")], "drop"),
      streamOf([ev("3", "output", "c")], "drop"),
      streamOf([ev("4", "done", "{}")]),
    );
    const { events, error } = await collect(
      stream(replicate, pred("processing"), { reconnect: { attempts: 1, delayMs: 1 } }),
    );
    expect(error).toBeUndefined();
    expect(events).toEqual([out("a", "1"), out("b", "2"), out("c", "3"), done({}, "4")]);
    expect(sse.hits.map((h) => h.headers["last-event-id"])).toEqual([undefined, "1", "2", "3"]);
  });
});

describe("when the stream cannot be resumed", () => {
  it("falls back to polling after reconnect.attempts failures, delivering the rest exactly once", async () => {
    sse.on("GET", STREAM, streamOf([ev("1", "output", "a"), ev("2", "output", "b")], "drop"), status(410), status(410));
    api.on(
      "GET",
      GET_P1,
      json(200, pred("processing", { output: ["a", "b", "c"], logs: "already streamed" })),
      json(200, pred("succeeded", { output: ["a", "b", "c", "d"], logs: "already streamed\nmore" })),
    );
    const { events, error } = await collect(
      stream(replicate, pred("processing"), { reconnect: { attempts: 2, delayMs: 1 }, interval: FAST }),
    );
    expect(error).toBeUndefined();
    // Logs are not polled for: a stream consumer has had them in other pieces.
    expect(events).toEqual([out("a", "1"), out("b", "2"), out("c"), out("d"), done()]);
    expect(sse.lines()).toEqual([`GET ${STREAM}`, `GET ${STREAM}`, `GET ${STREAM}`]);
    expect(api.lines()).toEqual([`GET ${GET_P1}`, `GET ${GET_P1}`]);
  });

  it("falls back to polling when reconnections keep ending with nothing new, after the default 5 attempts", async () => {
    const nothingNew = () => streamOf([ev("2", "output", "b")], "end");
    sse.on(
      "GET",
      STREAM,
      // `retry: 1` keeps the default 1 s delay out of the test.
      streamOf([ev("1", "output", "a", 1), ev("2", "output", "b")], "drop"),
      nothingNew(),
      nothingNew(),
      nothingNew(),
      nothingNew(),
      nothingNew(),
    );
    api.on("GET", GET_P1, json(200, pred("succeeded", { output: ["a", "b", "c", "d"] })));
    const { events, error } = await collect(stream(replicate, pred("processing"), { interval: FAST }));
    expect(error).toBeUndefined();
    expect(events).toEqual([out("a", "1"), out("b", "2"), out("c"), out("d"), done()]);
    expect(sse.hits).toHaveLength(6); // the first connection and 5 reconnections
    expect(sse.hits.slice(1).every((h) => h.headers["last-event-id"] === "2")).toBe(true);
  });

  it("rejects with PredictionError when the polled prediction failed, after a done with reason error", async () => {
    sse.on("GET", STREAM, streamOf([ev("1", "output", "a")], "drop"), status(410));
    api.on("GET", GET_P1, json(200, pred("failed", { output: ["a"], error: "OOM", logs: "Traceback" })));
    const { events, error } = await collect(
      stream(replicate, pred("processing"), { reconnect: { attempts: 1, delayMs: 1 }, interval: FAST }),
    );
    expect(events).toEqual([out("a", "1"), done({ reason: "error" })]);
    expect(error).toBeInstanceOf(PredictionError);
    expect(error?.reason).toBe("failed");
    expect(error?.logs).toBe("Traceback");
  });
});

describe("models without a stream URL", () => {
  it("streams by polling: array output and logs as increments, then done", async () => {
    api.on(
      "GET",
      GET_P1,
      json(200, unstreamed("processing", { output: ["Hel"], logs: "loading\n" })),
      json(200, unstreamed("processing", { output: ["Hel", "lo"], logs: "loading\nstep 1\n" })),
      json(200, unstreamed("succeeded", { output: ["Hel", "lo", "!"], logs: "loading\nstep 1\ndone\n" })),
    );
    const { events, error } = await collect(stream(replicate, unstreamed("starting"), { interval: FAST }));
    expect(error).toBeUndefined();
    expect(events).toEqual([
      logs("loading\n"),
      out("Hel"),
      logs("step 1\n"),
      out("lo"),
      logs("done\n"),
      out("!"),
      done(),
    ]);
    expect(api.lines()).toEqual([`GET ${GET_P1}`, `GET ${GET_P1}`, `GET ${GET_P1}`]);
    expect(sse.hits).toHaveLength(0);
  });

  it("streams a growing string output by its new characters", async () => {
    api.on(
      "GET",
      GET_P1,
      json(200, unstreamed("processing", { output: "Hel" })),
      json(200, unstreamed("processing", { output: "Hello" })),
      json(200, unstreamed("succeeded", { output: "Hello!" })),
    );
    const { events, error } = await collect(stream(replicate, unstreamed("starting"), { interval: FAST }));
    expect(error).toBeUndefined();
    expect(events).toEqual([out("Hel"), out("lo"), out("!"), done()]);
    await expect(collectText(stream(replicate, unstreamed("succeeded", { output: "Hello!" })))).resolves.toBe("Hello!");
  });

  it("ends with done reason canceled, then rejects with PredictionError", async () => {
    api.on(
      "GET",
      GET_P1,
      json(200, unstreamed("processing", { output: ["a"] })),
      json(200, unstreamed("canceled", { output: ["a"] })),
    );
    const { events, error } = await collect(stream(replicate, unstreamed("starting"), { interval: FAST }));
    expect(events).toEqual([out("a"), done({ reason: "canceled" })]);
    expect(error).toBeInstanceOf(PredictionError);
    expect(error?.reason).toBe("canceled");
  });
});
