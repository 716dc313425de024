/**
 * `createProxy`: a web-standard handler a server mounts (e.g. at
 * `/api/replicate/*`) so browser code can use the client without ever holding the token.
 * The API sends no CORS headers and a token must never reach a browser, so the browser
 * talks to its own origin and this handler forwards what the server allows.
 */
import { isReplicateHost } from "../core/domain.js";
import { readEnv } from "../core/env.js";
import { checkToken } from "../core/headers.js";
import { operationTable } from "../generated/operations.js";
import { findOperation, forwardedQuery, isOperationPath } from "./api-paths.js";
import { readCapped } from "./body-limit.js";
import { type ProxyOptions, resolveOptions } from "./proxy-options.js";
import { passOn, problem } from "./replies.js";
import { createStreamSigner } from "./stream-signing.js";

export type { ProxyOptions } from "./proxy-options.js";

/** Headers passed through to the API; the browser's Authorization and cookies are not. */
const FORWARDED = ["accept", "content-type", "prefer", "cancel-after", "last-event-id"];
/** Where the stream URLs the proxy hands out live, under its prefix. */
const STREAM = "/__stream/";

const forbidden = (detail: string) => problem(403, "Forbidden", detail);

/**
 * Make the handler. It forwards to the API, with the server's token:
 * - a request for an operation named in `allow`, its body capped at `maxBodyBytes` (413 over it);
 * - a GET of a stream URL this proxy issued (signed, unaltered, less than 24 hours old), to a
 *   Replicate host or the upstream's origin, and never to an API operation's path.
 *
 * Anything else gets a 403 problem+json and nothing is sent. Throws `InputError` at once
 * for bad options: not an object, no `prefix`, `allow` not an array or naming unknown operations.
 *
 * @example
 * // app/api/replicate/[...path]/route.ts (Next.js)
 * const proxy = createProxy({ prefix: "/api/replicate", allow: ["models.predictions.create", "predictions.get"] })
 * export const GET = proxy, POST = proxy
 * // in the browser: createReplicate({ baseUrl: "/api/replicate" })
 */
