/**
 * A prediction's SSE stream as one resumable source, read a chunk at a time. A dropped
 * connection (an error, an end without `done`, or silence) is resumed with
 * `Last-Event-ID`; one that cannot be resumed is reported as lost, and the caller polls.
 *
 * Nothing here grows with the stream: a replay after a reconnection is recognised by the
 * last event id alone, and the events parsed from each piece of the body go into one
 * array that is reused.
 */
import { abortReason, sleep, whenAborted } from "../core/signals.js";
import type { Prediction } from "../core/types.js";
import type { Download } from "../run/file-output.js";
import type { WaitOptions } from "../run/wait.js";
import { type Delivered, fromSse, type StreamEvent } from "./events.js";
import { type OpenContext, open } from "./open.js";
import { createSseParser, type SseParserOptions } from "./sse.js";

/** How a dropped stream is resumed. */
export interface ReconnectOptions {
  /** Reconnection attempts in a row without a new event before falling back to polling. @default 5 */
  attempts?: number;
  /** Wait before reconnecting, unless the server's `retry` field says otherwise. @default 1000 */
  delayMs?: number;
  /**
   * A connection that sends nothing (not even a comment) for this long counts as dropped:
   * a half-open connection otherwise waits forever. It is resumed like any other drop.
   * @default 60_000
   */
  idleMs?: number;
}

/** What the stream needs from the client and the caller (whose options it carries). */
export interface StreamContext extends OpenContext {
  download: Download;
  refresh: (id: string, signal: AbortSignal) => Promise<Prediction>;
  reconnect?: ReconnectOptions | undefined;
  interval?: WaitOptions["interval"];
  maxBufferSize?: number | undefined;
}

/**
 * Yield a prediction's events from its stream URL, a batch per 4 KB of the body (the same
 * array each time: read it before resuming), through its `done` or `error` event, and
 * return that event. Returning undefined means the stream was lost for good: the caller
 * should poll instead. A failure to open the first connection is the caller's to see.
 *
 * @example
 * const end = yield* sseBatches(prediction.urls.stream, ctx, { outputs: 0, chars: 0, logs: 0 })
 */
export async function* sseBatches(
  url: string,
  ctx: StreamContext,
  seen: Delivered,
): AsyncGenerator<StreamEvent[], StreamEvent | undefined> {
  const { attempts = 5, delayMs = 1000, idleMs = 60_000 } = ctx.reconnect ?? {};
  const { download, signal } = ctx;
  let retryMs = delayMs;
  let lastId = ""; // the last event id received: sent as Last-Event-ID
  let failures = 0; // drops in a row without a new event
  let replaying = false;
  let end: StreamEvent | undefined;
  const batch: StreamEvent[] = [];
  // The parser's callbacks, the same for every connection (each gets a parser of its own,
  // so an event without an id at the start of a new connection carries none).
  const handlers: SseParserOptions = {
    onEvent(e) {
      // A server resuming from Last-Event-ID may first send that event again: skip it. Any
      // other event ends the replay. (Within a connection an id may repeat: an event without
      // an `id:` line carries the previous one.) Nothing counts after the end.
      if (end || (replaying && e.id === lastId)) return;
      replaying = false;
      failures = 0;
      if (e.id) lastId = e.id;
      const event = fromSse(e, download, seen);
      if (event) {
        batch.push(event);
        if (event.type === "done" || event.type === "error") end = event;
      }
    },
    onRetry(ms) {
      retryMs = Math.min(ms, 30_000); // a server cannot park the client for hours
    },
    maxBufferSize: ctx.maxBufferSize,
  };
  for (let connection = 0; ; connection++) {
    // The first connection's failure is the caller's to see; a reconnection's is a drop.
    const response = await open(url, lastId, ctx).catch((error: unknown) => {
      if (connection === 0 || signal.aborted) throw error;
    });
    if (response) {
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      // Releases the connection now, not when it is collected: on the idle watchdog, at
      // the end, on an early exit or an error.
      const release = () => reader.cancel().catch(() => {});
      // An abort lets go at once: a custom fetch's body need not follow the request's
      // signal, and a stalled read would otherwise wait for the idle watchdog.
      const unlisten = whenAborted(signal, () => void release());
      const parser = createSseParser(handlers);
      replaying = !!lastId; // an id is had only from an earlier connection
      // The idle watchdog: one timer per idle period, not one per chunk. When it fires it
      // looks whether a chunk came since it was set; if none did, it closes the
      // connection, which the loop below then resumes like any dropped one.
      let chunks = 0;
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      const watch = (count: number) => {
        watchdog = setTimeout(() => (chunks === count ? void release() : watch(chunks)), idleMs);
      };
      watch(0);
      try {
        for (;;) {
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await reader.read();
          } catch (error) {
            if (signal.aborted) throw error;
            break; // a network error while reading: the connection dropped
          }
          // Released by an abort, the read ends as if the body had: that is no drop to resume.
          if (signal.aborted) throw abortReason(signal);
          if (chunk.done) break;
          chunks++;
          // Parsed 4 KB at a time, so the batch alive when the garbage collector runs is
          // small: with whole network chunks (often 20–40 KB) V8's young generation grew
          // to its largest size, and RSS with it.
          const bytes = chunk.value;
          for (let at = 0; at < bytes.length; at += 4096) {
            parser.feed(bytes.subarray(at, at + 4096));
            if (end) await release(); // closed before the consumer acts on it
            if (batch.length > 0) yield batch;
            if (end) return end;
            // Outside the try above: what the consumer throws in is not a dropped connection.
            if (signal.aborted) throw abortReason(signal);
            batch.length = 0;
          }
        }
      } finally {
        clearTimeout(watchdog);
        unlisten();
        await release();
      }
    }
    if (++failures > attempts) return undefined;
    await sleep(retryMs, signal);
  }
}
