/**
 * The fake's routes that are not operations of the API and, as on Replicate, need no
 * token: a prediction's event stream (its `urls.stream`; the official client sends no
 * Authorization there) and the files its model returned (delivery URLs, like
 * replicate.delivery's, which anyone holding the URL can read).
 */
import { templateMatcher } from "./dispatch.js";
import { notFound } from "./http.js";
import { DELIVERY_PREFIX } from "./job-output.js";
import { param, type Route, type RouteContext } from "./route-context.js";
import { serveStream } from "./stream-serve.js";

function streamRoute(ctx: RouteContext): Response {
  const job = ctx.state.jobs.get(param(ctx, "prediction_id"));
  if (job?.kind !== "prediction") return notFound("Stream");
  let drop: number | undefined;
  if (ctx.faults.dropStreams > 0) {
    ctx.faults.dropStreams--;
    drop = ctx.faults.dropAfterEvents;
  }
  return serveStream(job, ctx.request.headers.get("last-event-id"), drop);
}

function deliveryRoute(ctx: RouteContext): Response {
  const file = ctx.state.jobs.get(param(ctx, "job_id"))?.files.get(param(ctx, "file"));
  if (!file) return notFound("File");
  const headers = { "content-type": file.type || "application/octet-stream", "content-length": String(file.size) };
  return new Response(file, { headers });
}

const OPEN_ROUTES: [method: string, match: ReturnType<typeof templateMatcher>, route: Route][] = [
  ["GET", templateMatcher("/stream/{prediction_id}"), streamRoute],
  ["GET", templateMatcher(`${DELIVERY_PREFIX}/{job_id}/{file}`), deliveryRoute],
];

/**
 * The open route `method path` names, with its parameters, or `undefined`.
 *
 * @example
 * openRoute("GET", "/stream/p1") // { route: streamRoute, params: { prediction_id: "p1" } }
 */
export function openRoute(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const [m, match, route] of OPEN_ROUTES) {
    const params = m === method ? match(path) : undefined;
    if (params) return { route, params };
  }
  return undefined;
}
