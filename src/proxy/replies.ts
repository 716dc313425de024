/**
 * What the proxy answers with: its own refusals as problem+json (the shape the API's own
 * errors have, so the browser's client reads them as an `ApiError`), and the API's
 * answers passed on.
 */

/**
 * A problem+json response.
 *
 * @example
 * return problem(403, "Forbidden", "GET /account is not allowed by this proxy")
 */
export function problem(status: number, title: string, detail: string): Response {
  return new Response(JSON.stringify({ status, title, detail }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });
}

/**
 * The API's headers the browser gets: what it needs to read the body (its type, a
 * download's name), caching and retry hints, and a redirect's `Location` (which the proxy
 * points back at itself). Nothing else: every other header the API (or the CDN in front of
 * it) sends would act on the app's origin instead of the API's. `set-cookie` would set
 * cookies there; `strict-transport-security`, `alt-svc`, `clear-site-data`, `refresh` and
 * `content-security-policy` would change how the browser treats the whole app; `nel` and
 * `report-to` would have the app's visitors report their network errors to the API's CDN;
 * `access-control-*` would open a proxy meant for its own origin to other sites. Hop-by-hop
 * headers (`connection`, `keep-alive`, `upgrade`) belong to the API's connection, not the
 * browser's. And `content-encoding` and `content-length` describe the body as it came over
 * the wire, which the platform's fetch has already decoded (or the proxy rewritten).
 */
const PASSED = ["content-type", "content-disposition", "cache-control", "retry-after", "location"];

/**
 * Added to every passthrough. What the proxy passes on is served from the app's origin, and
 * some of it is anyone's to write: a file uploaded with `type: "text/html"` (or SVG) and
 * opened at its `files.download` URL would run its script as the app, free to call the
 * proxy with the visitor's cookies. A sandbox with no sources runs nothing and gives such a
 * page no origin; `nosniff` keeps the browser from guessing a type. Neither changes what
 * `fetch` (the client) reads.
 */
const CONFINED = { "content-security-policy": "sandbox; default-src 'none'", "x-content-type-options": "nosniff" };

/**
 * The API's `answer` passed on with `body` (its own, unless rewritten), with only the
 * headers in {@link PASSED}, plus {@link CONFINED}. Every passthrough goes through here,
 * the stream route's included.
 *
 * @example
 * return passOn(answer) // or passOn(answer, JSON.stringify(rewritten))
 */
export function passOn(answer: Response, body: BodyInit | null = answer.body): Response {
  const headers = new Headers(CONFINED);
  for (const name of PASSED) {
    const value = answer.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  return new Response(body, { status: answer.status, statusText: answer.statusText, headers });
}
