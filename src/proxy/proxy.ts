/**
 * `createProxy`: a web-standard handler a server mounts (e.g. at
 * `/api/replicate/*`) so browser code can use the client without ever holding the token.
 * The API sends no CORS headers and a token must never reach a browser, so the browser
 * talks to its own origin and this handler forwards what the server allows.
 */
import { DEFAULT_BASE_URL, isReplicateHost } from "../core/domain.js";
import { readEnv } from "../core/env.js";
import { type OperationId, type OperationSpec, operationTable } from "../generated/operations.js";

/** Options of {@link createProxy}. */
export interface ProxyOptions {
  /** The operations the browser may call, by operationId; everything else gets a 403. */
  allow: readonly OperationId[];
  /** Where the handler is mounted: the path before the API paths, e.g. `"/api/replicate"`. */
  prefix: string;
  /** The server's token. @default the `REPLICATE_API_TOKEN` environment variable */
  auth?: string;
  /** The API. @default "https://api.replicate.com/v1" */
  upstream?: string;
  /** Sends the forwarded requests. @default `globalThis.fetch`, looked up per request */
  fetch?: (request: Request) => Promise<Response>;
}

/** Headers passed through to the API; the browser's Authorization and cookies are not. */
const FORWARDED = ["accept", "content-type", "prefer", "cancel-after", "last-event-id"];
const STREAM = "/__stream/";

function forbidden(detail: string): Response {
  return new Response(JSON.stringify({ status: 403, title: "Forbidden", detail }), {
    status: 403,
    headers: { "content-type": "application/problem+json" },
  });
}

const toBase64Url = (s: string) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromBase64Url = (s: string) => atob(s.replace(/-/g, "+").replace(/_/g, "/"));

function matcher(spec: OperationSpec): RegExp {
  return new RegExp(`^${spec.path.replace(/\{[^}]+\}/g, "[^/]+")}$`);
}

const ROUTES = /* @__PURE__ */ Object.entries(operationTable).map(([id, spec]) => ({
  id,
  spec,
  pattern: matcher(spec),
}));

/**
 * Make the handler.
 *
 * @example
 * // app/api/replicate/[...path]/route.ts (Next.js)
 * const proxy = createProxy({ prefix: "/api/replicate", allow: ["models.predictions.create", "predictions.get"] })
 * export const GET = proxy, POST = proxy
 * // in the browser: createReplicate({ baseUrl: "/api/replicate" })
 */
export function createProxy(options: ProxyOptions): (request: Request) => Promise<Response> {
  const upstream = (options.upstream ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  const prefix = options.prefix.replace(/\/+$/, "");
  const allowed = new Set<string>(options.allow);
  const auth = () => options.auth ?? readEnv("REPLICATE_API_TOKEN");
  const send = (request: Request) => (options.fetch ?? globalThis.fetch)(request);

  function headersFrom(request: Request): Headers {
    const headers = new Headers();
    for (const name of FORWARDED) {
      const value = request.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    const token = auth();
    if (token) headers.set("authorization", `Bearer ${token}`);
    return headers;
  }

  /** Point the URLs the browser will follow (pages, streams) back at the proxy. */
  function rewrite(value: unknown, base: string): unknown {
    if (Array.isArray(value)) return value.map((v) => rewrite(v, base));
    if (!value || typeof value !== "object") return value;
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const key of ["next", "previous"]) {
      const link = out[key];
      if (typeof link === "string" && link.startsWith(upstream)) out[key] = base + link.slice(upstream.length);
    }
    const urls = out.urls as Record<string, unknown> | undefined;
    if (urls && typeof urls.stream === "string")
      out.urls = { ...urls, stream: `${base}${STREAM}${toBase64Url(urls.stream)}` };
    if (Array.isArray(out.results)) out.results = rewrite(out.results, base);
    return out;
  }

  return async function proxy(request) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith(`${prefix}/`)) return forbidden(`Not under ${prefix}`);
    const path = url.pathname.slice(prefix.length);
    const base = `${url.origin}${prefix}`;

    if (path.startsWith(STREAM) && request.method === "GET") {
      // Only stream URLs this proxy handed out (rewritten from the API's answers) decode to
      // a Replicate host; anything else is refused rather than forwarded with the token.
      let target: URL;
      try {
        target = new URL(fromBase64Url(path.slice(STREAM.length)));
      } catch {
        return forbidden("Not a stream URL");
      }
      const trusted = isReplicateHost(target) || target.origin === new URL(upstream).origin;
      if (!trusted || target.protocol !== new URL(upstream).protocol) return forbidden("Not a Replicate stream URL");
      const answer = await send(new Request(target, { headers: headersFrom(request), signal: request.signal }));
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    }

    const route = ROUTES.find((r) => r.spec.method === request.method && r.pattern.test(path));
    if (!route || !allowed.has(route.id)) return forbidden(`${request.method} ${path} is not allowed by this proxy`);
    const body = request.method === "GET" || request.method === "HEAD" ? null : await request.arrayBuffer();
    const answer = await send(
      new Request(`${upstream}${path}${url.search}`, {
        method: request.method,
        headers: headersFrom(request),
        body,
        signal: request.signal,
      }),
    );
    const headers = new Headers(answer.headers);
    headers.delete("content-length");
    headers.delete("content-encoding"); // fetch has already decoded the body
    if (!answer.headers.get("content-type")?.includes("json"))
      return new Response(answer.body, { status: answer.status, headers });
    const text = await answer.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return new Response(text, { status: answer.status, headers });
    }
    return new Response(JSON.stringify(rewrite(json, base)), { status: answer.status, headers });
  };
}
