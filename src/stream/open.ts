/**
 * Opening a prediction's stream: redirects followed by hand, and who gets the token.
 */
import { isReplicateHost } from "../core/domain.js";
import { ReplicateError } from "../core/errors.js";
import { strictFetch } from "../core/methods.js";
import type { Send } from "../core/transport.js";

/** What opening a stream needs. */
export interface OpenContext {
  send: Send;
  signal: AbortSignal;
  /** The prediction came from the API in this very call (not handed in by the caller). */
  created: boolean;
}

const MAX_REDIRECTS = 5;

/**
 * Whether a stream URL may receive the token. One from a prediction this call created
 * came from the API itself. One from a prediction handed in could have been written by
 * anyone (a request body, say), so only Replicate's own https hosts get the token then.
 */
function mayAuthorize(url: URL, ctx: OpenContext): boolean {
  return ctx.created || isReplicateHost(url);
}

/**
 * GET the stream. Redirects are followed by hand so the token goes only to the origin
 * of the stream URL (when {@link mayAuthorize} allows), never to wherever a redirect points.
 *
 * @example
 * const response = await open(prediction.urls.stream, lastEventId, ctx)
 */
export async function open(url: string, lastId: string, ctx: OpenContext): Promise<Response> {
  const first = new URL(url);
  const { origin } = first;
  const trusted = mayAuthorize(first, ctx);
  let target = url;
  let redirect: RequestRedirect = "manual";
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = { accept: "text/event-stream", "cache-control": "no-store" };
    if (lastId) headers["last-event-id"] = lastId;
    const request = { url: target, method: "GET", headers, redirect };
    const sendOptions = {
      signal: ctx.signal,
      buffer: false,
      openEnded: true,
      authorize: trusted && new URL(target).origin === origin,
    };
    const response = await strictFetch(
      ctx.send,
      sendOptions,
    )(request).catch((error: unknown) => {
      const { status = -1, headers } = error as { status?: number; headers?: Headers };
      // strictFetch turns a 3xx into an ApiError: take the Location from it and go on.
      const location = headers?.get("location");
      if (status >= 300 && status < 400 && location) return new URL(location, target).href;
      // Browsers hide manual redirects (status 0). Their fetch drops Authorization on a
      // cross-origin redirect by itself (Fetch standard), so let it follow.
      if (status === 0 && redirect === "manual") {
        redirect = "follow";
        return target;
      }
      throw error;
    });
    if (typeof response === "string") {
      target = response;
      continue;
    }
    const type = response.headers.get("content-type") ?? "";
    if (!/^text\/event-stream/i.test(type)) {
      await response.body?.cancel();
      throw new ReplicateError(`Expected text/event-stream from ${target}, got "${type || "no content type"}"`);
    }
    return response;
  }
  throw new ReplicateError(`Too many redirects from ${url}`);
}
