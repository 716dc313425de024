// Adversarial review of src/run: file inputs, file outputs, output normalisation and
// model references, attacked on the wire through a recording fake fetch.
import { afterEach, describe, expect, it } from "vitest";
import {
  createPrediction,
  createReplicate,
  type FileOutput,
  InputError,
  isReplicateError,
  isTimeoutError,
  normalizeOutput,
  type ReplicateError,
  run,
  wait,
} from "../src/index.js";
import { json, scriptedFetch } from "./support/fake-fetch.js";

const ORIGIN = "https://api.replicate.com";
const CREATE_URL = `${ORIGIN}/v1/models/owner/name/predictions`;
const TOKEN = "r8_review_token";

/** A fake API: uploads answered with a URL per upload, the create's JSON body recorded. */
function api(uploads = 4) {
  const bodies: string[] = [];
  const created: unknown[] = [];
  let n = 0;
  const route = async (request: Request) => {
    if (request.url === CREATE_URL) {
      created.push(await request.json());
      return json(201, { id: "p1", status: "starting", input: {}, urls: {} });
    }
    bodies.push(await request.text());
    n++;
    return json(201, { id: `f${n}`, urls: { get: `${ORIGIN}/v1/files/f${n}` } });
  };
  const fetch = scriptedFetch(...Array.from({ length: uploads + 1 }, () => route));
  return { fetch, bodies, created, replicate: createReplicate({ auth: TOKEN, fetch, retry: false }) };
}

describe("hostile keys in the input", () => {
  afterEach(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a __proto__ field (as JSON.parse makes it) is sent as a field, not turned into the copy's prototype", async () => {
    const a = api(0);
    const input = JSON.parse('{"__proto__": {"polluted": 1}, "prompt": "hi"}');
    await createPrediction(a.replicate, "owner/name", { input });
    expect(JSON.stringify(a.created[0])).toBe('{"input":{"__proto__":{"polluted":1},"prompt":"hi"}}');
  });

  it("a file under a __proto__ key gets its URL there", async () => {
    const a = api(1);
    const nested = JSON.parse('{"__proto__": 0}');
    Reflect.set(nested, "__proto__", new Blob(["x"])); // an own property: this sets its value
    const input = { nested };
    await createPrediction(a.replicate, "owner/name", { input });
    expect(JSON.stringify(a.created[0])).toBe(`{"input":{"nested":{"__proto__":"${ORIGIN}/v1/files/f1"}}}`);
  });
});

describe("multipart upload headers", () => {
  it("a File name with CR, LF and quotes cannot inject a header or a part", async () => {
    const a = api(1);
    const name = 'evil"\r\nContent-Type: text/html\r\n\r\n--x.png';
    await createPrediction(a.replicate, "owner/name", { input: { image: new File(["abc"], name) } });
    const upload = a.fetch.calls[0] as Request;
    expect(upload.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);
    const body = a.bodies[0] as string;
    // The content part's header line stays one line, the name escaped; its type is still the guess.
    const headers = body.split("\r\n\r\n")[0]?.split("\r\n").slice(1);
    expect(headers).toEqual([
      'Content-Disposition: form-data; name="content"; filename="evil%22%0D%0AContent-Type: text/html%0D%0A%0D%0A--x.png"',
      "Content-Type: image/png",
    ]);
    // Parsed back, there are exactly the three fields, the name intact as the filename field's value.
    const boundary = /boundary=(\S+)/.exec(upload.headers.get("content-type") ?? "")?.[1];
    const form = await new Response(body, {
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
    }).formData();
    expect([...form.keys()]).toEqual(["content", "filename", "type"]);
    expect(form.get("filename")).toBe(name);
    expect(form.get("type")).toBe("image/png");
  });
});

