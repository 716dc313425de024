/**
 * The one place requests leave the library. It adds auth and headers, applies the
 * deadline and the caller's signal, and retries by the rules in `retry.ts`. Operation
 * methods, pagination and the openapi-fetch client all send through it, so they share
 * the same behaviour.
 */
import { API_HOST } from "./domain.js";
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
  redirect?: RequestRedirect;
}

export type Send = (request: RequestParts, options?: SendOptions) => Promise<Response>;

/**
 * The parts of a `Request` (from openapi-fetch, say), its body read once so every
 * attempt can send the same bytes. Its signal goes in the send options.
 *
 * @example
 * await send(await requestParts(request), { signal: request.signal })
 */
export async function requestParts(request: Request): Promise<RequestParts> {
  const { url, method, redirect } = request;
  // Headers iterate with lower-case names, repeated values already joined.
  const headers = Object.fromEntries(request.headers);
  return { url, method, headers, redirect, body: request.body ? await request.arrayBuffer() : undefined };
}

export function createTransport(config: TransportConfig): Send {
  const api = new URL(config.baseUrl);
  // A URL string that starts with "scheme://host[:port]/" has exactly that origin, so the
  // common case (the library's own URLs under baseUrl) needs no URL parsing per call.
  const apiPrefix = `${api.origin}/`;
  const needsToken = api.hostname === API_HOST;
  const extra = Array.from(config.headers);

  /** The final headers, completed in place. */
  function headersFor(url: string, headers: Record<string, string>, authorize: boolean) {
    if (config.userAgent && headers["user-agent"] === undefined) headers["user-agent"] = config.userAgent;
    // Extra headers and the token go only to the API's own origin, never elsewhere.
    if (!url.startsWith(apiPrefix) && new URL(url).origin !== api.origin) {
      delete headers.authorization;
      if (authorize && config.auth) headers.authorization = `Bearer ${config.auth}`;
      return headers;
    }
    for (const [name, value] of extra) if (headers[name] === undefined) headers[name] = value;
    if (config.auth) headers.authorization = `Bearer ${config.auth}`;
    else if (needsToken) {
      throw new InputError(
        "No API token: set the REPLICATE_API_TOKEN environment variable or pass createReplicate({ auth }).",
      );
    }
    return headers;
  }

  return async function send(parts, options = {}) {
    const { url, method, body } = parts;
    const headers = headersFor(url, parts.headers, options.authorize === true);
    const timeoutMs = options.timeoutMs ?? config.timeoutMs;
    const d = deadline(options.signal, timeoutMs);
    const { signal } = d;
    const { retry } = config;
    const fail = (error: unknown): never => {
      if (d.expired()) throw new TimeoutError(`${method} ${url} timed out after ${timeoutMs} ms`, timeoutMs ?? 0);
      if (signal?.aborted) throw abortReason(signal);
      throw new ConnectionError(`${method} ${url} failed: ${describe(error)}`, { cause: error });
    };

    try {
      for (let attempt = 0; ; attempt++) {
        if (signal?.aborted) fail(undefined); // aborted before sending: send nothing
        // globalThis.fetch is looked up per call (below), so late interceptors see it.
        let response: Response;
        // A slot covers one attempt (not the backoff after it), up to the headers, or the
        // whole body when buffering.
        // (No `await` without a limiter: awaiting undefined still costs a turn.)
        const release = config.limiter ? await config.limiter.acquire(signal).catch(fail) : undefined;
        try {
          const init = {
            method,
            headers,
            body: body ?? null,
            signal: signal ?? null,
            redirect: parts.redirect ?? "follow",
          };
          // The platform's fetch takes (url, init) and builds its one Request itself; a
          // custom fetch is promised a Request.
          response = await (config.fetch ? config.fetch(new Request(url, init)) : globalThis.fetch(url, init));
          if (options.buffer) response = await buffered(response);
        } catch (error) {
          if (signal?.aborted || attempt >= retry.retries || !shouldRetry(method, { error })) fail(error);
          await sleep(backoffMs(attempt, retry), signal).catch(fail);
          continue;
        } finally {
          release?.();
        }
        if (response.ok || attempt >= retry.retries || !shouldRetry(method, response)) return response;
        const asked = parseRetryAfter(response.headers.get("retry-after"));
        // Asked to wait longer than allowed: hand the response back; the caller's ApiError carries it.
        if (asked !== undefined && asked > retry.maxDelayMs) return response;
        await response.body?.cancel().catch(() => {}); // free the connection before sleeping
        await sleep(asked ?? backoffMs(attempt, retry), signal).catch(fail);
      }
    } finally {
      d.dispose(options.buffer === true);
    }
  };
}

const decoder = /* @__PURE__ */ new TextDecoder();

/**
 * Read a response whole, so a failure while reading counts as a failed attempt. What comes
 * back stands in for the Response with what the library reads of it (`ok`, `status`,
 * `headers`, `text()`, `blob()`) and no body stream: building a second real Response per
 * call (its stream and all) was measurably the costliest part of a call (see
 * `npm run bench:fake`). Bytes decoded here measured faster than the platform's `text()`.
 */
async function buffered(response: Response): Promise<Response> {
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

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? error.message;
}
