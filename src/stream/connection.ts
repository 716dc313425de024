/**
 * A prediction's SSE stream as one resumable source, read a chunk at a time. A dropped
 * connection (an error, an end without `done`, or silence) is resumed with
 * `Last-Event-ID`; one that cannot be resumed is reported as lost, and the caller polls.
 *
 * Nothing here grows with the stream: a replay after a reconnection is recognised by the
 * last event id alone, and the events parsed from each piece of the body go into one
 * array that is reused.
 */
import { abortReason, MAX_TIMER_MS, sleep, whenAborted } from "../core/signals.js";
import type { Prediction } from "../core/types.js";
import type { Download } from "../run/file-output.js";
import type { WaitOptions } from "../run/wait.js";
import { type Delivered, fromSse, type StreamEvent } from "./events.js";
import { type OpenContext, open } from "./open.js";
import { createSseParser } from "./sse.js";

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
  // A timer fires at once past 2 ** 31 - 1 ms (about 24.8 days): a longer idleMs would drop
  // every connection within a millisecond of quiet. It is held to that length instead.
  const idleTimer = Math.min(idleMs, MAX_TIMER_MS);
  let lastId = ""; // the parser's last event id, even one set without data: sent as Last-Event-ID
  let resumedFrom = ""; // the Last-Event-ID this connection was opened with, until its first event
  let replaying = false; // it began by sending the event with that id again
  let failures = 0; // drops in a row without a new event
  let end: StreamEvent | undefined;
  const batch: StreamEvent[] = [];
  // One parser for every connection, reset for each: the last event id carries over, as in
  // a browser, so an event without an id of its own at the start of a connection has it too.
  const parser = createSseParser({
    onId(id) {
      // A server resuming from Last-Event-ID may first send that event again (and those
      // after it that carry its id): skip them. Only an `id:` line of this connection says
      // so; any other id, or an event before one, ends the replay. (Within a connection an
      // id may repeat.)
      replaying = resumedFrom !== "" && id === resumedFrom;
      if (!replaying) resumedFrom = "";
      lastId = id;
    },
    onEvent(e) {
      // Nothing counts after the end. A `done` or `error` is never a replay: had it come
      // before, the stream would have ended.
      if (end || (replaying && e.type !== "done" && e.type !== "error")) return;
      resumedFrom = "";
      failures = 0;
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
  });
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
      parser.reset(); // a new body: no partial line, a new UTF-8 decoder, a BOM skipped again
      resumedFrom = lastId;
      replaying = false;
      // The idle watchdog: one timer per idle period, not one per chunk. When it fires it
      // looks whether a read started or ended since it was set; if none did while a read
      // waits, it closes the connection, which the loop below then resumes like any
      // dropped one. While the consumer holds an event nothing is read, and the server is
      // not silent for that: a slow consumer must not cost a reconnection.
      let ticks = 0;
      let reading = false;
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      const watch = (count: number) => {
        watchdog = setTimeout(() => (reading && ticks === count ? void release() : watch(ticks)), idleTimer);
      };
      watch(1); // the count the first read below starts at
      try {
        for (;;) {
          let chunk: ReadableStreamReadResult<Uint8Array>;
          ticks++;
          reading = true;
          try {
            chunk = await reader.read();
          } catch (error) {
            if (signal.aborted) throw error;
            break; // a network error while reading: the connection dropped
          } finally {
            ticks++;
            reading = false;
          }
          // Released by an abort, the read ends as if the body had: that is no drop to resume.
          if (signal.aborted) throw abortReason(signal);
          if (chunk.done) break;
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
