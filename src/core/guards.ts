/**
 * Type guards for the error family. Each matches by `instanceof` and also by the literal
 * `name`, so errors that crossed a realm (an iframe or `vm` context, a second copy of this
 * package) match. One posted from a worker does not: structured cloning keeps only an
 * error's message, renamed "Error"; post `error.toJSON?.() ?? { ...error, message }` instead.
 */
import {
  AbortError,
  ApiError,
  ConnectionError,
  InputError,
  PredictionError,
  ReplicateError,
  TimeoutError,
  TrainingError,
} from "./errors.js";

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
/** @example if (isAbortError(e)) console.log(e.prediction?.id) */
export const isAbortError = (e: unknown): e is AbortError =>
  // A DOMException is also named "AbortError": require our field too.
  e instanceof AbortError || (hasName(e, "AbortError") && "prediction" in (e as object));
/** @example if (isPredictionError(e)) console.log(e.reason, e.logs) */
export const isPredictionError = (e: unknown): e is PredictionError =>
  e instanceof PredictionError || hasName(e, "PredictionError") || hasName(e, "TrainingError");
/** @example if (isTrainingError(e)) console.log(e.training.id, e.logs) */
export const isTrainingError = (e: unknown): e is TrainingError =>
  e instanceof TrainingError || hasName(e, "TrainingError");
/** @example if (isInputError(e)) ... */
export const isInputError = (e: unknown): e is InputError => e instanceof InputError || hasName(e, "InputError");

/**
 * The classes recognised by name alone from another realm: all but the two whose names a
 * DOMException shares (TimeoutError, AbortError), which must show their own field too.
 */
const NAMES = [
  "ReplicateError",
  "ApiError",
  "ConnectionError",
  "InputError",
  "PredictionError",
  "TrainingError",
  "WebhookVerificationError",
];

/** @example if (isReplicateError(e)) ... */
export const isReplicateError = (e: unknown): e is ReplicateError =>
  e instanceof ReplicateError ||
  NAMES.some((name) => hasName(e, name)) ||
  isTimeoutError(e) ||
  // A DOMException is also named "AbortError": require our field too.
  (hasName(e, "AbortError") && "prediction" in (e as object));
