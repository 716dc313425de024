/**
 * `stream(replicate, ...)`: create a prediction (or take one) and yield its events, with
 * one deadline and one signal over the whole stream.
 */
import type { CreatePredictionOptions } from "./create.js";
import { perClient } from "./internals.js";
import type { ModelRef } from "./refs.js";
import { type createRunner, runnerOf } from "./run.js";
import { deadline } from "./signals.js";
import { predictionEvents, type ReconnectOptions } from "./stream.js";
import type { StreamEvent } from "./stream-events.js";
import type { Send } from "./transport.js";
import type { Prediction } from "./types.js";
import type { PollInterval } from "./wait.js";

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

export function createStreamer(send: Send, runner: ReturnType<typeof createRunner>) {
  /**
   * A prediction's events as they happen: `output`, `logs`, then `done` (an `error`, or a
   * `done` whose reason is `canceled` or `error`, is yielded and then rejects with
   * PredictionError). Takes a model reference (creates the prediction) or a prediction.
   *
   * @example
   * for await (const event of stream(replicate, "meta/llama-3-8b", { input: { prompt: "Hi" } })) {
   *   if (event.type === "output") process.stdout.write(String(event.data))
   * }
   */
  async function* stream(source: ModelRef | Prediction, options: StreamOptions = {}): AsyncGenerator<StreamEvent> {
    // Always a signal, even without a caller's or a deadline: the reader listens to it.
    const d = deadline(options.signal ?? new AbortController().signal, options.timeoutMs);
    const created = !isPrediction(source);
    let prediction: Prediction | undefined;
    try {
      prediction = isPrediction(source)
        ? source
        : await runner.createPrediction(source, { ...options, input: options.input as never, signal: d.signal });
      yield* predictionEvents(prediction, {
        send,
        download: runner.download,
        refresh: runner.refresh,
        signal: d.signal,
        reconnect: options.reconnect,
        interval: options.interval,
        maxBufferSize: options.maxBufferSize,
        created,
      });
    } catch (error) {
      if (!d.signal.aborted) throw error;
      const cancel = created && options.cancelOnAbort !== false && runner.cancelPrediction;
      throw await runner.stopped("stream", d, error, prediction, cancel, options);
    } finally {
      d.dispose();
    }
  }
  return stream;
}

/** The streamer of a client, made on first use. */
export const streamerOf = /* @__PURE__ */ perClient((client, { send }) => createStreamer(send, runnerOf(client)));
