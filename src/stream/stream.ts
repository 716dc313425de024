/**
 * `stream(replicate, ...)`: create a prediction (or take one) and yield its events, with
 * one deadline and one signal over the whole stream.
 */
import type { Replicate } from "../core/client.js";
import { partsOf } from "../core/parts.js";
import { deadline } from "../core/signals.js";
import type { Prediction } from "../core/types.js";
import { type CreatePredictionOptions, createPrediction } from "../run/create.js";
import { downloader } from "../run/file-output.js";
import type { ModelRef } from "../run/refs.js";
import { cancelPrediction } from "../run/run.js";
import { stopped } from "../run/stop.js";
import { type PollInterval, predictionRefresh } from "../run/wait.js";
import { predictionEvents, type ReconnectOptions } from "./connection.js";
import type { StreamEvent } from "./events.js";

/** Options of `stream`. */
export interface StreamOptions extends Omit<CreatePredictionOptions, "input" | "signal" | "wait"> {
  /** The model's input; required when streaming from a model reference. */
  input?: Record<string, unknown>;
  /** Stops the stream and closes its connection; the iteration rejects with an AbortError. */
  signal?: AbortSignal;
  /** One deadline for the whole stream; on it, a TimeoutError carrying the prediction. */
  timeoutMs?: number;
  /** Resuming a dropped connection. @default { attempts: 5, delayMs: 1000 } */
  reconnect?: ReconnectOptions;
  /** Polling, for models without a stream URL or after the stream is lost. */
  interval?: PollInterval;
  /** The SSE parser's buffer limit, in characters. @default 16_777_216 */
  maxBufferSize?: number;
  /**
   * When the stream created the prediction, cancel it on Replicate if the stream is
   * aborted or times out. A `break` never cancels: the prediction runs on.
   * @default true
   */
  cancelOnAbort?: boolean;
}

const isPrediction = (v: unknown): v is Prediction =>
  typeof v === "object" && v !== null && typeof (v as { id?: unknown }).id === "string" && "status" in v;

/**
 * A prediction's events as they happen: `output`, `logs`, then `done`. An `error` (or a
 * `done` whose reason is `canceled` or `error`) is yielded, then the iteration rejects
 * with PredictionError. Takes a model reference (creating the prediction) or a
 * prediction. Dropped connections resume; models without streaming are polled.
 *
 * @example
 * for await (const event of stream(replicate, "meta/meta-llama-3-8b-instruct", { input: { prompt: "Hi" } })) {
 *   if (event.type === "output") console.log(event.data)
 * }
 */
export async function* stream(
  replicate: Replicate,
  source: ModelRef | Prediction,
  options: StreamOptions = {},
): AsyncGenerator<StreamEvent> {
  const { send } = partsOf(replicate);
  const { timeoutMs } = options;
  // Always a signal, even without a caller's or a deadline: the reader listens to it.
  const d = deadline(options.signal ?? new AbortController().signal, timeoutMs);
  const created = !isPrediction(source);
  let prediction: Prediction | undefined;
  try {
    prediction = isPrediction(source)
      ? source
      : await createPrediction(replicate, source, { ...options, input: options.input as never, signal: d.signal });
    yield* predictionEvents(prediction, {
      send,
      download: downloader(send),
      refresh: predictionRefresh(replicate),
      signal: d.signal,
      reconnect: options.reconnect,
      interval: options.interval,
      maxBufferSize: options.maxBufferSize,
      created,
    });
  } catch (error) {
    if (!d.signal.aborted) throw error;
    const cancel = created && options.cancelOnAbort !== false && cancelPrediction(replicate);
    throw await stopped({
      what: "stream",
      deadline: d,
      error,
      last: prediction,
      cancel,
      timeoutMs,
      signal: options.signal,
    });
  } finally {
    d.dispose();
  }
}
