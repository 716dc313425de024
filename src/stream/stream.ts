/**
 * `stream(replicate, ...)`: a prediction's output as it is generated, over Server-Sent
 * Events. It creates the prediction (or takes one) and yields its events, with one
 * deadline and one signal over the whole stream. A dropped connection is resumed with
 * `Last-Event-ID`; one that cannot be resumed, or a model without a stream URL, continues
 * by polling. Stopping early (`break`, `return`, abort) cancels the HTTP body at once.
 */
import { checkSignal, checkTimeout, mustBe } from "../core/checks.js";
import type { Replicate } from "../core/client.js";
import { TERMINAL } from "../core/domain.js";
import { InputError, PredictionError } from "../core/errors.js";
import { partsOf } from "../core/parts.js";
import { deadline } from "../core/signals.js";
import type { Prediction } from "../core/types.js";
import { type CreatePredictionOptions, createPrediction } from "../run/create.js";
import { downloader } from "../run/file-output.js";
import type { ModelRef } from "../run/refs.js";
import type { ModelInput, ModelStreamOutput } from "../run/registry.js";
import { cancelPrediction } from "../run/run.js";
import { stopped, withJob } from "../run/stop.js";
import { checkInterval, type PollInterval, PREDICTION_TIMEOUT_MS, predictionRefresh } from "../run/wait.js";
import { unbatch } from "./batches.js";
import { type ReconnectOptions, type StreamContext, sseBatches } from "./connection.js";
import type { Delivered, StreamEvent } from "./events.js";
import { pollEvents } from "./poll.js";

