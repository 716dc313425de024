/**
 * Abort-aware waiting and deadlines. Every wait in the library goes through here, so
 * an abort ends it at once and a deadline cannot be forgotten.
 */
import { mayShare, sharedDeadline } from "./shared-deadline.js";

/** The reason a signal aborted with, as an Error-like value to reject with. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

/**
 * Timers cannot wait longer (about 24.8 days): a longer delay fires at once in every
 * runtime, so a longer deadline is reached in steps of at most this.
 * (2 ** 31 - 1, written out: arithmetic at a module's top level is kept in every bundle.)
 *
 * @example
 * setTimeout(onIdle, Math.min(idleMs, MAX_TIMER_MS))
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Call `onAbort` once `signal` aborts, at once if it already has; the function returned
 * stops listening. The one way the library listens to a signal, so none is left behind.
 *
 * @example
 * const unlisten = whenAborted(signal, () => controller.abort(signal.reason))
 */
export function whenAborted(signal: AbortSignal | undefined, onAbort: () => void): () => void {
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  return () => signal?.removeEventListener("abort", onAbort);
}

/**
 * Resolve after `ms`, or reject with the signal's reason as soon as it aborts.
 *
 * @example
 * await sleep(500, controller.signal)
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = after(ms, () => {
      unlisten();
      resolve();
    });
    const unlisten = whenAborted(signal, () => {
      stop();
      reject(abortReason(signal as AbortSignal));
    });
  });
}

/**
 * Call `fire` after `ms`; the function returned cancels it. Longer than a timer can hold
 * (a huge Retry-After or deadline), it waits in steps, since a longer delay would fire at
 * once and turn a wait into a storm of requests.
 */
function after(ms: number, fire: () => void): () => void {
  let timer: ReturnType<typeof setTimeout>;
  const arm = (left: number) => {
    timer = setTimeout(left > MAX_TIMER_MS ? () => arm(left - MAX_TIMER_MS) : fire, Math.min(left, MAX_TIMER_MS));
  };
  arm(ms);
  return () => clearTimeout(timer);
}

/** One signal for one call: the caller's signal and an optional deadline, combined. */
export interface Deadline {
  /** Undefined when there is neither a caller's signal nor a deadline: nothing can abort. */
  readonly signal: AbortSignal | undefined;
  /** True once the deadline (not the caller) aborted the signal. */
  readonly expired: () => boolean;
  /**
   * Stop the timer. With `detach` (the default) also stop following the caller's
   * signal; without it the caller can still abort, e.g. a response body still being read.
   */
  readonly dispose: (detach?: boolean) => void;
}

/**
 * Combine a caller's signal with a deadline of `timeoutMs`. Without a deadline
 * (undefined or `Infinity`) the caller's signal, or none, is used as it is: every
 * AbortSignal handed to `fetch` measurably costs time and garbage (`npm run bench:fake`). Hand-rolled rather than `AbortSignal.any`, which older
 * browsers and Node 20.0–20.2 lack, and so that the listener on a long-lived caller
 * signal is removed afterwards.
 *
 * `shared` lets a long deadline without a caller's signal share its signal and timer
 * with other calls (`shared-deadline.ts`): only where nothing outlives the deadline on
 * that signal, as `dispose(false)` then keeps nothing going.
 *
 * @example
 * const d = deadline(options.signal, 30_000)
 * try { await fetch(url, { signal: d.signal }) } finally { d.dispose() }
 */
export function deadline(signal: AbortSignal, timeoutMs: number | undefined): Deadline & { signal: AbortSignal };
export function deadline(signal: AbortSignal | undefined, timeoutMs: number | undefined, shared?: boolean): Deadline;
export function deadline(signal: AbortSignal | undefined, timeoutMs: number | undefined, shared = false): Deadline {
  if (timeoutMs === undefined || timeoutMs === Infinity) {
    return { signal, expired: () => false, dispose() {} };
  }
  if (shared && !signal && mayShare(timeoutMs)) return sharedDeadline(timeoutMs);
  const controller = new AbortController();
  let expired = false;
  const unlisten = whenAborted(signal, () => controller.abort(abortReason(signal as AbortSignal)));
  const stop = after(timeoutMs, () => {
    expired = true;
    controller.abort(new DOMException(`Timed out after ${timeoutMs} ms`, "TimeoutError"));
  });
  return {
    signal: controller.signal,
    expired: () => expired,
    dispose(detach = true) {
      stop();
      if (detach) unlisten();
    },
  };
}

/**
 * Settle with `promise`, or reject with the signal's reason as soon as it aborts. For
 * waiting on work shared with other callers, which one caller's abort must not cancel.
 *
 * @example
 * const schema = await abortable(sharedLookup, options.signal)
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const unlisten = whenAborted(signal, () => reject(abortReason(signal)));
    promise.then(resolve, reject).finally(unlisten);
  });
}
