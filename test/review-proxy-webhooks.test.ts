// Adversarial review of createProxy and webhook verification: attacks the other suites do
// not make. Upstreams are loopback servers on 127.0.0.1 (port 0) or in-process stubs; the
// proxy's own `fetch` is left at the default where redirects and the wire matter.
import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  InputError,
  ReplicateError,
  verifyWebhook,
  verifyWebhookRequest,
  WebhookVerificationError,
} from "../src/index.js";
import { createProxy } from "../src/proxy/proxy.js";
import { createStreamSigner } from "../src/proxy/stream-signing.js";
import { SVIX_VECTOR } from "./support/fixtures.js";
import { APP, SERVER_TOKEN, stubbed } from "./support/proxy.js";
import { json, startServer, type TestServer } from "./support/sse-server.js";

const servers: TestServer[] = [];
async function server(): Promise<TestServer> {
  const started = await startServer();
  servers.push(started);
  return started;
}

afterEach(async () => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A proxy in front of an in-process upstream that records what reached it. */

describe("createProxy: the token in errors", () => {
  it("refuses a malformed auth at creation, with an InputError that does not show it", () => {
    for (const auth of ["r8_SEKRIT\nXYZ", "r8_SEKRIT\u0000XYZ", "r8_SEKRIT\u201dXYZ"]) {
      let caught: unknown;
      try {
        createProxy({ prefix: "/api/replicate", allow: [], auth });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InputError);
      expect(`${String(caught)} ${(caught as Error).stack}`).not.toContain("SEKRIT");
    }
  });

  it("never puts a malformed REPLICATE_API_TOKEN in the error a request ends with, and sends nothing", async () => {
    vi.stubEnv("REPLICATE_API_TOKEN", "r8_SEKRIT\nXYZ");
    const sent: Request[] = [];
    const proxy = createProxy({
      prefix: "/api/replicate",
      allow: ["predictions.get"],
      fetch: async (request) => {
        sent.push(request);
        return Response.json({});
      },
    });
    const outcome = await proxy(new Request(`${APP}/api/replicate/predictions/p1`)).then(
      async (response) => `${response.status} ${await response.text()}`,
      (error: unknown) => {
        expect(error).toBeInstanceOf(ReplicateError);
        return `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`;
      },
    );
    expect(outcome).not.toContain("SEKRIT");
    expect(sent).toHaveLength(0);
  });
});

/** A proxy allowing predictions.get, in front of the loopback "API" `api`. */
const overLoopback = (api: TestServer) =>
  createProxy({
    prefix: "/api/replicate",
    allow: ["predictions.get"],
    auth: SERVER_TOKEN,
    upstream: `${api.origin}/v1`,
  });

describe("createProxy: redirects from upstream are never followed with the token", () => {
  it("does not follow a same-origin redirect to an operation it does not allow", async () => {
    const api = await server();
    api.on("GET", "/v1/predictions/p1", (_req, res) => {
      res.writeHead(302, { location: `${api.origin}/v1/account` }).end();
    });
    api.on("GET", "/v1/account", json(200, { username: "victim", secret: "account data" }));
    const proxy = overLoopback(api);
    const answer = await proxy(new Request(`${APP}/api/replicate/predictions/p1`));
    expect(api.lines()).toEqual(["GET /v1/predictions/p1"]);
    expect(answer.status).toBe(302);
    // Pointed back at the proxy, where the allow-list applies to it like any request.
    expect(answer.headers.get("location")).toBe(`${APP}/api/replicate/account`);
    expect(await answer.text()).not.toContain("account data");
    expect((await proxy(new Request(answer.headers.get("location") ?? ""))).status).toBe(403);
    expect(api.hits).toHaveLength(1);
  });

  it("does not follow a redirect from a stream URL to the webhook secret", async () => {
    const api = await server();
    api.on("GET", "/v1/predictions/p1", json(200, { id: "p1", urls: { stream: `${api.origin}/v1/stream/p1` } }));
    api.on("GET", "/v1/stream/p1", (_req, res) => {
      res.writeHead(307, { location: "/v1/webhooks/default/secret" }).end();
    });
    api.on("GET", "/v1/webhooks/default/secret", json(200, { key: "whsec_stolen" }));
    const proxy = overLoopback(api);
    const prediction = (await (await proxy(new Request(`${APP}/api/replicate/predictions/p1`))).json()) as {
      urls: { stream: string };
    };
    const answer = await proxy(new Request(prediction.urls.stream, { headers: { accept: "text/event-stream" } }));
    expect(api.lines()).toEqual(["GET /v1/predictions/p1", "GET /v1/stream/p1"]);
    expect(answer.status).toBe(307);
    // Relative, resolved against the stream URL, then pointed at the proxy (which refuses it).
    expect(answer.headers.get("location")).toBe(`${APP}/api/replicate/webhooks/default/secret`);
    expect(await answer.text()).not.toContain("whsec_stolen");
  });

  it("passes a redirect off the API on unchanged, without going there", async () => {
    const api = await server();
    const elsewhere = await server();
    api.on("GET", "/v1/predictions/p1", (_req, res) => {
      res.writeHead(301, { location: `${elsewhere.origin}/collect` }).end();
    });
    const proxy = overLoopback(api);
    const answer = await proxy(new Request(`${APP}/api/replicate/predictions/p1`));
    expect(answer.status).toBe(301);
    expect(answer.headers.get("location")).toBe(`${elsewhere.origin}/collect`);
    expect(api.lines()).toEqual(["GET /v1/predictions/p1"]);
    expect(api.hits[0]?.headers.authorization).toBe(`Bearer ${SERVER_TOKEN}`);
    expect(elsewhere.hits).toHaveLength(0);
  });
});

describe("createProxy: request targets", () => {
  it("refuses double-encoded slashes and dot segments, overlong or undecodable bytes and control characters in parameters", async () => {
    const { proxy, sent } = stubbed(["predictions.get", "models.get", "models.versions.get"], () => Response.json({}));
    for (const path of [
      "predictions/p1%252Fcancel",
      "predictions/p1%255Ccancel",
      "models/%252e%252e/account",
      "models/acme/%25252e%25252e",
      "models/acme/chat/versions/%252e%252e",
      "predictions/p1%c0%afcancel", // an overlong slash: a slash to old decoders
      "predictions/p1%e0%80%afcancel",
      "predictions/%ff",
      "predictions/%00", // "/predictions/" (predictions.list) to a server that stops at NUL
      "predictions/p1%0d%0aX-Injected:%201",
    ]) {
      const answer = await proxy(new Request(`${APP}/api/replicate/${path}`));
      expect(answer.status, path).toBe(403);
    }
    expect(sent).toHaveLength(0);
  });

  it("sends every request it forwards to the API's own origin, whatever tricks the path holds", async () => {
    const { proxy, sent } = stubbed(["predictions.get", "models.get"], () => Response.json({}));
    const tricks = [
      "predictions/p1@evil.example.test",
      "predictions/evil.example.test:443",
      "predictions/p1?x=//evil.example.test",
      "predictions/%40evil.example.test",
      "models/evil.example.test/x#@evil",
      "/evil.example.test/predictions/p1",
      "%2F%2Fevil.example.test/predictions/p1",
      "..%2F..%2Faccount",
      "predictions/..%5C..%5Caccount",
    ];
    const refused: string[] = [];
    for (const trick of tricks) {
      const answer = await proxy(new Request(`${APP}/api/replicate/${trick}`));
      if (answer.status === 403) refused.push(trick);
      else expect(answer.status, trick).toBe(200);
    }
    for (const request of sent) {
      expect(new URL(request.url).origin).toBe("https://api.replicate.com");
      expect(request.url).toMatch(/^https:\/\/api\.replicate\.com\/v1\/(predictions|models)\/[^/]+(\/[^/?]+)?(\?|$)/);
    }
    expect(refused).toEqual(tricks.slice(5));
  });

  it("ignores method-override headers and never forwards them, nor HEAD, OPTIONS or TRACE-like methods", async () => {
    const { proxy, sent } = stubbed(["predictions.get", "predictions.cancel"], () => Response.json({ id: "p1" }));
    const overrides = {
      "x-http-method-override": "DELETE",
      "x-http-method": "DELETE",
      "x-method-override": "DELETE",
      "x-forwarded-host": "evil.example.test",
      host: "evil.example.test",
      "proxy-authorization": "Basic eA==",
      "transfer-encoding": "chunked",
      forwarded: "host=evil.example.test",
    };
    const answer = await proxy(new Request(`${APP}/api/replicate/predictions/p1`, { headers: overrides }));
    expect(answer.status).toBe(200);
    expect(sent.map((r) => [r.method, r.url, Object.fromEntries(r.headers)])).toEqual([
      ["GET", "https://api.replicate.com/v1/predictions/p1", { authorization: `Bearer ${SERVER_TOKEN}` }],
    ]);
    for (const method of ["HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"]) {
      expect((await proxy(new Request(`${APP}/api/replicate/predictions/p1`, { method }))).status, method).toBe(403);
      expect((await proxy(new Request(`${APP}/api/replicate/predictions/p1/cancel`, { method }))).status).toBe(403);
    }
    expect(sent).toHaveLength(1);
  });
});

describe("createProxy: signed stream targets a server could read as an operation", () => {
  it("refuses targets that are an operation once decoded twice, or with `\\` read as `/`", async () => {
    const targets = [
      "https://api.replicate.com/v1/webhooks%252Fdefault%252Fsecret",
      "https://api.replicate.com/v1/stream/%252e%252e/account",
      "https://api.replicate.com/v1/stream/%2e%2e%5caccount",
      "https://api.replicate.com/v1/stream/..%5c..%5cv1%5caccount",
      "https://stream.replicate.com/v1/stream/%2e%2e%2f%2e%2e%2fv1%2fpredictions",
      "https://api.replicate.com/v1/stream/%2525252e%2525252e/account", // encoded over and over
    ];
    for (const stream of targets) {
      const { proxy, sent } = stubbed(["predictions.get"], () => Response.json({ id: "p1", urls: { stream } }));
      const issued = (await (await proxy(new Request(`${APP}/api/replicate/predictions/p1`))).json()) as {
        urls: { stream: string };
      };
      const answer = await proxy(new Request(issued.urls.stream));
      expect(answer.status, stream).toBe(403);
      expect(sent.map((r) => r.url)).toEqual(["https://api.replicate.com/v1/predictions/p1"]);
    }
  });
});

describe("createProxy: cross-site requests", () => {
  it("refuses what a browser labels cross-site, and serves same-origin, same-site and unlabelled requests", async () => {
    const { proxy, sent } = stubbed(["models.predictions.create"], () => Response.json({ id: "p1", urls: {} }));
    const create = (site?: string) =>
      proxy(
        new Request(`${APP}/api/replicate/models/acme/echo/predictions`, {
          method: "POST",
          headers: { "content-type": "text/plain", ...(site && { "sec-fetch-site": site }) },
          body: JSON.stringify({ input: {} }),
        }),
      );
    const refused = await create("cross-site");
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { detail: string }).detail).toBe("Cross-site requests are refused");
    expect(sent).toHaveLength(0);
    for (const site of ["same-origin", "same-site", "none", undefined]) expect((await create(site)).status).toBe(200);
    expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual(
      Array(4).fill("POST https://api.replicate.com/v1/models/acme/echo/predictions"),
    );
  });
});