describe("file streams and deadlines", () => {
  it("a stream that never ends is stopped by run's timeoutMs; nothing is sent", async () => {
    const a = api(0);
    const never = new ReadableStream({ start: (c) => c.enqueue(new Uint8Array([1])) });
    const error = await run(a.replicate, "owner/name", { input: { f: never }, timeoutMs: 50 }).catch((e) => e);
    expect(isTimeoutError(error)).toBe(true);
    expect(a.fetch.calls).toHaveLength(0);
  });

  it("a stream that errors midway rejects with its error; nothing is sent", async () => {
    const a = api(0);
    const boom = new Error("disk gone");
    const stream = new ReadableStream({
      pull: (c) => {
        c.enqueue(new Uint8Array([1]));
        c.error(boom);
      },
    });
    const other = new Blob(["ok"]);
    await expect(createPrediction(a.replicate, "owner/name", { input: { a: other, b: stream } })).rejects.toBe(boom);
    expect(a.fetch.calls).toHaveLength(0);
  });
});

describe("files option", () => {
  it.each([null, "upload", 4])("files: %j is an InputError before any request", async (files) => {
    const a = api(0);
    const error = await createPrediction(a.replicate, "owner/name", {
      input: { f: new Blob(["x"]) },
      files: files as never,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(a.fetch.calls).toHaveLength(0);
  });
});

describe("output URL detection", () => {
  it.each(["https://example.com is where the answer is", "https: the secure scheme", "data: 42 rows", "data:"])(
    "prose that starts like a URL stays a string: %j",
    (text) => {
      expect(normalizeOutput(text)).toBe(text);
      expect(normalizeOutput([text])).toEqual([text]);
    },
  );

  it.each(["javascript:alert(1)", "file:///etc/passwd", "/relative/out.png", "http://example.com/out.png"])(
    "%j is never a file",
    (text) => {
      expect(normalizeOutput({ a: text })).toEqual({ a: text });
    },
  );

  it("a hostile output's __proto__ and constructor keys are kept as data; no prototype changes", () => {
    const output = JSON.parse(
      '{"__proto__": {"polluted": "https://x.test/a.png"}, "constructor": "https://x.test/b.png"}',
    );
    const out = normalizeOutput(output) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(["__proto__", "constructor"]);
    expect((out.constructor as unknown as FileOutput).url).toBe("https://x.test/b.png");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const schema = { type: "object", properties: { a: { type: "string", format: "uri" } } };
    const bySchema = normalizeOutput(output, { schema }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(bySchema)).toBe(Object.prototype);
    expect(bySchema.constructor).toBe("https://x.test/b.png");
  });
});

describe("a hostile output after a paid prediction", () => {
  it("an output nested too deep to normalise rejects with a ReplicateError carrying the prediction", async () => {
    const depth = 20_000;
    const output = `${"[".repeat(depth)}"https://x.test/a.png"${"]".repeat(depth)}`;
    const body = `{"id":"p1","status":"succeeded","input":{},"urls":{},"output":${output}}`;
    const fetch = scriptedFetch(new Response(body, { status: 201, headers: { "content-type": "application/json" } }));
    const replicate = createReplicate({ auth: TOKEN, fetch });
    const error = (await run(replicate, "owner/name", { input: {} }).catch((e) => e)) as ReplicateError;
    expect(isReplicateError(error)).toBe(true);
    expect(error.prediction?.id).toBe("p1");
    expect(error.cause).toBeInstanceOf(RangeError);
    // wait() hands such a prediction back as it is: it serialises polls only for onProgress.
    const polled = scriptedFetch(new Response(body, { headers: { "content-type": "application/json" } }));
    const waited = await wait(createReplicate({ auth: TOKEN, fetch: polled }), "p1");
    expect(waited).toMatchObject({ id: "p1", status: "succeeded" });
  });
});

describe("references that could reach another path are refused before any request", () => {
  it.each([
    "a/b%2Fc",
    "a/..",
    "../b",
    "a/b?x=1",
    "\uff4deta/llama", // a fullwidth m
    "meta/llama\u200b", // a zero-width space, which \s does not match
    "meta/llama\u0000",
    "https://replicate.com/a/%2e%2e",
    "https://replicate.com@evil.example/a/b",
    "//replicate.com/a/b",
  ])("%j", async (ref) => {
    const fetch = scriptedFetch();
    const replicate = createReplicate({ auth: TOKEN, fetch });
    await expect(createPrediction(replicate, ref, { input: {} })).rejects.toBeInstanceOf(InputError);
    await expect(createPrediction(replicate, { deployment: ref }, { input: {} })).rejects.toBeInstanceOf(InputError);
    expect(fetch.calls).toHaveLength(0);
  });
});
