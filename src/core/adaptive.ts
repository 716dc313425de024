/**
 * The limiter a client uses when given none: it learns the rate limit from the 429s it
 * gets, as TCP learns a path's capacity from lost packets (AIMD; the rules are in
 * `slots`). A burst of calls then turns into a queue on the client instead of a wave of
 * 429s, with nothing to configure.
 */
import { slots } from "./limiter.js";

/**
 * Requests in flight before any 429 is seen. Generous for an app's ordinary use; and a
 * burst past a server's limit costs at most this many refused requests before the window
 * adapts, not one per call.
 */
export const START_WINDOW = 64;

/**
 * A limiter whose window starts at `start` and adapts to the rate limit.
 *
 * @example
 * const limiter = createAdaptiveLimiter()
 * const release = await limiter.acquire(signal)
 * release(response.status === 429)
 */
export function createAdaptiveLimiter(start: number = START_WINDOW) {
  return { acquire: slots(start, true) };
}
