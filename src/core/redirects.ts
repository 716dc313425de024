/**
 * Redirects, followed by hand by the transport so that what leaves the API's origin is
 * decided here and not by the runtime: fetch implementations send every custom header (a
 * gateway key, say) wherever a redirect points, and re-send the body on a 307 or 308.
 *
 * Per hop:
 * - 301/302 turn a POST, and 303 anything but GET and HEAD, into a GET without a body
 *   (as fetch does); 307/308 keep the method and the body.
 * - A hop to another origin carries only {@link CROSS_ORIGIN_HEADERS}: not the token, not
 *   the client's `headers`, not a call's own headers. Nor does any later hop, even one
 *   back to the API, as fetch also never puts a dropped Authorization back.
 * - A body is never sent to another origin: such a hop is a ReplicateError.
 */
import { ReplicateError } from "./errors.js";
import { shouldRetry } from "./retry.js";

/** Hops followed after the first request before giving up. Fetch allows 20; an API needs one or two. */
export const MAX_REDIRECTS = 5;

/**
 * Whether a response to a `redirect: "manual"` request is a redirect: one of the statuses
 * fetch follows, or 0, a redirect the runtime hides (a browser's "opaqueredirect").
 * Plain comparisons, as it runs on every response.
 *
 * @example
 * if (isRedirect(response.status)) await response.body?.cancel()
 */
export function isRedirect(status: number): boolean {
  return status === 0 || status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** The parts of a request a hop may change (`B`, the body's type, is the transport's to say). */
export interface Hop<B> {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: B | undefined;
}

/**
 * Headers that may go on to another origin: what the client accepts, who it is, and where
 * an event stream resumes; nothing that could be a credential.
 */
const CROSS_ORIGIN_HEADERS = /^(accept|accept-language|cache-control|last-event-id|user-agent)$/;

/** Headers that describe a body (fetch's request-body-header names, and its length), dropped with it. */
const BODY_HEADERS = /^content-(type|length|encoding|language|location)$/;

/**
 * Whether `url` is http or https: the only kinds of URL a request goes to.
 *
 * @example
 * isHttp(new URL("ftp://example.com")) // false
 */
export const isHttp = (url: URL): boolean => /^https?:$/.test(url.protocol);

/**
 * What to send after a redirect of `current` (its body already let go) to `location`, on
 * hop number `hops`, by the rules above. When the runtime hid the redirect (status 0, no
 * Location), the same request, to hand to the runtime's own following, if
 * {@link mayFollowBlind} allows. A ReplicateError when following would send a body to
 * another origin, the Location is not an http(s) URL, the runtime hid it and the request
 * may not follow blind, or past {@link MAX_REDIRECTS}. The headers of `current` are never
 * changed (pages of a list share them): a hop that changes them gets its own.
 *
 * @example
 * ({ url, method, headers, body } = afterRedirect({ url, method, headers, body }, 302, location, ++hops))
 */
export function afterRedirect<B>(current: Hop<B>, status: number, location: string | null, hops: number): Hop<B> {
  const { url } = current;
  let { method, headers, body } = current;
  if (hops > MAX_REDIRECTS) throw new ReplicateError(`Too many redirects: ${method} ${url} after ${MAX_REDIRECTS}.`);
  if (location === null) {
    if (mayFollowBlind(method, body)) return current;
    throw new ReplicateError(
      `${method} ${url} was redirected, and this runtime hides where to: it is not sent again, as its body could go to another origin.`,
    );
  }
  const what = `${method} ${url} was redirected (${status})`;
  let target: URL;
  try {
    target = new URL(location, url);
  } catch {
    throw new ReplicateError(`${what} to an invalid Location.`);
  }
  if (!isHttp(target)) {
    throw new ReplicateError(`${what} to a ${target.protocol} URL; only http(s) redirects are followed.`);
  }
  if ((status === 303 && method !== "GET" && method !== "HEAD") || (status <= 302 && method === "POST")) {
    method = "GET";
    body = undefined;
    headers = { ...headers };
    for (const name in headers) if (BODY_HEADERS.test(name)) delete headers[name];
  }
  if (target.origin !== new URL(url).origin) {
    if (body !== undefined) {
      throw new ReplicateError(`${what} to another origin, ${target.origin}: its body is not sent there.`);
    }
    const kept: Record<string, string> = {};
    for (const name in headers) if (CROSS_ORIGIN_HEADERS.test(name)) kept[name] = headers[name] as string;
    headers = kept;
  }
  return { url: target.href, method, headers, body };
}

/**
 * Whether a request may be handed to the runtime's own redirect following where the
 * runtime hides manual redirects (browsers). The browser drops Authorization on another
 * origin, but would take a body there (307/308) and sends the other headers on. So only a
 * request without a body goes, and only one whose method may be repeated: it is sent
 * again after the hidden redirect, which the server may already have acted on.
 *
 * @example
 * if (mayFollowBlind("GET", undefined)) init.redirect = "follow"
 */
export function mayFollowBlind(method: string, body: unknown): boolean {
  // A redirect we cannot read is an outcome we cannot read: the retry rule for those decides.
  return body === undefined && shouldRetry(method, { error: undefined });
}
