/**
 * A counting semaphore for requests in flight, so a burst of calls queues on the client
 * instead of earning a wave of 429s from the server. Exported from `replicate-kit`, for a
 * fixed cap (or one shared between clients); without one, a client adapts its own
 * (`adaptive.ts`).
 */
import { InputError } from "./errors.js";
import { abortReason, whenAborted } from "./signals.js";

/**
 * A slot's release. The client says how the attempt it covered ended: `true` when it was
 * answered 429 (rate limited), `false` for any other answer, nothing when no answer came.
 * A limiter may use that to adapt, or ignore it.
 */
export type Release = (rateLimited?: boolean) => void;

/**
 * Hand a slot back, if there is one. A user's limiter may throw from its release (a shared
 * store gone away, say): that must not replace the answer (a create's, with its
 * prediction) or the error the attempt ended with, so it is dropped.
 *
 * @example
 * release = free(release) // no answer came
 */
export function free(release: Release | undefined, rateLimited?: boolean): undefined {
  try {
    release?.(rateLimited);
  } catch {}
}

/**
 * Hands out slots for requests; a slot is returned by calling its release. The client
 * holds one per attempt, up to the response headers, or the whole body for the
 * library's own calls. Any object of this shape works, e.g. one shared across processes.
 */
export interface Limiter {
  /** Resolves with a release once a slot is free; rejects with the signal's reason on abort. */
  acquire(signal: AbortSignal | undefined): Promise<Release>;
}

/**
 * Slots for requests in flight: up to `window` at once, the rest waiting their turn in
 * order (a call aborted while it waits leaves the queue with the signal's reason). A free
 * slot is handed back as it is, not as a promise, so the client's common case costs no
 * turn of the event loop. With `adapt` the window follows the answers (AIMD, as TCP's
 * congestion window does): it halves on a 429, not below 1, and grows on other answers,
 * by one per answer until the first 429 (slow start: it doubles per round trip), then by
 * one per window's worth of answers (additive increase). It grows only while in use
 * (calls waiting, or the window full), so a quiet spell cannot inflate it. Only a 429 to
 * a request sent since the last halving halves it again: the others were sent under the
 * old window, and answer for it. Errors without an answer change nothing.
 *
 * @example
 * const acquire = slots(4)
 * const release = await acquire(signal)
 * release(response.status === 429)
 */
export function slots(window: number, adapt = false): (signal: AbortSignal | undefined) => Release | Promise<Release> {
  let threshold = Infinity;
  let active = 0;
  // Counts the halvings; each slot remembers the one it was handed out under.
  let epoch = 0;
  const waiting: (() => void)[] = [];
  const take = (): Release => {
    active++;
    const seen = epoch;
    let held = true;
    return (rateLimited) => {
      if (!held) return; // only a release's first call counts
      held = false;
      if (adapt && rateLimited === false && (waiting.length || active >= window)) {
        window += window < threshold ? 1 : 1 / window;
      } else if (adapt && rateLimited && seen === epoch) {
        epoch++;
        window = threshold = Math.max(1, window / 2);
      }
      active--;
      while (waiting.length && active < window) (waiting.shift() as () => void)();
    };
  };
  return (signal) => {
    if (!signal?.aborted && !waiting.length && active < window) return take();
    // Queued; or aborted already, which leaves the queue at once with the signal's reason.
    return new Promise((resolve, reject) => {
      const enter = () => {
        unlisten();
        resolve(take());
      };
      waiting.push(enter);
      const unlisten = whenAborted(signal, () => {
        const at = waiting.indexOf(enter);
        if (at >= 0) waiting.splice(at, 1);
        reject(abortReason(signal as AbortSignal));
      });
    });
  };
}

/**
 * At most `max` requests in flight; the rest wait their turn, in order. Share one
 * limiter between clients to cap them together.
 *
 * @example
 * import { createLimiter } from "replicate-kit"
 * const replicate = createReplicate({ limiter: createLimiter(50) })
 */
export function createLimiter(max: number): Limiter {
  if (!(Number.isInteger(max) && max >= 1)) throw new InputError(`createLimiter(max): max must be a whole number ≥ 1.`);
  const acquire = slots(max);
  return { acquire: (signal) => Promise.resolve(acquire(signal)) };
}