export function createProxy(options: ProxyOptions): (request: Request) => Promise<Response> {
  const config = resolveOptions(options);
  const { prefix, upstream, maxBodyBytes } = config;
  const api = upstream.href.replace(/\/+$/, "");
  // Checked like `auth` (per request, as the variable is read): Headers' own error would quote it.
  const token = () => config.auth ?? checkToken("REPLICATE_API_TOKEN", readEnv("REPLICATE_API_TOKEN"));
  const signer = createStreamSigner(prefix, () => config.secret ?? token());
  const send = (request: Request) => (config.fetch ?? globalThis.fetch)(request);

  function headersFrom(request: Request): Headers {
    const headers = new Headers();
    for (const name of FORWARDED) {
      const value = request.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    const auth = token();
    if (auth) headers.set("authorization", `Bearer ${auth}`);
    return headers;
  }

  const apiPath = upstream.pathname.replace(/\/+$/, "");
  /**
   * `link` pointed at the proxy (`base`) when it is on the API, where the allow-list then
   * judges it. Read as the browser would resolve it: any case, a default port, dot segments
   * (which could otherwise climb out of the prefix to another route of the app), and
   * `http:` too (the schema's own `next` for deployments.list is `http:`; the proxy still
   * forwards over the upstream's protocol).
   */
  function onProxy(link: string, base: string): string {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      return link;
    }
    const under = url.pathname === apiPath || url.pathname.startsWith(`${apiPath}/`);
    const onApi = url.host === upstream.host && /^https?:$/.test(url.protocol) && under;
    return onApi ? `${base}${url.pathname.slice(apiPath.length)}${url.search}${url.hash}` : link;
  }

  /**
   * Send a request upstream without following redirects: fetch follows one with the token
   * still attached, to any path of the origin (an operation not allowed, the webhook secret).
   * A 3xx is passed on instead, its `Location` pointed back at the proxy when on the API.
   */
  async function forward(target: string, init: RequestInit, base: string): Promise<Response> {
    let answer: Response;
    try {
      answer = await send(new Request(target, { ...init, redirect: "manual" }));
    } catch (error) {
      // The browser went away: its own abort, for the server's framework to see as such.
      if (init.signal?.aborted) throw error;
      // Not the runtime's bare "fetch failed", which the server's framework would turn into a
      // 500 without saying what happened. Its cause may name hosts: not passed to the browser.
      return problem(502, "Bad Gateway", "The API could not be reached");
    }
    // Where fetch hides a redirect (an "opaqueredirect", status 0) there is nothing to pass on.
    if (answer.type === "opaqueredirect") return problem(502, "Bad Gateway", "The API answered with a redirect");
    const location = answer.headers.get("location");
    if (answer.status < 300 || answer.status > 399 || location === null) return answer;
    const reply = passOn(answer);
    try {
      reply.headers.set("location", onProxy(new URL(location, target).href, base));
    } catch {
      reply.headers.delete("location"); // not a URL: nothing a browser could follow
    }
    return reply;
  }

  /** Point the URLs the browser will follow (pages, streams) back at the proxy. */
  async function rewrite(value: unknown, base: string): Promise<unknown> {
    if (Array.isArray(value)) return Promise.all(value.map((v) => rewrite(v, base)));
    if (!value || typeof value !== "object") return value;
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const key of ["next", "previous"]) {
      const link = out[key];
      if (typeof link === "string") out[key] = onProxy(link, base);
    }
    const urls = out.urls as Record<string, unknown> | undefined;
    if (urls && typeof urls.stream === "string")
      out.urls = { ...urls, stream: `${base}${STREAM}${await signer.sign(urls.stream)}` };
    if (Array.isArray(out.results)) out.results = await rewrite(out.results, base);
    return out;
  }

  async function forwardStream(request: Request, segment: string, base: string): Promise<Response> {
    if (request.method !== "GET") return forbidden(`${request.method} is not allowed on a stream URL`);
    const verified = await signer.verify(segment);
    if (!verified.ok) return forbidden(verified.reason);
    // Checked again though signed: a URL the API handed out must still not take the token
    // anywhere but Replicate, and never to an operation (the webhook secret, the account).
    let target: URL;
    try {
      target = new URL(verified.target);
    } catch {
      return forbidden("Not a stream URL");
    }
    const trusted = isReplicateHost(target) || target.origin === upstream.origin;
    if (!trusted || target.protocol !== upstream.protocol) return forbidden("Not a Replicate stream URL");
    if (isOperationPath(target, upstream)) return forbidden("A stream URL may not name an API operation");
    return passOn(await forward(target.href, { headers: headersFrom(request), signal: request.signal }, base));
  }

  return async function proxy(request) {
    // A page on another site may make a visitor's browser send a "simple" POST (a create,
    // a cancel) here, with the visitor's cookies, if the app's auth in front is cookie-based.
    // Browsers label such a request; the proxy sends no CORS headers, so no real page of
    // another site could use the answer anyway. Same-site (a subdomain) is the app's own.
    if (request.headers.get("sec-fetch-site") === "cross-site") return forbidden("Cross-site requests are refused");
    const url = new URL(request.url);
    if (!url.pathname.startsWith(`${prefix}/`)) return forbidden(`Not under ${prefix}`);
    const path = url.pathname.slice(prefix.length);
    // The public origin, never one taken from request headers (see ProxyOptions.publicOrigin).
    const base = `${config.publicOrigin ?? url.origin}${prefix}`;
    if (path.startsWith(STREAM)) return forwardStream(request, path.slice(STREAM.length), base);

    const id = findOperation(request.method, path);
    if (!id || !config.allow.has(id)) return forbidden(`${request.method} ${path} is not allowed by this proxy`);
    let body: Uint8Array<ArrayBuffer> | null = null;
    if (request.method !== "GET" && request.method !== "HEAD") {
      const read = await readCapped(request, maxBodyBytes);
      if (!read) {
        return problem(
          413,
          "Content Too Large",
          `The request body is over this proxy's limit of ${maxBodyBytes} bytes`,
        );
      }
      body = read;
    }
    const init = { method: request.method, headers: headersFrom(request), body, signal: request.signal };
    const answer = await forward(`${api}${path}${forwardedQuery(id, url.search)}`, init, base);
    // Only the API's own JSON is rewritten. A file (files.download) passes byte for byte: it is
    // anyone's to write, so a `urls.stream` in it must not get signed. No body (a 204 may still
    // say JSON): nothing to rewrite, and a 204 may not be given one.
    const rewritable = !("response" in operationTable[id]) && answer.headers.get("content-type")?.includes("json");
    if (answer.body === null || !rewritable) return passOn(answer);
    const text = await answer.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return passOn(answer, text);
    }
    try {
      return passOn(answer, JSON.stringify(await rewrite(json, base)));
    } catch (error) {
      // Nested deeper than the stack allows (the parser copes; writing back does not): a
      // prediction's output is anyone's model's to shape. Not passed on unrewritten either.
      if (!(error instanceof RangeError)) throw error;
      return problem(502, "Bad Gateway", "The API's answer is nested too deeply to pass on");
    }
  };
}
