/**
 * Opening a prediction's stream: who gets the token.
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

/**
 * GET the stream. The token goes to the stream URL's own origin and nowhere else, and
 * there only when the URL came from the API itself (a prediction this call created) or is
 * one of Replicate's own https hosts: one in a prediction handed in could have been
 * written by anyone (a request body, say). Redirects are followed by the transport's own
 * rules, so a hop to another origin drops the token and the client's headers for the rest
 * of the chain, even a hop back (where a URL's author could otherwise pick any path on
 * the API and have the client send it with the token).
 *
 * @example
 * const response = await open(prediction.urls.stream, lastEventId, ctx)
 */
export async function open(url: string, lastId: string, ctx: OpenContext): Promise<Response> {
  const headers: Record<string, string> = { accept: "text/event-stream", "cache-control": "no-store" };
  // A header carries bytes: an id past ASCII goes as its UTF-8 bytes, as a browser sends it
  // (fetch takes a string of bytes, and would refuse a character past Latin-1). An ASCII
  // id is its own UTF-8, so it goes as it is. workerd instead takes any string and sends
  // it UTF-8 encoded (so bytes-as-characters would be encoded twice): there, the id as is.
  if (lastId) headers["last-event-id"] = utf8Bytes(lastId);
  // openEnded: the client's per-call deadline covers opening the stream, not reading it.
  const authorize = ctx.created || isReplicateHost(new URL(url));
  const response = await strictFetch(ctx.send, { signal: ctx.signal, buffer: false, openEnded: true, authorize })({
    url,
    method: "GET",
    headers,
  });
  const type = response.headers.get("content-type") ?? "";
  if (!/^text\/event-stream/i.test(type)) {
    await response.body?.cancel();
    throw new ReplicateError(`Expected text/event-stream from ${url}, got "${type || "no content type"}"`);
  }
  return response;
}

/**
 * `text` as the runtime's fetch sends it as UTF-8: its UTF-8 encoding as a byte string
 * (one character per byte), unless the runtime's `Headers` take a character past U+00FF,
 * which standard ones refuse and workerd accepts because it encodes header values itself.
 */
function utf8Bytes(text: string): string {
  // ASCII (Replicate's ids) is the same either way: no probe, no thrown error per reconnect.
  if (/^[\0-\x7f]*$/.test(text)) return text;
  try {
    new Headers({ x: "\u0100" });
    return text;
  } catch {
    return Array.from(new TextEncoder().encode(text), (byte) => String.fromCharCode(byte)).join("");
  }
}
