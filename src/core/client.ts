/**
 * `createReplicate`: resolves the options once and assembles the client from the
 * transport and the generated operations.
 */
import { createAdaptiveLimiter } from "./adaptive.js";
import { checkTimeout, mustBe } from "./checks.js";
import { DEFAULT_BASE_URL } from "./domain.js";
import { readEnv } from "./env.js";
import { InputError } from "./errors.js";
import { checkHeaderValue, checkToken, headerRecord } from "./headers.js";
import type { Limiter } from "./limiter.js";
import { createOperations, type Operations } from "./methods.js";
import { attachParts } from "./parts.js";
import { isHttp } from "./redirects.js";
import { type RetryPolicy, resolveRetry } from "./retry.js";
import { createTransport, type FetchLike } from "./transport.js";
import { VERSION } from "./version.js";

/** Options of {@link createReplicate}. Each is resolved once, when the client is made. */
export interface ReplicateOptions {
  /**
   * API token, sent as `Authorization: Bearer <auth>` to the API's origin only (never on a
   * redirect to another origin). Visible ASCII characters only, else an InputError that
   * does not show it. May be omitted with a custom `baseUrl` (a proxy that adds it itself).
   * @default the `REPLICATE_API_TOKEN` environment variable, where the runtime has one
   */
  auth?: string;
  /**
   * Where the API lives. A relative URL (`"/api/replicate"`) is resolved against the
   * page's location in a browser. No query or fragment: every path is appended to it.
   * @default "https://api.replicate.com/v1"
   */
  baseUrl?: string;
  /**
   * The `fetch` to send with. When omitted, `globalThis.fetch` is looked up at each
   * call, so interceptors installed after the client was made still see the calls.
   */
  fetch?: FetchLike;
  /**
   * The `User-Agent` header, or `false` for none.
   * @default `replicate-kit/<version>` outside browsers; none in browsers, which set their own
   */
  userAgent?: string | false;
  /**
   * Headers added to every request to the API's origin, e.g. `{ "X-Request-Source": "batch" }`.
   * Never sent to another origin, not even on a redirect. A value with CR, LF or NUL is an InputError.
   */
  headers?: Record<string, string>;
  /**
   * Deadline for each call, retries and backoff included. Longer than the API's
   * 60-second `Prefer: wait` window by default, so a sync create is not cut short.
   * `Infinity` for none: calls then carry only the signal you pass, if any.
   * @default 120_000
   */
  timeoutMs?: number;
  /**
   * How failed requests are retried, or `false` for never. Creates (POST) are retried
   * only when the server provably did not take them: a 429, or a connection never opened.
   * A 429 is retried until the call's deadline, after its `Retry-After` plus up to half
   * as long again (jitter).
   * @default { retries: 2, baseDelayMs: 500, maxDelayMs: 30_000 }
   */
  retry?: RetryPolicy | false;
  /**
   * Caps requests in flight: the rest wait their turn on the client, so a burst of calls
   * becomes a queue instead of a wave of 429s. By default the client adapts its own cap to
   * the rate limit: 64 in flight at first, halved on each round of 429s, grown again by
   * the answers that follow (AIMD, as TCP does). A `Limiter` (`createLimiter(n)`, or one
   * shared between clients) replaces that; `false` sends every call at once.
   * @default an adaptive cap, starting at 64
   * @example createReplicate({ limiter: createLimiter(50) })
   */
  limiter?: Limiter | false;
}

/**
 * What {@link createReplicate} returns: every operation as a method, plus `request`.
 * The helpers that build on it are functions that take it as their first argument, all
 * from `"replicate-kit"`: `run(replicate, ...)`, `wait`, `createPrediction`, `stream`,
 * `train`, `webhookSecret`, `createApiClient`. (They are not methods so that an app
 * bundles only the ones it imports.)
 */
export type Replicate = Operations & {
  /** Call an operation by its operationId, e.g. `request("predictions.get", { prediction_id })`. */
  readonly request: ReturnType<typeof createOperations>["request"];
  /** The resolved base URL. */
  readonly baseUrl: string;
} & NotMethods;

