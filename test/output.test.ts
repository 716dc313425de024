// Output normalisation and FileOutput: which values become files (with and without the
// version's output schema), lazy and cached downloads, streaming and cancelling, data:
// URLs decoded locally, and the token sent with a download only to the API's own origin.
import nock from "nock";
import { afterEach, describe, expect, test, vi } from "vitest";
import { resolveRetry } from "../src/core/retry.js";
import { createTransport, type FetchLike } from "../src/core/transport.js";
import {
  ApiError,
  createReplicate,
  type Download,
  decodeDataUrl,
  FileOutput,
  normalizeOutput,
  type OutputSchema,
  run,
} from "../src/index.js";
import { downloader } from "../src/run/file-output.js";
import { hang, json, scriptedFetch } from "./support/fake-fetch.js";

const ORIGIN = "https://api.replicate.com";
const TOKEN = "r8_test";
const DELIVERY = "https://replicate.delivery/xezq/abc123/out-0.png";
const API_FILE = "https://api.replicate.com/v1/files/abc/download?owner=alice&expiry=1735689600&signature=sig";

/** A Download through a real client transport (auth, extra headers) sending with `fetch`. */
function clientDownload(fetch: FetchLike, headers: Record<string, string> = {}): Download {
  const send = createTransport({
    baseUrl: `${ORIGIN}/v1`,
    auth: TOKEN,
    fetch,
    userAgent: undefined,
    headers: new Headers(headers),
    timeoutMs: undefined,
    retry: resolveRetry(false),
  });
  return downloader(send);
}

/** A Download that records the URLs it was asked for and answers with `respond`. */
function spyDownload(respond: (url: string) => Response = () => new Response("bytes")) {
  const urls: string[] = [];
  const download: Download = async (url) => {
    urls.push(url);
    return respond(url);
  };
  return { download, urls };
}

const bytesOf = async (blob: Blob) => [...new Uint8Array(await blob.arrayBuffer())];
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

/** A response body whose chunks and cancellation the test controls. */
function controlledBody() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const state: { cancelled: boolean; reason: unknown } = { cancelled: false, reason: undefined };
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel(reason) {
      state.cancelled = true;
      state.reason = reason;
    },
  });
  return {
    stream,
    state,
    push: (...b: number[]) => controller.enqueue(new Uint8Array(b)),
    close: () => controller.close(),
  };
}

// ---------------------------------------------------------------------------------------
// normalizeOutput without a schema
// ---------------------------------------------------------------------------------------

