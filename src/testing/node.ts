/**
 * `replicate-kit/testing/node`: serve a fake Replicate over HTTP on a loopback port,
 * for code that cannot take an injected `fetch` (another process, a browser, Prism-style
 * contract checks). Node-only, so it lives in its own entry point.
 *
 * Every request gets a problem+json answer, including those Node would answer itself
 * with a bare status (no Host, a garbled request line, CONNECT), and none can throw in
 * the host process: a test's fake must not be what ends the test run.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { FakeReplicate } from "./fake.js";
import { answerFor, problem } from "./http.js";
import { refuse, send, toRequest } from "./node-wire.js";

/** A running server: its base URL (with `/v1`) and a way to stop it. */
export interface FakeServer {
  url: string;
  close(): Promise<void>;
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
  // Responses in progress per socket: an error on a socket that has one must not write into it.
  const open = new WeakMap<object, number>();
  const count = (socket: object, by: number) => open.set(socket, (open.get(socket) ?? 0) + by);
  let ownHost = "127.0.0.1";
  // Host is checked by `toRequest`, so a request without it gets problem+json, not Node's bare 400.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    count(req.socket, 1);
    // A client that leaves before its answer aborts the request, as it would abort a fetch:
    // a held `Prefer: wait` ends, and its place in the in-flight limit is freed.
    const left = new AbortController();
    res.on("close", () => {
      count(req.socket, -1);
      if (!res.writableFinished) left.abort(new Error("fake: the client closed the connection"));
    });
    void (async () => {
      let response: Response;
      try {
        const request = toRequest(req, ownHost, left.signal);
        response = request instanceof Response ? request : await fake.fetch(request);
      } catch (error) {
        if (left.signal.aborted) return; // nobody is left to answer
        response = answerFor(error); // a `fake` other than createFakeReplicate's may reject
      }
      await send(response, res);
    })();
  });
  server.on("checkExpectation", (req, res) => {
    void send(problem(417, "Expectation failed", `fake: cannot meet Expect: ${req.headers.expect}`), res);
  });
  server.on("connect", (_req, socket) =>
    refuse(socket, 501, "Not implemented", "fake: CONNECT requests are not supported"),
  );
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (error.code === "ECONNRESET" || (open.get(socket) ?? 0) > 0) return void socket.destroy();
    const [status, title] =
      error.code === "HPE_HEADER_OVERFLOW"
        ? [431, "Request header fields too large"]
        : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? [408, "Request timeout"]
          : [400, "Bad request"];
    refuse(socket, status, title, `fake: ${error.message}`);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  ownHost = `127.0.0.1:${port}`;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
