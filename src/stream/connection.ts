/**
 * `stream`: a prediction's output as it is generated, over Server-Sent Events. A dropped
 * connection is resumed with `Last-Event-ID`; one that cannot be resumed, or a model
 * without a stream URL, continues by polling. Stopping early (`break`, `return`, abort)
 * cancels the HTTP body at once.
 */
import { TERMINAL } from "../core/domain.js";
import { PredictionError } from "../core/errors.js";
import { isReplicateError } from "../core/guards.js";
import { abortReason, sleep } from "../core/signals.js";
import type { Prediction } from "../core/types.js";
import type { Download } from "../run/file-output.js";
import type { WaitOptions } from "../run/wait.js";
import { type Delivered, emptyDelivered, fromSse, type StreamEvent } from "./events.js";
import { type OpenContext, open } from "./open.js";
import { pollEvents } from "./poll.js";
import { createSseParser, type SseEvent } from "./sse.js";

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

/** What the connection loop needs from the client and the caller. */
export interface StreamContext extends OpenContext {
  download: Download;
  refresh: (id: string, signal: AbortSignal) => Promise<Prediction>;
  reconnect: ReconnectOptions | undefined;
  interval: WaitOptions["interval"];
  maxBufferSize: number | undefined;
}

const MAX_RETRY_MS = 30_000;

/**
 * Yield a prediction's events from its stream URL, through its `done` or `error` event.
 * Ending without one means the stream was lost for good: the caller should poll instead.
 */
export async function* sseEvents(url: string, ctx: StreamContext, seen: Delivered): AsyncGenerator<StreamEvent> {
  const { attempts = 5, delayMs = 1000, idleMs = 60_000 } = ctx.reconnect ?? {};
  let retryMs = delayMs;
  let lastId = "";
  let failures = 0;
  for (let connection = 0; ; connection++) {
    let response: Response;
    try {
      response = await open(url, lastId, ctx);
    } catch (error) {
      // The first connection's failure is the caller's to see; a reconnection's means "lost".
      if (connection === 0 || ctx.signal.aborted) throw error;
      if (++failures > attempts) return;
      await sleep(retryMs, ctx.signal);
      continue;
    }
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const pending: SseEvent[] = [];
    const parser = createSseParser({
      onEvent: (e) => pending.push(e),
      onRetry: (ms) => {
        retryMs = Math.min(ms, MAX_RETRY_MS); // a server cannot park the client for hours
      },
      ...(ctx.maxBufferSize !== undefined && { maxBufferSize: ctx.maxBufferSize }),
    });
    // After a reconnection the server may replay events already delivered: skip those
    // (by id) until the first new one. Within a connection ids may repeat legitimately,
    // since an event without an `id:` line inherits the previous one.
    let replaying = connection > 0;
    // The idle watchdog: one timer per idle period, not one per chunk. When it fires it
    // looks whether anything arrived since it was set; if nothing did, it closes the
    // connection, which the loop below then resumes like any dropped one.
    let chunks = 0;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const watch = (seen: number) => {
      watchdog = setTimeout(() => (chunks === seen ? void reader.cancel().catch(() => {}) : watch(chunks)), idleMs);
    };
    watch(0);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks++;
        parser.feed(value);
        for (const e of pending.splice(0)) {
          if (e.id) lastId = e.id;
          if (replaying && e.id && seen.ids.has(e.id)) continue;
          replaying = false;
          if (e.id) seen.ids.add(e.id);
          failures = 0;
          const event = fromSse(e.type, e.data, e.id, ctx.download, seen);
          if (!event) continue;
          // Events already parsed are not handed out after an abort.
          if (ctx.signal.aborted) throw abortReason(ctx.signal);
          const last = event.type === "done" || event.type === "error";
          if (last) await reader.cancel().catch(() => {}); // close before the consumer acts on it
          yield event;
          if (last) return;
        }
      }
    } catch (error) {
      if (ctx.signal.aborted || isReplicateError(error)) throw error;
      // A network error while reading: the connection dropped. Resume below.
    } finally {
      clearTimeout(watchdog);
      // Early exit, error or end: release the connection now, not when it is collected.
      await reader.cancel().catch(() => {});
    }
    if (++failures > attempts) return;
    await sleep(retryMs, ctx.signal);
  }
}

/** The prediction after a failure event, as fresh as can be had, for the PredictionError. */
async function failedPrediction(
  p: Prediction,
  ctx: StreamContext,
  status: string,
  error: unknown,
): Promise<Prediction> {
  const fresh = await ctx.refresh(p.id, ctx.signal).catch(() => p);
  const done = TERMINAL.has(fresh.status) && fresh.status !== "succeeded";
  return {
    ...fresh,
    status: done ? fresh.status : (status as Prediction["status"]),
    error: fresh.error ?? (error as string),
  };
}

/**
 * A prediction's events: over SSE when it has a stream URL, else (or once the stream is
 * lost) by polling. Rejects with PredictionError after an `error` event or a `done` whose
 * reason is `canceled` or `error`.
 */
export async function* predictionEvents(prediction: Prediction, ctx: StreamContext): AsyncGenerator<StreamEvent> {
  const seen = emptyDelivered();
  const url = prediction.urls?.stream;
  if (url) {
    // Leaving this loop early (a consumer's break) closes the SSE connection.
    for await (const event of sseEvents(url, ctx, seen)) {
      yield event;
      if (event.type === "error")
        throw new PredictionError(await failedPrediction(prediction, ctx, "failed", event.data));
      if (event.type === "done") {
        const { reason } = event.data;
        if (reason === "canceled" || reason === "error") {
          const status = reason === "canceled" ? "canceled" : "failed";
          throw new PredictionError(await failedPrediction(prediction, ctx, status, undefined));
        }
        return;
      }
    }
  }
  // No stream URL, or the stream was lost: poll. Logs come from polling only when there
  // never was a stream, since an SSE consumer has had them in other pieces.
  const final = yield* pollEvents(prediction, ctx.refresh, { ...ctx, withLogs: !url }, ctx.download, seen);
  const reason = final.status === "succeeded" ? undefined : final.status === "canceled" ? "canceled" : "error";
  yield { type: "done", data: reason ? { reason } : {}, id: "" };
  if (reason) throw new PredictionError(final);
}