/** Options of `stream`. */
export interface StreamOptions<Input = Record<string, unknown>>
  extends Omit<CreatePredictionOptions, "input" | "signal" | "wait"> {
  /** The model's input; required when streaming from a model reference. */
  input?: Input;
  /** Stops the stream and closes its connection; the iteration rejects with an AbortError. */
  signal?: AbortSignal;
  /**
   * One deadline for the whole stream; on it, a TimeoutError carrying the prediction.
   * `Infinity` for none. The default deadline stops the stream but never cancels.
   * @default 3_600_000 (1 hour)
   */
  timeoutMs?: number;
  /** Resuming a dropped or silent connection. @default { attempts: 5, delayMs: 1000, idleMs: 60_000 } */
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

/** The stream's own options, checked before anything is sent (a create costs money). */
function checkStreamOptions({ reconnect, maxBufferSize, cancelOnAbort }: StreamOptions<object>): void {
  // A reconnect that is no object is refused by the first row; its fields then read as undefined.
  const { attempts, delayMs, idleMs } = (reconnect ?? {}) as ReconnectOptions;
  const ms = "a finite number of milliseconds > 0";
  for (const [name, value, ok, expected] of [
    [
      "reconnect",
      reconnect,
      !!reconnect && typeof reconnect === "object",
      "an object like { attempts: 5, delayMs: 1000 }",
    ],
    ["reconnect.attempts", attempts, Number.isInteger(attempts) && (attempts as number) >= 0, "a whole number ≥ 0"],
    ["reconnect.delayMs", delayMs, Number.isFinite(delayMs) && (delayMs as number) > 0, ms],
    ["reconnect.idleMs", idleMs, Number.isFinite(idleMs) && (idleMs as number) > 0, ms],
    [
      "maxBufferSize",
      maxBufferSize,
      Number.isInteger(maxBufferSize) && (maxBufferSize as number) >= 1,
      "a whole number of characters ≥ 1",
    ],
    ["cancelOnAbort", cancelOnAbort, typeof cancelOnAbort === "boolean", "true or false"],
  ] as const) {
    if (value !== undefined && !ok) throw mustBe(name, expected, value);
  }
}

const isPrediction = (v: unknown): v is Prediction =>
  typeof v === "object" && v !== null && typeof (v as { id?: unknown }).id === "string" && "status" in v;

/**
 * A prediction's events as they happen: `output`, `logs`, then `done`. An `error` (or a
 * `done` whose reason is `canceled` or `error`) is yielded, then the iteration rejects
 * with PredictionError. Takes a model reference (creating the prediction) or a
 * prediction. Dropped or silent connections resume; models without streaming are polled.
 * Iterate it with `for await`: awaiting it rejects with an InputError saying so.
 *
 * @example
 * for await (const event of stream(replicate, "meta/meta-llama-3-8b-instruct", { input: { prompt: "Hi" } })) {
 *   if (event.type === "output") console.log(event.data)
 * }
 */
export function stream<const Source extends ModelRef | Prediction = ModelRef | Prediction>(
  replicate: Replicate,
  source: Source,
  options?: StreamOptions<ModelInput<Source>>,
): AsyncGenerator<StreamEvent<ModelStreamOutput<Source>>>;
export function stream(
  replicate: Replicate,
  source: ModelRef | Prediction,
  options: StreamOptions<object> = {},
): AsyncGenerator<StreamEvent> {
  const run: { signal?: AbortSignal } = {}; // the stream's signal, once it has one
  // `await stream(...)` would otherwise resolve to the iterator and silently run nothing.
  const then = (_: unknown, reject?: (error: unknown) => void) =>
    reject?.(new InputError("stream() is not a promise: iterate it with `for await (const event of stream(...))`."));
  return unbatch(batches(replicate, source, options, run), () => !!run.signal?.aborted, { then });
}

/**
 * The one loop from bytes to the caller's events, in batches (handed out one at a time by
 * `unbatch`): over SSE when the prediction has a stream URL, else (or once the stream is
 * lost) by polling. It is resumed after each batch; `unbatch` stops handing out a batch
 * as soon as the signal aborts, so no event parsed before an abort is handed out after.
 */
async function* batches(
  replicate: Replicate,
  source: ModelRef | Prediction,
  options: StreamOptions<object>,
  run: { signal?: AbortSignal },
): AsyncGenerator<StreamEvent[], void> {
  const { send } = partsOf(replicate);
  if (typeof options !== "object" || options === null) throw new InputError("stream options must be an object.");
  const { timeoutMs, signal } = options;
  checkTimeout("timeoutMs", timeoutMs);
  checkSignal(signal);
  checkInterval(options.interval);
  checkStreamOptions(options);
  const limitMs = timeoutMs ?? PREDICTION_TIMEOUT_MS;
  // Always a signal, even without a caller's: the reader listens to it.
  const d = deadline(signal ?? new AbortController().signal, limitMs);
  run.signal = d.signal;
  const created = !isPrediction(source);
  // The caller's options (reconnect, interval, maxBufferSize) with the stream's own signal.
  const ctx: StreamContext = {
    ...options,
    signal: d.signal,
    send,
    download: downloader(send),
    refresh: predictionRefresh(replicate),
    created,
  };
  let last: Prediction | undefined;
  try {
    const p = created ? await createPrediction(replicate, source, ctx as never) : source;
    last = p;
    const seen: Delivered = { outputs: 0, chars: 0, logs: 0 };
    const url = p.urls?.stream;
    const end = url && (yield* sseBatches(url, ctx, seen));
    if (!end) {
      // No stream URL, or the stream was lost: poll. Logs come from polling only when there
      // never was a stream, since an SSE consumer has had them in other pieces.
      yield* pollEvents(p, ctx, seen, !url);
      return;
    }
    // An `error` event, or a `done` whose reason is `canceled` or `error`, ends the stream
    // with a PredictionError carrying the prediction as fresh as can be had. Replicate
    // documents no other reason: for one it does not, the API says whether the prediction
    // failed, so that a new way to fail is not taken for success.
    const reason = end.type === "done" ? end.data.reason : "error";
    if (reason) {
      const fresh = await ctx.refresh(p.id, d.signal).catch(() => p);
      const over = TERMINAL.has(fresh.status) && fresh.status !== "succeeded";
      if (!over && reason !== "canceled" && reason !== "error") return;
      const status = over ? fresh.status : reason === "canceled" ? reason : "failed";
      throw new PredictionError({
        ...fresh,
        status,
        error: fresh.error ?? (end.type === "error" ? end.data : undefined),
      });
    }
  } catch (error) {
    if (!d.signal.aborted) throw withJob(error, last);
    const cancel = created && options.cancelOnAbort !== false && cancelPrediction(replicate);
    throw await stopped({ what: "stream", deadline: d, error, last, cancel, timeoutMs, limitMs });
  } finally {
    d.dispose();
  }
}
