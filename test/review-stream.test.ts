// stream() under attack, on the wire: real HTTP servers on 127.0.0.1. What is checked is
// what a browser's EventSource (Chromium, observed) would do on the same bytes: the
// Last-Event-ID header of each reconnection, how many connections are made, and every
// event handed out once, in order.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createReplicate,
  createSseParser,
  type Prediction,
  type Replicate,
  type StreamEvent,
  stream,
} from "../src/index.js";
import { prediction } from "./support/fixtures.js";
import { json, streamOf as serve, startServer, startSse, type TestServer, tick, write } from "./support/sse-server.js";

const STREAM = "/v1/files/qoxq-stream-p1";
const GET_P1 = "/v1/predictions/p1";

let server: TestServer;
let replicate: Replicate;

beforeEach(async () => {
  server = await startServer();
  replicate = createReplicate({ auth: "r8_test", baseUrl: `${server.origin}/v1`, retry: false });
});

afterEach(async () => {
  const problems = [...server.unexpected, ...server.unused()];
  await server.close();
  expect(problems, "requests no handler was queued for, or handlers no request used").toEqual([]);
});

const pred = (): Prediction =>
  prediction("p1", "processing", {
    urls: { get: `${server.origin}${GET_P1}`, stream: `${server.origin}${STREAM}` },
  }) as unknown as Prediction;

