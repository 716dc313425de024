/**
 * The error family. Each class has a literal `name`, and each guard matches by that
 * name as well as by `instanceof`, so errors that crossed a realm (an iframe or `vm`
 * context, a second copy of this package) are still recognised. Not one posted from a
 * worker: structured cloning keeps only an error's message, and names it "Error".
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
  /**
   * The prediction (or training) as last seen, on any error `run`, `stream`, `train` or
   * `wait` rejects with after the job exists: a job already billed is never lost with
   * the error. Undefined on errors of a single request.
   */
  declare readonly prediction?: JobSnapshot | undefined;
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
  // `declare`: assigned in one go below, so no per-field initialisers are emitted.
  declare readonly status: number;
  declare readonly method: string;
  declare readonly url: string;
  declare readonly headers: Headers;
  declare readonly body: string;
  declare readonly title: string | undefined;
  declare readonly detail: string | undefined;
  declare readonly invalidFields: InvalidField[] | undefined;
  /** Set when the server asked to retry later than the retry policy allows to wait. */
  declare readonly retryAfterMs: number | undefined;

  constructor(init: ApiErrorInit) {
    // The problem+json fields of the body, each only when it has the right type.
    let problem: { title?: unknown; detail?: unknown; invalid_fields?: unknown } | null = null;
    try {
      problem = JSON.parse(init.body);
    } catch {}
    const title = text(problem?.title);
    const detail = text(problem?.detail);
    const fields = problem?.invalid_fields;
    super(
      `${init.method} ${init.url} failed with ${init.status}: ${detail ?? title ?? (init.body.slice(0, 200) || "no body")}`,
    );
    Object.assign(this, init, { title, detail, invalidFields: Array.isArray(fields) ? fields : undefined });
  }

  /** A plain summary; `headers` becomes a record so logging tools can print it. */
  toJSON(): Record<string, unknown> {
    // Every own field (status, url, body, title, …), then what needs converting.
    return { ...(this as object), message: this.message, headers: Object.fromEntries(this.headers) };
  }
}

const text = (value: unknown) => (typeof value === "string" ? value : undefined);

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
 * The least a waiting loop hands back so the caller can resume: the prediction (or
 * training) as last seen. A structural type, so trainings fit too.
 */
export interface JobSnapshot {
  id: string;
  status: string;
  urls?: Record<string, string | undefined> | undefined;
  [key: string]: unknown;
}

/**
 * A deadline passed: a request's `timeoutMs`, or a waiting loop's. A waiting loop's
 * timeout carries the prediction as last seen, so `wait(error.prediction.id)` resumes.
 *
 * @example
 * catch (e) { if (isTimeoutError(e) && e.prediction) await wait(replicate, e.prediction.id) }
 */
export class TimeoutError extends ReplicateError {
  override name = "TimeoutError" as const;
  // `declare`: assigned in the constructor, so no field initialisers are emitted as well.
  declare readonly timeoutMs: number;
  declare readonly prediction: JobSnapshot | undefined;
  constructor(message: string, timeoutMs: number, prediction?: JobSnapshot) {
    super(message);
    Object.assign(this, { timeoutMs, prediction });
  }
}

/**
 * A waiting loop (`run`, `wait`) was aborted through its signal. `cause` is the
 * signal's reason; `prediction` is the prediction as last seen, when one was created.
 *
 * @example
 * catch (e) { if (isAbortError(e)) console.log("stopped", e.prediction?.id) }
 */
export class AbortError extends ReplicateError {
  override name = "AbortError" as const;
  declare readonly prediction: JobSnapshot | undefined;
  constructor(message: string, prediction: JobSnapshot | undefined, options: { cause: unknown }) {
    super(message, options);
    Object.assign(this, { prediction });
  }
}

/**
 * A prediction ended without succeeding. `reason` tells which way: `"failed"` (the model
 * raised; see `prediction.error` and `logs`), `"canceled"`, or `"aborted"` (stopped
 * before it ran, e.g. by its deadline).
 *
 * @example
 * catch (e) { if (isPredictionError(e)) console.error(e.prediction.id, e.logs) }
 */
export class PredictionError extends ReplicateError {
  override name: string = "PredictionError";
  declare readonly reason: "failed" | "canceled" | "aborted";
  declare readonly prediction: JobSnapshot;
  constructor(prediction: JobSnapshot, noun = "Prediction") {
    const reason = prediction.status === "canceled" || prediction.status === "aborted" ? prediction.status : "failed";
    const detail = prediction.error
      ? `: ${typeof prediction.error === "string" ? prediction.error : JSON.stringify(prediction.error)}`
      : "";
    super(`${noun} ${prediction.id} ${reason === "failed" ? "failed" : `was ${reason}`}${detail}`);
    Object.assign(this, { reason, prediction });
  }
  /** The job's logs, when it has any. */
  get logs(): string | undefined {
    return typeof this.prediction.logs === "string" ? this.prediction.logs : undefined;
  }
}

/**
 * A training ended without succeeding: a {@link PredictionError} whose `training` (the
 * same object as `prediction`) is the training, with its logs.
 *
 * @example
 * catch (e) { if (isTrainingError(e)) console.error(e.training.id, e.logs) }
 */
export class TrainingError extends PredictionError {
  override name = "TrainingError" as const;
  constructor(training: JobSnapshot) {
    super(training, "Training");
  }
  get training(): JobSnapshot {
    return this.prediction;
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
