/**
 * When to retry and how long to wait. Kept apart from the transport so the rules can be
 * read (and tested) in one place.
 *
 * The rule that matters most: creating a prediction or training costs money, so a POST
 * or PATCH is retried only when the server provably did not take it: a 429, or a
 * connection that was never opened. After a 5xx or a reset the first request may
 * already be running and billed, and a retry would start a second one.
 */
import { InputError } from "./errors.js";

/** How failed requests are retried. */
export interface RetryPolicy {
  /**
   * Retries after the first attempt, when it failed with a 5xx, 408 or a connection error
   * (only those that may be repeated). A 429 is retried until the call's deadline instead,
   * without using these up: the server refused the request, so sending it again is safe,
   * and waiting out a rate limit is what a burst of calls needs. Without a deadline
   * (`timeoutMs: Infinity`), 429s count against `retries` too.
   * @default 2
   */
  retries?: number;
  /**
   * The first backoff delay; each retry doubles it, with jitter.
   * @default 500
   */
  baseDelayMs?: number;
  /**
   * The longest a single wait may be, for backoff and for `Retry-After` alike. A
   * `Retry-After` asking for more fails the request with an `ApiError` carrying
   * `retryAfterMs`, instead of sleeping longer than you allowed.
   * @default 30_000
   */
  maxDelayMs?: number;
}

export type ResolvedRetry = Readonly<Required<RetryPolicy>> & {
  /** Whether a 429 is retried until the deadline (false with `retry: false`: never retry). */
  readonly untilDeadline: boolean;
};

/** Fill in defaults once, at client creation. `false` retries nothing, not even a 429. */
export function resolveRetry(policy: RetryPolicy | false | undefined): ResolvedRetry {
  const on = policy !== false;
  if (on && policy !== undefined && (typeof policy !== "object" || policy === null)) {
    throw new InputError("retry must be an object like { retries: 2 }, or false for none.");
  }
  // With `false` the delays keep their defaults but are never used: nothing is retried, not even a 429.
  const resolved = { retries: on ? 2 : 0, baseDelayMs: 500, maxDelayMs: 30_000, ...(on && policy) };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value < 0) throw new InputError(`retry.${key} must be a number ≥ 0.`);
  }
  return { ...resolved, untilDeadline: on };
}

/** Safe to repeat: the server's state after two is the same as after one (RFC 9110 §9.2.2). */
const IDEMPOTENT = /^(GET|HEAD|OPTIONS|DELETE|PUT|QUERY)$/;

/** Error codes that mean no byte of the request reached a server. */
const NOT_SENT = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|UND_ERR_CONNECT_TIMEOUT)$/;

/**
 * True when a fetch failure proves the request was never delivered. Runtimes that do not
 * say why a fetch failed (browsers) never prove it, so a POST is not retried there.
 *
 * @example
 * provablyNotSent(Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } })) // true
 */
export function provablyNotSent(error: unknown): boolean {
  for (let e = error as Coded | undefined, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    // Node's happy-eyeballs connect throws an AggregateError holding one error per address.
    const inner = Array.isArray(e.errors) ? (e.errors as (Coded | undefined)[]) : [];
    if ([e, ...inner].some((x) => typeof x?.code === "string" && NOT_SENT.test(x.code))) return true;
    e = e.cause as Coded | undefined;
  }
  return false;
}

interface Coded {
  code?: unknown;
  errors?: unknown;
  cause?: unknown;
}

/** Whether a failed attempt may be repeated. */
export function shouldRetry(method: string, outcome: { status: number } | { error: unknown }): boolean {
  // `Request` upper-cases the standard methods; the library's own are upper case already.
  const idempotent = IDEMPOTENT.test(method);
  if ("error" in outcome) return idempotent || provablyNotSent(outcome.error);
  const { status } = outcome;
  return status === 429 || (idempotent && (status === 408 || status >= 500));
}

/**
 * Milliseconds a `Retry-After` header asks for: delay-seconds or an HTTP date
 * (RFC 9110 §10.2.3). Undefined when absent or unreadable.
 *
 * @example
 * parseRetryAfter("3") // 3000
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  const text = value?.trim() ?? "";
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date always names its month; without this "-3" would parse as the year -3.
  const ms = /[a-z]/i.test(text) ? Date.parse(text) - now : Number.NaN;
  return Number.isNaN(ms) ? undefined : Math.max(0, ms);
}

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so
 * clients that failed together do not retry together, yet none retries at once.
 */
export function backoffMs(attempt: number, policy: ResolvedRetry, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return exp / 2 + random() * (exp / 2);
}

/** Retries a call has spent: those `retries` counts, and 429s retried until the deadline. */
export interface Spent {
  tries: number;
  limited: number;
}

/**
 * How long to wait before sending a request again after an answer of `status`, counting
 * the retry in `spent`; or undefined to hand the answer back. `bounded`: whether the
 * call has a deadline, which 429s are retried until.
 *
 * A `Retry-After` is waited with jitter, between it and half as long again (never over
 * `maxDelayMs`): never sooner than the server asked, and calls refused in the same
 * instant (a burst's worth) do not all come back in the same instant either. Without one,
 * the backoff applies; and with less than a second (0, "0.001", under the RFC's shortest
 * delay-seconds, 1), the longer of it and the backoff: such a loop of 429s would spin.
 *
 * @example
 * retryWait("POST", 429, "1", { tries: 0, limited: 0 }, resolveRetry(undefined), true) // 1000 to 1500
 */
export function retryWait(
  method: string,
  status: number,
  retryAfter: string | null,
  spent: Spent,
  policy: ResolvedRetry,
  bounded: boolean,
  random: () => number = Math.random,
): number | undefined {
  const endless = status === 429 && policy.untilDeadline && bounded;
  if ((!endless && spent.tries >= policy.retries) || !shouldRetry(method, { status })) return undefined;
  const asked = parseRetryAfter(retryAfter) ?? 0;
  // Asked to wait longer than allowed: hand the answer back; the caller's ApiError carries it.
  if (asked > policy.maxDelayMs) return undefined;
  const n = endless ? spent.limited++ : spent.tries++;
  if (asked >= 1000) return Math.min(policy.maxDelayMs, asked * (1 + random() / 2));
  return Math.max(asked, backoffMs(n, policy, random));
}
