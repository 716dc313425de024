// Who gets the token when a stream URL redirects: the stream URL's own origin, when it
// may, and no hop after the chain has left it, not even one back (whose path the other
// origin would choose). Two loopback servers stand for two origins.
import type { ServerResponse } from "node:http";
import { afterEach, expect, it } from "vitest";
import { createReplicate, type Prediction, stream } from "../src/index.js";
import { startServer, type TestServer } from "./support/sse-server.js";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const redirect = (location: string) => (_req: unknown, res: ServerResponse) =>
  void res.writeHead(302, { location }).end();
const events = (_req: unknown, res: ServerResponse) =>
  void res
    .writeHead(200, { "content-type": "text/event-stream" })
    .end("event: output\ndata: hi\n\nevent: done\ndata: {}\n\n");

async function collect(events: AsyncIterable<{ type: string }>) {
  const types: string[] = [];
  for await (const e of events) types.push(e.type);
  return types;
}

it("a handed-in stream URL on another origin that redirects to the API gets no token there", async () => {
  const api = await startServer();
  const other = await startServer();
  servers.push(api, other);
  other.on("GET", "/tostream", redirect(`${api.origin}/v1/anything/the/author/chose`));
  api.on("GET", "/v1/anything/the/author/chose", events);
  const replicate = createReplicate({
    auth: "r8_SECRET",
    baseUrl: `${api.origin}/v1`,
    headers: { "x-key": "gateway" },
  });
  const handedIn = {
    id: "h",
    status: "starting",
    urls: { stream: `${other.origin}/tostream` },
  } as unknown as Prediction;
  expect(await collect(stream(replicate, handedIn))).toEqual(["output", "done"]);
  const [hop] = api.hits;
  expect(hop?.headers.authorization).toBeUndefined();
  expect(hop?.headers["x-key"]).toBeUndefined();
  expect(other.hits[0]?.headers.authorization).toBeUndefined();
});

it("a created prediction's stream host that bounces through another origin and back does not get the token back", async () => {
  const host = await startServer();
  const other = await startServer();
  const api = await startServer();
  servers.push(host, other, api);
  api.on(
    "POST",
    "/v1/models/acme/m/predictions",
    (_req, res) =>
      void res
        .writeHead(201, { "content-type": "application/json" })
        .end(JSON.stringify({ id: "c", status: "starting", urls: { stream: `${host.origin}/s` } })),
  );
  host.on("GET", "/s", redirect(`${other.origin}/bounce`));
  other.on("GET", "/bounce", redirect(`${host.origin}/any/path/chosen/by/other`));
  host.on("GET", "/any/path/chosen/by/other", events);
  const replicate = createReplicate({ auth: "r8_SECRET", baseUrl: `${api.origin}/v1` });
  expect(await collect(stream(replicate, "acme/m", { input: {} }))).toEqual(["output", "done"]);
  expect(host.hits.map((h) => [h.path, h.headers.authorization])).toEqual([
    ["/s", "Bearer r8_SECRET"], // the stream URL the API returned
    ["/any/path/chosen/by/other", undefined],
  ]);
  expect(other.hits[0]?.headers.authorization).toBeUndefined();
});
