// File inputs: Blob, File, bytes, ArrayBuffer, ReadableStream and async iterables of bytes
// (a Node fs.ReadStream) anywhere in a model's input are uploaded through the Files API
// (multipart POST /v1/files) or inlined as data: URIs, and the create request carries the
// resulting URLs. Anything else JSON cannot carry is refused, by its place in the input,
// before anything is sent. Checked on the wire through a recording fake fetch, and with a
// fake upload for the concurrency limit.
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { afterAll, describe, expect, test, vi } from "vitest";
import {
  ApiError,
  ConnectionError,
  createPrediction,
  createReplicate,
  InputError,
  ReplicateError,
} from "../src/index.js";
import { type FileInputOptions, readInput, type Upload } from "../src/run/file-inputs.js";

/** Every file value in `input` replaced by its uploaded URL: both halves of readInput. */
const prepareInput = async <T>(input: T, upload: Upload, options?: FileInputOptions) =>
  (await readInput(input, options)).finish(upload);

import { hang, json, refused, reset, scriptedFetch } from "./support/fake-fetch.js";

const ORIGIN = "https://api.replicate.com";
const CREATE_URL = `${ORIGIN}/v1/models/owner/name/predictions`;

const hex = (bytes: Iterable<number>) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const utf8 = (text: string) => [...new TextEncoder().encode(text)];
/** The URL the fake Files API gives a file: derived from its bytes, so tests can predict it. */
const fileUrl = (bytes: Iterable<number>) => `${ORIGIN}/v1/files/f-${hex(bytes)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What one multipart upload carried. */
interface Uploaded {
  fields: string[];
  contentType: string | null;
  authorization: string | null;
  /** The `content` part's own filename and media type. */
  partName: string;
  partType: string;
  bytes: number[];
  filename: FormDataEntryValue | null;
  type: FormDataEntryValue | null;
}

/**
 * A fake Replicate for `createPrediction`: every POST /v1/files is parsed and answered
 * with a file object, then the create request's JSON body is recorded.
 */
function fakeApi(options: { uploads: number; uploadDelayMs?: number }) {
  const uploads: Uploaded[] = [];
  const created: { input?: Record<string, unknown> }[] = [];
  const flight = { now: 0, max: 0 };
  const upload = async (request: Request) => {
    expect(`${request.method} ${request.url}`).toBe(`POST ${ORIGIN}/v1/files`);
    flight.now++;
    flight.max = Math.max(flight.max, flight.now);
    try {
      const contentType = request.headers.get("content-type");
      const form = await request.formData();
      const content = form.get("content");
      if (!(content instanceof File)) throw new Error("the content part is not a file");
      const bytes = [...new Uint8Array(await content.arrayBuffer())];
      uploads.push({
        fields: [...form.keys()].sort(),
        contentType,
        authorization: request.headers.get("authorization"),
        partName: content.name,
        partType: content.type,
        bytes,
        filename: form.get("filename"),
        type: form.get("type"),
      });
      if (options.uploadDelayMs) await sleep(options.uploadDelayMs);
      const id = `f-${hex(bytes)}`;
      return json(201, { id, size: bytes.length, urls: { get: fileUrl(bytes) } });
    } finally {
      flight.now--;
    }
  };
  const create = async (request: Request) => {
    expect(request.method).toBe("POST");
    expect(created).toHaveLength(0);
    created.push(await request.json());
    return json(201, { id: "p1", status: "starting", input: {}, urls: {} });
  };
  // Routed by URL, so the order of calls does not matter; at most `uploads` uploads and one create.
  const route = (request: Request) => (request.url === CREATE_URL ? create(request) : upload(request));
  const fetch = scriptedFetch(...Array.from({ length: options.uploads + 1 }, () => route));
  const replicate = createReplicate({ auth: "r8_test", fetch, retry: false });
  return {
    fetch,
    replicate,
    uploads,
    flight,
    /** The `input` the create request carried. */
    input: () => {
      expect(created).toHaveLength(1);
      return created[0]?.input;
    },
  };
}

const dataUriBytes = (uri: unknown) => {
  const match = /^data:([^;,]*);base64,(.*)$/.exec(String(uri));
  if (!match) throw new Error(`not a base64 data URI: ${String(uri)}`);
  return { type: match[1], bytes: [...Buffer.from(match[2] as string, "base64")] };
};

// ---------------------------------------------------------------------------------------
// Each kind of file value, uploaded
// ---------------------------------------------------------------------------------------

describe("uploads through the Files API", () => {
  test("a Blob is uploaded as multipart content, filename and type, and its URL is sent", async () => {
    const api = fakeApi({ uploads: 1 });
    const bytes = [0x89, 0x50, 0x4e, 0x47, 0, 255];
    await createPrediction(api.replicate, "owner/name", {
      input: { image: new Blob([new Uint8Array(bytes)], { type: "image/png" }), prompt: "a fox" },
    });
    expect(api.uploads).toEqual([
      {
        fields: ["content", "filename", "type"],
        contentType: expect.stringMatching(/^multipart\/form-data; boundary=\S+$/),
        authorization: "Bearer r8_test",
        partName: "file",
        partType: "image/png",
        bytes,
        filename: "file",
        type: "image/png",
      },
    ]);
    expect(api.input()).toEqual({ image: fileUrl(bytes), prompt: "a fox" });
    expect(api.fetch.calls.map((r) => `${r.method} ${r.url}`)).toEqual([
      `POST ${ORIGIN}/v1/files`,
      `POST ${CREATE_URL}`,
    ]);
  });

  test("a File is uploaded under its own name", async () => {
    const api = fakeApi({ uploads: 1 });
    await createPrediction(api.replicate, "owner/name", {
      input: { audio: new File(["RIFF...."], "voice sample.wav", { type: "audio/wav" }) },
    });
    expect(api.uploads[0]).toMatchObject({
      partName: "voice sample.wav",
      partType: "audio/wav",
      filename: "voice sample.wav",
      type: "audio/wav",
      bytes: utf8("RIFF...."),
    });
    expect(api.input()).toEqual({ audio: fileUrl(utf8("RIFF....")) });
  });

  test("a Blob without a type is sent as application/octet-stream", async () => {
    const api = fakeApi({ uploads: 1 });
    await createPrediction(api.replicate, "owner/name", { input: { f: new Blob(["x"]) } });
    expect(api.uploads[0]).toMatchObject({ type: "application/octet-stream", bytes: utf8("x") });
  });

  test("a Uint8Array is uploaded as its bytes", async () => {
    const api = fakeApi({ uploads: 1 });
    const bytes = [1, 2, 3, 0, 254, 255];
    await createPrediction(api.replicate, "owner/name", { input: { data: new Uint8Array(bytes) } });
    expect(api.uploads[0]).toMatchObject({ bytes, filename: "file", type: "application/octet-stream" });
    expect(api.input()).toEqual({ data: fileUrl(bytes) });
  });

  test("a subarray view uploads only the bytes it views", async () => {
    const api = fakeApi({ uploads: 1 });
    const whole = new Uint8Array([10, 11, 12, 13, 14, 15, 16, 17]);
    await createPrediction(api.replicate, "owner/name", { input: { data: whole.subarray(2, 5) } });
    expect(api.uploads[0]?.bytes).toEqual([12, 13, 14]);
    expect(api.input()).toEqual({ data: fileUrl([12, 13, 14]) });
  });

  test("another typed array is uploaded as its underlying bytes", async () => {
    const api = fakeApi({ uploads: 1 });
    const view = new Uint16Array([0x0102, 0x0304]);
    const expected = [...new Uint8Array(view.buffer)];
    await createPrediction(api.replicate, "owner/name", { input: { data: view } });
    expect(api.uploads[0]?.bytes).toEqual(expected);
  });

  test("an ArrayBuffer is uploaded as its bytes", async () => {
    const api = fakeApi({ uploads: 1 });
    const buffer = new Uint8Array([7, 7, 0, 7]).buffer;
    await createPrediction(api.replicate, "owner/name", { input: { data: buffer } });
    expect(api.uploads[0]?.bytes).toEqual([7, 7, 0, 7]);
    expect(api.input()).toEqual({ data: fileUrl([7, 7, 0, 7]) });
  });

  test("a ReadableStream is read whole and uploaded", async () => {
    const api = fakeApi({ uploads: 1 });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([1, 2]));
        controller.enqueue(new Uint8Array([3]));
        controller.enqueue(new Uint8Array([4, 5, 6]));
        controller.close();
      },
    });
    await createPrediction(api.replicate, "owner/name", { input: { data: stream } });
    expect(api.uploads[0]?.bytes).toEqual([1, 2, 3, 4, 5, 6]);
    expect(api.input()).toEqual({ data: fileUrl([1, 2, 3, 4, 5, 6]) });
  });

  test("files nested deep in arrays and objects are all replaced; other values are kept", async () => {
    const api = fakeApi({ uploads: 4 });
    await createPrediction(api.replicate, "owner/name", {
      input: {
        prompt: "p",
        n: 2,
        flag: false,
        nothing: null,
        layers: [{ mask: { file: new Blob(["m"]) }, weight: 0.5 }, "keep"],
        grid: [[new Uint8Array([1])], [new File(["f"], "f.txt")]],
        deep: { a: { b: { c: [new Uint8Array([2]).buffer] } } },
      },
    });
    expect(api.uploads).toHaveLength(4);
    expect(api.input()).toEqual({
      prompt: "p",
      n: 2,
      flag: false,
      nothing: null,
      layers: [{ mask: { file: fileUrl(utf8("m")) }, weight: 0.5 }, "keep"],
      grid: [[fileUrl([1])], [fileUrl(utf8("f"))]],
      deep: { a: { b: { c: [fileUrl([2])] } } },
    });
  });

  test("the caller's input object is not modified", async () => {
    const api = fakeApi({ uploads: 2 });
    const blob = new Blob(["b"]);
    const bytes = new Uint8Array([1, 2]);
    const list = [blob, "x"];
    const nested = { bytes };
    const input = { list, nested, prompt: "p" };
    await createPrediction(api.replicate, "owner/name", { input });
    expect(input.list).toBe(list);
    expect(list).toEqual([blob, "x"]);
    expect(list[0]).toBe(blob);
    expect(input.nested).toBe(nested);
    expect(nested.bytes).toBe(bytes);
    expect([...bytes]).toEqual([1, 2]);
    expect(Object.keys(input)).toEqual(["list", "nested", "prompt"]);
    expect(api.input()).toEqual({ list: [fileUrl(utf8("b")), "x"], nested: { bytes: fileUrl([1, 2]) }, prompt: "p" });
  });

  test("the same Blob used twice is fine: both places get its URL", async () => {
    const blob = new Blob(["twice"], { type: "text/plain" });
    // Once or twice on the wire are both acceptable; the fake answers up to two uploads.
    const api = fakeApi({ uploads: 2 });
    await createPrediction(api.replicate, "owner/name", { input: { a: blob, b: [blob] } });
    expect(api.uploads.length).toBeGreaterThanOrEqual(1);
    expect(api.uploads.every((u) => hex(u.bytes) === hex(utf8("twice")))).toBe(true);
    expect(api.input()).toEqual({ a: fileUrl(utf8("twice")), b: [fileUrl(utf8("twice"))] });
  });

  test("the same plain object reached twice (not a cycle) is fine", async () => {
    const api = fakeApi({ uploads: 0 });
    const shared = { scale: 2 };
    await createPrediction(api.replicate, "owner/name", { input: { a: shared, b: [shared, shared] } });
    expect(api.input()).toEqual({ a: { scale: 2 }, b: [{ scale: 2 }, { scale: 2 }] });
  });

  test("a Files API answer without urls.get fails the create, naming the file", async () => {
    const fetch = scriptedFetch(json(201, { id: "f-odd", urls: {} }));
    const replicate = createReplicate({ auth: "r8_test", fetch, retry: false });
    const error = await createPrediction(replicate, "owner/name", { input: { f: new Blob(["x"]) } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReplicateError);
    expect((error as Error).message).toContain("f-odd");
    expect(fetch.calls).toHaveLength(1);
  });

  test("aborting during the uploads rejects and creates nothing", async () => {
    const controller = new AbortController();
    const fetch = scriptedFetch(hang);
    const replicate = createReplicate({ auth: "r8_test", fetch, retry: false });
    const pending = createPrediction(replicate, "owner/name", {
      input: { f: new Blob(["x"]) },
      signal: controller.signal,
    });
    await sleep(10);
    controller.abort(new Error("user stopped"));
    await expect(pending).rejects.toThrow("user stopped");
    expect(fetch.calls.map((r) => r.url)).toEqual([`${ORIGIN}/v1/files`]);
  });

  // Optional settings are often left undefined; that must not break the input walk.
  test("an undefined field in the input is allowed (and left out of the JSON)", async () => {
    const api = fakeApi({ uploads: 0 });
    await createPrediction(api.replicate, "owner/name", { input: { prompt: "p", seed: undefined } });
    expect(api.input()).toEqual({ prompt: "p" });
  });
});

// ---------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------

describe("circular input", () => {
  test("a circular object is rejected with InputError before any request", async () => {
    const fetch = scriptedFetch();
    const replicate = createReplicate({ auth: "r8_test", fetch });
    const input: Record<string, unknown> = { image: new Blob(["x"]) };
    input.self = { back: input };
    const error = await createPrediction(replicate, "owner/name", { input }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/circular/);
    expect(fetch.calls).toHaveLength(0);
  });

  test("a circular array is rejected with InputError before any request", async () => {
    const fetch = scriptedFetch();
    const replicate = createReplicate({ auth: "r8_test", fetch });
    const list: unknown[] = [new Uint8Array([1])];
    list.push(list);
    await expect(createPrediction(replicate, "owner/name", { input: { list } })).rejects.toBeInstanceOf(InputError);
    expect(fetch.calls).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------

describe("concurrency", () => {
  /** A fake upload that takes a while and tracks how many run at once. */
  function slowUpload(ms = 15) {
    const flight = { now: 0, max: 0, done: 0 };
    const upload: Upload = async (file) => {
      flight.now++;
      flight.max = Math.max(flight.max, flight.now);
      await sleep(ms);
      flight.now--;
      flight.done++;
      return `https://example.test/${await file.text()}`;
    };
    return { upload, flight };
  }
  const sixFiles = () => ({ files: Array.from({ length: 6 }, (_, i) => new Blob([`f${i}`])) });

  test.each([
    [2, 2],
    [1, 1],
    [3, 3],
    [10, 6],
  ])("with 6 files and concurrency %i, at most %i uploads run at once", async (concurrency, expected) => {
    const { upload, flight } = slowUpload();
    const out = await prepareInput(sixFiles(), upload, { concurrency });
    expect(flight.max).toBe(expected);
    expect(flight.done).toBe(6);
    expect(out.files).toEqual(Array.from({ length: 6 }, (_, i) => `https://example.test/f${i}`));
  });

  test("the default is 4 at once", async () => {
    const { upload, flight } = slowUpload();
    await prepareInput(sixFiles(), upload);
    expect(flight.max).toBe(4);
    expect(flight.done).toBe(6);
  });

  test("through the client: 6 files with concurrency 2 keep exactly 2 uploads in flight", async () => {
    const api = fakeApi({ uploads: 6, uploadDelayMs: 15 });
    const files = Array.from({ length: 6 }, (_, i) => new Blob([`file ${i}`]));
    await createPrediction(api.replicate, "owner/name", { input: { files }, files: { concurrency: 2 } });
    expect(api.flight.max).toBe(2);
    expect(api.uploads).toHaveLength(6);
    expect(api.input()).toEqual({ files: files.map((_, i) => fileUrl(utf8(`file ${i}`))) });
  });

  test("the first failed upload rejects the whole preparation", async () => {
    const upload: Upload = async (file) => {
      await sleep(5);
      if ((await file.text()) === "f3") throw new Error("upload f3 failed");
      return "https://example.test/ok";
    };
    await expect(prepareInput(sixFiles(), upload, { concurrency: 2 })).rejects.toThrow("upload f3 failed");
  });

  // Once the call has failed, files still queued must not be uploaded and stored for nothing.
  test("after an upload fails, no further queued upload starts", async () => {
    let started = 0;
    const upload: Upload = async (file) => {
      started++;
      await sleep(5);
      if ((await file.text()) === "f0") throw new Error("upload f0 failed");
      return "https://example.test/ok";
    };
    await expect(prepareInput(sixFiles(), upload, { concurrency: 2 })).rejects.toThrow("upload f0 failed");
    await sleep(60);
    expect(started).toBe(2);
  });

  // A NaN concurrency (e.g. from an unset environment variable) must never drop a file silently.
  test.each([Number.NaN, 0, 1.5])("a concurrency of %s is refused before any upload", async (concurrency) => {
    let uploads = 0;
    const upload = async () => {
      uploads++;
      return "https://example.test/x";
    };
    const out = await prepareInput({ f: new Blob(["x"]) }, upload, { concurrency }).catch((e: unknown) => e);
    expect(out).toBeInstanceOf(InputError);
    expect((out as Error).message).toContain("files.concurrency");
    expect(uploads).toBe(0);
  });

  test("a file value as the whole input is converted too", async () => {
    const { upload } = slowUpload(0);
    expect(await prepareInput(new Blob(["top"]), upload)).toBe("https://example.test/top");
  });
});

