// stream() with constant memory: a replay after a reconnection is recognised by the last
// event id alone, the polling fallback resumes from counts, and events are handed out of
// per-chunk batches with an async generator's semantics. The wire is a scripted `fetch`
// whose event-stream bodies hand out one chunk per read, then end, drop or stay open.
import { describe, expect, it, vi } from "vitest";
import { AbortError, FileOutput, type Prediction, type StreamEvent, stream } from "../src/index.js";
import { unbatch } from "../src/stream/batches.js";
import { type Delivered, increments } from "../src/stream/events.js";
import { hang, json, type scriptedFetch } from "./support/fake-fetch.js";
import { prediction } from "./support/fixtures.js";
import { client, STREAM_URL, streaming } from "./support/streaming.js";

const FAST = { initialMs: 1 };

/** An event on the wire. */
const ev = (id: string, event: string, data: string) => `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;

/** A text/event-stream answer: one chunk per read, then an end, a dropped connection, or nothing more. */
function sse(chunks: string[], after: "end" | "drop" | "hold" = "end"): Response {
  const encoder = new TextEncoder();
  let next = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[next++];
        if (chunk !== undefined) controller.enqueue(encoder.encode(chunk));
        else if (after === "end") controller.close();
        else if (after === "drop") controller.error(new TypeError("terminated"));
        // "hold": no more pulls are made, so the body waits until it is cancelled.
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

const gone = () => new Response("gone", { status: 410, headers: { "content-type": "text/plain" } });

const polled = (status: string, extra: Record<string, unknown>) =>
  prediction("p1", status, extra) as unknown as Prediction;

/** The events as `[type, data, id]`, and what the iteration rejected with, if it did. */
async function collect(events: AsyncIterable<StreamEvent>) {
  const seen: Array<[string, unknown, string]> = [];
  try {
    for await (const e of events) seen.push([e.type, e.data, e.id]);
  } catch (error) {
    return { seen, error };
  }
  return { seen, error: undefined };
}

const lastEventIds = (fetch: ReturnType<typeof scriptedFetch>) =>
  fetch.calls.filter((r) => r.url === STREAM_URL).map((r) => r.headers.get("last-event-id"));

describe("a reconnection recognises a replay by the last event id alone", () => {
  it("skips the last delivered event when the server sends it again first", async () => {
    const { fetch, replicate } = client(
      sse([ev("1", "output", "a"), ev("2", "output", "b")], "drop"),
      sse([ev("2", "output", "b"), ev("3", "output", "c"), ev("4", "done", "{}")]),
    );
    const { seen, error } = await collect(stream(replicate, streaming(), { reconnect: { delayMs: 1 } }));
    expect(error).toBeUndefined();
    expect(seen).toEqual([
      ["output", "a", "1"],
      ["output", "b", "2"],
      ["output", "c", "3"],
      ["done", {}, "4"],
    ]);
    expect(lastEventIds(fetch)).toEqual([null, "2"]);
  });

  it("skips nothing when the server resumes exactly after the last event id", async () => {
    const { fetch, replicate } = client(
      sse([ev("1", "output", "a"), ev("2", "output", "b")], "drop"),
      sse([ev("3", "output", "c"), ev("4", "done", "{}")]),
    );
    const { seen, error } = await collect(stream(replicate, streaming(), { reconnect: { delayMs: 1 } }));
    expect(error).toBeUndefined();
    expect(seen.map(([, data]) => data)).toEqual(["a", "b", "c", {}]);
    expect(lastEventIds(fetch)).toEqual([null, "2"]);
  });

  it("skips only at the start of the new connection: later events with that id are kept", async () => {
    const { replicate } = client(
      sse([ev("1", "output", "a")], "drop"),
      // The replay, a new event, then two carrying "1" again: one by its id line, one by inheriting it.
      sse([ev("1", "output", "a"), ev("2", "output", "b"), ev("1", "output", "c"), ev("1", "output", "d")]),
      sse(["event: output\ndata: e\n\n", ev("3", "done", "{}")]),
    );
    const { seen, error } = await collect(stream(replicate, streaming(), { reconnect: { delayMs: 1 } }));
    expect(error).toBeUndefined();
    expect(seen.map(([, data]) => data)).toEqual(["a", "b", "c", "d", "e", {}]);
  });

  it("skips the whole run of events carrying the last id at the start: those without an id line of their own too", async () => {
    const { fetch, replicate } = client(
      sse([ev("1", "output", "a"), "event: output\ndata: b\n\n"], "drop"), // b carries id 1
      sse([ev("1", "output", "a"), "event: output\ndata: b\n\n", ev("2", "output", "c"), ev("3", "done", "{}")]),
    );
    const { seen, error } = await collect(stream(replicate, streaming(), { reconnect: { delayMs: 1 } }));
    expect(error).toBeUndefined();
    expect(seen.map(([, data]) => data)).toEqual(["a", "b", "c", {}]);
    expect(lastEventIds(fetch)).toEqual([null, "1"]);
  });

  // It carries the last id, as in a browser's EventSource, yet is no replay: no `id:` line of this connection says so.
  it("keeps an event without an id at the start of the new connection", async () => {
    const { replicate } = client(
      sse([ev("1", "output", "a")], "drop"),
      sse(["event: output\ndata: b\n\n", ev("2", "done", "{}")]),
    );
    const { seen } = await collect(stream(replicate, streaming(), { reconnect: { delayMs: 1 } }));
    expect(seen).toEqual([
      ["output", "a", "1"],
      ["output", "b", "1"],
      ["done", {}, "2"],
    ]);
  });

  it("delivers every event once through several drops in a row, each replaying the last event", async () => {
    const { fetch, replicate } = client(
      sse([ev("1", "output", "a")], "drop"),
      sse([ev("1", "output", "a"), ev("2", "output", "b")], "drop"),
      sse([ev("2", "output", "b")], "drop"), // only the replay: nothing new
      sse([ev("2", "output", "b"), ev("3", "output", "c"), ev("4", "done", "{}")]),
    );
    const { seen, error } = await collect(stream(replicate, streaming(), { reconnect: { delayMs: 1 } }));
    expect(error).toBeUndefined();
    expect(seen.map(([, data]) => data)).toEqual(["a", "b", "c", {}]);
    expect(lastEventIds(fetch)).toEqual([null, "1", "2", "2"]);
  });

  it("counts a connection that only replays as a failure: past the attempts, it polls", async () => {
    const { fetch, replicate } = client(
      sse([ev("1", "output", "a")], "drop"),
      sse([ev("1", "output", "a")], "end"),
      json(200, polled("succeeded", { output: ["a", "b"] })),
    );
    const { seen, error } = await collect(
      stream(replicate, streaming(), { reconnect: { attempts: 1, delayMs: 1 }, interval: FAST }),
    );
    expect(error).toBeUndefined();
    expect(seen.map(([, data]) => data)).toEqual(["a", "b", {}]);
    expect(fetch.calls.map((r) => r.url)).toEqual([
      STREAM_URL,
      STREAM_URL,
      "https://api.replicate.com/v1/predictions/p1",
    ]);
  });
});

describe("the polling fallback resumes from counts, not from a copy of the output", () => {
  const lostAfter = (...chunks: string[]) => [sse(chunks, "drop"), gone()];
  const options = { reconnect: { attempts: 1, delayMs: 1 }, interval: FAST };

  it("a string output continues after the characters delivered", async () => {
    const { replicate } = client(
      ...lostAfter(ev("1", "output", "Hel"), ev("2", "output", "lo")),
      json(200, polled("processing", { output: "Hello wor" })),
      json(200, polled("succeeded", { output: "Hello world" })),
    );
    const { seen, error } = await collect(stream(replicate, streaming(), options));
    expect(error).toBeUndefined();
    expect(seen.map(([, data]) => data)).toEqual(["Hel", "lo", " wor", "ld", {}]);
  });

  it("a string output is cut at the count even when its start differs from what was streamed", async () => {
    const { replicate } = client(
      ...lostAfter(ev("1", "output", "Hello")),
      json(200, polled("succeeded", { output: "HELLO world" })),
    );
    const { seen } = await collect(stream(replicate, streaming(), options));
    expect(seen.map(([, data]) => data)).toEqual(["Hello", " world", {}]);
  });

  it("an array output continues after the pieces delivered, file URLs as FileOutput", async () => {
    const file = "https://replicate.delivery/xezq/frame-2.png";
    const { replicate } = client(
      ...lostAfter(ev("1", "output", "https://replicate.delivery/xezq/frame-0.png"), ev("2", "output", "x")),
      json(200, polled("succeeded", { output: ["https://replicate.delivery/xezq/frame-0.png", "x", file] })),
    );
    const { seen } = await collect(stream(replicate, streaming(), options));
    expect(seen.map(([type]) => type)).toEqual(["output", "output", "output", "done"]);
    const [first, , third] = seen.map(([, data]) => data);
    expect(first).toBeInstanceOf(FileOutput);
    expect(third).toBeInstanceOf(FileOutput);
    expect((third as FileOutput).url).toBe(file);
  });

  it("an abort while polling stops at once: nothing more from the same poll, an AbortError", async () => {
    const { fetch, replicate } = client(json(200, polled("processing", { output: ["a", "b"] })), hang);
    const controller = new AbortController();
    const seen: unknown[] = [];
    const error = await (async () => {
      const start = polled("starting", {});
      for await (const e of stream(replicate, start, { signal: controller.signal, interval: FAST })) {
        seen.push(e.data);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["a"]);
    expect(error).toBeInstanceOf(AbortError);
    expect(fetch.calls.length).toBeLessThanOrEqual(2);
  });
});

describe("increments", () => {
  const download = () => Promise.reject(new Error("no download in this test"));
  const fresh = (): Delivered => ({ outputs: 0, chars: 0, logs: 0 });

  it("counts pieces for an array output and characters for a string output", () => {
    const seen = fresh();
    expect(increments({ output: ["Hel"] }, download, seen, false)).toEqual([{ type: "output", data: "Hel", id: "" }]);
    expect(increments({ output: ["Hel", "lo", "!"] }, download, seen, false).map((e) => e.data)).toEqual(["lo", "!"]);
    expect(seen).toEqual({ outputs: 3, chars: 6, logs: 0 });
    const text = fresh();
    expect(increments({ output: "Hel" }, download, text, false).map((e) => e.data)).toEqual(["Hel"]);
    expect(increments({ output: "Hel" }, download, text, false)).toEqual([]);
    expect(increments({ output: "Hello" }, download, text, false).map((e) => e.data)).toEqual(["lo"]);
    expect(text).toEqual({ outputs: 2, chars: 5, logs: 0 });
  });

  it("yields new logs only when asked, and any other output once, as JSON text", () => {
    const seen = fresh();
    expect(increments({ logs: "a\n", output: { n: 1 } }, download, seen, true)).toEqual([
      { type: "logs", data: "a\n", id: "" },
      { type: "output", data: '{"n":1}', id: "" },
    ]);
    expect(increments({ logs: "a\nb\n", output: { n: 1 } }, download, seen, true)).toEqual([
      { type: "logs", data: "b\n", id: "" },
    ]);
    expect(increments({ logs: "a\nb\nc\n" }, download, seen, false)).toEqual([]);
    expect(seen.logs).toBe(6);
  });
});

describe("unbatch", () => {
  async function* numbers(log: string[], ...batches: number[][]): AsyncGenerator<number[], void> {
    try {
      for (const batch of batches) yield batch;
      log.push("end");
    } finally {
      log.push("finally");
    }
  }

  it("hands out the values of each batch in order, then done", async () => {
    const log: string[] = [];
    const values: number[] = [];
    for await (const n of unbatch(numbers(log, [1, 2], [], [3], [4, 5]), () => false)) values.push(n);
    expect(values).toEqual([1, 2, 3, 4, 5]);
    expect(log).toEqual(["end", "finally"]);
  });

  it("answers calls made at once in the order they were made, as a generator does", async () => {
    const events = unbatch(numbers([], [1, 2], [3], [4, 5]), () => false);
    const results = await Promise.all(Array.from({ length: 7 }, () => events.next()));
    expect(results).toEqual([
      { done: false, value: 1 },
      { done: false, value: 2 },
      { done: false, value: 3 },
      { done: false, value: 4 },
      { done: false, value: 5 },
      { done: true, value: undefined },
      { done: true, value: undefined },
    ]);
  });

  it("return() mid-batch runs the source's finally and drops the rest", async () => {
    const log: string[] = [];
    const events = unbatch(numbers(log, [1, 2, 3], [4]), () => false);
    expect(await events.next()).toEqual({ done: false, value: 1 });
    expect(await events.return()).toEqual({ done: true, value: undefined });
    expect(log).toEqual(["finally"]);
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it("throw() is thrown into the source", async () => {
    const log: string[] = [];
    const events = unbatch(numbers(log, [1, 2]), () => false);
    await events.next();
    await expect(events.throw(new Error("from the consumer"))).rejects.toThrow("from the consumer");
    expect(log).toEqual(["finally"]);
  });

  it("once stop() is true, what is left of a batch is not handed out: the source is resumed instead", async () => {
    let stopped = false;
    async function* source(): AsyncGenerator<number[], void> {
      yield [1, 2, 3];
      if (stopped) throw new Error("stopped");
      yield [4];
    }
    const events = unbatch(source(), () => stopped);
    expect(await events.next()).toEqual({ done: false, value: 1 });
    stopped = true;
    await expect(events.next()).rejects.toThrow("stopped");
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it("is its own async iterator, on the same prototype chain as an async generator", () => {
    const events = unbatch(numbers([]), () => false);
    const generator = numbers([]);
    expect(events[Symbol.asyncIterator]()).toBe(events);
    const asyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(Object.getPrototypeOf(generator)));
    expect(Object.getPrototypeOf(events)).toBe(asyncIteratorPrototype);
  });
});

describe("the idle watchdog", () => {
  // A connection that answers and then never sends a byte is dropped after idleMs (the
  // README's figure), not after twice that.
  it("drops a connection silent from its first byte after idleMs, and resumes", async () => {
    vi.useFakeTimers();
    try {
      const silent = () =>
        new Response(new ReadableStream<Uint8Array>(), { headers: { "content-type": "text/event-stream" } });
      const { fetch, replicate } = client(silent, silent, silent);
      const controller = new AbortController();
      const events = stream(replicate, streaming(), {
        signal: controller.signal,
        reconnect: { idleMs: 1000, delayMs: 1 },
      })[Symbol.asyncIterator]();
      const first = events.next().catch((error: unknown) => error);
      await vi.advanceTimersByTimeAsync(999);
      expect(fetch.calls.filter((r) => r.url === STREAM_URL)).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(10);
      expect(fetch.calls.filter((r) => r.url === STREAM_URL)).toHaveLength(2);
      controller.abort();
      expect(await first).toBeInstanceOf(AbortError);
    } finally {
      vi.useRealTimers();
    }
  });
});
