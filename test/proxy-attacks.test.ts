// createProxy's stream route under attack. The route forwards a GET with the server's token,
// so it must forward only stream URLs the proxy itself handed out (signed, unaltered, not
// expired, from this proxy or one sharing its secret), and never to an API operation path.
// Every refusal is a 403 problem+json and sends nothing upstream.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createPrediction } from "../src/index.js";
import { createProxy, type ProxyOptions } from "../src/proxy/proxy.js";
import { createFakeReplicate } from "../src/testing/index.js";
import { APP, mountProxy, SERVER_TOKEN } from "./support/proxy.js";

const SECRET = "a-shared-secret-of-at-least-32-characters";

const b64url = (s: string) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const streamUrl = (target: string) => `${APP}/api/replicate/__stream/${b64url(target)}`;

const mount = mountProxy;

/** A prediction created through the proxy; its `urls.stream` is the one the proxy issued. */
async function issuedStreamUrl(setup: ReturnType<typeof mount>): Promise<string> {
  setup.fake.model("acme/chat", async function* () {
    yield "hi";
  });
  const prediction = await createPrediction(setup.browser, "acme/chat", { input: {} });
  const url = prediction.urls.stream;
  if (!url) throw new Error("no stream URL");
  return url;
}

async function expectRefused(response: Response, detail?: string) {
  expect(response.status).toBe(403);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  expect(await response.json()).toMatchObject({ status: 403, title: "Forbidden", ...(detail && { detail }) });
}

afterEach(() => {
  vi.useRealTimers();
});