// ---------------------------------------------------------------------------------------
// Strategies: data URIs and the fallback
// ---------------------------------------------------------------------------------------

describe('strategy "data-uri"', () => {
  test("inlines base64 data: URIs and uploads nothing", async () => {
    const api = fakeApi({ uploads: 0 });
    const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255];
    await createPrediction(api.replicate, "owner/name", {
      input: {
        image: new Blob([new Uint8Array(png)], { type: "image/png" }),
        raw: [new Uint8Array([1, 2, 3])],
        text: new File(["héllo"], "a.txt", { type: "text/plain" }),
      },
      files: { strategy: "data-uri" },
    });
    expect(api.uploads).toEqual([]);
    expect(api.fetch.calls.map((r) => r.url)).toEqual([CREATE_URL]);
    const input = api.input() as { image: string; raw: string[]; text: string };
    expect(input.image).toMatch(/^data:image\/png;base64,/);
    expect(dataUriBytes(input.image)).toEqual({ type: "image/png", bytes: png });
    expect(dataUriBytes(input.raw[0])).toEqual({ type: "application/octet-stream", bytes: [1, 2, 3] });
    expect(dataUriBytes(input.text)).toEqual({ type: "text/plain", bytes: utf8("héllo") });
  });

  test("a file larger than 32 KiB (encoded in slices) round-trips exactly", async () => {
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 31 + 7) % 256);
    const out = await prepareInput({ f: bytes }, () => Promise.reject(new Error("no upload")), {
      strategy: "data-uri",
    });
    expect(Buffer.from(dataUriBytes(out.f).bytes).equals(Buffer.from(bytes))).toBe(true);
  });

  test("a file of exactly maxDataUriBytes is inlined; one byte more is an InputError saying so", async () => {
    const upload: Upload = () => Promise.reject(new Error("must not upload"));
    const ok = await prepareInput({ f: new Uint8Array(4) }, upload, { strategy: "data-uri", maxDataUriBytes: 4 });
    expect(dataUriBytes(ok.f).bytes).toEqual([0, 0, 0, 0]);

    const error = await prepareInput({ f: new Uint8Array(5) }, upload, {
      strategy: "data-uri",
      maxDataUriBytes: 4,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/5-byte file is over the 4-byte limit for data URIs/);
  });

  test("over the default 1 MiB limit, the create fails with InputError and nothing is sent", async () => {
    const fetch = scriptedFetch();
    const replicate = createReplicate({ auth: "r8_test", fetch });
    const error = await createPrediction(replicate, "owner/name", {
      input: { f: new Uint8Array(1_048_577) },
      files: { strategy: "data-uri" },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain("1048576-byte limit");
    expect(fetch.calls).toHaveLength(0);
  });
});

describe('strategy "default": fall back to a data URI only when the upload never reached the server', () => {
  test("a refused connection falls back to a data URI", async () => {
    const fetch = scriptedFetch(refused(), async (request) => {
      expect(request.url).toBe(CREATE_URL);
      return json(201, { id: "p1", status: "starting" });
    });
    const replicate = createReplicate({ auth: "r8_test", fetch, retry: false });
    await createPrediction(replicate, "owner/name", {
      input: { image: new Blob([new Uint8Array([5, 6, 7])], { type: "image/webp" }) },
    });
    expect(fetch.calls.map((r) => `${r.method} ${r.url}`)).toEqual([`POST ${ORIGIN}/v1/files`, `POST ${CREATE_URL}`]);
    const body = (await fetch.calls[1]?.json()) as { input: { image: string } };
    expect(dataUriBytes(body.input.image)).toEqual({ type: "image/webp", bytes: [5, 6, 7] });
  });

  test("a refused connection with a file over maxDataUriBytes propagates the ConnectionError", async () => {
    const fetch = scriptedFetch(refused());
    const replicate = createReplicate({ auth: "r8_test", fetch, retry: false });
    const error = await createPrediction(replicate, "owner/name", {
      input: { f: new Uint8Array(10) },
      files: { maxDataUriBytes: 9 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(fetch.calls).toHaveLength(1);
  });

  test("after a 500 the ApiError propagates: no data URI, no create", async () => {
    const fetch = scriptedFetch(json(500, { detail: "storage down" }));
    const replicate = createReplicate({ auth: "r8_test", fetch, retry: false });
    const error = await createPrediction(replicate, "owner/name", { input: { f: new Blob(["x"]) } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(500);
    expect(fetch.calls.map((r) => r.url)).toEqual([`${ORIGIN}/v1/files`]);
  });

  test("after a reset connection (may have been stored) the ConnectionError propagates: no data URI", async () => {
    const fetch = scriptedFetch(reset());
    const replicate = createReplicate({ auth: "r8_test", fetch, retry: false });
    const error = await createPrediction(replicate, "owner/name", { input: { f: new Blob(["x"]) } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect(fetch.calls.map((r) => r.url)).toEqual([`${ORIGIN}/v1/files`]);
  });

  test("an upload failing with some other error propagates it (prepareInput)", async () => {
    const boom = new Error("disk on fire");
    await expect(prepareInput({ f: new Blob(["x"]) }, () => Promise.reject(boom))).rejects.toBe(boom);
  });
});

describe('strategy "upload"', () => {
  test("never falls back: a refused connection propagates the ConnectionError", async () => {
    const fetch = scriptedFetch(refused());
    const replicate = createReplicate({ auth: "r8_test", fetch, retry: false });
    const error = await createPrediction(replicate, "owner/name", {
      input: { f: new Blob(["x"]) },
      files: { strategy: "upload" },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(fetch.calls.map((r) => r.url)).toEqual([`${ORIGIN}/v1/files`]);
  });

  test("uploads even a small file", async () => {
    const api = fakeApi({ uploads: 1 });
    await createPrediction(api.replicate, "owner/name", {
      input: { f: new Uint8Array([1]) },
      files: { strategy: "upload" },
    });
    expect(api.input()).toEqual({ f: fileUrl([1]) });
  });
});

// ---------------------------------------------------------------------------------------
// Async iterables of bytes: a Node fs.ReadStream, an async generator
// ---------------------------------------------------------------------------------------

const tmp = mkdtempSync(join(tmpdir(), "replicate-kit-files-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A real file on disk, in a directory of its own so its base name is what the test says. */
function tempFile(name: string, content: string | Uint8Array): string {
  const dir = mkdtempSync(join(tmp, "d-"));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** An upload that records what it got and answers a URL derived from the bytes. */
function recordingUpload() {
  const got: { name: string; type: string; bytes: number[] }[] = [];
  const upload: Upload = async (file, name) => {
    const bytes = [...new Uint8Array(await file.arrayBuffer())];
    got.push({ name, type: file.type, bytes });
    return fileUrl(bytes);
  };
  return { upload, got };
}

/** An async iterable of byte chunks with a `path`, as a Node fs.ReadStream has. */
const withPath = (path: string, ...chunks: number[][]) => ({
  path,
  async *[Symbol.asyncIterator]() {
    for (const chunk of chunks) yield new Uint8Array(chunk);
  },
});

describe("async iterables of Uint8Array chunks are files", () => {
  test("a Node fs.ReadStream is read whole and uploaded under its base name and type", async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>';
    // A small highWaterMark: the file arrives in many chunks, which must be joined in order.
    const stream = createReadStream(tempFile("out.svg", svg), { highWaterMark: 8 });
    const api = fakeApi({ uploads: 1 });
    await createPrediction(api.replicate, "owner/name", { input: { image: stream, prompt: "p" } });
    expect(api.uploads).toEqual([
      {
        fields: ["content", "filename", "type"],
        contentType: expect.stringMatching(/^multipart\/form-data; boundary=\S+$/),
        authorization: "Bearer r8_test",
        partName: "out.svg",
        partType: "image/svg+xml",
        bytes: utf8(svg),
        filename: "out.svg",
        type: "image/svg+xml",
      },
    ]);
    expect(api.input()).toEqual({ image: fileUrl(utf8(svg)), prompt: "p" });
    expect(api.fetch.calls.map((r) => `${r.method} ${r.url}`)).toEqual([
      `POST ${ORIGIN}/v1/files`,
      `POST ${CREATE_URL}`,
    ]);
  });

  test("an fs.ReadStream of binary bytes arrives byte for byte", async () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256);
    const api = fakeApi({ uploads: 1 });
    await createPrediction(api.replicate, "owner/name", {
      input: { clips: ["keep", createReadStream(tempFile("take 1.WAV", bytes), { highWaterMark: 64 })] },
    });
    expect(api.uploads[0]).toMatchObject({ filename: "take 1.WAV", type: "audio/wav", bytes: [...bytes] });
    expect(api.input()).toEqual({ clips: ["keep", fileUrl(bytes)] });
  });

  test('an async generator of Uint8Array chunks is uploaded as one file named "file"', async () => {
    async function* chunks() {
      yield new Uint8Array([1, 2]);
      yield new Uint8Array([]);
      yield new Uint8Array([3, 0, 255]);
    }
    const api = fakeApi({ uploads: 1 });
    await createPrediction(api.replicate, "owner/name", { input: { data: chunks() } });
    expect(api.uploads[0]).toMatchObject({
      partName: "file",
      filename: "file",
      type: "application/octet-stream",
      bytes: [1, 2, 3, 0, 255],
    });
    expect(api.input()).toEqual({ data: fileUrl([1, 2, 3, 0, 255]) });
  });

  test.each([
    ["/home/me/photos/cat.png", "cat.png", "image/png"],
    ["C:\\Users\\me\\clip.mp4", "clip.mp4", "video/mp4"],
    ["mixed\\dirs/photo.JPG", "photo.JPG", "image/jpeg"],
    ["a.jpeg", "a.jpeg", "image/jpeg"],
    ["a.webp", "a.webp", "image/webp"],
    ["a.gif", "a.gif", "image/gif"],
    ["song.mp3", "song.mp3", "audio/mpeg"],
    ["weights.zip", "weights.zip", "application/zip"],
    ["cfg.json", "cfg.json", "application/json"],
    ["notes.txt", "notes.txt", "text/plain"],
    ["model.safetensors", "model.safetensors", "application/octet-stream"],
    ["README", "README", "application/octet-stream"],
    ["dir/", "file", "application/octet-stream"],
  ])("a path of %s is uploaded as %s, %s", async (path, name, type) => {
    const { upload, got } = recordingUpload();
    const out = await prepareInput({ f: withPath(path, [1], [2]) }, upload);
    expect(got).toEqual([{ name, type, bytes: [1, 2] }]);
    expect(out).toEqual({ f: fileUrl([1, 2]) });
  });

  test('with strategy "data-uri" the stream is inlined with the guessed type', async () => {
    const api = fakeApi({ uploads: 0 });
    await createPrediction(api.replicate, "owner/name", {
      input: { image: createReadStream(tempFile("dot.png", new Uint8Array([0x89, 0x50, 0, 255]))) },
      files: { strategy: "data-uri" },
    });
    expect(api.uploads).toEqual([]);
    expect(dataUriBytes((api.input() as { image: string }).image)).toEqual({
      type: "image/png",
      bytes: [0x89, 0x50, 0, 255],
    });
  });

  // A stream can be read once: used twice, it must not become one good and one empty file.
  test("the same stream in two places is read and uploaded once; both places get its URL", async () => {
    const stream = createReadStream(tempFile("twice.txt", "twice"));
    const api = fakeApi({ uploads: 1 });
    await createPrediction(api.replicate, "owner/name", { input: { a: stream, b: [stream] } });
    expect(api.uploads).toHaveLength(1);
    expect(api.uploads[0]).toMatchObject({ filename: "twice.txt", type: "text/plain", bytes: utf8("twice") });
    expect(api.input()).toEqual({ a: fileUrl(utf8("twice")), b: [fileUrl(utf8("twice"))] });
  });

  test("aborting while a stream is being read rejects and sends nothing", async () => {
    const controller = new AbortController();
    const fetch = scriptedFetch();
    const replicate = createReplicate({ auth: "r8_test", fetch, retry: false });
    async function* never() {
      yield new Uint8Array([1]);
      await new Promise(() => {});
    }
    const pending = createPrediction(replicate, "owner/name", {
      input: { f: new Blob(["x"]), g: never() },
      signal: controller.signal,
    });
    await sleep(10);
    controller.abort(new Error("user stopped"));
    await expect(pending).rejects.toThrow("user stopped");
    expect(fetch.calls).toHaveLength(0);
  });
});

describe("a stream chunk that is not a Uint8Array is an InputError naming the place, with nothing sent", () => {
  test("an fs.ReadStream opened with an encoding (string chunks)", async () => {
    const fetch = scriptedFetch();
    const replicate = createReplicate({ auth: "r8_test", fetch });
    const stream = createReadStream(tempFile("out.svg", "<svg/>"), { encoding: "utf8" });
    const error = await createPrediction(replicate, "owner/name", {
      input: { files: [new Blob(["first"]), stream] },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      "input.files[1] yielded a chunk of type string; a file stream must yield Uint8Array chunks (a stream opened with an encoding yields strings).",
    );
    expect(fetch.calls).toHaveLength(0);
    // The stream is closed, not left holding its file descriptor.
    await vi.waitFor(() => expect(stream.destroyed).toBe(true));
  });

  test("an async generator yielding numbers", async () => {
    async function* numbers() {
      yield 1;
    }
    const fetch = scriptedFetch();
    const replicate = createReplicate({ auth: "r8_test", fetch });
    await expect(createPrediction(replicate, "owner/name", { input: { data: numbers() } })).rejects.toThrow(
      new InputError(
        "input.data yielded a chunk of type number; a file stream must yield Uint8Array chunks (a stream opened with an encoding yields strings).",
      ),
    );
    expect(fetch.calls).toHaveLength(0);
  });

  test("a ReadableStream of strings", async () => {
    let cancelled = false;
    const stream = new ReadableStream({
      pull(controller) {
        controller.enqueue("text");
      },
      cancel() {
        cancelled = true;
      },
    });
    const fetch = scriptedFetch();
    const replicate = createReplicate({ auth: "r8_test", fetch });
    const error = await createPrediction(replicate, "owner/name", { input: { layers: { mask: stream } } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^input\.layers\.mask yielded a chunk of type string; /);
    expect(fetch.calls).toHaveLength(0);
    await vi.waitFor(() => expect(cancelled).toBe(true));
  });
});

// ---------------------------------------------------------------------------------------
// Values JSON cannot carry
// ---------------------------------------------------------------------------------------

class Point {
  x = 1;
  y = 2;
}

describe("a value JSON cannot carry is an InputError naming its place, before anything is sent", () => {
  const TO_PLAIN = "use a plain object or array, or give it a toJSON method.";
  const cases: [string, Record<string, unknown>, string][] = [
    ["a bigint", { seed: 42n }, "input.seed is of type bigint, which JSON cannot carry; use a number or a string."],
    ["a function", { onProgress: () => {} }, "input.onProgress is of type function, which JSON cannot carry."],
    ["a symbol in an array", { tags: ["a", Symbol("b")] }, "input.tags[1] is of type symbol, which JSON cannot carry."],
    ["NaN", { scale: Number.NaN }, "input.scale is NaN, which JSON would send as null."],
    [
      "Infinity",
      { steps: [1, Number.POSITIVE_INFINITY] },
      "input.steps[1] is Infinity, which JSON would send as null.",
    ],
    ["-Infinity", { low: Number.NEGATIVE_INFINITY }, "input.low is -Infinity, which JSON would send as null."],
    [
      "a Map among files",
      { images: [new Blob(["a"]), new Blob(["b"]), new Map([["k", 1]])] },
      `input.images[2] is of type Map, which JSON would not send as it is; ${TO_PLAIN}`,
    ],
    ["a Set", { ids: new Set([1, 2]) }, `input.ids is of type Set, which JSON would not send as it is; ${TO_PLAIN}`],
    [
      "a class instance",
      { at: new Point() },
      `input.at is of type Point, which JSON would not send as it is; ${TO_PLAIN}`,
    ],
    [
      "a Promise",
      { later: Promise.resolve(1) },
      `input.later is of type Promise, which JSON would not send as it is; ${TO_PLAIN}`,
    ],
    [
      "a key that is not an identifier",
      { "my settings": { v: 1n } },
      'input["my settings"].v is of type bigint, which JSON cannot carry; use a number or a string.',
    ],
    [
      "deep in arrays and objects",
      { a: [{ b: [0, Number.NaN] }] },
      "input.a[0].b[1] is NaN, which JSON would send as null.",
    ],
  ];

  test.each(cases)("%s", async (_label, fields, message) => {
    const fetch = scriptedFetch();
    const replicate = createReplicate({ auth: "r8_test", fetch });
    // A file before the bad value: its upload must not start either.
    const input = { first: new Blob(["first"]), ...fields };
    const error = await createPrediction(replicate, "owner/name", { input }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(message);
    expect(fetch.calls).toHaveLength(0);
  });

  test("a circular reference names where it was found and what it points back to", async () => {
    const fetch = scriptedFetch();
    const replicate = createReplicate({ auth: "r8_test", fetch });
    const layer: Record<string, unknown> = { mask: new Blob(["m"]) };
    layer.parent = { layers: [layer] };
    const error = await createPrediction(replicate, "owner/name", { input: { layers: [layer] } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      "input.layers[0].parent.layers[0] is a circular reference to input.layers[0], which JSON cannot carry.",
    );
    expect(fetch.calls).toHaveLength(0);
  });

  test("prepareInput alone refuses too, and calls no upload", async () => {
    const upload = vi.fn<Upload>(async () => "https://example.test/x");
    await expect(prepareInput({ f: new Blob(["x"]), n: 1n }, upload)).rejects.toThrow(
      "input.n is of type bigint, which JSON cannot carry; use a number or a string.",
    );
    expect(upload).not.toHaveBeenCalled();
  });
});

describe("values JSON carries faithfully are kept", () => {
  test("Dates, values with toJSON, null-prototype and other-realm objects, -0 and undefined fields", async () => {
    const api = fakeApi({ uploads: 2 });
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { file: new Blob(["n"]) });
    // An object from another realm (an iframe, a vm context) is a plain object all the same.
    const foreign = runInNewContext("({ scale: 2, files: [] })") as { scale: number; files: unknown[] };
    foreign.files.push(new Uint8Array([9]));
    await createPrediction(api.replicate, "owner/name", {
      input: {
        when: new Date("2024-05-06T07:08:09.000Z"),
        custom: { toJSON: () => ({ kind: "custom" }) },
        url: new URL("https://example.com/a.png"),
        bare,
        foreign,
        zero: -0,
        big: Number.MAX_VALUE,
        skipped: undefined,
        nested: { alsoSkipped: undefined, ok: [true, null, "s"] },
      },
    });
    expect(api.input()).toEqual({
      when: "2024-05-06T07:08:09.000Z",
      custom: { kind: "custom" },
      url: "https://example.com/a.png",
      bare: { file: fileUrl(utf8("n")) },
      foreign: { scale: 2, files: [fileUrl([9])] },
      zero: 0,
      big: Number.MAX_VALUE,
      nested: { ok: [true, null, "s"] },
    });
  });
});
