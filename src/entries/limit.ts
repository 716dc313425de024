/**
 * `replicate-fetch/limit`: cap how many requests a client (or several) has in flight.
 *
 * @example
 * import { createReplicate } from "replicate-fetch"
 * import { createLimiter } from "replicate-fetch/limit"
 * const replicate = createReplicate({ limiter: createLimiter(50) })
 */
export { createLimiter, type Limiter } from "../limiter.js";
