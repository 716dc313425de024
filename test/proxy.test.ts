// replicate-kit/proxy: a browser-side client with no token talks to the proxy on its own
// origin; the proxy forwards only allowed operations to the API (here the fake Replicate,
// which insists on the server's token), streams SSE through, and refuses the rest.
import { describe, expect, it } from "vitest";
import { ApiError, collectText, createPrediction, createReplicate, InputError, run, stream } from "../src/index.js";
import { createProxy, type ProxyOptions } from "../src/proxy/proxy.js";
import { createFakeReplicate } from "../src/testing/index.js";
import { APP, mountProxy, SERVER_TOKEN } from "./support/proxy.js";

const setup = (allow: ProxyOptions["allow"], options: Partial<ProxyOptions> = {}) =>
  mountProxy({ allow, ...options }, createFakeReplicate({ token: SERVER_TOKEN, startDelayMs: 1 }));

describe("createProxy", () => {
  it("runs an allowed model with the server's token, never the browser's", async () => {
    const { fake, proxy, browser, upstream } = setup(["models.predictions.create", "predictions.get"]);
    fake.model("acme/upper", (input) => String(input.text).toUpperCase());
    await expect(run(browser, "acme/upper", { input: { text: "hi" }, interval: { initialMs: 1 } })).resolves.toBe("HI");
    expect(upstream.length).toBeGreaterThan(0);
    for (const request of upstream) {
      expect(request.url.startsWith("https://api.replicate.com/v1/")).toBe(true);
      expect(request.headers.get("authorization")).toBe(`Bearer ${SERVER_TOKEN}`);
    }
    // A browser that sends its own Authorization does not get it through.
    const forged = await proxy(
      new Request(`${APP}/api/replicate/predictions/${[...fake.state.jobs.keys()][0]}`, {
        headers: { authorization: "Bearer stolen", cookie: "session=1" },
      }),
    );
    expect(forged.status).toBe(200);
    expect(upstream.at(-1)?.headers.get("authorization")).toBe(`Bearer ${SERVER_TOKEN}`);
    expect(upstream.at(-1)?.headers.has("cookie")).toBe(false);
  });

  it("refuses operations the server did not allow, paths outside it, and sends nothing", async () => {
    const { browser, proxy, upstream } = setup(["predictions.get"]);
    const error = await browser.account.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 403, detail: "GET /account is not allowed by this proxy" });
    expect((await proxy(new Request(`${APP}/elsewhere/account`))).status).toBe(403);
    expect((await proxy(new Request(`${APP}/api/replicate/no/such/path`))).status).toBe(403);
    expect((await proxy(new Request(`${APP}/api/replicate/predictions/p1`, { method: "DELETE" }))).status).toBe(403);
    expect(upstream).toHaveLength(0);
  });

  it("refuses a path parameter holding an encoded slash, which the API could route as another operation", async () => {
    const { proxy, upstream } = setup(["models.get", "predictions.get"]);
    for (const path of ["models/acme/chat%2Fversions", "predictions/p1%2Fcancel", "predictions/p1%5Ccancel"]) {
      const answer = await proxy(new Request(`${APP}/api/replicate/${path}`));
      expect(answer.status).toBe(403);
      expect(await answer.json()).toMatchObject({ detail: `GET /${path} is not allowed by this proxy` });
    }
    expect(upstream).toHaveLength(0);
  });

  it("streams SSE through untouched, via a stream URL rewritten onto the proxy", async () => {
    const { fake, browser, upstream } = setup(["models.predictions.create", "predictions.get"]);
    fake.model("acme/chat", async function* () {
      for (const word of ["Hello", " from", " the", " proxy"]) yield word;
    });
    const prediction = await createPrediction(browser, "acme/chat", { input: {} });
    expect(prediction.urls.stream?.startsWith(`${APP}/api/replicate/__stream/`)).toBe(true);
    expect(await collectText(stream(browser, prediction))).toBe("Hello from the proxy");
    const streamed = upstream.filter((r) => r.url.includes("/stream/"));
    expect(streamed.length).toBeGreaterThan(0);
    expect(streamed.every((r) => r.headers.get("authorization") === `Bearer ${SERVER_TOKEN}`)).toBe(true);
  });

  it("will not forward the token to a stream URL that is not Replicate's", async () => {
    const { proxy, upstream } = setup(["predictions.get"]);
    const evil = btoa("https://evil.example.test/steal").replace(/=+$/, "");
    expect((await proxy(new Request(`${APP}/api/replicate/__stream/${evil}`))).status).toBe(403);
    expect((await proxy(new Request(`${APP}/api/replicate/__stream/%%%`))).status).toBe(403);
    expect(upstream).toHaveLength(0);
  });

  it("rewrites next-page links onto the proxy, so the browser can paginate", async () => {
    const { fake, browser } = setup(["models.list"]);
    for (let i = 0; i < 25; i++) fake.model(`acme/m${i}`, () => i);
    const names: string[] = [];
    for await (const model of browser.models.list()) names.push(model.name ?? "");
    expect(names).toHaveLength(25);
    const first = await browser.models.list();
    expect(first.next?.startsWith(`${APP}/api/replicate/models?`)).toBe(true);
  });

  it("strips content-encoding and content-length from every passthrough, the stream included", async () => {
    // The platform's fetch has already decoded the body: passing `content-encoding: gzip`
    // on would make the browser decode it a second time.
    const fake = createFakeReplicate({ token: SERVER_TOKEN, startDelayMs: 1 });
    fake.model("acme/chat", async function* () {
      yield "hello";
    });
    const encoded = { "content-encoding": "gzip", "content-length": "12345", "transfer-encoding": "chunked" };
    const proxy = createProxy({
      prefix: "/api/replicate",
      allow: ["models.predictions.create", "models.readme.get"],
      auth: SERVER_TOKEN,
      fetch: async (request) => {
        if (request.url.endsWith("/readme"))
          return new Response("# Chat", { headers: { "content-type": "text/plain", ...encoded } });
        const answer = await fake.fetch(request);
        const headers = new Headers(answer.headers);
        for (const [name, value] of Object.entries(encoded)) headers.set(name, value);
        return new Response(answer.body, { status: answer.status, headers });
      },
    });
    const browser = createReplicate({ baseUrl: `${APP}/api/replicate`, fetch: proxy, retry: false });
    const prediction = await createPrediction(browser, "acme/chat", { input: {} });
    const answers = [
      await proxy(new Request(prediction.urls.stream ?? "")),
      await proxy(new Request(`${APP}/api/replicate/models/acme/chat/readme`)),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      for (const name of Object.keys(encoded)) expect(answer.headers.has(name), name).toBe(false);
    }
    expect(await answers[0]?.text()).toContain("event: done");
    expect(await answers[1]?.text()).toBe("# Chat");
  });

  it("rewrites URLs onto publicOrigin when set, whatever origin the request URL was built from", async () => {
    // A Node adapter builds request.url from the Host header, which the client chose.
    const { fake, proxy } = setup(["models.predictions.create", "models.list"], { publicOrigin: `${APP}/` });
    fake.model("acme/chat", () => "hi");
    for (let i = 0; i < 25; i++) fake.model(`acme/m${i}`, () => i);
    const spoofed = { host: "evil.example.test" };
    const created = await proxy(
      new Request("http://evil.example.test/api/replicate/models/acme/chat/predictions", {
        method: "POST",
        headers: { ...spoofed, "content-type": "application/json" },
        body: JSON.stringify({ input: {} }),
      }),
    );
    const prediction = (await created.json()) as { urls: { stream: string } };
    expect(prediction.urls.stream.startsWith(`${APP}/api/replicate/__stream/`)).toBe(true);
    const page = (await (
      await proxy(new Request("http://evil.example.test/api/replicate/models", { headers: spoofed }))
    ).json()) as { next: string };
    expect(page.next.startsWith(`${APP}/api/replicate/models?`)).toBe(true);
  });

  it("by default rewrites URLs onto the request URL's own origin, never the Host header", async () => {
    const { fake, proxy } = setup(["models.predictions.create"]);
    fake.model("acme/chat", () => "hi");
    const created = await proxy(
      new Request(`${APP}/api/replicate/models/acme/chat/predictions`, {
        method: "POST",
        headers: { host: "evil.example.test", "x-forwarded-host": "evil.example.test" },
        body: JSON.stringify({ input: {} }),
      }),
    );
    const prediction = (await created.json()) as { urls: { stream: string } };
    expect(prediction.urls.stream.startsWith(`${APP}/api/replicate/__stream/`)).toBe(true);
  });

  describe("request body cap", () => {
    /** A proxy in front of an upstream that records exactly what reached it. */
    function capped(maxBodyBytes?: number) {
      const sent: { method: string; url: string; headers: Record<string, string>; body: string }[] = [];
      const proxy = createProxy({
        prefix: "/api/replicate",
        allow: ["predictions.create"],
        auth: SERVER_TOKEN,
        ...(maxBodyBytes !== undefined && { maxBodyBytes }),
        fetch: async (request) => {
          const { method, url } = request;
          sent.push({ method, url, headers: Object.fromEntries(request.headers), body: await request.text() });
          return Response.json({ id: "p1", status: "starting", urls: {} }, { status: 201 });
        },
      });
      return { proxy, sent };
    }
    const post = (body: BodyInit, headers: Record<string, string> = {}) =>
      new Request(`${APP}/api/replicate/predictions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
        duplex: "half",
      } as RequestInit);
    const streamed = (...chunks: string[]) =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          const chunk = chunks.shift();
          if (chunk === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(chunk));
        },
      });

    async function expectTooLarge(response: Response, limit: number) {
      expect(response.status).toBe(413);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(await response.json()).toEqual({
        status: 413,
        title: "Content Too Large",
        detail: `The request body is over this proxy's limit of ${limit} bytes`,
      });
    }

    it("forwards a body at the cap byte for byte", async () => {
      const { proxy, sent } = capped(64);
      const body = JSON.stringify({ version: "v", input: { text: "x".repeat(29) } });
      expect(body.length).toBe(64);
      const answer = await proxy(post(body, { prefer: "wait=5", cookie: "a=1" }));
      expect(answer.status).toBe(201);
      expect(sent).toEqual([
        {
          method: "POST",
          url: "https://api.replicate.com/v1/predictions",
          headers: { authorization: `Bearer ${SERVER_TOKEN}`, "content-type": "application/json", prefer: "wait=5" },
          body,
        },
      ]);
    });

    it("answers 413 and sends nothing for a body over the cap with a content-length", async () => {
      const { proxy, sent } = capped(64);
      await expectTooLarge(await proxy(post("x".repeat(65))), 64);
      expect(sent).toHaveLength(0);
    });

    it("answers 413 for a streamed body over the cap without a content-length, or with a false one", async () => {
      const { proxy, sent } = capped(64);
      const chunks = ["x".repeat(40), "x".repeat(40), "x".repeat(40)];
      const request = post(streamed(...chunks));
      expect(request.headers.has("content-length")).toBe(false);
      await expectTooLarge(await proxy(request), 64);
      await expectTooLarge(await proxy(post(streamed(...chunks), { "content-length": "10" })), 64);
      expect(sent).toHaveLength(0);
    });

    it("caps bodies at 10 MiB by default", async () => {
      const { proxy, sent } = capped();
      const limit = 10 * 1024 * 1024;
      await expectTooLarge(await proxy(post(new Uint8Array(limit + 1))), limit);
      await expectTooLarge(await proxy(post(streamed("x".repeat(limit / 2), "x".repeat(limit / 2), "x"))), limit);
      expect(sent).toHaveLength(0);
      expect((await proxy(post(new Uint8Array(limit)))).status).toBe(201);
      expect(sent).toHaveLength(1);
    });
  });

  describe("options", () => {
    const bad = (options: unknown) => () => createProxy(options as ProxyOptions);
    const base = { prefix: "/api/replicate", allow: [] } as const;

    it("throws InputError naming what is missing for createProxy({}) and non-objects", () => {
      expect(bad({})).toThrow(InputError);
      expect(bad({})).toThrow(/options\.prefix.*options\.allow/);
      for (const options of [undefined, null, "/api/replicate", []]) {
        expect(bad(options)).toThrow(InputError);
        expect(bad(options)).toThrow(/createProxy\(options\): options must be an object/);
      }
    });

    it("throws InputError for allow given as a string, or naming unknown operation ids", () => {
      expect(bad({ ...base, allow: "predictions.get" })).toThrow(InputError);
      expect(bad({ ...base, allow: "predictions.get" })).toThrow(/options\.allow must be an array/);
      const unknown = bad({ ...base, allow: ["nope.op", "predictions.get", "also.nope", 3] });
      expect(unknown).toThrow(InputError);
      expect(unknown).toThrow('options.allow has unknown operation ids: "nope.op", "also.nope", 3');
    });

    it("throws InputError for a bad prefix, publicOrigin, secret, maxBodyBytes, upstream or an unknown option", () => {
      for (const [options, message] of [
        [{ ...base, prefix: "" }, /options\.prefix/],
        [{ ...base, prefix: "api/replicate" }, /options\.prefix/],
        [{ ...base, publicOrigin: "app.example.test" }, /options\.publicOrigin/],
        [{ ...base, publicOrigin: "https://app.example.test/path" }, /options\.publicOrigin/],
        [{ ...base, secret: "too short" }, /options\.secret/],
        [{ ...base, maxBodyBytes: 0 }, /options\.maxBodyBytes/],
        [{ ...base, maxBodyBytes: 1.5 }, /options\.maxBodyBytes/],
        [{ ...base, maxBodyBytes: "10" }, /options\.maxBodyBytes/],
        [{ ...base, upstream: "api.replicate.com/v1" }, /options\.upstream/],
        [{ ...base, fetch: "fetch" }, /options\.fetch/],
        [{ ...base, auth: 42 }, /options\.auth/],
        [{ ...base, alow: ["predictions.get"] }, /unknown option "alow"/],
      ] as const) {
        expect(bad(options)).toThrow(InputError);
        expect(bad(options)).toThrow(message);
      }
      expect(() =>
        createProxy({ ...base, publicOrigin: "http://localhost:3000", secret: "s".repeat(32) }),
      ).not.toThrow();
    });
  });
});