describe("createProxy: the API out of reach", () => {
  it("answers a 502 problem, not the runtime's bare TypeError, and says nothing of the network", async () => {
    const { proxy, sent } = stubbed(["predictions.get"], () => {
      throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 10.0.0.7:443") });
    });
    const answer = await proxy(new Request(`${APP}/api/replicate/predictions/p1`));
    expect(answer.status).toBe(502);
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
    const text = await answer.text();
    expect(JSON.parse(text)).toEqual({ status: 502, title: "Bad Gateway", detail: "The API could not be reached" });
    expect(text).not.toContain("10.0.0.7");
    expect(sent).toHaveLength(1);
  });

  it("lets the browser's own abort through as it is", async () => {
    const controller = new AbortController();
    const { proxy } = stubbed(["predictions.get"], () => {
      controller.abort(new Error("browser left"));
      throw new DOMException("aborted", "AbortError");
    });
    const request = new Request(`${APP}/api/replicate/predictions/p1`, { signal: controller.signal });
    await expect(proxy(request)).rejects.toThrow("aborted");
  });
});

describe("createStreamSigner: an empty secret", () => {
  it("keys with random bytes, never with a key derived from the empty string anyone can compute", async () => {
    // Two signers on "" (createProxy({ auth: "" }) and no secret): with a derived key, each
    // would accept the other's URLs, and so would an attacker's own signer.
    const one = createStreamSigner("/api/replicate", () => "");
    const other = createStreamSigner("/api/replicate", () => "");
    const segment = await one.sign("https://stream.replicate.com/v1/files/abc");
    expect(await one.verify(segment)).toEqual({ ok: true, target: "https://stream.replicate.com/v1/files/abc" });
    expect((await other.verify(segment)).ok).toBe(false);
  });
});

