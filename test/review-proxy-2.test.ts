// Second adversarial review of createProxy: angles the other proxy suites do not take —
// query strings, the headers the browser gets back, links rewritten onto the proxy, answers
// too deep to write back, the prefix boundary, methods, and the stream route's scope.
// Upstreams are in-process stubs recording every request, or a loopback server on
// 127.0.0.1 (port 0) where the real wire matters.
import { afterEach, describe, expect, it } from "vitest";
import { createReplicate } from "../src/index.js";
import { createProxy } from "../src/proxy/proxy.js";
import { APP, SERVER_TOKEN, stubbed } from "./support/proxy.js";
import { startServer, type TestServer } from "./support/sse-server.js";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A proxy in front of an in-process upstream that records what reached it. */

const at = (path: string, init?: RequestInit) => new Request(`${APP}/api/replicate/${path}`, init);

describe("createProxy: query strings", () => {
  it("forwards only the query parameters the operation defines (and a page's cursor), written out anew", async () => {
    const { proxy, sent } = stubbed(["predictions.get", "predictions.list", "models.list", "files.download"], () =>
      Response.json({}),
    );
    const cases: [string, string][] = [
      // Not the operation's: a method override some servers honour, a cursor on a non-list.
      ["predictions/p1?_method=DELETE&x-http-method-override=DELETE", "/predictions/p1"],
      ["predictions/p1?cursor=abc", "/predictions/p1"],
      [
        "predictions?cursor=abc&source=web&created_after=2024-01-01T00:00:00Z&include=secret",
        "/predictions?cursor=abc&source=web&created_after=2024-01-01T00%3A00%3A00Z",
      ],
      // `;` splits a query on some servers (Python before 3.9.2): kept inside the value.
      ["predictions?cursor=a;_method=DELETE", "/predictions?cursor=a%3B_method%3DDELETE"],
      [
        "models?sort_by=model_created_at&sort_direction=asc&cursor=c",
        "/models?sort_by=model_created_at&sort_direction=asc&cursor=c",
      ],
      [
        "files/f1/download?owner=acme&expiry=1700000000&signature=ab%2Bc%2F%3D&debug=1",
        "/files/f1/download?owner=acme&expiry=1700000000&signature=ab%2Bc%2F%3D",
      ],
    ];
    for (const [path] of cases) expect((await proxy(at(path))).status, path).toBe(200);
    expect(sent.map((r) => r.url)).toEqual(cases.map(([, url]) => `https://api.replicate.com/v1${url}`));
  });

  it("refuses path parameters holding `?`, `#` or `;`, which a layer that decodes or strips path parameters reads as another request", async () => {
    const { proxy, sent } = stubbed(["predictions.get", "models.versions.get"], () => Response.json({}));
    for (const path of [
      "predictions/p1%3F_method=DELETE",
      "predictions/p1%23x",
      "predictions/p1;jsessionid=1",
      "predictions/p1%3Bx",
      // Tomcat-style `..;` is `..`: /v1/models/../account/versions/.. is /v1/account.
      "models/..;/account/versions/..;",
    ]) {
      expect((await proxy(at(path))).status, path).toBe(403);
    }
    expect(sent).toHaveLength(0);
  });
});

