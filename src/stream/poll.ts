/**
 * Streaming by polling: for models without a stream URL, and as the fallback when a
 * stream cannot be resumed. It drives the same waiter as `wait`, turning each change it
 * reports into output (and logs) events, from where the stream left off.
 */
import { PredictionError } from "../core/errors.js";
import { whenAborted } from "../core/signals.js";
import type { Prediction } from "../core/types.js";
import { waitFor } from "../run/wait.js";
import type { StreamContext } from "./connection.js";
import { type Delivered, increments, type StreamEvent } from "./events.js";

/**
 * Yield what each poll adds beyond what `seen` counts as delivered (a batch per change),
 * then `done`; after a `done` whose reason is `canceled` or `error`, reject with
 * PredictionError. Logs are yielded only `withLogs`. Stopping early stops the polling.
 *
 * @example
 * yield* pollEvents(prediction, ctx, { outputs: 0, chars: 0, logs: 0 }, true)
 */
export async function* pollEvents(
  prediction: Prediction,
  ctx: StreamContext,
  seen: Delivered,
  withLogs: boolean,
): AsyncGenerator<StreamEvent[], void> {
  const { signal } = ctx;
  const queue: StreamEvent[] = [];
  let wake = () => {};
  let settled = false;
  const stop = new AbortController();
  // At once when the signal has already aborted (a caller's signal aborted before the call).
  const unlisten = whenAborted(signal, () => stop.abort(signal.reason));
  const finished = waitFor(prediction, ctx.refresh, {
    timeoutMs: Infinity, // the stream's own deadline is on the signal
    signal: stop.signal,
    interval: ctx.interval,
    onProgress: (p) => {
      queue.push(...increments(p, ctx.download, seen, withLogs));
      wake();
    },
  }).finally(() => {
    settled = true;
    wake();
  });
  finished.catch(() => {}); // read below; never an unhandled rejection if the consumer leaves early
  try {
    // After an abort nothing more is handed out (see unbatch), and the waiter rejects.
    while (queue.length > 0 || !settled) {
      if (queue.length > 0) yield queue.splice(0);
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    unlisten();
    stop.abort(); // the consumer stopped (or we are done): no more polls
  }
  const final = await finished;
  const reason = final.status === "succeeded" ? undefined : final.status === "canceled" ? "canceled" : "error";
  yield [{ type: "done", data: reason ? { reason } : {}, id: "" }];
  if (reason) throw new PredictionError(final);
}
