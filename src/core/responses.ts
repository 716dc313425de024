/**
 * What the transport hands back: a response read whole inside the call (operations), or
 * one whose body is still to be read under the call's deadline (downloads).
 */
import { type Deadline, whenAborted } from "./signals.js";

const decoder = /* @__PURE__ */ new TextDecoder();

/**
 * Read a response whole, so a failure while reading counts as a failed attempt. What comes
 * back stands in for the Response with what the library reads of it (`ok`, `status`,
 * `headers`, `text()`, `blob()`) and no body stream: building a second real Response per
 * call (its stream and all) was measurably the costliest part of a call (see
 * `npm run bench:fake`). Bytes decoded here measured faster than the platform's `text()`.
 *
 * @example
 * const response = await buffered(await fetch(url))
 */
export async function buffered(response: Response): Promise<Response> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const { ok, status, headers } = response;
  const stand = {
    ok,
    status,
    headers,
    body: null,
    text: async () => decoder.decode(bytes),
    blob: async () => new Blob([bytes], { type: headers.get("content-type") ?? "" }),
  };
  return stand as unknown as Response;
}

/**
 * `response` with its body read under the deadline `d`, which it now owns: `d` is disposed
 * when the body ends, fails or is cancelled. If `d.signal` aborts first (the deadline, or
 * the caller's signal), the body errors with `reason()` and the connection is let go. The
 * body is wrapped rather than left to fetch's own abort, because a custom `fetch` need not
 * tie its body to the signal, and fetch's error would be a bare DOMException.
 *
 * @example
 * return underDeadline(response, d, () => new TimeoutError(`GET ${url} timed out`, 30_000))
 */
export function underDeadline(response: Response, d: Deadline, reason: () => unknown): Response {
  const source = response.body;
  const { signal } = d;
  const { status } = response;
  // Nothing to read (or a status that cannot carry a body): the deadline's work is done.
  if (!signal || source === null || status === 204 || status === 205 || status === 304) {
    d.dispose();
    return response;
  }
  const reader = source.getReader();
  let settled = false;
  let sink: ReadableStreamDefaultController<Uint8Array> | undefined;
  let unlisten = () => {};
  const finish = () => {
    settled = true;
    unlisten();
    d.dispose();
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        sink = controller;
      },
      async pull(controller) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (settled) return; // already errored by the abort
          finish();
          controller.error(signal.aborted ? reason() : error);
          return;
        }
        if (settled) return;
        if (chunk.done) {
          finish();
          controller.close();
        } else controller.enqueue(chunk.value);
      },
      cancel(why) {
        if (!settled) finish();
        return reader.cancel(why);
      },
    },
    // No read-ahead: bytes are read when the caller reads them.
    { highWaterMark: 0 },
  );
  unlisten = whenAborted(signal, () => {
    if (settled) return;
    finish();
    const error = reason();
    sink?.error(error);
    reader.cancel(error).catch(() => {});
  });
  return new Response(body, { status, statusText: response.statusText, headers: response.headers });
}