describe("normalizeOutput without a schema", () => {
  test("an https: URL string becomes a FileOutput", () => {
    const out = normalizeOutput(DELIVERY);
    expect(out).toBeInstanceOf(FileOutput);
    expect((out as FileOutput).url).toBe(DELIVERY);
  });

  test("a data: URL string becomes a FileOutput", () => {
    const out = normalizeOutput("data:text/plain;base64,aGk=");
    expect(out).toBeInstanceOf(FileOutput);
    expect((out as FileOutput).url).toBe("data:text/plain;base64,aGk=");
  });

  test("URLs in an array become FileOutputs; other items stay as they are", () => {
    const out = normalizeOutput([DELIVERY, "a caption", 3, "https://replicate.delivery/b.webp"]) as unknown[];
    expect(out).toHaveLength(4);
    expect(out[0]).toBeInstanceOf(FileOutput);
    expect((out[0] as FileOutput).url).toBe(DELIVERY);
    expect(out[1]).toBe("a caption");
    expect(out[2]).toBe(3);
    expect(out[3]).toBeInstanceOf(FileOutput);
    expect(String(out[3])).toBe("https://replicate.delivery/b.webp");
  });

  test("URLs nested in objects, arrays of objects and arrays of arrays become FileOutputs", () => {
    const out = normalizeOutput({
      images: [
        { url: "https://replicate.delivery/1.png", seed: 1 },
        { url: "https://replicate.delivery/2.png", seed: 2 },
      ],
      meta: { preview: { thumb: "data:image/png;base64,iVBORw0KGgo=" }, note: "ok" },
      grid: [["https://replicate.delivery/g.png"]],
    }) as {
      images: { url: unknown; seed: unknown }[];
      meta: { preview: { thumb: unknown }; note: unknown };
      grid: unknown[][];
    };
    expect(out.images.map((i) => i.url)).toEqual([expect.any(FileOutput), expect.any(FileOutput)]);
    expect(out.images.map((i) => String(i.url))).toEqual([
      "https://replicate.delivery/1.png",
      "https://replicate.delivery/2.png",
    ]);
    expect(out.images.map((i) => i.seed)).toEqual([1, 2]);
    expect(out.meta.preview.thumb).toBeInstanceOf(FileOutput);
    expect(out.meta.note).toBe("ok");
    expect(out.grid[0]?.[0]).toBeInstanceOf(FileOutput);
  });

  test.each([
    ["an http: URL", "http://example.com/a.png"],
    ["plain text", "a fox in the snow"],
    ["text mentioning a URL", "see https://replicate.delivery/a.png"],
    ["an empty string", ""],
    ["a number", 42],
    ["zero", 0],
    ["null", null],
    ["true", true],
    ["false", false],
  ])("%s is left untouched, alone and in a structure", (_what, value) => {
    expect(normalizeOutput(value)).toBe(value);
    expect(normalizeOutput([value])).toEqual([value]);
    expect(normalizeOutput({ a: { b: value } })).toEqual({ a: { b: value } });
  });

  test("the input is not mutated", () => {
    const input = {
      images: [{ url: DELIVERY, seed: 1 }],
      list: [DELIVERY, "text"],
      top: "data:text/plain,hi",
    };
    const before = structuredClone(input);
    const out = normalizeOutput(input) as typeof input;
    expect(input).toEqual(before);
    expect(out).not.toBe(input);
    expect(out.images).not.toBe(input.images);
    expect(input.images[0]?.url).toBe(DELIVERY);
    expect(input.list[0]).toBe(DELIVERY);
  });

  test("makes no request: files download only when read", async () => {
    const { download, urls } = spyDownload();
    const out = normalizeOutput([DELIVERY, { b: "https://replicate.delivery/b.png" }], { download }) as [
      FileOutput,
      { b: FileOutput },
    ];
    await tick();
    expect(urls).toEqual([]);
    await out[1].b.text();
    expect(urls).toEqual(["https://replicate.delivery/b.png"]);
  });

  test("without a client, files download with plain fetch and no credentials", async () => {
    nock("https://replicate.delivery", { badheaders: ["authorization"] })
      .get("/xezq/abc123/out-0.png")
      .reply(200, Buffer.from([1, 2, 3]), { "content-type": "image/png" });
    const file = normalizeOutput(DELIVERY) as FileOutput;
    const blob = await file.blob();
    expect(await bytesOf(blob)).toEqual([1, 2, 3]);
    expect(blob.type).toBe("image/png");
  });
});

// ---------------------------------------------------------------------------------------
// normalizeOutput with a schema
// ---------------------------------------------------------------------------------------

