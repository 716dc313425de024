// Webhook verification (Standard Webhooks, as Replicate signs them) and the cached
// default secret. Every signature here is computed independently with node:crypto, never
// with the code under test, so a wrong signing scheme in src/ cannot agree with itself.
// The clock is frozen (only `Date`) wherever freshness matters.
import { createHash, createHmac } from "node:crypto";
import fc from "fast-check";
import nock from "nock";
import { afterEach, describe, expect, test, vi } from "vitest";
import {
  ApiError,
  createReplicate,
  isReplicateError,
  ReplicateError,
  signWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  verifyWebhookRequest,
  type WebhookFailureReason,
  type WebhookHeaders,
  type WebhookPayload,
  WebhookVerificationError,
  webhookEvent,
  webhookSecret,
} from "../src/index.js";
import { SVIX_VECTOR } from "./support/fixtures.js";

// ---------------------------------------------------------------------------------------
// Fixtures and helpers
// ---------------------------------------------------------------------------------------

const VECTOR = SVIX_VECTOR;

/** "Now", in Unix seconds, for every test that freezes the clock. */
const NOW = 1_767_225_600; // 2026-01-01T00:00:00Z

/** Deterministic base64 secrets (24 bytes, like Replicate's). */
const b64Secret = (seed: string) => createHash("sha256").update(seed).digest().subarray(0, 24).toString("base64");
const SECRET_B64 = b64Secret("current");
const SECRET = `whsec_${SECRET_B64}`;
const OLD_SECRET = `whsec_${b64Secret("old")}`;
const OTHER_SECRET = `whsec_${b64Secret("other")}`;

const ID = "msg_2mGdc6T0wQfyy9xSYuA0DNxyCZg";
const BODY = JSON.stringify({ id: "ufawqhfynnddngldkgtslldrkq", status: "succeeded", output: ["https://x/y.png"] });

const encoder = new TextEncoder();

/**
 * `v1,<base64 HMAC-SHA256>` over `${id}.${timestamp}.${body}`, keyed with the base64
 * decoding of the secret after an optional `whsec_`. Independent of src/.
 */
