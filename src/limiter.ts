/**
 * A counting semaphore for requests in flight, so a burst of calls queues on the client
 * instead of earning a wave of 429s from the server.
 */
import { abortReason } from "./signals.js";

/** Hands out at most `max` slots at once; a slot is returned by calling its release. */
export interface Limiter {
  acquire(signal: AbortSignal | undefined): Promise<() => void>;
}

/**
 * @example
 * const release = await limiter.acquire(signal)
 * try { await fetch(request) } finally { release() }
 */
export function createLimiter(max: number): Limiter {
  let active = 0;
  const waiting: (() => void)[] = [];
  const slot = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiting.shift();
      if (next)
        next(); // hand the slot straight over: `active` stays the same
      else active--;
    };
  };
  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (active < max) {
        active++;
        return Promise.resolve(slot());
      }
      return new Promise((resolve, reject) => {
        const grant = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(slot());
        };
        const onAbort = () => {
          waiting.splice(waiting.indexOf(grant), 1);
          reject(abortReason(signal as AbortSignal));
        };
        waiting.push(grant);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}
