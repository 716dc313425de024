/**
 * The one place requests leave the library. It adds auth and headers, applies the
 * deadline and the caller's signal, and retries by the rules in `retry.ts`. Operation
 * methods, pagination and the openapi-fetch client all send through it, so they share
 * the same behaviour.
 */
import { ConnectionError, InputError, TimeoutError } from "./errors.js";
import type { Limiter } from "./limiter.js";
import { backoffMs, parseRetryAfter, type ResolvedRetry, shouldRetry } from "./retry.js";
import { abortReason, deadline, sleep } from "./signals.js";

/** A `fetch`-compatible function. */
export type FetchLike = (input: Request) => Promise<Response>;

/** Everything the transport needs, resolved once by `createReplicate`. */
export interface TransportConfig {
  readonly baseUrl: string;
  readonly auth: string | undefined;
  readonly fetch: FetchLike | undefined;
  readonly userAgent: string | undefined;
  readonly headers: Headers;
  readonly timeoutMs: number | undefined;
  readonly retry: ResolvedRetry;
  /** Caps requests in flight; undefined for no cap. */
  readonly limiter?: Limiter | undefined;
}

/** Per-call choices. */
export interface SendOptions {
  signal?: AbortSignal | undefined;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number | undefined;
  /**
   * Read the whole body inside the deadline and the retry loop. The result then has
   * status, headers and `text()`/`json()`/`arrayBuffer()`/`blob()`, but no body stream.
   * Without it the deadline covers the wait for response headers, and the body is left to the caller.
   */
  buffer?: boolean;
  /**
   * Send the token to this request's origin even though it is not the API's: only for
   * a URL the API itself returned (a prediction's stream URL).
   */
  authorize?: boolean;
}

/**
 * A request as plain parts: what the library's own calls pass, so only one `Request` is
 * built per attempt. The body must be reusable across attempts (not a stream); the
 * headers are the transport's to complete (auth, User-Agent) and must not be shared.
 */
export interface RequestParts {
  url: string;
  method: string;
  headers: Headers;
  body?: string | FormData | ArrayBuffer | undefined;
  redirect?: RequestRedirect;
}

export type Send = (request: Request | RequestParts, options?: SendOptions) => Promise<Response>;

/** The parts of a `Request`, reading its body once so every attempt can send the same bytes. */
async function partsOf(request: Request): Promise<RequestParts> {
  const { url, method, headers, redirect } = request;
  return { url, method, headers, redirect, body: request.body ? await request.arrayBuffer() : undefined };
}

/** Replicate's own host: only there is a missing token an error. */
const REPLICATE_HOST = "api.replicate.com";

export function createTransport(config: TransportConfig): Send {
  const apiOrigin = new URL(config.baseUrl).origin;

  /** Final headers: `own` headers (built for this call) are completed in place, others copied. */
  function headersFor(url: URL, original: Headers, authorize: boolean, own: boolean): Headers {
    const headers = own ? original : new Headers(original);
    if (config.userAgent && !headers.has("user-agent")) headers.set("user-agent", config.userAgent);
    // Extra headers and the token go only to the API's own origin, never elsewhere.
    if (url.origin !== apiOrigin) {
      headers.delete("authorization");
      if (authorize && config.auth) headers.set("authorization", `Bearer ${config.auth}`);
      return headers;
    }
    for (const [name, value] of config.headers) if (!headers.has(name)) headers.set(name, value);
    if (config.auth) headers.set("authorization", `Bearer ${config.auth}`);
    else if (url.hostname === REPLICATE_HOST) {
      throw new InputError(
        "No API token: set the REPLICATE_API_TOKEN environment variable or pass createReplicate({ auth }).",
      );
    }
    return headers;
  }

  return async function send(request, options = {}) {
    const isRequest = typeof (request as Request).arrayBuffer === "function";
    const parts = isRequest ? await partsOf(request as Request) : (request as RequestParts);
    const url = new URL(parts.url);
    const headers = headersFor(url, parts.headers, options.authorize === true, !isRequest);
    const { method, body } = parts;
    const timeoutMs = options.timeoutMs ?? config.timeoutMs;
    const d = deadline(options.signal ?? (isRequest ? (request as Request).signal : undefined), timeoutMs);
    const { retry } = config;
    const fail = (error: unknown): never => {
      if (d.expired()) throw new TimeoutError(`${method} ${url.href} timed out after ${timeoutMs} ms`, timeoutMs ?? 0);
      if (d.signal.aborted) throw abortReason(d.signal);
      throw new ConnectionError(`${method} ${url.href} failed: ${describe(error)}`, { cause: error });
    };

    try {
      for (let attempt = 0; ; attempt++) {
        if (d.signal.aborted) fail(undefined); // aborted before sending: send nothing
        // globalThis.fetch is looked up per call (below), so late interceptors see it.
        let response: Response;
        // A slot covers one attempt (not the backoff after it), up to the headers, or the
        // whole body when buffering.
        const release = await config.limiter?.acquire(d.signal).catch(fail);
        try {
          const init = { method, headers, body: body ?? null, signal: d.signal, redirect: parts.redirect ?? "follow" };
          // The platform's fetch takes (url, init) and builds its one Request itself; a
          // custom fetch is promised a Request.
          response = await (config.fetch ? config.fetch(new Request(url, init)) : globalThis.fetch(url, init));
          if (options.buffer) response = await buffered(response);
        } catch (error) {
          if (d.signal.aborted || attempt >= retry.retries || !shouldRetry(method, { error })) fail(error);
          await sleep(backoffMs(attempt, retry), d.signal).catch(fail);
          continue;
        } finally {
          release?.();
        }
        if (response.ok || attempt >= retry.retries || !shouldRetry(method, response)) return response;
        const asked = parseRetryAfter(response.headers.get("retry-after"));
        // Asked to wait longer than allowed: hand the response back; the caller's ApiError carries it.
        if (asked !== undefined && asked > retry.maxDelayMs) return response;
        await response.body?.cancel().catch(() => {}); // free the connection before sleeping
        await sleep(asked ?? backoffMs(attempt, retry), d.signal).catch(fail);
      }
    } finally {
      d.dispose(options.buffer === true);
    }
  };
}

const decoder = new TextDecoder();

/**
 * Read a response whole, so a failure while reading counts as a failed attempt. What comes
 * back stands in for the Response with its status, headers and body readers, but no body
 * stream: building a second real Response per call (its stream and all) was measurably
 * the costliest part of a call (see `npm run bench:fake`).
 */
async function buffered(response: Response): Promise<Response> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const { ok, status, statusText, headers, url } = response;
  const text = async () => decoder.decode(bytes);
  const stand = {
    ok,
    status,
    statusText,
    headers,
    url,
    body: null,
    bodyUsed: false,
    text,
    json: async () => JSON.parse(await text()),
    arrayBuffer: async () => bytes.slice().buffer,
    blob: async () => new Blob([bytes], { type: headers.get("content-type") ?? "" }),
  };
  return stand as unknown as Response;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? error.message;
}