describe("normalizeOutput with a schema (Cog shapes)", () => {
  const tokenIterator: OutputSchema = {
    type: "array",
    items: { type: "string" },
    title: "Output",
    "x-cog-array-type": "iterator",
    "x-cog-array-display": "concatenate",
  };

  test("a concatenated token iterator becomes one string", () => {
    expect(normalizeOutput(["Hel", "lo", ",", " world"], { schema: tokenIterator })).toBe("Hello, world");
  });

  test("a concatenated token iterator with no tokens yet is the empty string", () => {
    expect(normalizeOutput([], { schema: tokenIterator })).toBe("");
  });

  test("a concatenated iterator whose tokens look like URLs is still joined as text", () => {
    expect(normalizeOutput(["https://replicate", ".delivery/a.png"], { schema: tokenIterator })).toBe(
      "https://replicate.delivery/a.png",
    );
  });

  test("an iterator without concatenate display stays an array", () => {
    const schema: OutputSchema = { type: "array", items: { type: "string" }, "x-cog-array-type": "iterator" };
    expect(normalizeOutput(["a", "b"], { schema })).toEqual(["a", "b"]);
  });

  test("a format: uri string becomes a FileOutput", () => {
    const out = normalizeOutput(DELIVERY, { schema: { type: "string", format: "uri", title: "Output" } });
    expect(out).toBeInstanceOf(FileOutput);
    expect((out as FileOutput).url).toBe(DELIVERY);
  });

  test("Cog's Optional (anyOf with null) is looked through: a file is a file, null stays null", () => {
    const schema: OutputSchema = { anyOf: [{ type: "string", format: "uri" }, { type: "null" }], title: "Output" };
    expect(normalizeOutput(DELIVERY, { schema })).toBeInstanceOf(FileOutput);
    expect(normalizeOutput(null, { schema })).toBeNull();
    // A choice of several types is not guessed at: the value stays as sent.
    const choice: OutputSchema = { anyOf: [{ type: "string", format: "uri" }, { type: "integer" }] };
    expect(normalizeOutput(DELIVERY, { schema: choice })).toBe(DELIVERY);
  });

  test("a format: uri data: URL becomes a FileOutput; an http: URL stays a string", () => {
    const schema: OutputSchema = { type: "string", format: "uri" };
    expect(normalizeOutput("data:text/plain,hi", { schema })).toBeInstanceOf(FileOutput);
    expect(normalizeOutput("http://example.com/a.png", { schema })).toBe("http://example.com/a.png");
  });

  test("an http: URL on loopback (a local server, the fake over HTTP) becomes a FileOutput", () => {
    for (const url of [
      "http://127.0.0.1:4010/fake-delivery/p/0.png",
      "http://localhost:3000/a.png",
      "http://[::1]:80/a",
    ]) {
      expect(normalizeOutput(url)).toBeInstanceOf(FileOutput);
    }
    expect(normalizeOutput("http://127.0.0.1.evil.example/a.png")).toBe("http://127.0.0.1.evil.example/a.png");
    expect(normalizeOutput("http://localhost.example/a.png")).toBe("http://localhost.example/a.png");
  });

  test("a plain string (no format) that looks like a URL stays a string", () => {
    expect(normalizeOutput(DELIVERY, { schema: { type: "string", title: "Output" } })).toBe(DELIVERY);
  });

  test("an array of format: uri items becomes FileOutputs", () => {
    const schema: OutputSchema = { type: "array", items: { type: "string", format: "uri" }, title: "Output" };
    const out = normalizeOutput([DELIVERY, "https://replicate.delivery/out-1.png"], { schema }) as FileOutput[];
    expect(out.map((f) => f instanceof FileOutput)).toEqual([true, true]);
    expect(out.map(String)).toEqual([DELIVERY, "https://replicate.delivery/out-1.png"]);
  });

  test("an iterator of files (no concatenate) becomes FileOutputs", () => {
    const schema: OutputSchema = {
      type: "array",
      items: { type: "string", format: "uri" },
      "x-cog-array-type": "iterator",
    };
    const out = normalizeOutput([DELIVERY], { schema }) as unknown[];
    expect(out[0]).toBeInstanceOf(FileOutput);
  });

  test("object output: only the format: uri property becomes a file", () => {
    const schema: OutputSchema = {
      type: "object",
      title: "ModelOutput",
      properties: {
        image: { type: "string", format: "uri", title: "Image" },
        source: { type: "string", title: "Source" },
        score: { type: "number", title: "Score" },
      },
    };
    const out = normalizeOutput(
      { image: DELIVERY, source: "https://example.com/original.png", score: 0.9 },
      { schema },
    ) as Record<string, unknown>;
    expect(out.image).toBeInstanceOf(FileOutput);
    expect(String(out.image)).toBe(DELIVERY);
    expect(out.source).toBe("https://example.com/original.png");
    expect(out.score).toBe(0.9);
  });

  test("a $ref into root.components.schemas is resolved", () => {
    const root = {
      openapi: "3.0.2",
      components: {
        schemas: {
          Output: { $ref: "#/components/schemas/ModelOutput" },
          ModelOutput: {
            type: "object",
            title: "ModelOutput",
            properties: {
              image: { type: "string", format: "uri" },
              caption: { type: "string" },
            },
          },
        },
      },
    };
    const out = normalizeOutput(
      { image: DELIVERY, caption: "https://replicate.delivery/not-a-file.txt" },
      { schema: root.components.schemas.Output, root },
    ) as Record<string, unknown>;
    expect(out.image).toBeInstanceOf(FileOutput);
    expect(out.caption).toBe("https://replicate.delivery/not-a-file.txt");
  });

  test("Cog's one-element allOf wrapper around a $ref is resolved", () => {
    const root = {
      components: {
        schemas: {
          Output: {
            type: "object",
            title: "Output",
            properties: {
              mask: { allOf: [{ $ref: "#/components/schemas/FilePath" }], title: "Mask" },
              frames: { type: "array", items: { allOf: [{ $ref: "#/components/schemas/FilePath" }] } },
              label: { allOf: [{ $ref: "#/components/schemas/Label" }] },
            },
          },
          FilePath: { type: "string", format: "uri" },
          Label: { type: "string", enum: ["cat", "dog"] },
        },
      },
    };
    const out = normalizeOutput(
      {
        mask: DELIVERY,
        frames: ["https://replicate.delivery/f0.png", "https://replicate.delivery/f1.png"],
        label: "cat",
      },
      { schema: root.components.schemas.Output, root },
    ) as { mask: unknown; frames: unknown[]; label: unknown };
    expect(out.mask).toBeInstanceOf(FileOutput);
    expect(out.frames.map((f) => f instanceof FileOutput)).toEqual([true, true]);
    expect(out.label).toBe("cat");
  });

  test("a top-level allOf wrapper and a chain of $refs are resolved", () => {
    const root = {
      components: {
        schemas: {
          Output: { title: "Output", allOf: [{ $ref: "#/components/schemas/A" }] },
          A: { $ref: "#/components/schemas/B" },
          B: { type: "array", items: { type: "string", format: "uri" } },
        },
      },
    };
    const out = normalizeOutput([DELIVERY], { schema: root.components.schemas.Output, root }) as unknown[];
    expect(out[0]).toBeInstanceOf(FileOutput);
  });

  test("the input is not mutated", () => {
    const schema: OutputSchema = {
      type: "object",
      properties: { images: { type: "array", items: { type: "string", format: "uri" } } },
    };
    const input = { images: [DELIVERY] };
    const out = normalizeOutput(input, { schema }) as { images: unknown[] };
    expect(input).toEqual({ images: [DELIVERY] });
    expect(out.images[0]).toBeInstanceOf(FileOutput);
  });
});

