/**
 * `replicate-fetch/stream`: a prediction's output as it is produced, over Server-Sent
 * Events, plus the SSE parser on its own.
 *
 * @example
 * import { stream } from "replicate-fetch/stream"
 * for await (const event of stream(replicate, "meta/meta-llama-3-8b-instruct", { input: { prompt: "Hi" } })) {
 *   if (event.type === "output") console.log(event.data)
 * }
 */
import type { Replicate } from "../client.js";
import type { ModelRef } from "../refs.js";
import type { StreamEvent } from "../stream-events.js";
import { type StreamOptions, streamerOf } from "../streaming.js";
import type { Prediction } from "../types.js";

/**
 * A prediction's events as they happen: `output`, `logs`, then `done`. An `error` (or a
 * `done` whose reason is `canceled` or `error`) is yielded, then the iteration rejects
 * with `PredictionError`. Takes a model reference (creating the prediction) or a
 * prediction. Dropped connections resume; models without streaming are polled.
 *
 * @example
 * for await (const event of stream(replicate, "meta/meta-llama-3-8b", { input: { prompt: "Hi" } })) {
 *   if (event.type === "output") console.log(event.data)
 * }
 */
export async function* stream(
  replicate: Replicate,
  source: ModelRef | Prediction,
  options?: StreamOptions,
): AsyncGenerator<StreamEvent> {
  yield* streamerOf(replicate)(source, options);
}

export { AbortError, type JobSnapshot, PredictionError } from "../errors.js";
export { isAbortError, isPredictionError } from "../guards.js";
export type { ModelRef } from "../refs.js";
export { createSseParser, type SseEvent, type SseParser, type SseParserOptions } from "../sse.js";
export type { ReconnectOptions } from "../stream.js";
export { collectText, outputText, type StreamEvent } from "../stream-events.js";
export type { StreamOptions } from "../streaming.js";
