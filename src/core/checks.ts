/**
 * Checks of the options every function shares (deadlines, signals), so bad input gets
 * the same clear `InputError`, before anything is sent, wherever it is given.
 */
import { InputError } from "./errors.js";

/**
 * What a wrong value is, for an error message, without showing it (it may be a secret):
 * `null`, `an array`, or its `typeof`.
 *
 * @example
 * kindOf([]) // "an array"
 */
export function kindOf(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

/**
 * The InputError for an option of the wrong kind, phrased one way everywhere:
 * `${what} must be ${expected}, got ${kindOf(value)}.`
 *
 * @example
 * throw mustBe("signal", "an AbortSignal", 42) // "signal must be an AbortSignal, got number."
 */
export function mustBe(what: string, expected: string, value: unknown): InputError {
  return new InputError(`${what} must be ${expected}, got ${kindOf(value)}.`);
}

/**
 * A deadline option: undefined (the default applies), `Infinity` (none), or a number of
 * milliseconds > 0. Zero, negative and NaN are refused: each would abort at once, after
 * a paid create may already have been sent.
 *
 * @example
 * checkTimeout("timeoutMs", options.timeoutMs)
 */
export function checkTimeout(name: string, value: unknown): void {
  if (value !== undefined && !(typeof value === "number" && value > 0)) {
    throw new InputError(`${name} must be a number of milliseconds > 0, or Infinity for none; got ${String(value)}.`);
  }
}

/**
 * A `signal` option: undefined or an AbortSignal (checked by shape, so a signal from
 * another realm or a polyfill passes).
 *
 * @example
 * checkSignal(options.signal)
 */
export function checkSignal(value: unknown): void {
  const s = value as { aborted?: unknown; addEventListener?: unknown } | undefined;
  if (value !== undefined && (typeof s?.aborted !== "boolean" || typeof s.addEventListener !== "function")) {
    throw mustBe("signal", "an AbortSignal", value);
  }
}

/**
 * A callback option: undefined or a function.
 *
 * @example
 * checkCallback("onProgress", options.onProgress)
 */
export function checkCallback(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== "function") throw mustBe(name, "a function", value);
}