describe("createProxy: headers the browser gets", () => {
  /** What Cloudflare-fronted APIs send besides the body's own headers. */
  const FOREIGN = {
    "set-cookie": "__cf_bm=abc; Path=/; HttpOnly",
    "strict-transport-security": "max-age=31536000; includeSubDomains; preload",
    "alt-svc": 'h3=":443"; ma=86400',
    nel: '{"report_to":"cf-nel","max_age":604800}',
    "report-to": '{"group":"cf-nel","endpoints":[{"url":"https://a.nel.cloudflare.com/report"}]}',
    "clear-site-data": '"cookies", "storage"',
    "access-control-allow-origin": "*",
    "access-control-allow-credentials": "true",
    "www-authenticate": 'Basic realm="api"',
    "content-security-policy": "default-src 'none'",
    refresh: "0; url=https://evil.example.test/",
    "server-timing": "db;dur=53",
    connection: "upgrade, keep-alive",
    "keep-alive": "timeout=5",
    upgrade: "h2c",
  };
  const OWN = { "cache-control": "no-store", "retry-after": "3" };
  /** Added by the proxy to everything it passes on: see the next test. */
  const CONFINED = { "content-security-policy": "sandbox; default-src 'none'", "x-content-type-options": "nosniff" };

  it("passes on only what describes the answer, never the API's cookies, policies, CORS or hop-by-hop headers", async () => {
    const api = await startServer();
    servers.push(api);
    const stream = `${api.origin}/v1/stream/p1`;
    api.on("GET", "/v1/predictions/p1", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json", etag: '"v1"', ...OWN, ...FOREIGN });
      res.end(JSON.stringify({ id: "p1", urls: { stream } }));
    });
    api.on("GET", "/v1/stream/p1", (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream", ...OWN, ...FOREIGN });
      res.end("event: done\ndata: {}\n\n");
    });
    api.on("GET", "/v1/files/f1/download?owner=a&expiry=1&signature=s", (_req, res) => {
      res.writeHead(200, {
        "content-type": "image/png",
        "content-disposition": 'attachment; filename="a.png"',
        ...FOREIGN,
      });
      res.end("PNG");
    });
    api.on("GET", "/v1/predictions/p2", (_req, res) => {
      res.writeHead(302, { location: `${api.origin}/v1/predictions/p1`, ...FOREIGN }).end();
    });
    const proxy = createProxy({
      prefix: "/api/replicate",
      allow: ["predictions.get", "files.download"],
      auth: SERVER_TOKEN,
      upstream: `${api.origin}/v1`,
    });
    const json = await proxy(at("predictions/p1"));
    const prediction = (await json.json()) as { urls: { stream: string } };
    const answers = {
      json,
      stream: await proxy(new Request(prediction.urls.stream)),
      file: await proxy(at("files/f1/download?owner=a&expiry=1&signature=s")),
      redirect: await proxy(at("predictions/p2")),
    };
    const seen = Object.fromEntries(Object.entries(answers).map(([k, r]) => [k, Object.fromEntries(r.headers)]));
    expect(seen).toEqual({
      // No etag either: it names the API's bytes, not the rewritten body the browser gets.
      json: { "content-type": "application/json", ...OWN, ...CONFINED },
      stream: { "content-type": "text/event-stream", ...OWN, ...CONFINED },
      file: { "content-type": "image/png", "content-disposition": 'attachment; filename="a.png"', ...CONFINED },
      redirect: { location: `${APP}/api/replicate/predictions/p1`, ...CONFINED },
    });
    expect(await answers.stream.text()).toBe("event: done\ndata: {}\n\n");
    expect(await answers.file.text()).toBe("PNG");
  });

  it("serves a downloaded file sandboxed: an uploaded HTML or SVG page cannot run script as the app", async () => {
    // files.create takes the content type from the uploader (`type`); files.download hands it back.
    const page =
      '<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("/api/replicate/models/a/b/predictions",{method:"POST"})</script></svg>';
    for (const type of ["text/html", "image/svg+xml", ""]) {
      const { proxy } = stubbed(
        ["files.create", "files.download", "models.readme.get"],
        () => new Response(page, { headers: type ? { "content-type": type } : {} }),
      );
      for (const path of ["files/f1/download?owner=a&expiry=1&signature=s", "models/a/b/readme"]) {
        const answer = await proxy(at(path));
        expect(answer.status).toBe(200);
        expect(answer.headers.get("content-security-policy"), `${type} ${path}`).toBe("sandbox; default-src 'none'");
        expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
        expect(await answer.text()).toBe(page); // byte for byte still
      }
    }
  });
});

