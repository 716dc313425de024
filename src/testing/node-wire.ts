/**
 * Between Node's `http` module and the fake's web-standard handler: a Node request as a
 * `Request` (or the problem that refuses it), a `Response` written back, and whole
 * problem+json answers for sockets Node gives no response object for. Nothing here
 * throws or rejects: whatever arrives, the client gets an answer and the host goes on.
 */
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import { type Duplex, Readable } from "node:stream";
import { answerFor, describeError, problem, problemBody } from "./http.js";

/** The origin a Host value names, or `undefined` if it is more (a path, a user) or not a host at all. */
function originOf(host: string): string | undefined {
  try {
    const url = new URL(`http://${host}`);
    return url.pathname === "/" && !url.search && !url.hash && !url.username && !url.password ? url.origin : undefined;
  } catch {
    return undefined; // `a b`, `[::1`: `new URL` throws
  }
}

/**
 * `req` as a web `Request`, or the problem+json that refuses it: a missing or invalid
 * Host is a 400 (RFC 9112, section 3.2), a method fetch cannot represent a 501. `signal`
 * becomes the request's: aborted when the client goes away, it ends what the fake holds for it.
 *
 * @example
 * const request = toRequest(req, "127.0.0.1:4010", controller.signal)
 * const response = request instanceof Response ? request : await fake.fetch(request)
 */
export function toRequest(req: IncomingMessage, ownHost: string, signal?: AbortSignal): Request | Response {
  // HTTP/1.0 may leave Host out: the server's own address stands in. HTTP/1.1 must send it.
  const host = req.headers.host ?? (req.httpVersion === "1.0" ? ownHost : undefined);
  if (host === undefined) return problem(400, "Bad request", "The Host header is required");
  const origin = originOf(host);
  if (!origin) return problem(400, "Bad request", `Invalid Host header ${JSON.stringify(host)}`);
  let url: URL;
  try {
    url = new URL(req.url ?? "/", origin);
  } catch {
    return problem(400, "Bad request", `Invalid request target ${JSON.stringify(req.url)}`);
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  try {
    return new Request(url, {
      method,
      headers,
      ...(signal && { signal }),
      ...(hasBody && { body: Readable.toWeb(req) as ReadableStream, duplex: "half" }),
    } as RequestInit);
  } catch (error) {
    // fetch refuses CONNECT, TRACE and TRACK; 501 is the answer to a method a server does not implement.
    return problem(501, "Not implemented", `fake: ${method} requests are not supported (${describeError(error)})`);
  }
}

/**
 * Write `response` to `res`. Headers Node refuses become a 500 problem; a body that fails
 * once headers are out (an injected drop) can only break the connection.
 *
 * @example
 * await send(await fake.fetch(request), res)
 */
export async function send(response: Response, res: ServerResponse): Promise<void> {
  try {
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return void res.end();
    const reader = response.body.getReader();
    res.on("close", () => void reader.cancel().catch(() => {})); // the client left: stop producing
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
    res.end();
  } catch (error) {
    if (res.headersSent) res.socket?.destroy();
    else await send(answerFor(error), res); // a problem's own headers are always valid
  }
}

/**
 * Answer on a bare socket with a whole problem+json response, then close it: for what
 * Node parses no request from (a garbled request line, headers too large) and CONNECT.
 *
 * @example
 * server.on("connect", (_req, socket) => refuse(socket, 501, "Not implemented", "no tunnels"))
 */
export function refuse(socket: Duplex, status: number, title: string, detail: string): void {
  socket.on("error", () => {}); // the client may be gone already: there is no one left to tell
  if (!socket.writable) return void socket.destroy();
  const body = problemBody(status, title, detail);
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\ncontent-type: application/problem+json\r\n`;
  socket.end(`${head}content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
