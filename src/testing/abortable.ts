/**
 * The fake's handler as a real `fetch` behaves toward the request's signal: a test of a
 * user's timeout or abort handling against the in-memory fake must see what it would see
 * over the network. Aborted before or while waiting for the answer, the call rejects at
 * once with the signal's reason; aborted while the body streams, the body errors. What the
 * server side had already accepted (a created prediction) stays, as it would on Replicate.
 */

/** The fake's `fetch`: what `fetch` takes, a Response out. */
export type FakeFetch = (input: Request | URL | string, init?: RequestInit) => Promise<Response>;

/** `response` with a body that errors with `signal`'s reason when it aborts, and stops its source. */
function bodyUnder(response: Response, signal: AbortSignal): Response {
  const source = response.body;
  if (!source) return response;
  const reader = source.getReader();
  let stop = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      stop = () => {
        signal.removeEventListener("abort", onAbort);
        stop = () => {};
      };
      const onAbort = () => {
        stop();
        controller.error(signal.reason);
        void reader.cancel(signal.reason).catch(() => {}); // a stream's listeners go with it
      };
      signal.addEventListener("abort", onAbort, { once: true });
    },
    async pull(controller) {
      if (signal.aborted) return; // errored already: nothing more may be enqueued
      try {
        const { done, value } = await reader.read();
        if (signal.aborted) return;
        if (done) {
          stop();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        stop();
        if (!signal.aborted) controller.error(error);
      }
    },
    cancel(reason) {
      stop();
      return reader.cancel(reason);
    },
  });
  const { status, statusText, headers } = response;
  return new Response(body, { status, statusText, headers });
}

/**
 * `respond`, which never rejects, called as `fetch` is: with a Request, or a URL and init.
 *
 * @example
 * const fetch = asFetch((request) => handle(request))
 * await fetch("https://api.replicate.com/v1/account", { headers, signal: AbortSignal.timeout(1000) })
 */
export function asFetch(respond: (request: Request) => Promise<Response>): FakeFetch {
  return async (input, init) => {
    // Built as fetch builds it: a URL it cannot parse rejects with fetch's own TypeError.
    const request = input instanceof Request && init === undefined ? input : new Request(input, init);
    const { signal } = request;
    if (signal.aborted) throw signal.reason;
    const answer = respond(request);
    return new Promise<Response>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      void answer.then((response) => {
        signal.removeEventListener("abort", onAbort);
        // Nobody is left to read an answer that comes after the abort: release what it holds.
        if (signal.aborted) void response.body?.cancel(signal.reason).catch(() => {});
        else resolve(bodyUnder(response, signal));
      });
    });
  };
}