function sign(secret: string, id: string, timestamp: number | string, body: string | Uint8Array): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest("base64")}`;
}

function headersOf(id: string, timestamp: number | string, signature: string): Record<string, string> {
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature };
}

/** A webhook signed with `SECRET` at `NOW` (or `timestamp`), ready for verifyWebhook. */
function signed(
  overrides: { body?: string; timestamp?: number | string; secret?: string; id?: string } = {},
): VerifyWebhookOptions & { body: string; headers: Record<string, string> } {
  const { body = BODY, timestamp = NOW, secret = SECRET, id = ID } = overrides;
  return { body, headers: headersOf(id, timestamp, sign(secret, id, timestamp, body)), secret: SECRET };
}

/** Freeze `Date` at `seconds` (Unix). Timers stay real so WebCrypto, nock and streams work as usual. */
function freeze(seconds: number = NOW): void {
  vi.useFakeTimers({ now: seconds * 1000, toFake: ["Date"] });
}

afterEach(() => {
  vi.useRealTimers();
});

/** The error a promise rejects with, checked to be a WebhookVerificationError. */
async function failure(promise: Promise<unknown>): Promise<WebhookVerificationError> {
  let settled: unknown;
  try {
    settled = await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(WebhookVerificationError);
    return e as WebhookVerificationError;
  }
  throw new Error(`expected a WebhookVerificationError, but it was accepted: ${JSON.stringify(settled)}`);
}

async function reasonOf(options: VerifyWebhookOptions): Promise<WebhookFailureReason> {
  return (await failure(verifyWebhook(options))).reason;
}

const exactArrayBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

// ---------------------------------------------------------------------------------------
// The public test vector
// ---------------------------------------------------------------------------------------

describe("public test vector", () => {
  test("the test's own signer reproduces the vector's signature", () => {
    expect(sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  test("verifies at its timestamp and returns the parsed JSON", async () => {
    freeze(VECTOR.timestamp);
    const payload = await verifyWebhook<{ test: number }>({
      body: VECTOR.body,
      headers: headersOf(VECTOR.id, VECTOR.timestamp, VECTOR.signature),
      secret: VECTOR.secret,
    });
    expect(payload).toStrictEqual({ test: 2432232314 });
  });

  test("verifies with web Headers too", async () => {
    freeze(VECTOR.timestamp);
    const headers = new Headers(headersOf(VECTOR.id, VECTOR.timestamp, VECTOR.signature));
    await expect(verifyWebhook({ body: VECTOR.body, headers, secret: VECTOR.secret })).resolves.toStrictEqual({
      test: 2432232314,
    });
  });

  test("is refused once it is stale (the clock is really consulted)", async () => {
    freeze(VECTOR.timestamp + 301);
    const headers = headersOf(VECTOR.id, VECTOR.timestamp, VECTOR.signature);
    expect(await reasonOf({ body: VECTOR.body, headers, secret: VECTOR.secret })).toBe("timestamp_too_old");
  });
});

// ---------------------------------------------------------------------------------------
// Independently signed vectors: body and secret forms
// ---------------------------------------------------------------------------------------

describe("independently signed vectors", () => {
  const ascii = '{"id":"p1","status":"succeeded","output":"hello"}';
  const unicode = '{"id":"p1","status":"succeeded","output":"héllo wörld — 日本語 🦙 \\u00e9"}';

  test.each<[string, string, (text: string) => string | Uint8Array | ArrayBuffer]>([
    ["string", ascii, (t) => t],
    ["Uint8Array", ascii, (t) => encoder.encode(t)],
    ["ArrayBuffer", ascii, (t) => exactArrayBuffer(encoder.encode(t))],
    ["Buffer", ascii, (t) => Buffer.from(t, "utf8")],
    [
      "Uint8Array view into a larger buffer",
      ascii,
      (t) => {
        const inner = encoder.encode(t);
        const outer = new Uint8Array(inner.length + 20).fill(0x7b);
        outer.set(inner, 7);
        return outer.subarray(7, 7 + inner.length);
      },
    ],
    ["non-ASCII string", unicode, (t) => t],
    ["non-ASCII UTF-8 Uint8Array", unicode, (t) => encoder.encode(t)],
    ["non-ASCII UTF-8 ArrayBuffer", unicode, (t) => exactArrayBuffer(encoder.encode(t))],
  ])("%s body", async (_label, text, toBody) => {
    freeze();
    const headers = headersOf(ID, NOW, sign(SECRET, ID, NOW, text));
    await expect(verifyWebhook({ body: toBody(text), headers, secret: SECRET })).resolves.toStrictEqual(
      JSON.parse(text),
    );
  });

  test("non-ASCII bodies are signed as UTF-8 (not Latin-1, not UTF-16 code units)", async () => {
    freeze();
    const latin1 = sign(SECRET, ID, NOW, Buffer.from(unicode, "latin1"));
    const utf16 = sign(SECRET, ID, NOW, Buffer.from(unicode, "utf16le"));
    for (const signature of [latin1, utf16]) {
      expect(await reasonOf({ body: unicode, headers: headersOf(ID, NOW, signature), secret: SECRET })).toBe(
        "signature_mismatch",
      );
    }
  });

  test.each([
    ["with the whsec_ prefix", SECRET],
    ["without the whsec_ prefix", SECRET_B64],
  ])("a secret %s", async (_label, secret) => {
    freeze();
    const headers = headersOf(ID, NOW, sign(SECRET_B64, ID, NOW, BODY));
    await expect(verifyWebhook({ body: BODY, headers, secret })).resolves.toStrictEqual(JSON.parse(BODY));
  });

  test("the public vector's secret works without its prefix too", async () => {
    freeze(VECTOR.timestamp);
    const headers = headersOf(VECTOR.id, VECTOR.timestamp, VECTOR.signature);
    const secret = VECTOR.secret.slice("whsec_".length);
    await expect(verifyWebhook({ body: VECTOR.body, headers, secret })).resolves.toStrictEqual({ test: 2432232314 });
  });
});

// ---------------------------------------------------------------------------------------
// The body is never re-serialised
// ---------------------------------------------------------------------------------------

describe("the body is verified as raw bytes, never re-serialised", () => {
  test("a parsed object is refused with invalid_body, even one whose JSON.stringify was signed", async () => {
    freeze();
    const object = JSON.parse(BODY) as object;
    // The signature matches JSON.stringify(object) exactly: still refused, by design.
    const headers = headersOf(ID, NOW, sign(SECRET, ID, NOW, JSON.stringify(object)));
    const error = await failure(verifyWebhook({ body: object as unknown as string, headers, secret: SECRET }));
    expect(error.reason).toBe("invalid_body");
    expect(error.message).toMatch(/raw request body/);
    expect(error.message).toMatch(/string, Uint8Array or ArrayBuffer/);
    expect(error.message).toMatch(/parsed object cannot be verified/);
    expect(error.message).toMatch(/does not reproduce the bytes that were signed/);
  });

  test.each<[string, unknown]>([
    ["null", null],
    ["undefined", undefined],
    ["a number", 42],
    ["an array", [1, 2, 3]],
    ["a DataView", new DataView(new ArrayBuffer(4))],
    ["a Blob", new Blob(["{}"])],
  ])("%s body is invalid_body", async (_label, body) => {
    freeze();
    const { headers } = signed();
    expect(await reasonOf({ body: body as string, headers, secret: SECRET })).toBe("invalid_body");
  });

  test.each([
    ["whitespace removed", '{"a": 1, "b": [1, 2]}', '{"a":1,"b":[1,2]}'],
    ["whitespace added", '{"a":1,"b":[1,2]}', '{"a": 1, "b": [1, 2]}'],
    ["a trailing newline", '{"a":1}', '{"a":1}\n'],
    ["keys reordered", '{"a":1,"b":2}', '{"b":2,"a":1}'],
    ["a unicode escape instead of the character", '{"a":"é"}', '{"a":"\\u00e9"}'],
  ])("a body with %s fails signature_mismatch", async (_label, signedBody, receivedBody) => {
    freeze();
    const { headers } = signed({ body: signedBody });
    // Same JSON value, different bytes.
    expect(JSON.parse(receivedBody)).toStrictEqual(JSON.parse(signedBody));
    expect(await reasonOf({ body: receivedBody, headers, secret: SECRET })).toBe("signature_mismatch");
  });
});

// ---------------------------------------------------------------------------------------
// Header forms
// ---------------------------------------------------------------------------------------

const NAMES = ["webhook-id", "webhook-timestamp", "webhook-signature"] as const;
const mixedCase = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
const CASINGS: Record<string, (name: string) => string> = {
  lower: (n) => n,
  UPPER: (n) => n.toUpperCase(),
  Mixed: mixedCase,
};

/** Every combination of casing of the three header names: 3^3 = 27. */
const casingCombos: [string, string, string][] = [];
for (const a of Object.keys(CASINGS))
  for (const b of Object.keys(CASINGS)) for (const c of Object.keys(CASINGS)) casingCombos.push([a, b, c]);

describe("headers", () => {
  test("web Headers", async () => {
    freeze();
    const { body, headers } = signed();
    await expect(verifyWebhook({ body, headers: new Headers(headers), secret: SECRET })).resolves.toStrictEqual(
      JSON.parse(BODY),
    );
  });

  test("web Headers with other headers around, set in any casing", async () => {
    freeze();
    const { body, headers } = signed();
    const web = new Headers({ "Content-Type": "application/json", "User-Agent": "Replicate-Webhook/1.0" });
    web.set("Webhook-ID", headers["webhook-id"] as string);
    web.set("WEBHOOK-TIMESTAMP", headers["webhook-timestamp"] as string);
    web.set("webhook-Signature", headers["webhook-signature"] as string);
    await expect(verifyWebhook({ body, headers: web, secret: SECRET })).resolves.toStrictEqual(JSON.parse(BODY));
  });

  test("a plain record in lower case", async () => {
    freeze();
    await expect(verifyWebhook(signed())).resolves.toStrictEqual(JSON.parse(BODY));
  });

  test.each(casingCombos)("a plain record: id %s, timestamp %s, signature %s", async (a, b, c) => {
    freeze();
    const { body, headers } = signed();
    const record: Record<string, string> = { "content-type": "application/json" };
    NAMES.forEach((name, i) => {
      const casing = CASINGS[[a, b, c][i] as string] as (n: string) => string;
      record[casing(name)] = headers[name] as string;
    });
    expect(Object.keys(record)).toHaveLength(4);
    await expect(verifyWebhook({ body, headers: record, secret: SECRET })).resolves.toStrictEqual(JSON.parse(BODY));
  });

  test("a plain record with random per-character casing of each name", async () => {
    freeze();
    const { body, headers } = signed();
    const casing = (name: string) =>
      fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((upper) =>
        Array.from(name)
          .map((ch, i) => (upper[i] ? ch.toUpperCase() : ch))
          .join(""),
      );
    await fc.assert(
      fc.asyncProperty(casing(NAMES[0]), casing(NAMES[1]), casing(NAMES[2]), async (id, ts, sig) => {
        const record = { [id]: headers["webhook-id"], [ts]: headers["webhook-timestamp"], [sig]: headers[NAMES[2]] };
        await expect(verifyWebhook({ body, headers: record, secret: SECRET })).resolves.toStrictEqual(JSON.parse(BODY));
      }),
      { numRuns: 200, seed: 20260101 },
    );
  });

  test("a Node-style record (IncomingHttpHeaders): array values and undefined entries", async () => {
    freeze();
    const { body, headers } = signed();
    const node: Record<string, string | string[] | undefined> = {
      host: "example.com",
      "content-type": "application/json",
      "set-cookie": ["a=1", "b=2"],
      "x-forwarded-for": undefined,
      "webhook-id": [headers["webhook-id"] as string],
      "webhook-timestamp": headers["webhook-timestamp"],
      "webhook-signature": [headers["webhook-signature"] as string],
    };
    await expect(verifyWebhook({ body, headers: node, secret: SECRET })).resolves.toStrictEqual(JSON.parse(BODY));
  });

  test("a Node-style record whose webhook-signature array holds a wrong entry, then the valid one", async () => {
    freeze();
    const { body, headers } = signed();
    const wrong = sign(OTHER_SECRET, ID, NOW, BODY);
    const node = { ...headers, "webhook-signature": [wrong, headers["webhook-signature"] as string] };
    await expect(verifyWebhook({ body, headers: node, secret: SECRET })).resolves.toStrictEqual(JSON.parse(BODY));
  });

  // A header sent several times (an array, or Headers joining with ", ") keeps every entry.
  test("a Node-style record whose webhook-signature array has the valid entry first", async () => {
    freeze();
    const { body, headers } = signed();
    const wrong = sign(OTHER_SECRET, ID, NOW, BODY);
    const node = { ...headers, "webhook-signature": [headers["webhook-signature"] as string, wrong] };
    await expect(verifyWebhook({ body, headers: node, secret: SECRET })).resolves.toStrictEqual(JSON.parse(BODY));
  });

  test("web Headers with webhook-signature appended twice, the valid one first", async () => {
    freeze();
    const { body, headers } = signed();
    const web = new Headers(headers);
    web.append("webhook-signature", sign(OTHER_SECRET, ID, NOW, BODY));
    await expect(verifyWebhook({ body, headers: web, secret: SECRET })).resolves.toStrictEqual(JSON.parse(BODY));
  });
});

// ---------------------------------------------------------------------------------------
// Each failure reason
// ---------------------------------------------------------------------------------------

describe("missing headers", () => {
  test.each(NAMES)("without %s (plain record): missing_header naming it", async (name) => {
    freeze();
    const { body, headers } = signed();
    const { [name]: _dropped, ...rest } = headers;
    const error = await failure(verifyWebhook({ body, headers: rest, secret: SECRET }));
    expect(error.reason).toBe("missing_header");
    expect(error.message).toBe(`missing header: ${name}.`);
  });

  test.each(NAMES)("without %s (web Headers): missing_header naming it", async (name) => {
    freeze();
    const { body, headers } = signed();
    const web = new Headers(headers);
    web.delete(name);
    const error = await failure(verifyWebhook({ body, headers: web, secret: SECRET }));
    expect(error.reason).toBe("missing_header");
    expect(error.message).toContain(name);
    for (const other of NAMES.filter((n) => n !== name)) expect(error.message).not.toContain(other);
  });

  test("with none of them: all three are named", async () => {
    freeze();
    const error = await failure(verifyWebhook({ body: BODY, headers: { "content-type": "x" }, secret: SECRET }));
    expect(error.reason).toBe("missing_header");
    expect(error.message).toBe("missing header: webhook-id, webhook-timestamp, webhook-signature.");
  });

  test.each(["webhook-id", "webhook-signature"] as const)("an empty %s counts as missing", async (name) => {
    freeze();
    const { body, headers } = signed();
    const error = await failure(verifyWebhook({ body, headers: { ...headers, [name]: "" }, secret: SECRET }));
    expect(error.reason).toBe("missing_header");
    expect(error.message).toContain(name);
  });

  test("an undefined value in a Node-style record counts as missing", async () => {
    freeze();
    const { body, headers } = signed();
    const error = await failure(
      verifyWebhook({ body, headers: { ...headers, "webhook-id": undefined }, secret: SECRET }),
    );
    expect(error.reason).toBe("missing_header");
    expect(error.message).toContain("webhook-id");
  });
});

describe("invalid timestamps", () => {
  test.each([
    ["non-numeric", "yesterday"],
    ["negative", `-${NOW}`],
    ["decimal", `${NOW}.5`],
    ["decimal .0", `${NOW}.0`],
    ["exponent", "1.7e9"],
    ["hexadecimal", "0x69559a00"],
    ["leading plus", `+${NOW}`],
    ["leading space", ` ${NOW}`],
    ["trailing garbage", `${NOW}s`],
    ["milliseconds beyond 15 digits", "1767225600000000"],
    ["Infinity", "Infinity"],
    ["NaN", "NaN"],
    ["non-ASCII digits", "١٧٦٧٢٢٥٦٠٠"],
  ])("%s (%j) is invalid_timestamp", async (_label, timestamp) => {
    freeze();
    // Signed over the bad timestamp: authentic, but still refused.
    const options = signed({ timestamp });
    expect(await reasonOf(options)).toBe("invalid_timestamp");
  });

  test("an empty timestamp is refused", async () => {
    freeze();
    const options = signed({ timestamp: "" });
    expect(["invalid_timestamp", "missing_header"]).toContain(await reasonOf(options));
  });

  // An empty timestamp is present but not whole seconds.
  test("an empty timestamp is invalid_timestamp", async () => {
    freeze();
    expect(await reasonOf(signed({ timestamp: "" }))).toBe("invalid_timestamp");
  });
});

describe("invalid secrets", () => {
  test.each<[string, string | readonly string[]]>([
    ["whsec_ alone", "whsec_"],
    ["an empty string", ""],
    ["not base64", "not base64!"],
    ["whsec_ and not base64", "whsec_not base64!"],
    ["a wrong length (whsec_abc)", "whsec_abc"],
    ["base64url characters", "whsec_ab-_"],
    ["padding in the middle", "whsec_ab=c"],
    ["an empty array", []],
    ["an array with a malformed secret beside a good one", [SECRET, "whsec_abc"]],
    ["an array holding a non-string", [SECRET, 42 as unknown as string]],
  ])("%s is invalid_secret", async (_label, secret) => {
    freeze();
    const { body, headers } = signed();
    expect(await reasonOf({ body, headers, secret })).toBe("invalid_secret");
  });
});

describe("signatures", () => {
  test.each([
    ["v1a only", (sig: string) => `v1a,${sig.slice(3)}`],
    ["v2 only", (sig: string) => `v2,${sig.slice(3)}`],
    ["v1a and v2", (sig: string) => `v1a,${sig.slice(3)} v2,${sig.slice(3)}`],
    ["an upper-case V1", (sig: string) => `V1,${sig.slice(3)}`],
    ["no version", (sig: string) => sig.slice(3)],
    ["v1 with an empty value", () => "v1,"],
    ["v1 with a value that is not base64", () => "v1,@@@@"],
  ])("%s: no_signature", async (_label, rewrite) => {
    freeze();
    const { body, headers } = signed();
    const signature = rewrite(headers["webhook-signature"] as string);
    expect(await reasonOf({ body, headers: { ...headers, "webhook-signature": signature }, secret: SECRET })).toBe(
      "no_signature",
    );
  });

  test.each([
    ["signed with another secret", () => sign(OTHER_SECRET, ID, NOW, BODY)],
    ["signed for another id", () => sign(SECRET, "msg_other", NOW, BODY)],
    ["signed for another timestamp", () => sign(SECRET, ID, NOW - 1, BODY)],
    ["signed for another body", () => sign(SECRET, ID, NOW, `${BODY} `)],
    ["32 zero bytes", () => `v1,${Buffer.alloc(32).toString("base64")}`],
    ["a short base64 value", () => "v1,AAAA"],
  ])("a wrong signature (%s): signature_mismatch", async (_label, make) => {
    freeze();
    const { body, headers } = signed();
    expect(await reasonOf({ body, headers: { ...headers, "webhook-signature": make() }, secret: SECRET })).toBe(
      "signature_mismatch",
    );
  });

  test.each([
    ["plain text", "not json"],
    ["an empty body", ""],
    ["truncated JSON", '{"id":"p1",'],
    ["JSON with a trailing comma", '{"id":"p1",}'],
  ])("an authentic but non-JSON body (%s): invalid_json", async (_label, body) => {
    freeze();
    expect(await reasonOf(signed({ body }))).toBe("invalid_json");
  });
});

// ---------------------------------------------------------------------------------------
// Freshness
// ---------------------------------------------------------------------------------------

describe("timestamp tolerance (frozen clock)", () => {
  test.each<[string, number, WebhookFailureReason | "ok"]>([
    ["now", 0, "ok"],
    ["exactly 300 s old", -300, "ok"],
    ["301 s old", -301, "timestamp_too_old"],
    ["exactly 300 s ahead", 300, "ok"],
    ["301 s ahead", 301, "timestamp_too_new"],
    ["a day old", -86_400, "timestamp_too_old"],
    ["the epoch", -NOW, "timestamp_too_old"],
    ["a day ahead", 86_400, "timestamp_too_new"],
  ])("default 300 s: %s → %s", async (_label, offset, expected) => {
    freeze();
    const options = signed({ timestamp: NOW + offset });
    if (expected === "ok") await expect(verifyWebhook(options)).resolves.toStrictEqual(JSON.parse(BODY));
    else expect(await reasonOf(options)).toBe(expected);
  });

  test("the message says how far off the timestamp is", async () => {
    freeze();
    expect((await failure(verifyWebhook(signed({ timestamp: NOW - 301 })))).message).toBe("timestamp is 301 s old.");
    expect((await failure(verifyWebhook(signed({ timestamp: NOW + 301 })))).message).toBe(
      "timestamp is 301 s in the future.",
    );
  });

  test.each<[number, number, WebhookFailureReason | "ok"]>([
    [10, -10, "ok"],
    [10, 10, "ok"],
    [10, -11, "timestamp_too_old"],
    [10, 11, "timestamp_too_new"],
    [0, 0, "ok"],
    [0, -1, "timestamp_too_old"],
    [0, 1, "timestamp_too_new"],
    [3600, -3600, "ok"],
    [3600, 3600, "ok"],
    [3600, -3601, "timestamp_too_old"],
    [3600, 3601, "timestamp_too_new"],
    [3600, -301, "ok"],
  ])("toleranceSec %i, offset %i → %s", async (toleranceSec, offset, expected) => {
    freeze();
    const options = { ...signed({ timestamp: NOW + offset }), toleranceSec };
    if (expected === "ok") await expect(verifyWebhook(options)).resolves.toStrictEqual(JSON.parse(BODY));
    else expect(await reasonOf(options)).toBe(expected);
  });

  test("the same webhook is accepted, then refused once the clock moves past the tolerance", async () => {
    freeze();
    const options = signed();
    await expect(verifyWebhook(options)).resolves.toBeDefined();
    vi.setSystemTime((NOW + 300) * 1000);
    await expect(verifyWebhook(options)).resolves.toBeDefined();
    vi.setSystemTime((NOW + 301) * 1000);
    expect(await reasonOf(options)).toBe("timestamp_too_old");
  });

  // A NaN tolerance (e.g. Number(process.env.X) with X unset) must fail closed.
  test("toleranceSec NaN does not disable the freshness check", async () => {
    freeze();
    const options = { ...signed({ timestamp: NOW - 10 * 86_400 }), toleranceSec: Number.NaN };
    await expect(verifyWebhook(options)).rejects.toThrow();
  });
});

// ---------------------------------------------------------------------------------------
// Several signatures, rotation
// ---------------------------------------------------------------------------------------

describe("several signatures and secret rotation", () => {
  const wrongA = () => sign(OTHER_SECRET, ID, NOW, BODY);
  const wrongB = () => `v1,${Buffer.alloc(32, 7).toString("base64")}`;

  test.each([
    ["first", (valid: string) => [valid, wrongA(), wrongB()]],
    ["middle", (valid: string) => [wrongA(), valid, wrongB()]],
    ["last", (valid: string) => [wrongA(), wrongB(), valid]],
  ])("the valid signature %s of three (space-separated)", async (_label, arrange) => {
    freeze();
    const { body, headers } = signed();
    const signature = arrange(headers["webhook-signature"] as string).join(" ");
    await expect(
      verifyWebhook({ body, headers: { ...headers, "webhook-signature": signature }, secret: SECRET }),
    ).resolves.toStrictEqual(JSON.parse(BODY));
  });

  test.each([
    ["before", (valid: string) => `v1a,${valid.slice(3)} ${valid}`],
    ["after", (valid: string) => `${valid} v1a,${Buffer.alloc(32).toString("base64")}`],
    ["between others", (valid: string) => `v2,xyz ${wrongA()} v1a,abc= ${valid} ${wrongB()}`],
  ])("a v1a entry mixed in %s", async (_label, arrange) => {
    freeze();
    const { body, headers } = signed();
    const signature = arrange(headers["webhook-signature"] as string);
    await expect(
      verifyWebhook({ body, headers: { ...headers, "webhook-signature": signature }, secret: SECRET }),
    ).resolves.toStrictEqual(JSON.parse(BODY));
  });

  test("several wrong signatures alone: signature_mismatch", async () => {
    freeze();
    const { body, headers } = signed();
    const signature = [wrongA(), wrongB(), "v1a,abcd"].join(" ");
    expect(await reasonOf({ body, headers: { ...headers, "webhook-signature": signature }, secret: SECRET })).toBe(
      "signature_mismatch",
    );
  });

  test("rotation: [newSecret, oldSecret] accepts webhooks signed with either", async () => {
    freeze();
    const secret = [SECRET, OLD_SECRET] as const;
    for (const signer of [SECRET, OLD_SECRET]) {
      const { body, headers } = signed({ secret: signer });
      await expect(verifyWebhook({ body, headers, secret })).resolves.toStrictEqual(JSON.parse(BODY));
    }
  });

  test("rotation: the old secret alone accepts a header carrying both signatures", async () => {
    freeze();
    const both = `${sign(SECRET, ID, NOW, BODY)} ${sign(OLD_SECRET, ID, NOW, BODY)}`;
    const headers = headersOf(ID, NOW, both);
    await expect(verifyWebhook({ body: BODY, headers, secret: OLD_SECRET })).resolves.toBeDefined();
    await expect(verifyWebhook({ body: BODY, headers, secret: [SECRET] })).resolves.toBeDefined();
  });

  test("a single wrong secret rejects (as a string and as a one-element array)", async () => {
    freeze();
    const { body, headers } = signed({ secret: OLD_SECRET });
    expect(await reasonOf({ body, headers, secret: SECRET })).toBe("signature_mismatch");
    expect(await reasonOf({ body, headers, secret: [SECRET] })).toBe("signature_mismatch");
    expect(await reasonOf({ body, headers, secret: [SECRET, OTHER_SECRET] })).toBe("signature_mismatch");
  });
});

// ---------------------------------------------------------------------------------------
// Fuzz: no mutation of a valid webhook may be accepted
// ---------------------------------------------------------------------------------------

const BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Strictly decoded base64 (canonical or not), or undefined when not well-formed. */
function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, "base64");
}

type Mutation =
  | { part: "id"; op: "flip" | "insert" | "delete"; index: number; char: number }
  | { part: "timestamp"; op: "shift"; delta: number }
  | { part: "timestamp"; op: "leading-zero" }
  | { part: "body-bytes"; op: "flip" | "insert" | "delete"; index: number; byte: number }
  | { part: "body-text"; op: "flip" | "insert" | "delete"; index: number; char: string }
  | { part: "signature"; op: "flip"; index: number; char: number }
  | { part: "signature"; op: "truncate"; length: number }
  | { part: "signature"; op: "extend"; suffix: string };

const editOp = fc.constantFrom("flip" as const, "insert" as const, "delete" as const);
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ part: fc.constant("id" as const), op: editOp, index: fc.nat(), char: fc.integer({ min: 1, max: 94 }) }),
  fc.oneof(
    fc.record({
      part: fc.constant("timestamp" as const),
      op: fc.constant("shift" as const),
      delta: fc.integer({ min: -300, max: 300 }).filter((d) => d !== 0),
    }),
    fc.record({ part: fc.constant("timestamp" as const), op: fc.constant("leading-zero" as const) }),
  ),
  fc.record({
    part: fc.constant("body-bytes" as const),
    op: editOp,
    index: fc.nat(),
    byte: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({
    part: fc.constant("body-text" as const),
    op: editOp,
    index: fc.nat(),
    char: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
  }),
  fc.oneof(
    fc.record({
      part: fc.constant("signature" as const),
      op: fc.constant("flip" as const),
      index: fc.nat(),
      char: fc.integer({ min: 1, max: 63 }),
    }),
    fc.record({ part: fc.constant("signature" as const), op: fc.constant("truncate" as const), length: fc.nat() }),
    fc.record({
      part: fc.constant("signature" as const),
      op: fc.constant("extend" as const),
      suffix: fc.string({ unit: fc.constantFrom(...`${BASE64_ALPHABET}=`), minLength: 1, maxLength: 8 }),
    }),
  ),
);

/** A printable ASCII character other than `current` (offset 1..94 around the 95 printables). */
const otherPrintable = (current: string, offset: number) =>
  String.fromCharCode(((((current.charCodeAt(0) - 0x20) % 95) + 95 + offset) % 95) + 0x20);

function editString(text: string, op: "flip" | "insert" | "delete", index: number, char: string): string {
  const i = index % (op === "insert" ? text.length + 1 : text.length);
  if (op === "insert") return text.slice(0, i) + char + text.slice(i);
  if (op === "delete") return text.slice(0, i) + text.slice(i + 1);
  return text.slice(0, i) + char + text.slice(i + 1);
}

describe("fuzz", () => {
  // Unicode in the body so byte edits split multi-byte characters, and text edits meet surrogates.
  const FUZZ_BODY = '{"id":"p1","status":"processing","output":["héllo","🦙 日本"],"logs":"step 1/3\\n"}';
  const FUZZ_BYTES = encoder.encode(FUZZ_BODY);
  const VALID_SIG = sign(SECRET, ID, NOW, FUZZ_BODY);
  const VALID_SIG_BYTES = decodeBase64(VALID_SIG.slice(3)) as Buffer;

  function apply(m: Mutation): VerifyWebhookOptions | undefined {
    let id: string = ID;
    let timestamp = String(NOW);
    let body: string | Uint8Array = FUZZ_BODY;
    let signature = VALID_SIG;
    switch (m.part) {
      case "id": {
        const at = m.index % ID.length;
        const char =
          m.op === "flip" ? otherPrintable(ID.charAt(at), m.char) : String.fromCharCode(0x20 + (m.char % 95));
        id = editString(ID, m.op, m.index, char);
        break;
      }
      case "timestamp":
        timestamp = m.op === "shift" ? String(NOW + m.delta) : `0${NOW}`;
        break;
      case "body-bytes": {
        const i = m.index % (m.op === "insert" ? FUZZ_BYTES.length + 1 : FUZZ_BYTES.length);
        const bytes = Array.from(FUZZ_BYTES);
        if (m.op === "flip") bytes[i] = (bytes[i] as number) ^ m.byte;
        else if (m.op === "insert") bytes.splice(i, 0, m.byte - 1);
        else bytes.splice(i, 1);
        body = Uint8Array.from(bytes);
        break;
      }
      case "body-text": {
        const text = editString(FUZZ_BODY, m.op, m.index, m.char);
        // Lone surrogates become U+FFFD; a mutation that leaves the bytes alone is no mutation.
        if (Buffer.from(text).equals(Buffer.from(FUZZ_BODY))) return undefined;
        body = text;
        break;
      }
      case "signature": {
        if (m.op === "flip") {
          const at = m.index % VALID_SIG.length;
          const current = VALID_SIG.charAt(at);
          const pos = BASE64_ALPHABET.indexOf(current);
          const char =
            pos === -1
              ? BASE64_ALPHABET.charAt(m.char)
              : BASE64_ALPHABET.charAt((pos + m.char) % BASE64_ALPHABET.length);
          signature = VALID_SIG.slice(0, at) + char + VALID_SIG.slice(at + 1);
        } else if (m.op === "truncate") signature = VALID_SIG.slice(0, m.length % VALID_SIG.length);
        else signature = VALID_SIG + m.suffix;
        // Changing only the unused low bits of the last base64 digit keeps the same bytes:
        // covered (as a known bug) by its own test below, left out of this one.
        const decoded = signature.startsWith("v1,") ? decodeBase64(signature.slice(3)) : undefined;
        if (decoded?.equals(VALID_SIG_BYTES)) return undefined;
        break;
      }
    }
    return { body, headers: headersOf(id, timestamp, signature), secret: SECRET };
  }

  test("the unmutated webhook is accepted (the fuzz below is not vacuous)", async () => {
    freeze();
    await expect(
      verifyWebhook({ body: FUZZ_BODY, headers: headersOf(ID, NOW, VALID_SIG), secret: SECRET }),
    ).resolves.toStrictEqual(JSON.parse(FUZZ_BODY));
    await expect(
      verifyWebhook({ body: FUZZ_BYTES, headers: headersOf(ID, NOW, VALID_SIG), secret: SECRET }),
    ).resolves.toStrictEqual(JSON.parse(FUZZ_BODY));
  });

  test("3000 random mutations of id, timestamp, body and signature are all refused", async () => {
    freeze();
    const seen: Record<string, number> = {};
    let skipped = 0;
    await fc.assert(
      fc.asyncProperty(mutationArb, async (m) => {
        const options = apply(m);
        if (!options) {
          skipped++;
          return;
        }
        seen[m.part] = (seen[m.part] ?? 0) + 1;
        const error = await failure(verifyWebhook(options));
        // An empty signature header (truncated to nothing) is missing_header.
        if (m.part === "signature")
          expect(["missing_header", "no_signature", "signature_mismatch"]).toContain(error.reason);
        else expect(error.reason).toBe("signature_mismatch");
      }),
      { numRuns: 3000, seed: 0x5eed },
    );
    for (const part of ["id", "timestamp", "body-bytes", "body-text", "signature"]) {
      expect(seen[part] ?? 0, part).toBeGreaterThan(300);
    }
    expect(skipped).toBeLessThan(100);
  });

  // Only the canonical base64 spelling of a signature counts, as in the reference libraries.
  test("a non-canonical encoding of the valid signature is refused", async () => {
    freeze(VECTOR.timestamp);
    const signature = VECTOR.signature.replace(/E=$/, "F=");
    expect(signature).not.toBe(VECTOR.signature);
    const headers = headersOf(VECTOR.id, VECTOR.timestamp, signature);
    await expect(verifyWebhook({ body: VECTOR.body, headers, secret: VECTOR.secret })).rejects.toBeInstanceOf(
      WebhookVerificationError,
    );
  });
});

// ---------------------------------------------------------------------------------------
// verifyWebhookRequest
// ---------------------------------------------------------------------------------------

const URL_ = "https://example.com/api/webhooks/replicate";

function requestOf(options: { body: string | Uint8Array<ArrayBuffer>; headers: Record<string, string> }): Request {
  return new Request(URL_, {
    method: "POST",
    body: options.body,
    headers: { "content-type": "application/json", ...options.headers },
  });
}

/** The README's minimal handler. */
const handler = async (request: Request): Promise<Response> => {
  try {
    const prediction = await verifyWebhookRequest(request, SECRET);
    expect(prediction).toBeTypeOf("object");
    return new Response(null, { status: 204 });
  } catch (e) {
    if (e instanceof WebhookVerificationError) return new Response(e.reason, { status: 400 });
    throw e;
  }
};

describe("verifyWebhookRequest", () => {
  test("a Request with the raw body and headers returns the payload", async () => {
    freeze();
    const payload = await verifyWebhookRequest<WebhookPayload>(requestOf(signed()), SECRET);
    expect(payload).toStrictEqual(JSON.parse(BODY));
    expect(payload.status).toBe("succeeded");
  });

  test("a non-ASCII body sent as bytes", async () => {
    freeze();
    const text = '{"id":"p1","status":"succeeded","output":"日本語 🦙 héllo"}';
    const { headers } = signed({ body: text });
    await expect(
      verifyWebhookRequest(requestOf({ body: encoder.encode(text), headers }), SECRET),
    ).resolves.toStrictEqual(JSON.parse(text));
  });

  test("accepts several secrets", async () => {
    freeze();
    const request = requestOf(signed({ secret: OLD_SECRET }));
    await expect(verifyWebhookRequest(request, [SECRET, OLD_SECRET])).resolves.toStrictEqual(JSON.parse(BODY));
  });

  test("passes toleranceSec through", async () => {
    freeze();
    const stale = signed({ timestamp: NOW - 400 });
    expect((await failure(verifyWebhookRequest(requestOf(stale), SECRET))).reason).toBe("timestamp_too_old");
    await expect(verifyWebhookRequest(requestOf(stale), SECRET, { toleranceSec: 600 })).resolves.toStrictEqual(
      JSON.parse(BODY),
    );
    await expect(verifyWebhookRequest(requestOf(signed()), SECRET, { toleranceSec: 0 })).resolves.toBeDefined();
    const oneSecond = requestOf(signed({ timestamp: NOW - 1 }));
    expect((await failure(verifyWebhookRequest(oneSecond, SECRET, { toleranceSec: 0 }))).reason).toBe(
      "timestamp_too_old",
    );
  });

  test("reads the body once: a second call on the same Request rejects", async () => {
    freeze();
    const request = requestOf(signed());
    await expect(verifyWebhookRequest(request, SECRET)).resolves.toBeDefined();
    expect(request.bodyUsed).toBe(true);
    await expect(verifyWebhookRequest(request, SECRET)).rejects.toThrow();
  });

  test("a forged Request is refused with the reason", async () => {
    freeze();
    const { headers } = signed();
    const forged = requestOf({ body: BODY.replace("succeeded", "failed"), headers });
    expect((await failure(verifyWebhookRequest(forged, SECRET))).reason).toBe("signature_mismatch");
  });

  test("the README's handler: 204 for a valid webhook", async () => {
    freeze();
    const response = await handler(requestOf(signed()));
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });

  test.each<[string, () => Request, WebhookFailureReason]>([
    ["a forged body", () => requestOf({ ...signed(), body: BODY.replace("https", "http") }), "signature_mismatch"],
    ["a foreign secret", () => requestOf(signed({ secret: OTHER_SECRET })), "signature_mismatch"],
    ["no signature headers", () => requestOf({ body: BODY, headers: {} }), "missing_header"],
    ["a replay from yesterday", () => requestOf(signed({ timestamp: NOW - 86_400 })), "timestamp_too_old"],
    ["only a v1a signature", () => requestOf({ ...signed(), headers: headersOf(ID, NOW, "v1a,abcd") }), "no_signature"],
  ])("the README's handler: 400 with the reason for %s", async (_label, make, reason) => {
    freeze();
    const response = await handler(make());
    expect(response.status).toBe(400);
    expect(await response.text()).toBe(reason);
  });
});

// ---------------------------------------------------------------------------------------
// webhookEvent
// ---------------------------------------------------------------------------------------

describe("webhookEvent", () => {
  const payload = (fields: Record<string, unknown>) =>
    ({ id: "p1", model: "a/b", version: "v", input: {}, logs: "", ...fields }) as unknown as WebhookPayload;

  test.each<[string, ReturnType<typeof webhookEvent>, Record<string, unknown>]>([
    ["starting", "start", { status: "starting", output: null }],
    ["processing with an array output", "output", { status: "processing", output: ["a"] }],
    ["processing with a string output", "output", { status: "processing", output: "hello" }],
    ["processing with an object output", "output", { status: "processing", output: { text: "x" } }],
    ["processing with null output", "logs", { status: "processing", output: null }],
    ["processing without output", "logs", { status: "processing" }],
    ["succeeded", "completed", { status: "succeeded", output: ["a"] }],
    ["failed", "completed", { status: "failed", output: null, error: "boom" }],
    ["canceled", "completed", { status: "canceled", output: null }],
    ["aborted", "completed", { status: "aborted", output: null }],
    [
      "a succeeded training",
      "completed",
      { status: "succeeded", output: { version: "a/b:123", weights: "https://w" } },
    ],
  ])("%s → %s", (_label, expected, fields) => {
    expect(webhookEvent(payload(fields))).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------
// webhookSecret(replicate)
// ---------------------------------------------------------------------------------------

const ORIGIN = "https://api.replicate.com";
const SECRET_PATH = "/v1/webhooks/default/secret";

function serveSecret(status: number, body: unknown) {
  return nock(ORIGIN)
    .get(SECRET_PATH)
    .matchHeader("authorization", "Bearer r8_test")
    .reply(status, JSON.stringify(body), { "content-type": "application/json" });
}

describe("webhookSecret(replicate)", () => {
  test("GETs /v1/webhooks/default/secret with the token and returns key; the second call is cached", async () => {
    const replicate = createReplicate({ auth: "r8_test", retry: false });
    const scope = serveSecret(200, { key: SECRET });
    await expect(webhookSecret(replicate)).resolves.toBe(SECRET);
    expect(scope.isDone()).toBe(true);
    // No interceptor left: with net connect disabled, a second request would fail.
    await expect(webhookSecret(replicate)).resolves.toBe(SECRET);
    await expect(webhookSecret(replicate, {})).resolves.toBe(SECRET);
    await expect(webhookSecret(replicate, { refresh: false })).resolves.toBe(SECRET);
  });

  test("concurrent first calls share one request", async () => {
    const replicate = createReplicate({ auth: "r8_test", retry: false });
    serveSecret(200, { key: SECRET });
    await expect(Promise.all([webhookSecret(replicate), webhookSecret(replicate)])).resolves.toStrictEqual([
      SECRET,
      SECRET,
    ]);
  });

  test("{ refresh: true } fetches again, and the new key is then cached", async () => {
    const replicate = createReplicate({ auth: "r8_test", retry: false });
    serveSecret(200, { key: OLD_SECRET });
    await expect(webhookSecret(replicate)).resolves.toBe(OLD_SECRET);
    const second = serveSecret(200, { key: SECRET });
    await expect(webhookSecret(replicate, { refresh: true })).resolves.toBe(SECRET);
    expect(second.isDone()).toBe(true);
    await expect(webhookSecret(replicate)).resolves.toBe(SECRET);
  });

  test("a failed fetch (500) is not cached: the next call fetches again", async () => {
    const replicate = createReplicate({ auth: "r8_test", retry: false });
    serveSecret(500, { title: "Internal Server Error", detail: "boom" });
    const error = await webhookSecret(replicate).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(500);
    serveSecret(200, { key: SECRET });
    await expect(webhookSecret(replicate)).resolves.toBe(SECRET);
    await expect(webhookSecret(replicate)).resolves.toBe(SECRET);
  });

  test("a response without key rejects with a ReplicateError and is not cached", async () => {
    const replicate = createReplicate({ auth: "r8_test", retry: false });
    serveSecret(200, {});
    await expect(webhookSecret(replicate)).rejects.toThrow(/no webhook secret/);
    serveSecret(200, { key: SECRET });
    await expect(webhookSecret(replicate)).resolves.toBe(SECRET);
  });

  test("the cache is per client", async () => {
    const a = createReplicate({ auth: "r8_test", retry: false });
    const b = createReplicate({ auth: "r8_test", retry: false });
    serveSecret(200, { key: SECRET });
    serveSecret(200, { key: OLD_SECRET });
    await expect(webhookSecret(a)).resolves.toBe(SECRET);
    await expect(webhookSecret(b)).resolves.toBe(OLD_SECRET);
    await expect(webhookSecret(a)).resolves.toBe(SECRET);
  });

  test("the fetched secret verifies a webhook signed with it", async () => {
    const replicate = createReplicate({ auth: "r8_test", retry: false });
    serveSecret(200, { key: SECRET });
    const secret = await webhookSecret(replicate);
    freeze();
    await expect(verifyWebhook({ ...signed(), secret })).resolves.toStrictEqual(JSON.parse(BODY));
    await expect(verifyWebhookRequest(requestOf(signed()), secret)).resolves.toStrictEqual(JSON.parse(BODY));
    expect(await reasonOf({ ...signed({ secret: OTHER_SECRET }), secret })).toBe("signature_mismatch");
  });
});

// ---------------------------------------------------------------------------------------
// The error type
// ---------------------------------------------------------------------------------------

describe("WebhookVerificationError", () => {
  const MALFORMED = `${SECRET}!`;
  const cases: [WebhookFailureReason, () => VerifyWebhookOptions][] = [
    ["invalid_body", () => ({ ...signed(), body: {} as unknown as string })],
    ["invalid_secret", () => ({ ...signed(), secret: MALFORMED })],
    ["missing_header", () => ({ ...signed(), headers: {} })],
    ["invalid_timestamp", () => signed({ timestamp: "soon" })],
    ["timestamp_too_old", () => signed({ timestamp: NOW - 301 })],
    ["timestamp_too_new", () => signed({ timestamp: NOW + 301 })],
    ["no_signature", () => ({ ...signed(), headers: headersOf(ID, NOW, "v1a,abcd") })],
    ["signature_mismatch", () => signed({ secret: OTHER_SECRET })],
    ["invalid_json", () => signed({ body: "<xml/>" })],
  ];

  test.each(cases)("%s: typed, named, and the secret never appears in it", async (reason, make) => {
    freeze();
    const options = make();
    let caught: unknown;
    await verifyWebhook(options).catch((e: unknown) => {
      caught = e;
    });
    expect(caught).toBeInstanceOf(WebhookVerificationError);
    expect(caught).toBeInstanceOf(ReplicateError);
    expect(caught).toBeInstanceOf(Error);
    expect(isReplicateError(caught)).toBe(true);
    const error = caught as WebhookVerificationError;
    expect(error.name).toBe("WebhookVerificationError");
    expect(error.reason).toBe(reason);
    expect(error.message.length).toBeGreaterThan(0);
    const texts = [error.message, String(error), JSON.stringify(error), error.stack ?? ""];
    for (const text of texts) {
      for (const secret of [SECRET, SECRET_B64, OTHER_SECRET, MALFORMED, b64Secret("other")]) {
        expect(text).not.toContain(secret);
      }
    }
  });

  test("every reason above is distinct and reachable", () => {
    expect(new Set(cases.map(([reason]) => reason)).size).toBe(9);
  });

  test("the reason is readable on a typed catch", async () => {
    freeze();
    const headers: WebhookHeaders = new Headers();
    const reason: WebhookFailureReason | undefined = await verifyWebhook({ body: BODY, headers, secret: SECRET }).then(
      () => undefined,
      (e: unknown) => (e instanceof WebhookVerificationError ? e.reason : undefined),
    );
    expect(reason).toBe("missing_header");
  });
});

describe("signWebhook", () => {
  test("reproduces the public test vector's signature, and verifyWebhook accepts what it signs", async () => {
    const vector = {
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
      timestamp: "1614265330",
      body: '{"test": 2432232314}',
    };
    const signature = await signWebhook(vector);
    expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    vi.useFakeTimers({ now: 1614265330 * 1000, toFake: ["Date"] });
    try {
      const headers = {
        "webhook-id": vector.id,
        "webhook-timestamp": vector.timestamp,
        "webhook-signature": signature,
      };
      await expect(verifyWebhook({ body: vector.body, headers, secret: vector.secret })).resolves.toEqual({
        test: 2432232314,
      });
    } finally {
      vi.useRealTimers();
    }
  });

  test("refuses a malformed secret", async () => {
    await expect(signWebhook({ secret: "whsec_!!", id: "a", timestamp: "1", body: "{}" })).rejects.toMatchObject({
      reason: "invalid_secret",
    });
  });
});