describe("createProxy: links rewritten onto the proxy", () => {
  it("rewrites a next link as a browser resolves it, http or https, any case, and never off the prefix", async () => {
    const links = {
      // The schema's own example for deployments.list is http:.
      "http://api.replicate.com/v1/deployments?cursor=abc": `${APP}/api/replicate/deployments?cursor=abc`,
      "HTTPS://API.REPLICATE.COM/v1/deployments?cursor=abc": `${APP}/api/replicate/deployments?cursor=abc`,
      "https://api.replicate.com:443/v1/deployments?cursor=abc": `${APP}/api/replicate/deployments?cursor=abc`,
      // On the API, not a list: onto the proxy, where the allow-list judges it.
      "https://api.replicate.com/v1/webhooks/default/secret": `${APP}/api/replicate/webhooks/default/secret`,
      // Dot segments climb out of /v1: left on the API, not written as `/api/replicate/../..`,
      // which the browser would resolve to another route of the app.
      "https://api.replicate.com/v1/x/../../v2/deployments": "https://api.replicate.com/v1/x/../../v2/deployments",
      "https://api.replicate.com/v1%2F..%2F..%2Fadmin": "https://api.replicate.com/v1%2F..%2F..%2Fadmin",
    };
    for (const [next, expected] of Object.entries(links)) {
      const { proxy } = stubbed(["deployments.list", "predictions.get"], () =>
        Response.json({
          next,
          previous: null,
          results: [
            {
              id: "p1",
              urls: { get: "https://api.replicate.com/v1/predictions/p1", web: "https://replicate.com/p/p1" },
              output: "https://replicate.delivery/x.png",
            },
          ],
        }),
      );
      const page = (await (await proxy(at("deployments"))).json()) as {
        next: string;
        results: { urls: unknown; output: unknown }[];
      };
      expect(page.next, next).toBe(expected);
      expect(new URL(page.next).origin !== APP || new URL(page.next).pathname.startsWith("/api/replicate/")).toBe(true);
      // What the browser cannot use without the token, and the outputs: untouched.
      expect(page.results[0]).toMatchObject({
        urls: { get: "https://api.replicate.com/v1/predictions/p1", web: "https://replicate.com/p/p1" },
        output: "https://replicate.delivery/x.png",
      });
    }
  });

  it("lets the browser page through a list whose next links are http:, with nothing sent off the API", async () => {
    const { proxy, sent } = stubbed(["deployments.list"], (request) => {
      const cursor = new URL(request.url).searchParams.get("cursor");
      return Response.json({
        next: cursor ? null : "http://api.replicate.com/v1/deployments?cursor=p2",
        previous: null,
        results: [{ owner: "acme", name: cursor ?? "first" }],
      });
    });
    const browser = createReplicate({ baseUrl: `${APP}/api/replicate`, fetch: proxy, retry: false });
    const names: string[] = [];
    for await (const deployment of browser.deployments.list()) names.push(String(deployment.name));
    expect(names).toEqual(["first", "p2"]);
    expect(sent.map((r) => r.url)).toEqual([
      "https://api.replicate.com/v1/deployments",
      "https://api.replicate.com/v1/deployments?cursor=p2",
    ]);
  });
});

describe("createProxy: answers too deep to write back", () => {
  it("answers a 502 problem instead of throwing, and passes JSON-labelled non-JSON on as it is", async () => {
    const deep = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
    const bodies = [
      `{"id":"p1","urls":{"stream":"https://stream.replicate.com/v1/files/abc"},"output":${deep(20_000)}}`,
      deep(200_000),
    ];
    for (const body of bodies) {
      const { proxy } = stubbed(
        ["predictions.get"],
        () => new Response(body, { headers: { "content-type": "application/json" } }),
      );
      const answer = await proxy(at("predictions/p1"));
      expect(answer.status).toBe(502);
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
      expect(await answer.json()).toMatchObject({ status: 502, title: "Bad Gateway" });
    }
    const { proxy } = stubbed(
      ["predictions.get"],
      () => new Response("<html>oops", { status: 500, headers: { "content-type": "application/json" } }),
    );
    const answer = await proxy(at("predictions/p1"));
    expect(answer.status).toBe(500);
    expect(await answer.text()).toBe("<html>oops");
  });
});

describe("createProxy: the prefix", () => {
  it("serves only paths under the prefix as the URL parser reads them, however the prefix is written", async () => {
    for (const prefix of ["/api/replicate", "/api/replicate/", "/api/replicate//"]) {
      const { proxy, sent } = stubbed(["predictions.get"], () => Response.json({ id: "p1" }), { prefix });
      for (const path of [
        "/api/replicate-evil/predictions/p1",
        "/api/replicateX/predictions/p1",
        "/API/replicate/predictions/p1",
        "/api/REPLICATE/predictions/p1",
        "/api/replicate",
        "/api/replicate/",
        "//api/replicate/predictions/p1",
        "/api/replicate%2Fpredictions/p1",
        "/api/%72eplicate/predictions/p1",
        "/evil/api/replicate/predictions/p1",
      ]) {
        expect((await proxy(new Request(`${APP}${path}`))).status, `${prefix} ${path}`).toBe(403);
      }
      expect(sent).toHaveLength(0);
      // Dot segments are resolved by the URL parser before the proxy sees the path.
      for (const path of [
        "/api/replicate/./predictions/p1",
        "/x/../api/replicate/predictions/p1",
        "/api/replicate/predictions/p1?#x",
      ])
        expect((await proxy(new Request(`${APP}${path}`))).status, path).toBe(200);
      expect(sent.map((r) => r.url)).toEqual(Array(3).fill("https://api.replicate.com/v1/predictions/p1"));
    }
  });

  it("matches a prefix holding characters a URL percent-encodes, as the browser sends them", async () => {
    const { proxy, sent } = stubbed(["predictions.get"], () => Response.json({ id: "p1" }), {
      prefix: "/api/réplicate proxy",
    });
    const answer = await proxy(new Request(`${APP}/api/réplicate proxy/predictions/p1`));
    expect(answer.status).toBe(200);
    expect(sent.map((r) => r.url)).toEqual(["https://api.replicate.com/v1/predictions/p1"]);
  });
});