// ---------------------------------------------------------------------------------------
// FileOutput
// ---------------------------------------------------------------------------------------

describe("FileOutput", () => {
  test(".url, String(), template literals and JSON.stringify give the URL", () => {
    const file = new FileOutput(DELIVERY, spyDownload().download);
    expect(file.url).toBe(DELIVERY);
    expect(String(file)).toBe(DELIVERY);
    expect(`${file}`).toBe(DELIVERY);
    expect(JSON.stringify({ a: file })).toBe(JSON.stringify({ a: DELIVERY }));
    expect(JSON.stringify([file])).toBe(`["${DELIVERY}"]`);
  });

  test("nothing is fetched on construction, nor by reading the URL", async () => {
    const fetch = scriptedFetch();
    const file = new FileOutput(DELIVERY, clientDownload(fetch));
    void file.url;
    void String(file);
    void JSON.stringify(file);
    await tick();
    expect(fetch.calls).toHaveLength(0);
  });

  test("blob(), arrayBuffer() and text() give the file's bytes", async () => {
    const fetch = scriptedFetch(new Response("hello, file", { headers: { "content-type": "text/plain" } }));
    const file = new FileOutput(DELIVERY, clientDownload(fetch));
    const blob = await file.blob();
    expect(blob.type).toBe("text/plain");
    expect(await blob.text()).toBe("hello, file");
    expect(new TextDecoder().decode(await file.arrayBuffer())).toBe("hello, file");
    expect(await file.text()).toBe("hello, file");
    expect(fetch.calls.map((r) => `${r.method} ${r.url}`)).toEqual([`GET ${DELIVERY}`]);
  });

  test("binary bytes arrive intact", async () => {
    const bytes = [0, 255, 128, 10, 13, 0x89, 0x50, 0x4e, 0x47];
    const fetch = scriptedFetch(new Response(new Uint8Array(bytes)));
    const file = new FileOutput(DELIVERY, clientDownload(fetch));
    expect([...new Uint8Array(await file.arrayBuffer())]).toEqual(bytes);
  });

  test("reading twice (or more, any way) downloads once", async () => {
    const fetch = scriptedFetch(new Response("once"));
    const file = new FileOutput(DELIVERY, clientDownload(fetch));
    expect(await file.text()).toBe("once");
    expect(await file.text()).toBe("once");
    await file.blob();
    await file.arrayBuffer();
    expect(await new Response(file.stream()).text()).toBe("once");
    expect(fetch.calls).toHaveLength(1);
  });

  test("concurrent reads share one download", async () => {
    const fetch = scriptedFetch(async () => {
      await tick();
      return new Response("shared");
    });
    const file = new FileOutput(DELIVERY, clientDownload(fetch));
    const [a, b, c] = await Promise.all([file.text(), file.blob(), file.arrayBuffer()]);
    expect(a).toBe("shared");
    expect(await b.text()).toBe("shared");
    expect(new TextDecoder().decode(c)).toBe("shared");
    expect(fetch.calls).toHaveLength(1);
  });

  test("a failed download rejects with an ApiError naming the URL, without the token", async () => {
    const fetch = scriptedFetch(json(404, { title: "Not found", detail: "File not found" }));
    const file = new FileOutput(API_FILE, clientDownload(fetch));
    const error = await file.blob().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(404);
    expect(apiError.method).toBe("GET");
    expect(apiError.url).toBe(API_FILE);
    expect(apiError.message).toContain(API_FILE);
    expect(apiError.message).toContain("File not found");
    // The token was sent (the file is on the API's origin) but is nowhere in the error.
    expect(fetch.calls[0]?.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);
    for (const text of [apiError.message, String(apiError), JSON.stringify(apiError), apiError.stack ?? ""]) {
      expect(text).not.toContain(TOKEN);
    }
  });

  test("a failed download with plain fetch (no client) is an ApiError naming the URL too", async () => {
    nock("https://replicate.delivery").get("/xezq/abc123/out-0.png").reply(403, "Access denied");
    const file = normalizeOutput(DELIVERY) as FileOutput;
    const error = await file.text().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(403);
    expect((error as ApiError).message).toContain(DELIVERY);
  });

  test("after a failed download, the next read tries again, and its success is cached", async () => {
    const fetch = scriptedFetch(new Response("busy", { status: 503 }), new Response("second time lucky"));
    const file = new FileOutput(DELIVERY, clientDownload(fetch));
    await expect(file.text()).rejects.toBeInstanceOf(ApiError);
    expect(await file.text()).toBe("second time lucky");
    expect(await file.text()).toBe("second time lucky");
    expect(fetch.calls).toHaveLength(2);
  });

  test("after a failed download, stream() tries again too", async () => {
    const fetch = scriptedFetch(new Response("gone", { status: 500 }), new Response("streamed"));
    const file = new FileOutput(DELIVERY, clientDownload(fetch));
    await expect(file.blob()).rejects.toBeInstanceOf(ApiError);
    expect(await new Response(file.stream()).text()).toBe("streamed");
    expect(fetch.calls).toHaveLength(2);
  });

  test("a read's signal aborts the download", async () => {
    const controller = new AbortController();
    const fetch = scriptedFetch(hang);
    const file = new FileOutput(DELIVERY, clientDownload(fetch));
    const read = file.blob({ signal: controller.signal });
    await tick();
    controller.abort(new Error("stop"));
    await expect(read).rejects.toThrow("stop");
  });

  describe("stream()", () => {
    // No read-ahead: a stream that is never read must never download.
    test("fetches nothing until the stream is first read", async () => {
      const fetch = scriptedFetch(new Response("lazy"));
      const file = new FileOutput(DELIVERY, clientDownload(fetch));
      const reader = file.stream().getReader();
      await tick();
      expect(fetch.calls).toHaveLength(0);
      expect(new TextDecoder().decode((await reader.read()).value)).toBe("lazy");
      expect(fetch.calls).toHaveLength(1);
    });

    test("streams the bytes as they arrive, with one request", async () => {
      const body = controlledBody();
      const fetch = scriptedFetch(new Response(body.stream));
      const file = new FileOutput(DELIVERY, clientDownload(fetch));
      const reader = file.stream().getReader();
      const first = reader.read();
      body.push(1, 2, 3);
      expect(await first).toEqual({ done: false, value: new Uint8Array([1, 2, 3]) });
      expect(fetch.calls).toHaveLength(1);
      // The first chunk came before the rest of the body existed: nothing was buffered whole.
      body.push(4, 5);
      expect(await reader.read()).toEqual({ done: false, value: new Uint8Array([4, 5]) });
      body.close();
      expect(await reader.read()).toEqual({ done: true, value: undefined });
      expect(fetch.calls).toHaveLength(1);
    });

    test("gives the whole file when consumed", async () => {
      const fetch = scriptedFetch(new Response(new Uint8Array([9, 8, 7, 6])));
      const file = new FileOutput(DELIVERY, clientDownload(fetch));
      expect([...new Uint8Array(await new Response(file.stream()).arrayBuffer())]).toEqual([9, 8, 7, 6]);
    });

    test("cancelling the stream cancels the download's body", async () => {
      const body = controlledBody();
      body.push(1);
      const fetch = scriptedFetch(new Response(body.stream));
      const file = new FileOutput(DELIVERY, clientDownload(fetch));
      const reader = file.stream().getReader();
      expect((await reader.read()).value).toEqual(new Uint8Array([1]));
      await reader.cancel("no longer needed");
      expect(body.state).toEqual({ cancelled: true, reason: "no longer needed" });
    });

    // A long-lived signal (an app's shutdown signal) given to many streams must not collect
    // a listener, and with it a FileOutput, per stream that has ended.
    test("lets go of the caller's signal when the stream ends, fails or is cancelled", async () => {
      const controller = new AbortController();
      const listening = new Set<unknown>();
      const { signal } = controller;
      const add = signal.addEventListener.bind(signal);
      const remove = signal.removeEventListener.bind(signal);
      signal.addEventListener = ((type: string, fn: EventListener, o?: AddEventListenerOptions) => {
        listening.add(fn);
        add(type, fn, o);
      }) as typeof signal.addEventListener;
      signal.removeEventListener = ((type: string, fn: EventListener) => {
        listening.delete(fn);
        remove(type, fn);
      }) as typeof signal.removeEventListener;
      const ended = new FileOutput(DELIVERY, clientDownload(scriptedFetch(new Response("whole"))));
      expect(await new Response(ended.stream({ signal })).text()).toBe("whole");
      const failed = new FileOutput(DELIVERY, clientDownload(scriptedFetch(new Response("gone", { status: 404 }))));
      await expect(new Response(failed.stream({ signal })).text()).rejects.toThrow();
      const cancelled = new FileOutput(DELIVERY, clientDownload(scriptedFetch(new Response("unread"))));
      const stream = cancelled.stream({ signal });
      expect(listening.size).toBe(1);
      await stream.cancel("no longer needed");
      expect(listening.size).toBe(0);
      expect(controller.signal.aborted).toBe(false);
    });

    test("cancelling right away, before any read, fetches nothing", async () => {
      const fetch = scriptedFetch();
      const file = new FileOutput(DELIVERY, clientDownload(fetch));
      await file.stream().cancel("never mind");
      await tick();
      expect(fetch.calls).toHaveLength(0);
    });

    // A download still waiting for its response is aborted when the stream is cancelled.
    test("cancelling while the download is still waiting for its response cancels it", async () => {
      const body = controlledBody();
      body.push(1);
      let respond!: (r: Response) => void;
      let downloadSignal: AbortSignal | undefined;
      const download: Download = (_url, signal) => {
        downloadSignal = signal;
        return new Promise((resolve) => {
          respond = resolve;
        });
      };
      const file = new FileOutput(DELIVERY, download);
      const reader = file.stream().getReader();
      const pending = reader.read();
      await tick();
      await reader.cancel("no longer needed");
      expect(await pending).toEqual({ done: true, value: undefined });
      respond(new Response(body.stream));
      await vi.waitFor(() => expect(body.state.cancelled || downloadSignal?.aborted === true).toBe(true), {
        timeout: 200,
      });
    });

    test("a failed download errors the stream with an ApiError", async () => {
      const fetch = scriptedFetch(new Response("nope", { status: 404 }));
      const file = new FileOutput(DELIVERY, clientDownload(fetch));
      await expect(file.stream().getReader().read()).rejects.toBeInstanceOf(ApiError);
    });
  });

  describe("data: URLs", () => {
    test("base64 decodes with no request at all, keeping the media type", async () => {
      const { download, urls } = spyDownload();
      const file = new FileOutput("data:image/png;base64,iVBORw0KGgo=", download);
      const blob = await file.blob();
      expect(await bytesOf(blob)).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(blob.type).toBe("image/png");
      expect(await file.text()).toBe(await blob.text());
      expect([...new Uint8Array(await new Response(file.stream()).arrayBuffer())]).toEqual(await bytesOf(blob));
      expect(urls).toEqual([]);
    });

    test("percent-encoded text decodes with no request at all", async () => {
      const { download, urls } = spyDownload();
      const file = new FileOutput("data:text/plain;charset=utf-8,hello%2C%20w%C3%B6rld%21+ok", download);
      expect(await file.text()).toBe("hello, wörld!+ok");
      expect(urls).toEqual([]);
    });

    test("stream() of a data: URL makes no request either", async () => {
      const { download, urls } = spyDownload();
      const file = new FileOutput("data:text/plain,streamed%20text", download);
      expect(await new Response(file.stream()).text()).toBe("streamed text");
      expect(urls).toEqual([]);
    });

    test("a data: URL output normalised without a client needs no network", async () => {
      // Net connect is disabled and no interceptor exists: any request would fail.
      const file = normalizeOutput("data:application/json;base64,eyJvayI6dHJ1ZX0=") as FileOutput;
      expect(JSON.parse(await file.text())).toEqual({ ok: true });
    });

    test("decodeDataUrl decodes base64 bytes, including ones that are not valid UTF-8", async () => {
      expect(await bytesOf(decodeDataUrl("data:application/octet-stream;base64,AP+A"))).toEqual([0, 255, 128]);
    });

    // data: URL escapes are bytes (Fetch's data: URL processor), not UTF-8 text.
    test("decodeDataUrl decodes percent-encoded bytes that are not valid UTF-8", async () => {
      expect(await bytesOf(decodeDataUrl("data:application/octet-stream,%00%FF%80"))).toEqual([0, 255, 128]);
    });
  });
});

