/**
 * What every route of the fake gets: the request, the state, the faults and settings.
 */
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
  params: string[];
  state: FakeState;
  faults: Faults;
  options: { startDelayMs: number; pageSize: number; secret: string; username: string };
  /** Follow a new job's changes (webhooks). */
  watch: (job: Job) => void;
}

export type Route = [method: string, path: RegExp, handle: (ctx: RouteContext) => Response | Promise<Response>];

/** A JSON body, or `{}` when there is none (routes validate what they need). */
export async function bodyOf(ctx: RouteContext): Promise<Record<string, unknown>> {
  return ((await ctx.request.json().catch(() => ({}))) ?? {}) as Record<string, unknown>;
}
