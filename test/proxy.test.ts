// replicate-kit/proxy: a browser-side client with no token talks to the proxy on its own
// origin; the proxy forwards only allowed operations to the API (here the fake Replicate,
// which insists on the server's token), streams SSE through, and refuses the rest.
import { describe, expect, it } from "vitest";
import { ApiError, collectText, createPrediction, createReplicate, run, stream } from "../src/index.js";
import { createProxy } from "../src/proxy/proxy.js";
import { createFakeReplicate } from "../src/testing/index.js";

const APP = "https://app.example.test";
const SERVER_TOKEN = "r8_server_only";

function setup(allow: Parameters<typeof createProxy>[0]["allow"]) {
  const fake = createFakeReplicate({ token: SERVER_TOKEN, startDelayMs: 1 });
  const upstream: Request[] = [];
  const proxy = createProxy({
    prefix: "/api/replicate",
    allow,
    auth: SERVER_TOKEN,
    fetch: (request) => {
      upstream.push(request);
      return fake.fetch(request);
    },
  });
  // The browser's client: no token, its own origin, the proxy as its network.
  const browser = createReplicate({ baseUrl: `${APP}/api/replicate`, fetch: proxy, retry: false });
  return { fake, proxy, browser, upstream };
}

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
});
