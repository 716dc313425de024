// Adversarial review of run, stream and train: attacks that found real bugs, and the
// ones that held where nothing else covered them. The wire is a scripted `fetch` that
// records every request, so the count of creates and what was sent are exact.
import { describe, expect, it } from "vitest";
import {
  AbortError,
  FileOutput,
  InputError,
  type Prediction,
  run,
  type StreamEvent,
  stream,
  TimeoutError,
  train,
} from "../src/index.js";
import { json } from "./support/fake-fetch.js";
import { prediction } from "./support/fixtures.js";
import { client, streaming } from "./support/streaming.js";

/**
 * An event stream whose body knows nothing of the request's signal, as a custom `fetch`
 * may hand back (the transport says so itself: see `underDeadline`): one chunk, then
 * nothing, until it is cancelled. `cancelled` resolves when the client lets go.
 */
function stalled(first: string) {
  let cancelled!: () => void;
  const gone = new Promise<void>((resolve) => {
    cancelled = resolve;
  });
  let sent = false;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (!sent) controller.enqueue(new TextEncoder().encode(first));
        sent = true;
      },
      cancel() {
        cancelled();
      },
    },
    { highWaterMark: 0 },
  );
  return { response: new Response(body, { headers: { "content-type": "text/event-stream" } }), gone };
}

