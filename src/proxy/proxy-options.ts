/**
 * `createProxy`'s options, and checking them once at creation: a mistake in a security
 * setting (a misspelt option, an operation id that does not exist) must fail loudly at
 * startup, not quietly allow or refuse things at run time.
 */
import { DEFAULT_BASE_URL } from "../core/domain.js";
import { InputError } from "../core/errors.js";
import { checkToken } from "../core/headers.js";
import { type OperationId, operationTable } from "../generated/operations.js";
import { DEFAULT_MAX_BODY_BYTES } from "./body-limit.js";

/**
 * Options of `createProxy`.
 *
 * @example
 * const options: ProxyOptions = {
 *   prefix: "/api/replicate",
 *   allow: ["models.predictions.create", "predictions.get"],
 *   publicOrigin: "https://app.example.com",
 *   secret: PROXY_SECRET, // at least 32 characters, the same on every server instance
 * }
 */
export interface ProxyOptions {
  /** The operations the browser may call, by operationId; everything else gets a 403. */
  allow: readonly OperationId[];
  /** Where the handler is mounted: the path before the API paths, e.g. `"/api/replicate"`. */
  prefix: string;
  /** The server's token. @default the `REPLICATE_API_TOKEN` environment variable, read per request */
  auth?: string;
  /** The API. @default "https://api.replicate.com/v1" */
  upstream?: string;
  /** Sends the forwarded requests. @default `globalThis.fetch`, looked up per request */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * The origin the browser reaches this proxy at, e.g. `"https://app.example.com"`. The URLs
   * the proxy writes into the API's answers (a prediction's `urls.stream`, a page's `next`
   * and `previous`) start with it.
   *
   * @default the request URL's own origin, `new URL(request.url).origin`. The proxy never
   * reads the `Host` or `X-Forwarded-Host` header itself, but many server adapters (Node's
   * `http` bridged to `Request`, Express, some framework dev servers) build `request.url`
   * from them, and those headers are the client's to choose. Behind such an adapter, set this.
   */
  publicOrigin?: string;
  /**
   * The key (at least 32 characters) that signs the stream URLs this proxy hands out, with
   * HMAC-SHA256 (through a hash of it: the secret itself never leaves the server). Proxies
   * with the same secret and `prefix` accept each other's stream URLs. Set one to keep
   * stream URLs valid across a token rotation, e.g. from `openssl rand -base64 32`.
   *
   * @default the server's token (`auth`): every instance with the same token (a load
   * balancer, serverless functions) accepts the others' URLs; with no token at all, a
   * random key per instance
   */
  secret?: string;
  /**
   * The largest request body forwarded, in bytes; a larger one gets a 413 and nothing is
   * sent. Raise it for `files.create` uploads bigger than this. @default 10 MiB (10485760)
   */
  maxBodyBytes?: number;
}

/**
 * {@link ProxyOptions}, checked, with defaults applied.
 *
 * @example
 * const { allow, prefix, maxBodyBytes } = resolveOptions(options)
 */
export interface ProxyConfig {
  allow: ReadonlySet<OperationId>;
  prefix: string;
  auth: string | undefined;
  upstream: URL;
  fetch: ((request: Request) => Promise<Response>) | undefined;
  publicOrigin: string | undefined;
  secret: string | undefined;
  maxBodyBytes: number;
}

const KNOWN = ["allow", "prefix", "auth", "upstream", "fetch", "publicOrigin", "secret", "maxBodyBytes"];
const MIN_SECRET_LENGTH = 32;

/** An absolute http(s) URL, or undefined. */
function httpUrl(value: unknown): URL | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The problems with `o.allow`, added to `problems`. */
function checkAllow(allow: unknown, problems: string[]): void {
  if (!Array.isArray(allow)) {
    problems.push(`options.allow must be an array of operation ids, e.g. ["predictions.get"]`);
    return;
  }
  const unknown = allow.filter((id) => typeof id !== "string" || !Object.hasOwn(operationTable, id));
  if (unknown.length > 0)
    problems.push(`options.allow has unknown operation ids: ${unknown.map((id) => JSON.stringify(id)).join(", ")}`);
}

/**
 * Check `options` and apply the defaults, or throw one `InputError` naming every problem.
 *
 * @example
 * const config = resolveOptions({ prefix: "/api/replicate", allow: ["predictions.get"] })
 * config.maxBodyBytes // 10485760
 */
export function resolveOptions(options: unknown): ProxyConfig {
  if (typeof options !== "object" || options === null || Array.isArray(options))
    throw new InputError("createProxy(options): options must be an object with `prefix` and `allow`");
  const o = options as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(o)) if (!KNOWN.includes(key)) problems.push(`unknown option "${key}"`);

  const { prefix, auth, publicOrigin, secret, maxBodyBytes } = o;
  if (typeof prefix !== "string" || !prefix.startsWith("/") || /[?#]/.test(prefix))
    problems.push(`options.prefix must be the path the proxy is mounted at, e.g. "/api/replicate"`);
  checkAllow(o.allow, problems);
  // A token Headers refuses (a line break, a non-Latin-1 character) would fail every request
  // with the runtime's TypeError, which quotes the header value: the token, into the logs.
  try {
    checkToken("options.auth", auth);
  } catch (error) {
    problems.push((error as Error).message.replace(/\.$/, ""));
  }
  const upstream = o.upstream === undefined ? new URL(DEFAULT_BASE_URL) : httpUrl(o.upstream);
  if (!upstream) problems.push("options.upstream must be an absolute http(s) URL");
  if (o.fetch !== undefined && typeof o.fetch !== "function") problems.push("options.fetch must be a function");
  const origin = publicOrigin === undefined ? undefined : httpUrl(publicOrigin);
  if (publicOrigin !== undefined && (!origin || origin.href !== `${origin.origin}/`))
    problems.push(`options.publicOrigin must be an origin only, e.g. "https://app.example.com"`);
  if (secret !== undefined && (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH))
    problems.push(`options.secret must be a string of at least ${MIN_SECRET_LENGTH} characters`);
  if (maxBodyBytes !== undefined && !(Number.isSafeInteger(maxBodyBytes) && (maxBodyBytes as number) > 0))
    problems.push("options.maxBodyBytes must be a positive whole number of bytes");
  if (problems.length > 0) throw new InputError(`createProxy(options): ${problems.join("; ")}`);

  return {
    allow: new Set(o.allow as OperationId[]),
    // As a request URL's pathname spells it (`/api/my app` is `/api/my%20app`), or it never matches.
    prefix: new URL(`https://x${prefix}`).pathname.replace(/\/+$/, ""),
    auth: auth as string | undefined,
    upstream: upstream as URL,
    fetch: o.fetch as ProxyConfig["fetch"],
    publicOrigin: origin?.origin,
    secret: secret as string | undefined,
    maxBodyBytes: (maxBodyBytes as number | undefined) ?? DEFAULT_MAX_BODY_BYTES,
  };
}