// ---------------------------------------------------------------------------------------
// Downloads through a client: the token goes only to the API's origin
// ---------------------------------------------------------------------------------------

describe("downloads through a client", () => {
  const succeeded = (output: unknown) => ({
    id: "p1",
    model: "owner/name",
    version: "hidden",
    status: "succeeded",
    input: {},
    output,
    urls: { get: `${ORIGIN}/v1/predictions/p1`, cancel: `${ORIGIN}/v1/predictions/p1/cancel` },
  });

  test("run's output files: replicate.delivery without Authorization, the API origin with it", async () => {
    nock(ORIGIN)
      .post("/v1/models/owner/name/predictions")
      .reply(201, succeeded([DELIVERY, API_FILE]), { "content-type": "application/json" });
    const replicate = createReplicate({ auth: TOKEN });
    const [delivered, apiFile] = await run<[FileOutput, FileOutput]>(replicate, "owner/name", { input: {} });
    expect(delivered).toBeInstanceOf(FileOutput);
    expect(apiFile).toBeInstanceOf(FileOutput);

    nock("https://replicate.delivery", { badheaders: ["authorization"] })
      .get("/xezq/abc123/out-0.png")
      .reply(200, Buffer.from("delivered bytes"));
    nock(ORIGIN, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get("/v1/files/abc/download")
      .query({ owner: "alice", expiry: "1735689600", signature: "sig" })
      .reply(200, Buffer.from("api bytes"));

    expect(await delivered.text()).toBe("delivered bytes");
    expect(await apiFile.text()).toBe("api bytes");
  });

  test("run downloads nothing until an output file is read", async () => {
    const fetch = scriptedFetch(json(201, succeeded({ image: DELIVERY })), new Response("png bytes"));
    const replicate = createReplicate({ auth: TOKEN, fetch });
    const out = await run<{ image: FileOutput }>(replicate, "owner/name", { input: {} });
    await tick();
    expect(fetch.calls.map((r) => `${r.method} ${r.url}`)).toEqual([`POST ${ORIGIN}/v1/models/owner/name/predictions`]);
    expect(String(out.image)).toBe(DELIVERY);
    expect(await out.image.text()).toBe("png bytes");
    expect(fetch.calls.map((r) => `${r.method} ${r.url}`)).toEqual([
      `POST ${ORIGIN}/v1/models/owner/name/predictions`,
      `GET ${DELIVERY}`,
    ]);
    expect(fetch.calls[1]?.headers.get("authorization")).toBeNull();
  });

  test("downloader: token and extra headers only for the API's origin", async () => {
    const fetch = scriptedFetch(new Response("a"), new Response("b"), new Response("c"));
    const download = clientDownload(fetch, { "x-request-source": "batch" });
    await new FileOutput(DELIVERY, download).text();
    await new FileOutput(API_FILE, download).text();
    // A look-alike host is another origin.
    await new FileOutput("https://api.replicate.com.evil.example/v1/files/abc", download).text();

    const [delivery, api, lookalike] = fetch.calls as [Request, Request, Request];
    expect(delivery.url).toBe(DELIVERY);
    expect(delivery.headers.get("authorization")).toBeNull();
    expect(delivery.headers.get("x-request-source")).toBeNull();
    expect(api.url).toBe(API_FILE);
    expect(api.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);
    expect(api.headers.get("x-request-source")).toBe("batch");
    expect(lookalike.headers.get("authorization")).toBeNull();
  });
});

describe("a FileOutput made without a client", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  test("has a deadline over its body: a stalled download rejects with TimeoutError at 120 s, not never", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([1, 2, 3])); // then nothing, ever
      },
    });
    vi.stubGlobal("fetch", async () => new Response(stalled, { status: 200 }));
    const settled = vi.fn();
    const reading = new FileOutput("https://replicate.delivery/x/out.png")
      .blob()
      .then(
        () => "resolved",
        (e: unknown) => (e as Error).name,
      )
      .finally(settled);
    await vi.advanceTimersByTimeAsync(119_000);
    expect(settled).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2_500);
    expect(await reading).toBe("TimeoutError");
  });
});
