// A loopback upstream for what the fake Replicate does not do, shared by the edge hosts
// (workerd/host.mjs, edge-runtime/host.mjs): the worker reaches it at STUB_URL.
//   /v1/predictions/moved   a 302 to /v1/predictions/p1 (the proxy passes it on)
//   /v1/predictions/p1      a prediction
//   /sse                    an event with a non-ASCII id, dropped; then, resumed, the end
//   /seen                   the Last-Event-ID bytes each /sse request carried, in hex
//   /hang/...               never answers (a deadline must end the wait)
//   /busy/...               answers after 500 ms
import { createServer } from "node:http";

export async function startStub() {
  const seen = [];
  let opened = 0;
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url, "http://stub");
    const json = (body) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (pathname.startsWith("/hang/")) return;
    if (pathname.startsWith("/busy/")) return setTimeout(() => json({ id: "p1", status: "succeeded" }), 500);
    if (pathname === "/v1/predictions/moved") return res.writeHead(302, { location: "/v1/predictions/p1" }).end();
    if (pathname === "/v1/predictions/p1") return json({ id: "p1", status: "succeeded", output: "ok" });
    if (pathname === "/seen") return json(seen);
    if (pathname === "/sse") {
      // Raw header bytes: Node reads them as Latin-1, one character per byte.
      const at = req.rawHeaders.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === "last-event-id");
      seen.push(at < 0 ? null : Buffer.from(req.rawHeaders[at + 1], "latin1").toString("hex"));
      res.writeHead(200, { "content-type": "text/event-stream" });
      if (opened++ % 2 === 0) return res.end("id: \u00e9t\u00e9\nevent: output\ndata: a\n\n");
      return res.end("event: output\ndata: b\n\nevent: done\ndata: {}\n\n");
    }
    res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
