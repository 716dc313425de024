/**
 * The fake's request pipeline: authentication, injected faults, the in-flight limit and
 * the route table. Whatever a route throws is answered here, as problem+json (a 4xx for
 * a {@link Refusal}, a 500 for the fake's own failure), so no request can reject the
 * handler, leave a caller without an answer, or take down the process that hosts it.
 */
import { answerFor, problem } from "./http.js";
import type { Job } from "./jobs.js";
import type { Faults, Route, RouteContext } from "./route-context.js";
import type { FakeState } from "./state.js";

/** What {@link createHandler} serves. */
export interface HandlerParts {
  routes: readonly Route[];
  state: FakeState;
  faults: Faults;
  settings: RouteContext["options"];
  /** Require exactly this bearer token; any when undefined. */
  token: string | undefined;
  watch: (job: Job) => void;
}

/**
 * The fake's `fetch`: resolves to an answer for every request, never rejects.
 *
 * @example
 * const handle = createHandler({ routes, state, faults, settings, token: undefined, watch })
 * const response = await handle(new Request("https://api.replicate.com/v1/account"))
 */
export function createHandler(parts: HandlerParts): (request: Request) => Promise<Response> {
  const { faults, token } = parts;
  let inFlight = 0;

  async function respond(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const at = url.pathname.indexOf("/v1/");
    const path = at >= 0 ? url.pathname.slice(at + 3) : url.pathname;
    const base = `${url.origin}${at >= 0 ? url.pathname.slice(0, at + 3) : ""}`;
    const auth = request.headers.get("authorization") ?? "";
    if (token ? auth !== `Bearer ${token}` : !/^Bearer \S+/.test(auth)) {
      return problem(401, "Unauthenticated", "You did not pass a valid authentication token");
    }
    if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
    const retryAfter = { "retry-after": String(faults.retryAfterSec) };
    const status = faults.statuses.shift();
    if (status !== undefined) {
      return problem(status, "Injected fault", `fake: injected ${status}`, {}, status === 429 ? retryAfter : {});
    }
    if (inFlight >= faults.maxInFlight) return problem(429, "Too many requests", "fake: rate limited", {}, retryAfter);
    inFlight++;
    try {
      for (const [method, pattern, run] of parts.routes) {
        const match = pattern.exec(path);
        if (!match || method !== request.method) continue;
        let params: string[];
        try {
          params = match.slice(1).map(decodeURIComponent);
        } catch {
          return problem(404, "Not found", `Malformed path ${path}`);
        }
        const { state, settings: options, watch } = parts;
        return await run({ request, url, base, params, state, faults, options, watch });
      }
      return problem(404, "Not found", `No route for ${request.method} ${path}`);
    } finally {
      inFlight--;
    }
  }

  return async (request) => {
    try {
      return await respond(request);
    } catch (error) {
      return answerFor(error);
    }
  };
}
