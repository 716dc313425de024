/**
 * Abort-aware waiting and deadlines. Every wait in the library goes through here, so
 * an abort ends it at once and a deadline cannot be forgotten.
 */

/** The reason a signal aborted with, as an Error-like value to reject with. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

/**
 * Timers cannot wait longer (about 24.8 days): a longer delay fires at once in every
 * runtime, so a longer deadline is reached in steps of at most this.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Resolve after `ms`, or reject with the signal's reason as soon as it aborts.
 *
 * @example
 * await sleep(500, controller.signal)
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    let timer: ReturnType<typeof setTimeout>;
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    // Longer than a timer can hold (a huge Retry-After, say): wait in steps, since a
    // longer delay would fire at once and turn a wait into a storm of requests.
    const arm = (left: number) => {
      timer = setTimeout(
        () => {
          if (left > MAX_TIMER_MS) return arm(left - MAX_TIMER_MS);
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        Math.min(left, MAX_TIMER_MS),
      );
    };
    arm(ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
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
 * (undefined or `Infinity`) the caller's signal, or none, is used as it is: every AbortSignal handed to `fetch` measurably costs time and garbage
 * (`npm run bench:fake`). Hand-rolled rather than `AbortSignal.any`, which older
 * browsers and Node 20.0–20.2 lack, and so that the listener on a long-lived caller
 * signal is removed afterwards.
 *
 * @example
 * const d = deadline(options.signal, 30_000)
 * try { await fetch(url, { signal: d.signal }) } finally { d.dispose() }
 */
export function deadline(signal: AbortSignal, timeoutMs: number | undefined): Deadline & { signal: AbortSignal };
export function deadline(signal: AbortSignal | undefined, timeoutMs: number | undefined): Deadline;
export function deadline(signal: AbortSignal | undefined, timeoutMs: number | undefined): Deadline {
  if (timeoutMs === undefined || timeoutMs === Number.POSITIVE_INFINITY) {
    return { signal, expired: () => false, dispose() {} };
  }
  const controller = new AbortController();
  let expired = false;
  const onAbort = () => controller.abort(abortReason(signal as AbortSignal));
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout>;
  // `ms` left to wait: longer than a timer can hold, it takes several in a row.
  const arm = (ms: number) => {
    const expire = () => {
      expired = true;
      controller.abort(new DOMException(`Timed out after ${timeoutMs} ms`, "TimeoutError"));
    };
    timer = setTimeout(ms > MAX_TIMER_MS ? () => arm(ms - MAX_TIMER_MS) : expire, Math.min(ms, MAX_TIMER_MS));
  };
  arm(timeoutMs);
  return {
    signal: controller.signal,
    expired: () => expired,
    dispose(detach = true) {
      clearTimeout(timer);
      if (detach) signal?.removeEventListener("abort", onAbort);
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
    const onAbort = () => reject(abortReason(signal));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