describe("createProxy: methods", () => {
  it("reads methods as fetch normalises them: lowercase get and post served, lowercase patch and query refused", async () => {
    const { proxy, sent } = stubbed(
      ["predictions.get", "models.predictions.create", "deployments.update", "models.search"],
      () => Response.json({ results: [] }),
    );
    expect((await proxy(at("predictions/p1", { method: "get" }))).status).toBe(200);
    expect((await proxy(at("models/a/b/predictions", { method: "post", body: "{}" }))).status).toBe(200);
    expect((await proxy(at("deployments/a/b", { method: "patch", body: "{}" }))).status).toBe(403);
    expect((await proxy(at("models", { method: "query", body: "llama" }))).status).toBe(403);
    expect((await proxy(at("predictions/p1", { method: "POST", body: "{}" }))).status).toBe(403);
    const search = await proxy(
      at("models", { method: "QUERY", body: "llama", headers: { "content-type": "text/plain" } }),
    );
    expect(search.status).toBe(200);
    expect(await Promise.all(sent.map(async (r) => `${r.method} ${r.url} ${await r.text()}`))).toEqual([
      "GET https://api.replicate.com/v1/predictions/p1 ",
      "POST https://api.replicate.com/v1/models/a/b/predictions {}",
      "QUERY https://api.replicate.com/v1/models llama",
    ]);
  });
});

describe("createProxy: signed stream targets with `;` path parameters", () => {
  it("refuses a target that is an operation once a Tomcat-like server drops `;…` (`..;` read as `..`)", async () => {
    for (const stream of [
      "https://api.replicate.com/v1/stream/..;/account",
      "https://api.replicate.com/v1/stream/..;x=1/..;/v1/webhooks/default/secret",
      "https://stream.replicate.com/v1/files/abc/..;/..;/predictions",
    ]) {
      const { proxy, sent } = stubbed(["predictions.get"], () => Response.json({ id: "p1", urls: { stream } }));
      const { urls } = (await (await proxy(at("predictions/p1"))).json()) as { urls: { stream: string } };
      expect((await proxy(new Request(urls.stream))).status, stream).toBe(403);
      expect(sent).toHaveLength(1);
    }
  });
});

describe("createProxy: stream URL scope", () => {
  it("accepts a stream URL only under the prefix it was issued for, with no extra segment, and forwards no query", async () => {
    const secret = "a-shared-secret-of-at-least-32-characters";
    const target = "https://stream.replicate.com/v1/files/abc";
    const answer = (request: Request) =>
      request.url.startsWith("https://stream.")
        ? new Response("event: done\ndata: {}\n\n", { headers: { "content-type": "text/event-stream" } })
        : Response.json({ id: "p1", urls: { stream: target } });
    const issuer = stubbed(["predictions.get"], answer, { secret });
    const { urls } = (await (await issuer.proxy(at("predictions/p1"))).json()) as { urls: { stream: string } };
    const other = stubbed(["predictions.get"], answer, { secret, prefix: "/api/other" });
    const moved = urls.stream.replace("/api/replicate/", "/api/other/");
    expect((await other.proxy(new Request(moved))).status).toBe(403);
    expect(other.sent).toHaveLength(0);
    for (const extra of [
      `${urls.stream}/extra`,
      `${urls.stream}.x`,
      `${urls.stream}%2F`,
      urls.stream.replace("__stream/", "__stream//"),
    ])
      expect((await issuer.proxy(new Request(extra))).status, extra).toBe(403);
    const queried = await issuer.proxy(new Request(`${urls.stream}?cursor=x&url=https://evil.example.test#frag`));
    expect(queried.status).toBe(200);
    expect(issuer.sent.map((r) => r.url)).toEqual(["https://api.replicate.com/v1/predictions/p1", target]);
  });
});
