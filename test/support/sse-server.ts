// A real HTTP server on 127.0.0.1 and a port the OS picks, for tests that need a true
// streamed body: chunks written one by one, a socket destroyed mid-event, a client that
// closes its connection. Each route answers from a queue of handlers, one per request,
// in order; a request no handler is left for gets a 404 and is kept in `unexpected`.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the server received. */
export interface Hit {
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Settles when the response is closed, by either side. */
  closed: Promise<void>;
  /**
   * True once the response closed without the server ending it: the client left (or the
   * handler destroyed the socket itself).
   */
  readonly clientLeft: boolean;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, hit: Hit) => void | Promise<void>;

export interface TestServer {
  readonly origin: string;
  readonly hits: Hit[];
  /** Requests that found no handler. */
  readonly unexpected: string[];
  /** Queue handlers for `method path`: each answers one request, in order. */
  on(method: string, path: string, ...handlers: Handler[]): void;
  /** Handlers queued but never used, as `METHOD path`. */
  unused(): string[];
  /** `METHOD path` of every hit, in order. */
  lines(): string[];
  close(): Promise<void>;
}

export async function startServer(): Promise<TestServer> {
  const routes = new Map<string, Handler[]>();
  const hits: Hit[] = [];
  const unexpected: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let finished = false;
      let left = false;
      res.on("finish", () => {
        finished = true;
      });
      const closed = new Promise<void>((resolve) =>
        res.on("close", () => {
          left = !finished;
          resolve();
        }),
      );
      const hit: Hit = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        closed,
        get clientLeft() {
          return left;
        },
      };
      hits.push(hit);
      const key = `${hit.method} ${hit.path}`;
      const handler = routes.get(key)?.shift();
      if (!handler) {
        unexpected.push(key);
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ detail: `no route ${key}` }));
        return;
      }
      Promise.resolve(handler(req, res, hit)).catch((error: unknown) => {
        unexpected.push(`${key}: handler threw ${String(error)}`);
        res.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    unexpected,
    on(method, path, ...handlers) {
      const key = `${method} ${path}`;
      routes.set(key, [...(routes.get(key) ?? []), ...handlers]);
    },
    unused: () => [...routes].flatMap(([key, queue]) => queue.map(() => key)),
    lines: () => hits.map((h) => `${h.method} ${h.path}`),
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One SSE event as text. Data lines are split on `\n`. */
export function sseEvent(e: { event?: string; data?: string; id?: string; retry?: number }): string {
  let text = "";
  if (e.id !== undefined) text += `id: ${e.id}\n`;
  if (e.event !== undefined) text += `event: ${e.event}\n`;
  if (e.retry !== undefined) text += `retry: ${e.retry}\n`;
  if (e.data !== undefined) for (const line of e.data.split("\n")) text += `data: ${line}\n`;
  return `${text}\n`;
}

/** Start an event stream: status 200, `text/event-stream`, headers flushed at once. */
export function startSse(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", ...headers });
  res.flushHeaders();
}

/**
 * Write a chunk and resolve once it has been handed to the socket: true, or false when
 * the client has already gone (nothing is written then, and nothing throws).
 */
export function write(res: ServerResponse, chunk: string | Uint8Array): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => res.write(chunk, (error) => resolve(!error)));
}

/** Let the event loop turn a few times, so separate writes reach the client as separate chunks. */
export const tick = (ms = 5) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A handler answering JSON. */
export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
  };

/**
 * A stream handler: 200 text/event-stream, each chunk written in turn with a pause in
 * between (so they reach the client as separate reads), then `after`: hold the
 * connection open (the client must close it), end it cleanly, or destroy the socket.
 */
export function streamOf(chunks: Array<string | Uint8Array>, after: "hold" | "end" | "drop" = "hold"): Handler {
  return async (_req, res) => {
    startSse(res);
    for (const chunk of chunks) {
      if (!(await write(res, chunk))) return;
      await tick();
    }
    if (after === "end") res.end();
    if (after === "drop") res.socket?.destroy();
  };
}
