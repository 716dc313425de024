/**
 * A counting semaphore for requests in flight, so a burst of calls queues on the client
 * instead of earning a wave of 429s from the server. Exported from
 * `replicate-kit`, so apps that do not cap concurrency do not bundle it.
 */
import { InputError } from "./errors.js";
import { abortReason } from "./signals.js";

/**
 * Hands out slots for requests; a slot is returned by calling its release. The client
 * holds one per attempt, up to the response headers, or the whole body for the
 * library's own calls. Any object of this shape works, e.g. one shared across processes.
 */
export interface Limiter {
  /** Resolves with a release once a slot is free; rejects with the signal's reason on abort. */
  acquire(signal: AbortSignal | undefined): Promise<() => void>;
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
  let active = 0;
  const waiting: (() => void)[] = [];
  /** A slot's release: only its first call counts. */
  const slot = () => {
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const next = waiting.shift();
      // Hand the slot straight over (`active` stays the same), or free it.
      if (next) next();
      else active--;
    };
  };
  return {
    acquire: (signal) =>
      new Promise((resolve, reject) => {
        const onAbort = () => {
          const at = waiting.indexOf(grant);
          if (at >= 0) waiting.splice(at, 1);
          reject(abortReason(signal as AbortSignal));
        };
        const grant = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(slot());
        };
        if (signal?.aborted) onAbort();
        else if (active < max) {
          active++;
          resolve(slot());
        } else {
          waiting.push(grant);
          signal?.addEventListener("abort", onAbort, { once: true });
        }
      }),
  };
}
