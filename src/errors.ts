/**
 * The error family. Each class has a literal `name`, and each guard matches by that
 * name as well as by `instanceof`, so errors that crossed a realm (a worker, a second
 * copy of this package) are still recognised.
 *
 * No error here ever holds the request's headers, so the token cannot leak through
 * a message, `toString()` or `JSON.stringify(error)`.
 */

/**
 * Base class of every error this library throws.
 *
 * @example
 * try { await replicate.account.get() } catch (e) { if (isReplicateError(e)) console.log(e.name) }
 */
export class ReplicateError extends Error {
  override name: string = "ReplicateError";
}

/** A problem+json `invalid_fields` entry, as Replicate sends it. */
export interface InvalidField {
  type?: string;
  field?: string;
  description?: string;
  [key: string]: unknown;
}

/** What {@link ApiError} is built from. */
export interface ApiErrorInit {
  status: number;
  method: string;
  url: string;
  headers: Headers;
  body: string;
  retryAfterMs?: number | undefined;
}

/**
 * The API answered with a non-2xx status. Carries the problem details Replicate sends
 * (`title`, `detail`, `invalid_fields`), the request's method and URL, the response
 * headers and the raw body text.
 *
 * @example
 * catch (e) { if (isApiError(e) && e.status === 404) return null }
 */
export class ApiError extends ReplicateError {
  override name = "ApiError" as const;
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly body: string;
  readonly title: string | undefined;
  readonly detail: string | undefined;
  readonly invalidFields: InvalidField[] | undefined;
  /** Set when the server asked to retry later than the retry policy allows to wait. */
  readonly retryAfterMs: number | undefined;

  constructor(init: ApiErrorInit) {
    const problem = parseProblem(init.body);
    const what = problem.detail ?? problem.title ?? (init.body.slice(0, 200) || "no body");
    super(`${init.method} ${init.url} failed with ${init.status}: ${what}`);
    this.status = init.status;
    this.method = init.method;
    this.url = init.url;
    this.headers = init.headers;
    this.body = init.body;
    this.title = problem.title;
    this.detail = problem.detail;
    this.invalidFields = problem.invalid_fields;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** A plain summary; `headers` becomes a record so logging tools can print it. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      method: this.method,
      url: this.url,
      title: this.title,
      detail: this.detail,
      invalidFields: this.invalidFields,
      retryAfterMs: this.retryAfterMs,
      headers: Object.fromEntries(this.headers),
      body: this.body,
    };
  }
}

interface Problem {
  title?: string;
  detail?: string;
  invalid_fields?: InvalidField[];
}

function parseProblem(body: string): Problem {
  try {
    const value: unknown = JSON.parse(body);
    if (!value || typeof value !== "object") return {};
    const v = value as Record<string, unknown>;
    return {
      ...(typeof v.title === "string" && { title: v.title }),
      ...(typeof v.detail === "string" && { detail: v.detail }),
      ...(Array.isArray(v.invalid_fields) && { invalid_fields: v.invalid_fields as InvalidField[] }),
    };
  } catch {
    return {};
  }
}

/**
 * The request never got an HTTP response: DNS, refused or reset connection, TLS.
 * `cause` holds the runtime's own error.
 *
 * @example
 * catch (e) { if (isConnectionError(e)) console.log("network down:", e.cause) }
 */
export class ConnectionError extends ReplicateError {
  override name = "ConnectionError" as const;
}

/**
 * A deadline passed: a request's `timeoutMs`, or a waiting loop's.
 *
 * @example
 * catch (e) { if (isTimeoutError(e)) console.log(e.timeoutMs) }
 */
export class TimeoutError extends ReplicateError {
  override name = "TimeoutError" as const;
  constructor(
    message: string,
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}

/**
 * The caller's input was wrong, so nothing was sent: a missing path parameter, an
 * unknown operation, a missing token.
 *
 * @example
 * replicate.predictions.get({}) // rejects: InputError, "prediction_id is required"
 */
export class InputError extends ReplicateError {
  override name = "InputError" as const;
}

function hasName(value: unknown, name: string): boolean {
  // Not `instanceof Error`: an Error from another realm fails that test.
  return typeof value === "object" && value !== null && (value as { name?: unknown }).name === name;
}

/** @example if (isApiError(e) && e.status === 429) ... */
export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError || hasName(e, "ApiError");
/** @example if (isConnectionError(e)) ... */
export const isConnectionError = (e: unknown): e is ConnectionError =>
  e instanceof ConnectionError || hasName(e, "ConnectionError");
/** @example if (isTimeoutError(e)) ... */
export const isTimeoutError = (e: unknown): e is TimeoutError =>
  // A DOMException is also named "TimeoutError": require our field too.
  e instanceof TimeoutError || (hasName(e, "TimeoutError") && "timeoutMs" in (e as object));
/** @example if (isInputError(e)) ... */
export const isInputError = (e: unknown): e is InputError => e instanceof InputError || hasName(e, "InputError");

/** @example if (isReplicateError(e)) ... */
export const isReplicateError = (e: unknown): e is ReplicateError =>
  e instanceof ReplicateError ||
  hasName(e, "ReplicateError") ||
  isApiError(e) ||
  isConnectionError(e) ||
  isTimeoutError(e) ||
  isInputError(e);
