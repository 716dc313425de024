/**
 * Streaming by polling: for models without a stream URL, and as the fallback when a
 * stream cannot be resumed. It drives the same waiter as `wait`, turning each change it
 * reports into output (and logs) events.
 */

import { abortReason } from "../core/signals.js";
import type { Prediction } from "../core/types.js";
import type { Download } from "../run/file-output.js";
import { type Refresh, type WaitOptions, waitFor } from "../run/wait.js";
import { type Delivered, increments, type StreamEvent } from "./events.js";

/**
 * Yield what each poll adds, then resolve to the final prediction. Stopping the
 * iteration early stops the polling.
 */
export async function* pollEvents(
  prediction: Prediction,
  refresh: Refresh<Prediction>,
  options: { signal: AbortSignal; interval?: WaitOptions["interval"]; withLogs: boolean },
  download: Download,
  seen: Delivered,
): AsyncGenerator<StreamEvent, Prediction> {
  const queue: StreamEvent[] = [];
  let wake: (() => void) | undefined;
  let settled = false;
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal.reason);
  options.signal.addEventListener("abort", onAbort, { once: true });
  const finished = waitFor(prediction, refresh, {
    timeoutMs: Number.POSITIVE_INFINITY, // the stream's own deadline is on the signal
    signal: stop.signal,
    interval: options.interval,
    onProgress: (p) => {
      queue.push(...increments(p, download, seen, options.withLogs));
      wake?.();
    },
  }).finally(() => {
    settled = true;
    wake?.();
  });
  finished.catch(() => {}); // read below; never an unhandled rejection if the consumer leaves early
  try {
    for (;;) {
      if (options.signal.aborted) throw abortReason(options.signal); // nothing more after an abort
      const next = queue.shift();
      if (next) yield next;
      else if (settled) return await finished;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    options.signal.removeEventListener("abort", onAbort);
    stop.abort(); // the consumer stopped (or we are done): no more polls
  }
}
