/**
 * An incremental Server-Sent Events parser, following the WHATWG HTML standard's
 * "event stream interpretation" (§9.2.6). Chunks may split anywhere: inside a CRLF,
 * inside a multi-byte UTF-8 character, inside a field name.
 *
 * Speed matters here (a long generation is thousands of events), so lines are found
 * with `indexOf` and both line-ending positions are remembered between searches:
 * scanning for `\r` once per line in text that has none would be quadratic.
 */
import { ReplicateError } from "../core/errors.js";

/** One dispatched event. */
export interface SseEvent {
  /** The `event` field, or `"message"` when the event had none. */
  type: string;
  /** The `data` lines joined with `\n`. */
  data: string;
  /** The last event id: set by the `id` field, it persists across events (and `reset`) until changed. */
  id: string;
}

/** Options of {@link createSseParser}. */
export interface SseParserOptions {
  onEvent: (event: SseEvent) => void;
  /**
   * The last event id was set, by an `id` line and the blank line after it, before that
   * event's `onEvent`. Also when the event has no data and is not dispatched, and with
   * `""` for an empty `id:`: what a reconnection sends as `Last-Event-ID` (none for `""`).
   */
  onId?: (id: string) => void;
  /** A `retry` field: the server's reconnection time in milliseconds. */
  onRetry?: (ms: number) => void;
  /** A comment line (`: text`), without the colon. */
  onComment?: (text: string) => void;
  /**
   * The most text held while waiting for a line end or an event's end, in UTF-16 code
   * units. Past it `feed` throws, so a broken or hostile stream cannot grow memory without bound.
   * @default 16_777_216
   */
  maxBufferSize?: number | undefined;
}

/** What {@link createSseParser} returns. */
export interface SseParser {
  /** Parse the next chunk: bytes (UTF-8) or text. */
  feed(chunk: Uint8Array | string): void;
  /**
   * Forget any partial line and event, as when a new connection starts. Keeps the last
   * event id, but not an `id` line of an event left unfinished.
   */
  reset(): void;
}

/**
 * Make a parser that calls `onEvent` for each complete event.
 *
 * @example
 * let lastEventId = "" // what to send as Last-Event-ID when reconnecting
 * const parser = createSseParser({ onEvent: (e) => console.log(e.type, e.data), onId: (id) => (lastEventId = id) })
 * parser.feed("event: output\ndata: Hel")
 * parser.feed("lo\n\n") // logs: output Hello
 * parser.feed("id: 7\n\n") // no event, but lastEventId is "7"
 */
export function createSseParser(options: SseParserOptions): SseParser {
  const { onEvent, onId, onRetry, onComment, maxBufferSize = 16_777_216 } = options;
  let decoder: TextDecoder;
  let partial: string; // an unfinished line
  // A character the next text may start with that is not content: the BOM at the very
  // start of the stream, or the \n of a CRLF split after its \r. -1: none.
  let skip: number;
  let data: string | undefined; // undefined: no data line yet in this event
  let type: string;
  // The standard's last event ID buffer is `id ?? lastId`: `id` holds an `id` line's value
  // until the blank line that makes it the last event id, which reset() keeps (as a
  // browser keeps it across reconnections) while dropping an unfinished event's `id`.
  let id: string | undefined;
  let lastId = "";
  /** A new stream starts: everything but the last event id is forgotten. */
  const reset = () => {
    // ignoreBOM: keep a BOM in the text, so exactly one is skipped below whether bytes or text come in.
    decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    partial = "";
    skip = 0xfeff;
    data = undefined;
    type = "";
    id = undefined;
  };
  reset();

  /** Interpret the line `src[s, e)`. Works on indices so the common case allocates only the value. */
  function line(src: string, s: number, e: number): void {
    if (s === e) {
      // Dispatch. The id is set even without data; no data, no event; the type starts over.
      const set = id !== undefined;
      if (set) lastId = id as string;
      id = undefined;
      const event = data === undefined ? undefined : { type: type || "message", data, id: lastId };
      data = undefined;
      type = "";
      // State is clear first, so a throwing handler cannot get an event twice.
      if (set) onId?.(lastId);
      if (event) onEvent(event);
      return;
    }
    // Field names are short, so this finds the colon (or the line's end) quickly.
    let colon = s;
    while (colon < e && src.charCodeAt(colon) !== 58) colon++;
    let from = colon + 1;
    if (from < e && src.charCodeAt(from) === 32) from++;
    const value = src.slice(from, e); // "" when there is no colon: then from is past e
    if (colon === s) {
      onComment?.(value);
      return;
    }
    // The name's length first: most lines are `data`, and this skips most compares. The
    // compares are in place, without slicing the name.
    const length = colon - s;
    if (length === 4 && src.startsWith("data", s)) data = data === undefined ? value : `${data}\n${value}`;
    else if (length === 5 && src.startsWith("event", s)) type = value;
    else if (length === 2 && src.startsWith("id", s)) {
      if (!value.includes("\0")) id = value;
    } else if (length === 5 && src.startsWith("retry", s)) {
      if (/^\d+$/.test(value)) onRetry?.(Number(value));
    }
    // Any other field is ignored, as the standard says.
  }

  function feedText(text: string): void {
    if (text === "") return; // an empty read must not forget what to skip
    let start = text.charCodeAt(0) === skip ? 1 : 0;
    // A text that ends in \r may have the \n of that CRLF still to come. (Set before any
    // line is handed out, so a throwing handler cannot leave a stale one.)
    skip = text.charCodeAt(text.length - 1) === 13 ? 10 : -1;
    // The next CR and LF at or after `start`, or the text's length when there is none, so
    // that a search is not repeated: each position is scanned once, even for \r in a
    // stream that has none.
    let cr = -1;
    let lf = -1;
    for (;;) {
      if (cr < start) cr = text.indexOf("\r", start);
      if (cr < 0) cr = text.length;
      if (lf < start) lf = text.indexOf("\n", start);
      if (lf < 0) lf = text.length;
      const end = Math.min(cr, lf);
      if (end === text.length) break;
      if (partial) {
        const joined = partial + text.slice(start, end);
        line(joined, 0, joined.length);
        partial = "";
      } else line(text, start, end);
      start = end + 1;
      if (end === cr && lf === start) start++; // a CRLF is one line end
    }
    partial += text.slice(start);
    if (partial.length + (data?.length ?? 0) > maxBufferSize) {
      throw new ReplicateError(
        `SSE stream exceeded the ${maxBufferSize}-character buffer limit without ending an event`,
      );
    }
  }

  return {
    feed(chunk) {
      feedText(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }));
    },
    reset,
  };
}
