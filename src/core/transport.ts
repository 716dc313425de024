/**
 * The one place requests leave the library. It adds auth and headers, follows redirects
 * by the rules in `redirects.ts`, applies the deadline and the caller's signal, and
 * retries by the rules in `retry.ts`. Operation methods, pagination, uploads, downloads
 * and the openapi-fetch client all send through it, so they share the same behaviour.
 */
import { ConnectionError, TimeoutError } from "./errors.js";
import { type HeaderSource, headerCompleter } from "./headers.js";
import { free, type Release } from "./limiter.js";
import { afterRedirect, isRedirect, mayFollowBlind } from "./redirects.js";
import { buffered } from "./responses.js";
import { backoffMs, type ResolvedRetry, retryWait, shouldRetry } from "./retry.js";
import { abortable, abortReason, type Deadline, deadline, sleep, whenAborted } from "./signals.js";

/** Signals that stop a call only until its request is sent: see {@link untilSent}. */
const sentOnly = /* @__PURE__ */ new WeakSet<AbortSignal>();

/**
 * A signal following `signal` that stops a call only until its request is sent: while it
 * waits for a slot, backs off or would send again, never the request in flight. For a
 * create held open for its sync window, which runs (and is billed) on Replicate whether
 * its answer is read or not: cutting it off would only lose its id.
 *
 * @example
 * const posting = replicate.predictions.create(params, { signal: untilSent(signal) })
 */
export function untilSent(signal: AbortSignal): AbortSignal {
  const controller = new AbortController();
  whenAborted(signal, () => controller.abort(abortReason(signal)));
  sentOnly.add(controller.signal);
  return controller.signal;
}

/** A `fetch`-compatible function. */
export type FetchLike = (input: Request) => Promise<Response>;

/** Everything the transport needs, resolved once by `createReplicate`. */
export interface TransportConfig {
  readonly baseUrl: string;
  readonly auth?: string | undefined;
  readonly fetch?: FetchLike | undefined;
  readonly userAgent?: string | undefined;
  /** Extra headers for the API's origin: lower-case names, values checked (`headerRecord`). */
  readonly headers: HeaderSource;
  readonly timeoutMs: number | undefined;
  readonly retry: ResolvedRetry;
  /**
   * Slots for requests in flight (a `Limiter`, or the adaptive default, which hands a free
   * slot over without a promise); undefined for no cap.
   */
  readonly limiter?: { acquire(signal: AbortSignal | undefined): Release | Promise<Release> } | undefined;
}

/** Per-call choices. */
export interface SendOptions {
  signal?: AbortSignal | undefined;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number | undefined;
  /**
   * Read the whole body inside the deadline and the retry loop. The result then has
   * status, headers and `text()`/`json()`/`arrayBuffer()`/`blob()`, but no body stream.
   * Without it the body is left to the caller, still under the deadline, through `hold`:
   * reading it fails with a TimeoutError once the deadline passes (a download that stalls
   * does not hang).
   */
  buffer?: boolean;
  /**
   * What keeps an unread body under the deadline, which it then owns: `underDeadline`
   * (responses.ts), passed by `strictFetch` and the openapi-fetch client. Passed rather
   * than imported here, so an app that only calls operations (all buffered) does not
   * bundle it. Without it, a body with a deadline over it is read whole, as with `buffer`:
   * no body ever outlives its deadline unwatched. With `openEnded` it holds the body under
   * the caller's signal alone.
   */
  hold?: ((response: Response, d: Deadline, reason: () => unknown) => Response) | undefined;
  /**
   * The body lasts as long as it lasts (an event stream, under its own signal): the
   * deadline then covers only the wait for the response headers, and the body answers to
   * the caller's signal alone. Only with `buffer: false`.
   */
  openEnded?: boolean;
  /**
   * Send the token to this request's origin even though it is not the API's: only for
   * a URL the API itself returned (a prediction's stream URL).
   */
  authorize?: boolean;
  /**
   * The URL is a model's output (a download): a model may write any URL, one of the API's
   * own endpoints too (the webhook secret's, say), so only the API's files (under
   * `baseUrl/files/`) get the token and the client's headers; the rest of its origin none.
   */
  output?: boolean;
}

/**
 * A request as plain parts: what the library's own calls pass, so no `Request` is built
 * unless a custom `fetch` asks for one. The body must be reusable across attempts (not a
 * stream). The transport completes the headers in place (auth, User-Agent, the client's
 * extra headers), so an object may only be reused for requests to the same origin.
 */
export interface RequestParts {
  url: string;
  method: string;
  /** Lower-case names. A plain object: cheaper than `Headers` on every call, and fetch takes it as is. */
  headers: Record<string, string>;
  body?: string | FormData | ArrayBuffer | undefined;
  /**
   * Left out, redirects are followed by the transport, by the rules of `redirects.ts`.
   * A mode given here is handed to fetch as it is, and the caller deals with redirects.
   */
  redirect?: RequestRedirect | undefined;
}

export type Send = (request: RequestParts, options?: SendOptions) => Promise<Response>;

/**
 * The client's `send`, over `config`.
 *
 * @example
 * const send = createTransport({ baseUrl, auth, headers: {}, timeoutMs: 120_000, retry: resolveRetry(undefined) })
 * const response = await send({ url: `${baseUrl}/account`, method: "GET", headers: {} }, { buffer: true })
 */