/**
 * Names a user may try as methods. They are functions of the client instead, so typing
 * `replicate.run` in an editor shows where each one lives (and calling it is a type error).
 */
interface NotMethods {
  /** @deprecated Not a method: `import { run } from "replicate-kit"`, then `run(replicate, ref, { input })`. */
  readonly run?: never;
  /** @deprecated Not a method: `import { stream } from "replicate-kit"`, then `stream(replicate, ref, { input })`. */
  readonly stream?: never;
  /** @deprecated Not a method: `import { wait } from "replicate-kit"`, then `wait(replicate, prediction)`. */
  readonly wait?: never;
  /** @deprecated Not a method: `import { train } from "replicate-kit"`, then `train(replicate, options)`. */
  readonly train?: never;
}

function resolveBaseUrl(baseUrl: string): string {
  const location = (globalThis as { location?: { href?: string } }).location?.href;
  let url: URL | undefined;
  try {
    url = new URL(baseUrl, location);
  } catch {}
  // Of a URL of another kind, only its scheme is shown: the rest may hold a key.
  if (!url || !isHttp(url)) {
    throw new InputError(
      `baseUrl must be an absolute http(s) URL${location ? " or a path" : ""}, got "${url?.protocol ?? baseUrl}".`,
    );
  }
  // Paths are appended to it, which a query or fragment would swallow; and a user:password@
  // would be quoted in every error (fetch refuses such URLs anyway). Not quoted: either may
  // hold a key.
  if (/[?#]/.test(url.href) || url.username + url.password) {
    throw new InputError("baseUrl cannot have a user@, a query (?...) or a fragment (#...); send a key in `headers`.");
  }
  return url.href.replace(/\/+$/, "");
}

/**
 * Make a client. Every operation of Replicate's API is a method on it, named after
 * its operationId.
 *
 * @example
 * import { createReplicate } from "replicate-kit"
 * const replicate = createReplicate() // token from REPLICATE_API_TOKEN
 * const prediction = await replicate.predictions.get({ prediction_id: "gm3qorzdhgbfurvjtvhg6dckhu" })
 */
export function createReplicate(options: ReplicateOptions = {}): Replicate {
  // A token passed as it is (`createReplicate(token)`) would otherwise be ignored, silently.
  if (typeof options !== "object" || options === null) throw mustBe("options", "an object like { auth }", options);
  const { auth: given, fetch, limiter, headers, timeoutMs = 120_000 } = options;
  const baseUrl = resolveBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
  checkTimeout("timeoutMs", timeoutMs);
  const tokenFrom = given === undefined ? "REPLICATE_API_TOKEN" : "auth";
  const auth = checkToken(tokenFrom, given === undefined ? readEnv(tokenFrom) : given);
  // None by default in browsers: they send their own.
  const userAgent =
    options.userAgent === false
      ? undefined
      : (options.userAgent ?? (typeof document === "undefined" ? `replicate-kit/${VERSION}` : undefined));
  if (typeof userAgent === "string") checkHeaderValue("userAgent", "user-agent", userAgent);
  if (fetch !== undefined && typeof fetch !== "function") {
    throw new InputError("fetch must be a function that takes a Request and returns a Response.");
  }
  if (limiter !== undefined && limiter !== false && typeof limiter?.acquire !== "function") {
    throw new InputError("limiter must be createLimiter(n), an object with acquire(signal), or false.");
  }
  const send = createTransport({
    baseUrl,
    auth,
    fetch,
    userAgent,
    // A plain record, not a `Headers`: making a client touches none of the fetch machinery.
    headers: headers === undefined ? {} : headerRecord("headers", headers),
    timeoutMs,
    retry: resolveRetry(options.retry),
    limiter: limiter === false ? undefined : (limiter ?? createAdaptiveLimiter()),
  });
  const { request, operations } = createOperations(send, baseUrl);
  return attachParts(Object.assign(operations, { request, baseUrl }), { send, baseUrl, timeoutMs });
}
