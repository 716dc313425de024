/**
 * `replicate-kit/testing/node`: serve a fake Replicate over HTTP on a loopback port,
 * for code that cannot take an injected `fetch` (another process, a browser, Prism-style
 * contract checks). Node-only, so it lives in its own entry point.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { FakeReplicate } from "./fake.js";

/** A running server: its base URL (with `/v1`) and a way to stop it. */
export interface FakeServer {
  url: string;
  close(): Promise<void>;
}

function toRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", origin), {
    method: req.method ?? "GET",
    headers,
    ...(hasBody && { body: Readable.toWeb(req) as ReadableStream, duplex: "half" }),
  } as RequestInit);
}

async function send(response: Response, res: ServerResponse): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  res.on("close", () => void reader.cancel().catch(() => {})); // the client left: stop producing
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
    res.end();
  } catch {
    res.socket?.destroy(); // a body that errors (an injected drop) breaks the connection
  }
}

/**
 * Serve `fake` on 127.0.0.1 (port 0 by default: the system picks a free one).
 *
 * @example
 * const server = await serveFake(fake)
 * const replicate = createReplicate({ auth: "test", baseUrl: server.url })
 * await server.close()
 */
export async function serveFake(fake: FakeReplicate, options: { port?: number } = {}): Promise<FakeServer> {
  const server = createServer((req, res) => {
    const origin = `http://${req.headers.host ?? "127.0.0.1"}`;
    fake
      .fetch(toRequest(req, origin))
      .then((response) => send(response, res))
      .catch((error) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