export function createTransport(config: TransportConfig): Send {
  const headersFor = headerCompleter(config);
  const { retry, limiter, auth } = config;
  // Set once this runtime answered a manual redirect opaquely (browsers do): from then on a
  // request the runtime may follow itself goes with redirect: "follow" at once, not twice.
  let blind = false;

  return async function send(parts, options = {}) {
    // The request as it goes now: each redirect followed replaces these (see afterRedirect).
    let { url, method, body } = parts;
    let headers = headersFor(url, parts.headers, options.authorize === true, options.output);
    const byHand = parts.redirect === undefined;
    const timeoutMs = options.timeoutMs ?? config.timeoutMs;
    const { openEnded, hold } = options;
    // A shared signal unless something may outlive the deadline (an open-ended body).
    const d = deadline(options.signal, timeoutMs, !openEnded);
    const { signal } = d;
    // What the request itself answers to: the same, or for a signal marked `untilSent`, the
    // deadline alone (the caller's signal then still stops the queue, the backoff and any
    // resend, so nothing is sent after it).
    const sent = options.signal && sentOnly.has(options.signal) ? deadline(undefined, timeoutMs, true) : d;
    const expired = () => d.expired() || sent.expired();
    // A signal of its own is a deadline of its own (see `deadline`): 429s are retried until it.
    const bounded = signal !== options.signal;
    const buffer = options.buffer || (bounded && !openEnded && !hold);
    const reason = () =>
      expired()
        ? new TimeoutError(`${method} ${url} timed out after ${timeoutMs} ms`, timeoutMs as number)
        : abortReason(signal as AbortSignal);
    const fail = (error: unknown): never => {
      if (expired() || signal?.aborted) throw reason();
      const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
      let why = error instanceof Error ? (cause?.code ?? cause?.message ?? error.message) : String(error);
      // A runtime's text may quote a header: never the token's.
      if (auth) why = why.replaceAll(auth, "[token]");
      throw new ConnectionError(`${method} ${url} failed: ${why}`, { cause: error });
    };
    // Let an unwanted body go (a redirect's, or one before a retry), freeing the connection;
    // not awaited, as a custom fetch's body may never settle its cancel.
    const drop = (response: Response) => void response.body?.cancel().catch(() => {});
    const custom = config.fetch;
    // A custom fetch need not honour the signal (the platform's does): wait for it no longer.
    const until = <T>(promise: Promise<T>) => (custom ? abortable(promise, sent.signal) : promise);
    // Whether the deadline went on with an unread body, which disposes it when done.
    let handedOn = false;

    try {
      let response: Response;
      const spent = { tries: 0, limited: 0 };
      for (let hops = 0; ; ) {
        if (signal?.aborted) throw reason(); // aborted before sending: send nothing
        // A slot covers one attempt (not the wait after it), up to the headers, or the
        // whole body when buffering. A free one comes without a promise: no await, no turn.
        const slot = limiter?.acquire(signal);
        let release = typeof slot === "object" ? await slot.catch(fail) : slot;
        // Set with the answer: release() below runs only after one (a failure lets the slot go at once).
        let status = 0;
        let redirected = false;
        try {
          const init = {
            method,
            headers,
            body: body ?? null,
            signal: sent.signal ?? null,
            redirect: parts.redirect ?? (blind && mayFollowBlind(method, body) ? "follow" : "manual"),
          } as const;
          // globalThis.fetch is looked up per call, so late interceptors see it. The
          // platform's fetch takes (url, init) and builds its one Request itself; a custom
          // fetch is promised a Request.
          // A custom fetch is called on its own, not as `config.fetch(...)`: workerd's fetch
          // refuses any `this` but the global ("Illegal invocation").
          response = await until(custom ? custom(new Request(url, init)) : globalThis.fetch(url, init));
          status = response.status;
          // A redirect's body is not wanted: it is let go below, before the next hop.
          redirected = byHand && isRedirect(status);
          if (buffer && !redirected) response = await until(buffered(response));
        } catch (error) {
          release = free(release); // no answer to learn from; and the slot is not held through the backoff
          if (signal?.aborted || spent.tries >= retry.retries || !shouldRetry(method, { error })) fail(error);
          await sleep(backoffMs(spent.tries++, retry), signal).catch(fail);
          continue;
        } finally {
          free(release, status === 429); // tells an adaptive limiter whether it was rate limited
        }
        const location = redirected ? response.headers.get("location") : null;
        // A 3xx without a Location is an answer, as fetch treats it; status 0 hides its Location.
        if (redirected && (location !== null || status === 0)) {
          drop(response);
          ({ url, method, headers, body } = afterRedirect({ url, method, headers, body }, status, location, ++hops));
          blind ||= location === null;
          continue;
        }
        if (response.ok) break;
        const wait = retryWait(method, status, response.headers.get("retry-after"), spent, retry, bounded);
        if (wait === undefined) break;
        drop(response); // free the connection before sleeping
        await sleep(wait, signal).catch(fail);
      }
      // An unread body stays under the deadline, unless it is open-ended (a stream): then
      // only the caller's signal, which `hold` lets go of when the body ends (else each
      // stream connection left a listener on it).
      if (buffer || !bounded) return response;
      handedOn = true;
      if (openEnded) d.dispose(false);
      return hold ? hold(response, d, reason) : response;
    } finally {
      if (!handedOn) d.dispose();
      if (sent !== d) sent.dispose();
    }
  };
}