const ev = (id: string, event: string, data: string) => `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;

describe("a stalled stream whose body ignores the signal", () => {
  it("an abort rejects at once and lets go of the connection, not after the idle timeout", async () => {
    const wire = stalled(ev("1", "output", "a"));
    const { replicate } = client(wire.response);
    const controller = new AbortController();
    const events = stream(replicate, streaming(), { signal: controller.signal });
    await expect(events.next()).resolves.toEqual({ done: false, value: { type: "output", data: "a", id: "1" } });
    const next = events.next();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the read is under way
    const started = Date.now();
    controller.abort(new Error("user left"));
    const error = await next.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).prediction?.id).toBe("p1");
    // The idle watchdog would end it after 60 s; an abort must not wait for it.
    expect(Date.now() - started).toBeLessThan(5000);
    await wire.gone;
  }, 10_000);

  it("timeoutMs rejects at once with TimeoutError carrying the prediction", async () => {
    const wire = stalled(ev("1", "output", "a"));
    const { replicate } = client(wire.response);
    const seen: StreamEvent[] = [];
    const error = await (async () => {
      for await (const event of stream(replicate, streaming(), { timeoutMs: 300 })) seen.push(event);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ type: "output", data: "a", id: "1" }]);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).prediction?.id).toBe("p1");
    await wire.gone;
  }, 10_000);
});

describe("a signal aborted before the call", () => {
  it("stream of a prediction without a stream URL: AbortError at once, no poll, no event", async () => {
    const { fetch, replicate } = client(
      json(200, prediction("p1", "processing", { output: ["a"] })),
      json(200, prediction("p1", "succeeded", { output: ["a", "b"] })),
    );
    const seen: StreamEvent[] = [];
    const error = await (async () => {
      const source = prediction("p1", "processing") as unknown as Prediction;
      for await (const event of stream(replicate, source, {
        signal: AbortSignal.abort(),
        interval: { initialMs: 1 },
      })) {
        seen.push(event);
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).prediction?.id).toBe("p1");
    expect(seen).toEqual([]);
    expect(fetch.calls).toHaveLength(0);
  });
});

describe("FileOutput: one reader's abort is no other reader's", () => {
  /** A download that answers after a moment, or rejects once its signal aborts. */
  function slowDownload() {
    const urls: string[] = [];
    const download = (url: string, signal?: AbortSignal) => {
      urls.push(url);
      return new Promise<Response>((resolve, reject) => {
        const timer = setTimeout(() => resolve(new Response("bytes")), 50);
        signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
    };
    return { urls, download };
  }

  it("a read without a signal that joined an aborted read's download still gets the file", async () => {
    const { urls, download } = slowDownload();
    const file = new FileOutput("https://replicate.delivery/x/out.png", download);
    const controller = new AbortController();
    const first = file.blob({ signal: controller.signal });
    const second = file.text();
    controller.abort(new Error("first reader left"));
    await expect(first).rejects.toThrow("first reader left");
    await expect(second).resolves.toBe("bytes");
    expect(urls).toHaveLength(2); // the aborted download, then the second reader's own
  });

  it("a later read's abort only stops its own wait: the download goes on for the first", async () => {
    const { urls, download } = slowDownload();
    const file = new FileOutput("https://replicate.delivery/x/out.png", download);
    const controller = new AbortController();
    const first = file.text();
    const second = file.blob({ signal: controller.signal });
    controller.abort(new Error("second reader left"));
    await expect(second).rejects.toThrow("second reader left");
    await expect(first).resolves.toBe("bytes");
    expect(urls).toHaveLength(1);
  });
});

describe("train: bad input is refused before anything is sent", () => {
  const base = {
    model: "acme/trainer",
    destination: "me/mine",
    createDestination: { visibility: "private", hardware: "cpu" },
  } as const;
  it.each([
    ["a bigint", { steps: 1n }],
    ["a function", { steps: () => 1 }],
    ["NaN", { steps: Number.NaN }],
    ["a Map", { steps: new Map() }],
  ])("%s in the input: InputError, no request at all", async (_name, input) => {
    const { fetch, replicate } = client();
    const error = await train(replicate, { ...base, input } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(fetch.calls.map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });

  it("a bad files option: InputError, no request at all", async () => {
    const { fetch, replicate } = client();
    const error = await train(replicate, { ...base, input: { a: 1 }, files: { concurrency: 0 } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect(fetch.calls).toHaveLength(0);
  });

  it('a file over maxDataUriBytes with strategy "data-uri": InputError, no request at all', async () => {
    const { fetch, replicate } = client();
    const files = { strategy: "data-uri", maxDataUriBytes: 2 } as const;
    const error = await train(replicate, { ...base, input: { zip: new Uint8Array(3) }, files }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect(fetch.calls).toHaveLength(0);
  });

  it("a file stream yielding text: InputError, no request at all", async () => {
    const { fetch, replicate } = client();
    async function* text() {
      yield "not bytes";
    }
    const error = await train(replicate, { ...base, input: { zip: text() } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(fetch.calls).toHaveLength(0);
  });
});

describe("run: the sync window is fitted to the time left once the inputs are uploaded", () => {
  it("an upload that took most of timeoutMs leaves no room for a window, so the create's answer comes back", async () => {
    const file = {
      id: "f1",
      urls: { get: "https://api.replicate.com/v1/files/f1" },
    };
    // The create is held for its whole window, as Replicate holds it while the model runs.
    const held = (request: Request) => {
      const seconds = Number(/wait=(\d+)/.exec(request.headers.get("prefer") ?? "")?.[1] ?? 0);
      return new Promise<Response>((resolve, reject) => {
        const timer = setTimeout(() => resolve(json(201, prediction("p1", "processing"))), seconds * 1000);
        request.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(request.signal.reason);
        });
      });
    };
    const { fetch, replicate } = client(
      () => new Promise<Response>((resolve) => setTimeout(() => resolve(json(201, file)), 1500)),
      held,
      json(200, prediction("p1", "succeeded", { output: "ok" })),
    );
    const output = await run(replicate, "acme/model", {
      input: { image: new Blob(["x"], { type: "image/png" }) },
      timeoutMs: 3000,
      interval: { initialMs: 1 },
    });
    expect(output).toBe("ok");
    const create = fetch.calls[1] as Request;
    expect(create.url).toBe("https://api.replicate.com/v1/models/acme/model/predictions");
    // 1.5 s left: not even a 1 s window ends a second before the deadline.
    expect(create.headers.get("prefer")).toBeNull();
  }, 10_000);
});
