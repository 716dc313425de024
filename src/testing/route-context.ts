/**
 * What every route of the fake gets: the request, the state, the faults and settings;
 * and the one way routes read a request body, so every route refuses a bad one alike.
 */
import type { OperationId } from "../generated/operations.js";
import { describeError, Refusal } from "./http.js";
import type { Job } from "./jobs.js";
import type { FakeState } from "./state.js";

/** Faults the fake injects on request; see `FakeReplicate.faults`. */
export interface Faults {
  /** Answer the next requests with these statuses, one each (e.g. `[503, 503]`). */
  statuses: number[];
  /** At most this many requests in flight; past it, 429 with `Retry-After: retryAfterSec`. */
  maxInFlight: number;
  retryAfterSec: number;
  /** Extra delay before every answer. */
  latencyMs: number;
  /** The next this-many stream connections drop after `dropAfterEvents` events. */
  dropStreams: number;
  dropAfterEvents: number;
}

export interface RouteContext {
  request: Request;
  url: URL;
  /** The API's base URL as the caller reached it, e.g. `http://127.0.0.1:4010/v1`. */
  base: string;
  /** The path parameters, by their names in the schema's path template. */
  params: Record<string, string>;
  state: FakeState;
  faults: Faults;
  options: { startDelayMs: number; pageSize: number; secret: string; username: string };
  /** Follow a new job's changes (webhooks). */
  watch: (job: Job) => void;
}

/** What answers one operation (or one of the fake's own routes). */
export type Route = (ctx: RouteContext) => Response | Promise<Response>;

/** Routes keyed by the operationId they answer; the handler answers 501 for one that is missing. */
export type Routes = { readonly [Id in OperationId]?: Route };

/**
 * A path parameter by name. The route was matched by a template naming it, so it is there.
 *
 * @example
 * const job = ctx.state.jobs.get(param(ctx, "prediction_id"))
 */
export function param(ctx: RouteContext, name: string): string {
  return ctx.params[name] ?? "";
}

/** The body as text. One that fails mid-read (the client went away) is the client's doing: a 400. */
export async function textOf(ctx: RouteContext): Promise<string> {
  try {
    return await ctx.request.text();
  } catch (error) {
    throw new Refusal(400, "Bad request", `The request body could not be read: ${describeError(error)}`);
  }
}

/**
 * A JSON object body. No body is `{}` (routes validate what they need) unless `required`;
 * a body that is not JSON, or JSON that is not an object, is a 400 as the API gives.
 */
export async function bodyOf(ctx: RouteContext, { required = false } = {}): Promise<Record<string, unknown>> {
  const text = await textOf(ctx);
  const notAnObject = new Refusal(400, "Bad request", "The body must be a JSON object");
  if (text.trim() === "") {
    if (required) throw notAnObject;
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Refusal(400, "Bad request", `The body is not valid JSON: ${describeError(error)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw notAnObject;
  return value as Record<string, unknown>;
}