describe("createProxy: answers it passes on", () => {
  it("passes a downloaded JSON file on byte for byte, signing no URL written in it", async () => {
    // A file anyone could have uploaded: what it says is not the API's to be trusted.
    const file = '{ "urls": { "stream": "https://api.replicate.com/v1/not/an/operation" }, "n": 12345678901234567890 }';
    const { proxy } = stubbed(
      ["files.download"],
      () => new Response(file, { headers: { "content-type": "application/json" } }),
    );
    const answer = await proxy(new Request(`${APP}/api/replicate/files/f1/download?owner=acme&expiry=1&signature=s`));
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe(file);
  });

  it("passes on a 204 labelled JSON instead of failing", async () => {
    const { proxy } = stubbed(
      ["models.delete"],
      () => new Response(null, { status: 204, headers: { "content-type": "application/json" } }),
    );
    const answer = await proxy(new Request(`${APP}/api/replicate/models/acme/chat`, { method: "DELETE" }));
    expect(answer.status).toBe(204);
    expect(answer.body).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------

const VECTOR = SVIX_VECTOR;

const freezeAtVector = () => vi.useFakeTimers({ now: VECTOR.timestamp * 1000, toFake: ["Date"] });

/** Independent of src/: node:crypto. */
function sign(secret: string, id: string, timestamp: number | string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

/** What `promise` rejects with (it must reject). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

describe("verifyWebhook: headers of every shape", () => {
  it("refuses non-string header values with a WebhookVerificationError, never a TypeError", async () => {
    freezeAtVector();
    for (const [name, value] of [
      ["webhook-signature", 12345],
      ["webhook-signature", { v1: "x" }],
      ["webhook-signature", true],
      ["webhook-id", 42],
    ] as const) {
      const headers = {
        "webhook-id": VECTOR.id,
        "webhook-timestamp": String(VECTOR.timestamp),
        "webhook-signature": VECTOR.signature,
        [name]: value,
      } as unknown as Record<string, string>;
      const error = await rejection(verifyWebhook({ body: VECTOR.body, headers, secret: VECTOR.secret }));
      expect(error, `${name}: ${String(value)}`).toBeInstanceOf(WebhookVerificationError);
    }
  });

  it("accepts a numeric webhook-timestamp in a plain record (JavaScript callers build these by hand)", async () => {
    freezeAtVector();
    const headers = {
      "webhook-id": VECTOR.id,
      "webhook-timestamp": VECTOR.timestamp,
      "webhook-signature": VECTOR.signature,
    };
    await expect(
      verifyWebhook({
        body: VECTOR.body,
        headers: headers as unknown as Record<string, string>,
        secret: VECTOR.secret,
      }),
    ).resolves.toEqual({ test: 2432232314 });
  });

  it("reads a Headers from another implementation (a polyfill, another realm) by its get()", async () => {
    freezeAtVector();
    const real = new Headers({
      "webhook-id": VECTOR.id,
      "webhook-timestamp": String(VECTOR.timestamp),
      "webhook-signature": VECTOR.signature,
    });
    // Not `instanceof Headers`, as one from node-fetch, undici's package or a vm context is not.
    const foreign = { get: (name: string) => real.get(name), has: (name: string) => real.has(name) };
    await expect(
      verifyWebhook({ body: VECTOR.body, headers: foreign as unknown as Headers, secret: VECTOR.secret }),
    ).resolves.toEqual({ test: 2432232314 });
  });
});

describe("verifyWebhookRequest: the request itself", () => {
  const request = () =>
    new Request("https://app.example.test/hooks", {
      method: "POST",
      body: VECTOR.body,
      headers: {
        "webhook-id": VECTOR.id,
        "webhook-timestamp": String(VECTOR.timestamp),
        "webhook-signature": sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body),
      },
    });

  it("says clearly that a body already read (request.json() first) cannot be verified", async () => {
    freezeAtVector();
    const used = request();
    await used.json();
    const error = await rejection(verifyWebhookRequest(used, VECTOR.secret));
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect(error).toMatchObject({ reason: "invalid_body" });
    expect(String(error)).toMatch(/already read/);
  });

  it("refuses something that is not a Request with an InputError", async () => {
    for (const notRequest of [undefined, null, { body: VECTOR.body }, VECTOR.body]) {
      const error = await rejection(verifyWebhookRequest(notRequest as unknown as Request, VECTOR.secret));
      expect(error).toBeInstanceOf(InputError);
    }
  });
});
