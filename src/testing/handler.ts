/**
 * The fake's request pipeline: authentication, injected faults, the in-flight limit, then
 * the operation the request calls (found in the generated operation table) and its route.
 * Whatever a route throws is answered here, as problem+json (a 4xx for a {@link Refusal},
 * a 500 for the fake's own failure), so no request can leave a caller without an answer
 * or take down the process that hosts it. Only an abort rejects, as it does with `fetch`.
 */
import { asFetch, type FakeFetch } from "./abortable.js";
import { calledOperation } from "./dispatch.js";
import { answerFor, problem } from "./http.js";
import type { Job } from "./jobs.js";
import { openRoute } from "./open-routes.js";
import type { Faults, RouteContext, Routes } from "./route-context.js";
import type { FakeState } from "./state.js";

/** Resolve after `ms`, or at once when `signal` aborts. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    // An aborted signal fires no "abort" event any more: the client has already left.
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** What {@link createHandler} serves. */
export interface HandlerParts {
  /** The route of each operation, by operationId; an operation without one is a 501. */
  routes: Routes;
  state: FakeState;
  faults: Faults;
  settings: RouteContext["options"];
  /** Require exactly this bearer token; any when undefined. */
  token: string | undefined;
  watch: (job: Job) => void;
}

/**
 * The fake's `fetch`: an answer for every request, rejecting only when the request's
 * signal aborts.
 *
 * @example
 * const handle = createHandler({ routes, state, faults, settings, token: undefined, watch })
 * const response = await handle(new Request("https://api.replicate.com/v1/account", { headers }))
 */
export function createHandler(parts: HandlerParts): FakeFetch {
  const { faults, token } = parts;
  let inFlight = 0;

  async function respond(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const at = url.pathname.indexOf("/v1/");
    const path = at >= 0 ? url.pathname.slice(at + 3) : url.pathname;
    const base = `${url.origin}${at >= 0 ? url.pathname.slice(0, at + 3) : ""}`;
    const open = openRoute(request.method, path); // streams and delivered files need no token
    const auth = request.headers.get("authorization") ?? "";
    if (!open && (token ? auth !== `Bearer ${token}` : !/^Bearer \S+/.test(auth))) {
      return problem(401, "Unauthenticated", "You did not pass a valid authentication token");
    }
    const retryAfter = { "retry-after": String(faults.retryAfterSec) };
    const status = faults.statuses.shift();
    if (status !== undefined) {
      return problem(status, "Injected fault", `fake: injected ${status}`, {}, status === 429 ? retryAfter : {});
    }
    if (inFlight >= faults.maxInFlight) return problem(429, "Too many requests", "fake: rate limited", {}, retryAfter);
    inFlight++;
    try {
      // Inside the in-flight window: a slow answer holds its place as it would on a busy
      // server, until it is answered or its client leaves.
      if (faults.latencyMs > 0) await delay(faults.latencyMs, request.signal);
      const { state, settings: options, watch } = parts;
      const context = (params: Record<string, string>) => ({
        request,
        url,
        base,
        params,
        state,
        faults,
        options,
        watch,
      });
      if (open) return await open.route(context(open.params));
      const called = calledOperation(request.method, path);
      if (!called) return problem(404, "Not found", `No route for ${request.method} ${path}`);
      const route = parts.routes[called.id];
      if (!route) {
        const detail = `fake: the operation ${called.id} (${called.method} ${called.template}) is not implemented`;
        return problem(501, "Not implemented", detail, { operation: called.id });
      }
      return await route(context(called.params));
    } finally {
      inFlight--;
    }
  }

  return asFetch((request) => respond(request).catch(answerFor));
}