describe("createProxy's stream route", () => {
  it("does not hand the webhook secret to a forged __stream URL, even with allow: []", async () => {
    const { proxy, upstream } = mount({ allow: [] });
    await expectRefused(await proxy(new Request(streamUrl("https://api.replicate.com/v1/webhooks/default/secret"))));
    expect(upstream).toHaveLength(0);
  });

  it("does not forward forged __stream URLs to /v1/predictions or /v1/account, on any Replicate host", async () => {
    const { proxy, upstream } = mount();
    for (const target of [
      "https://api.replicate.com/v1/predictions",
      "https://api.replicate.com/v1/account",
      "https://stream.replicate.com/v1/account",
      "https://api.replicate.com/v1/predictions?source=web",
    ]) {
      await expectRefused(await proxy(new Request(streamUrl(target))));
    }
    expect(upstream).toHaveLength(0);
  });

  it("streams the URL it issued for a prediction created through it, with the server's token", async () => {
    const setup = mount();
    const url = await issuedStreamUrl(setup);
    expect(url.startsWith(`${APP}/api/replicate/__stream/`)).toBe(true);
    const created = setup.upstream.length;
    const response = await setup.proxy(
      new Request(url, { headers: { accept: "text/event-stream", cookie: "session=1", authorization: "Bearer x" } }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(await response.text()).toContain("event: done");
    const sent = setup.upstream.slice(created);
    expect(sent).toHaveLength(1);
    const [request] = sent as [Request];
    expect(request.method).toBe("GET");
    expect(request.url).toMatch(/^https:\/\/api\.replicate\.com\/v1\/stream\/[^/]+$/);
    expect(Object.fromEntries(request.headers)).toEqual({
      accept: "text/event-stream",
      authorization: `Bearer ${SERVER_TOKEN}`,
    });
    expect(request.body).toBeNull();
  });

  it("refuses an issued stream URL whose signature or target was altered", async () => {
    const setup = mount();
    const url = await issuedStreamUrl(setup);
    const created = setup.upstream.length;
    const last = url.at(-1) === "A" ? "B" : "A";
    const forged = [
      `${url.slice(0, -1)}${last}`, // one character of the signature changed
      url.replace(/__stream\/[^.]+/, `__stream/${b64url("https://api.replicate.com/v1/stream/other")}`),
      url.replace(/\.(\d+)\./, (_, expiry) => `.${Number(expiry) + 3600}.`), // a later expiry
      url.slice(0, url.lastIndexOf(".")), // the signature dropped
    ];
    for (const attempt of forged) await expectRefused(await setup.proxy(new Request(attempt)));
    expect(setup.upstream).toHaveLength(created);
  });

  it("refuses a signature spelled differently for the same bytes (the last character's unused bits)", async () => {
    const setup = mount();
    const url = await issuedStreamUrl(setup);
    const created = setup.upstream.length;
    const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // A 32-byte MAC is 43 characters: the last one carries 4 bits, its 2 low bits unused.
    const last = ALPHABET[ALPHABET.indexOf(url.at(-1) as string) ^ 1] as string;
    await expectRefused(await setup.proxy(new Request(`${url.slice(0, -1)}${last}`)));
    expect(setup.upstream).toHaveLength(created);
  });

  it("accepts a stream URL from another instance with the same token (serverless), refuses one with another", async () => {
    const fake = createFakeReplicate({ token: SERVER_TOKEN });
    const first = mount({}, fake);
    const url = await issuedStreamUrl(first);
    const twin = mount({}, fake); // another instance of the same app: same token
    const ok = await twin.proxy(new Request(url));
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
    const other = mount({ auth: "r8_another_account_token" }, fake);
    await expectRefused(await other.proxy(new Request(url)));
    expect(other.upstream).toHaveLength(0);
    const random = mount({ auth: undefined } as unknown as Partial<ProxyOptions>, fake); // no token anywhere: a random key
    await expectRefused(await random.proxy(new Request(url)));
    expect(random.upstream).toHaveLength(0);

    const shared = mount({ secret: SECRET }, fake);
    const sharedUrl = await issuedStreamUrl(shared);
    const sibling = mount({ secret: SECRET }, fake);
    const answer = await sibling.proxy(new Request(sharedUrl));
    expect(answer.status).toBe(200);
    await answer.body?.cancel();
    expect(sibling.upstream).toHaveLength(1);
    // A different secret is another proxy.
    const stranger = mount({ secret: `${SECRET}-but-not-the-same` }, fake);
    await expectRefused(await stranger.proxy(new Request(sharedUrl)));
    expect(stranger.upstream).toHaveLength(0);
  });

  it("refuses an issued stream URL once it has expired (24 hours)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2025-01-01T00:00:00Z"));
    const setup = mount();
    const url = await issuedStreamUrl(setup);
    vi.setSystemTime(new Date("2025-01-01T23:59:59Z"));
    const fresh = await setup.proxy(new Request(url));
    expect(fresh.status).toBe(200);
    await fresh.body?.cancel();
    const created = setup.upstream.length;
    vi.setSystemTime(new Date("2025-01-02T00:00:01Z"));
    await expectRefused(await setup.proxy(new Request(url)), "This stream URL has expired");
    expect(setup.upstream).toHaveLength(created);
  });

  it("refuses a signed stream target that is an API operation path, whatever its host", async () => {
    // An upstream whose prediction points its stream URL somewhere it must never go.
    const targets = [
      "https://api.replicate.com/v1/webhooks/default/secret",
      "https://api.replicate.com/v1/account/",
      "https://api.replicate.com/v1//predictions",
      "https://stream.replicate.com/v1/predictions",
      "https://api.replicate.com/v1/stream/../account",
      "https://api.replicate.com/V1/Account",
      "https://api.replicate.com/v1/webhooks%2Fdefault%2Fsecret",
      "https://api.replicate.com/v1/files/abc", // files.get, on the API itself
      "https://api.replicate.com/v1/%E0%A4%A",
    ];
    for (const stream of targets) {
      const upstream: Request[] = [];
      const proxy = createProxy({
        prefix: "/api/replicate",
        allow: ["predictions.get"],
        auth: SERVER_TOKEN,
        fetch: async (request) => {
          upstream.push(request);
          return Response.json({ id: "p1", status: "starting", urls: { stream } });
        },
      });
      const prediction = (await (await proxy(new Request(`${APP}/api/replicate/predictions/p1`))).json()) as {
        urls: { stream: string };
      };
      expect(prediction.urls.stream.startsWith(`${APP}/api/replicate/__stream/`)).toBe(true);
      await expectRefused(
        await proxy(new Request(prediction.urls.stream)),
        "A stream URL may not name an API operation",
      );
      expect(upstream.map((r) => r.url)).toEqual(["https://api.replicate.com/v1/predictions/p1"]);
    }
  });

  it("forwards Replicate's own stream URL shape (stream.replicate.com/v1/files/…)", async () => {
    const sent: Request[] = [];
    const stream = "https://stream.replicate.com/v1/files/bcwr-3okdfv3o2wehstv5f2okyftwxy57hhypqsi6osiim5iaq5k7u24a";
    const proxy = createProxy({
      prefix: "/api/replicate",
      allow: ["predictions.get"],
      auth: SERVER_TOKEN,
      fetch: async (request) => {
        sent.push(request);
        if (request.url === stream)
          return new Response("event: done\ndata: {}\n\n", { headers: { "content-type": "text/event-stream" } });
        return Response.json({ id: "p1", status: "starting", urls: { stream } });
      },
    });
    const prediction = (await (await proxy(new Request(`${APP}/api/replicate/predictions/p1`))).json()) as {
      urls: { stream: string };
    };
    const response = await proxy(new Request(prediction.urls.stream));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("event: done\ndata: {}\n\n");
    expect(sent.map((r) => `${r.method} ${r.url} ${r.headers.get("authorization")}`)).toEqual([
      `GET https://api.replicate.com/v1/predictions/p1 Bearer ${SERVER_TOKEN}`,
      `GET ${stream} Bearer ${SERVER_TOKEN}`,
    ]);
  });

  it("refuses a non-GET on an issued stream URL", async () => {
    const setup = mount();
    const url = await issuedStreamUrl(setup);
    const created = setup.upstream.length;
    await expectRefused(await setup.proxy(new Request(url, { method: "POST", body: "{}" })));
    expect(setup.upstream).toHaveLength(created);
  });
});
