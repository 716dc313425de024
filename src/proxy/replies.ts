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
 * Headers that describe the body as it came over the wire, not as the proxy passes it on:
 * the platform's fetch has already decoded it (so `content-encoding` would make the browser
 * decode it again), and a decoded or rewritten body has another length.
 */
const WIRE_HEADERS = ["content-encoding", "content-length", "transfer-encoding"];

/**
 * The API's `answer` passed on with `body` (its own, unless rewritten), minus the wire
 * headers. Every passthrough goes through here, the stream route's included.
 *
 * @example
 * return passOn(answer) // or passOn(answer, JSON.stringify(rewritten))
 */
export function passOn(answer: Response, body: BodyInit | null = answer.body): Response {
  const headers = new Headers(answer.headers);
  for (const name of WIRE_HEADERS) headers.delete(name);
  return new Response(body, { status: answer.status, statusText: answer.statusText, headers });
}