const ev = (id: string, event: string, data: string) => `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;

/** As the support's `streamOf`, but ending cleanly unless told otherwise. */
const streamOf = (chunks: Array<string | Uint8Array>, after: "hold" | "end" | "drop" = "end") => serve(chunks, after);

async function collect(events: AsyncIterable<StreamEvent>) {
  const seen: Array<[string, unknown, string]> = [];
  for await (const e of events) seen.push([e.type, e.data, e.id]);
  return seen;
}

/** The raw bytes of each request's Last-Event-ID (Node reads header bytes as Latin-1), in hex. */
const lastEventIds = () =>
  server.hits.map((h) => {
    const value = h.headers["last-event-id"];
    return value === undefined ? undefined : Buffer.from(String(value), "latin1").toString("hex");
  });
const hex = (text: string) => Buffer.from(text, "utf8").toString("hex");

const FAST = { reconnect: { delayMs: 1 } };

describe("the last event id, as the standard (and Chromium) sets it", () => {
  it("an id in an event without data is not dispatched but is what the reconnection sends", async () => {
    server.on(
      "GET",
      STREAM,
      streamOf([ev("1", "output", "a"), "id: 2\n\n"], "drop"),
      // The server replays from the id it is sent: the id-only event, then what follows.
      streamOf(["id: 2\n\n", ev("3", "output", "c"), ev("4", "done", "{}")]),
    );
    const seen = await collect(stream(replicate, pred(), FAST));
    expect(seen).toEqual([
      ["output", "a", "1"],
      ["output", "c", "3"],
      ["done", {}, "4"],
    ]);
    expect(lastEventIds()).toEqual([undefined, hex("2")]);
  });

  it("an empty id: resets it: the reconnection sends no Last-Event-ID, and skips nothing as a replay", async () => {
    server.on(
      "GET",
      STREAM,
      streamOf([ev("1", "output", "a"), "id:\nevent: output\ndata: b\n\n"], "drop"),
      // Without a Last-Event-ID this server starts a new id space: its id 1 is no replay.
      streamOf([ev("1", "output", "c"), ev("2", "done", "{}")]),
    );
    const seen = await collect(stream(replicate, pred(), FAST));
    expect(seen).toEqual([
      ["output", "a", "1"],
      ["output", "b", ""],
      ["output", "c", "1"],
      ["done", {}, "2"],
    ]);
    expect(lastEventIds()).toEqual([undefined, undefined]);
  });

  it("an id-only reset, then an id-only id again: each takes effect for the next reconnection", async () => {
    server.on(
      "GET",
      STREAM,
      streamOf([ev("1", "output", "a"), "id\n\n"], "drop"),
      streamOf([ev("7", "output", "b"), "id: 8\n\n"], "drop"),
      streamOf([ev("9", "done", "{}")]),
    );
    const seen = await collect(stream(replicate, pred(), FAST));
    expect(seen.map(([, data]) => data)).toEqual(["a", "b", {}]);
    expect(lastEventIds()).toEqual([undefined, undefined, hex("8")]);
  });

  it("a replay that starts at an id-only event skips the events that carry its id, and nothing after", async () => {
    server.on(
      "GET",
      STREAM,
      streamOf([ev("1", "output", "a"), "id: 2\n\n", "event: output\ndata: b\n\n"], "drop"), // b carries 2
      streamOf(["id: 2\n\n", "event: output\ndata: b\n\n", ev("3", "output", "c"), ev("4", "done", "{}")]),
    );
    const seen = await collect(stream(replicate, pred(), FAST));
    expect(seen).toEqual([
      ["output", "a", "1"],
      ["output", "b", "2"],
      ["output", "c", "3"],
      ["done", {}, "4"],
    ]);
    expect(lastEventIds()).toEqual([undefined, hex("2")]);
  });

  it("a connection whose events have no id of their own keeps the last id for the next one", async () => {
    server.on(
      "GET",
      STREAM,
      streamOf([ev("1", "output", "a")], "drop"),
      streamOf(["event: output\ndata: b\n\n"], "drop"),
      streamOf([ev("2", "done", "{}")]),
    );
    const seen = await collect(stream(replicate, pred(), FAST));
    expect(seen).toEqual([
      ["output", "a", "1"],
      ["output", "b", "1"],
      ["done", {}, "2"],
    ]);
    expect(lastEventIds()).toEqual([undefined, hex("1"), hex("1")]);
  });

  it("an id outside ASCII is sent as its UTF-8 bytes, as Chromium sends it", async () => {
    server.on(
      "GET",
      STREAM,
      streamOf([ev("ö€🙂", "output", "a")], "drop"),
      streamOf([ev("2", "output", "b"), ev("3", "done", "{}")]),
    );
    const seen = await collect(stream(replicate, pred(), { reconnect: { delayMs: 1, attempts: 1 } }));
    expect(seen.map(([, data]) => data)).toEqual(["a", "b", {}]);
    expect(lastEventIds()).toEqual([undefined, hex("ö€🙂")]);
  });
});

describe("each connection starts clean", () => {
  it("a CR, a partial UTF-8 character and a BOM split across chunks do not leak into the next connection", async () => {
    const smile = Buffer.from("🙂");
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    server.on(
      "GET",
      STREAM,
      // CR line endings; the connection drops after a CR and inside a four-byte character.
      streamOf(
        [
          Buffer.concat([bom.subarray(0, 1)]),
          Buffer.concat([bom.subarray(1), Buffer.from("id: 1\revent: output\rdata: a\r")]),
          Buffer.concat([Buffer.from("\rid: 2\revent: output\rdata: "), smile.subarray(0, 2)]),
        ],
        "drop",
      ),
      // Its own BOM, split; starting with an LF that must not be taken as the end of a CRLF.
      streamOf([
        bom.subarray(0, 2),
        Buffer.concat([bom.subarray(2), Buffer.from("\nid: 2\revent: output\rdata: b\r\r")]),
        "id: 3\r\nevent: done\r\ndata: {}\r\n\r\n",
      ]),
    );
    const seen = await collect(stream(replicate, pred(), FAST));
    expect(seen).toEqual([
      ["output", "a", "1"],
      ["output", "b", "2"],
      ["done", {}, "3"],
    ]);
    expect(lastEventIds()).toEqual([undefined, hex("1")]);
  });
});

describe("the idle watchdog", () => {
  it("a consumer slower than idleMs is no silent connection: one connection, every event once", async () => {
    server.on("GET", STREAM, async (_req, res, hit) => {
      startSse(res);
      await write(res, ev("1", "output", "a") + ev("2", "output", "b"));
      // Keep-alive comments while the consumer is busy, then the end.
      for (let i = 0; i < 12 && !hit.clientLeft; i++) {
        await write(res, ": ping\n\n");
        await tick(50);
      }
      await write(res, ev("3", "done", "{}"));
    });
    const seen: unknown[] = [];
    for await (const e of stream(replicate, pred(), { reconnect: { idleMs: 100, delayMs: 1 } })) {
      seen.push(e.data);
      if (e.data === "a") await tick(400); // a slow consumer: nothing is read meanwhile
    }
    expect(seen).toEqual(["a", "b", {}]);
    expect(server.hits).toHaveLength(1);
  });

  it("keep-alive comments are activity: a connection sending only comments is not dropped", async () => {
    server.on("GET", STREAM, async (_req, res) => {
      startSse(res);
      await write(res, ev("1", "output", "a"));
      for (let i = 0; i < 10; i++) {
        await tick(40);
        await write(res, ": ping\n");
      }
      await write(res, ev("2", "done", "{}"));
    });
    const seen = await collect(stream(replicate, pred(), { reconnect: { idleMs: 100, delayMs: 1 } }));
    expect(seen.map(([, data]) => data)).toEqual(["a", {}]);
    expect(server.hits).toHaveLength(1);
  });
});

describe("reconnect.idleMs past what a timer holds (about 24.8 days)", () => {
  it("is no 1 ms watchdog: a quiet connection is kept", async () => {
    server.on("GET", STREAM, async (_req, res) => {
      startSse(res);
      await write(res, ev("1", "output", "a"));
      await tick(200);
      await write(res, ev("2", "done", "{}"));
    });
    const seen = await collect(stream(replicate, pred(), { reconnect: { idleMs: 2 ** 32, delayMs: 1 } }));
    expect(seen.map(([, data]) => data)).toEqual(["a", {}]);
    expect(server.hits).toHaveLength(1);
  });
});

describe("backpressure", () => {
  it("a consumer that stops reading stops the server: what is held does not grow with the stream", async () => {
    let written = 0;
    let blocked = false;
    const chunk = ev("1", "output", "x".repeat(64 * 1024 - 40));
    server.on("GET", STREAM, async (_req, res, hit) => {
      startSse(res);
      // Writes until the socket pushes back (or 64 MB have gone, which would be a failure).
      while (!hit.clientLeft && written < 64 * 1024 * 1024) {
        written += chunk.length;
        if (!res.write(chunk)) {
          blocked = true;
          await Promise.race([new Promise((resolve) => res.once("drain", resolve)), hit.closed]);
        }
      }
    });
    const events = stream(replicate, pred());
    await events.next(); // the first event; then the consumer stalls
    await tick(500);
    const heldWhileStalled = written;
    await events.return(undefined);
    expect(blocked).toBe(true);
    expect(heldWhileStalled).toBeLessThan(16 * 1024 * 1024);
  });
});

describe("done with a reason the stream does not know", () => {
  it("asks the API: a prediction that did not succeed rejects, though the reason is new", async () => {
    server.on("GET", STREAM, streamOf([ev("1", "output", "par"), ev("2", "done", '{"reason":"aborted"}')], "hold"));
    server.on("GET", GET_P1, json(200, { ...pred(), status: "aborted", output: ["par"] }));
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const e of stream(replicate, pred())) seen.push(e.data);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["par", { reason: "aborted" }]);
    expect(error).toMatchObject({ name: "PredictionError" });
    expect((error as { prediction: Prediction }).prediction.status).toBe("aborted");
  });

  it("a prediction that succeeded ends the stream as a plain done", async () => {
    server.on("GET", STREAM, streamOf([ev("1", "output", "all"), ev("2", "done", '{"reason":"complete"}')], "hold"));
    server.on("GET", GET_P1, json(200, { ...pred(), status: "succeeded", output: ["all"] }));
    const seen = await collect(stream(replicate, pred()));
    expect(seen.map(([, data]) => data)).toEqual(["all", { reason: "complete" }]);
  });
});

describe("the end of a replay", () => {
  it("a done that carries the replayed id, having no id line of its own, is no replay: the stream ends", async () => {
    server.on(
      "GET",
      STREAM,
      streamOf([ev("5", "output", "x")], "drop"),
      streamOf([ev("5", "output", "x"), "event: done\ndata: {}\n\n"], "hold"),
    );
    const seen = await collect(stream(replicate, pred(), { reconnect: { delayMs: 1, attempts: 1 } }));
    expect(seen).toEqual([
      ["output", "x", "5"],
      ["done", {}, "5"],
    ]);
    expect(lastEventIds()).toEqual([undefined, hex("5")]);
  });
});

describe("createSseParser's onId", () => {
  it("reports the last event id at each blank line after an id line: without data, empty, before the event", () => {
    const log: string[] = [];
    const parser = createSseParser({
      onEvent: (e) => log.push(`event ${e.data} ${e.id}`),
      onId: (id) => log.push(`id ${id}`),
    });
    parser.feed("id: 1\ndata: a\n\nid: 2\n\nid: 3\0\n\ndata: b\n\nid\n\nid: 4\ndata: c");
    parser.reset(); // the unfinished event's id never took effect
    parser.feed("data: d\n\n");
    expect(log).toEqual(["id 1", "event a 1", "id 2", "event b 2", "id ", "event d "]);
  });
});
