/**
 * replicate-fetch: a typed client for Replicate's HTTP API.
 *
 * @example
 * import { createReplicate } from "replicate-fetch"
 * const replicate = createReplicate()
 * for await (const model of replicate.models.list()) console.log(model.name)
 */
export { type ApiClient, createReplicate, DEFAULT_BASE_URL, type Replicate, type ReplicateOptions } from "./client.js";
export type { CreatePredictionOptions, WebhookEvent } from "./create.js";
export {
  AbortError,
  ApiError,
  ConnectionError,
  InputError,
  type InvalidField,
  type JobSnapshot,
  PredictionError,
  ReplicateError,
  TimeoutError,
  TrainingError,
} from "./errors.js";
export type { FileInputOptions } from "./file-inputs.js";
export { type Download, decodeDataUrl, FileOutput } from "./file-output.js";
export type {
  OperationId,
  OperationParams,
  OperationResults,
  OperationSpec,
} from "./generated/operations.js";
export { operationTable } from "./generated/operations.js";
export {
  isAbortError,
  isApiError,
  isConnectionError,
  isInputError,
  isPredictionError,
  isReplicateError,
  isTimeoutError,
  isTrainingError,
} from "./guards.js";
export type { OperationMethod, Operations, PageItem, RequestOptions } from "./operations.js";
export { type NormalizeOptions, normalizeOutput, type OutputSchema } from "./output.js";
export type { Page, PagePromise } from "./paginate.js";
export { type Progress, parseProgress } from "./progress.js";
export { type ModelRef, type ParsedRef, parseRef } from "./refs.js";
export type { RetryPolicy } from "./retry.js";
export type { RunOptions } from "./run.js";
export { createSseParser, type SseEvent, type SseParser, type SseParserOptions } from "./sse.js";
export type { ReconnectOptions } from "./stream.js";
export { collectText, outputText, type StreamEvent } from "./stream-events.js";
export type { StreamOptions } from "./streaming.js";
export { type CreateDestination, type TrainOptions, type TrainResult, trainedVersion } from "./train.js";
export type { FetchLike } from "./transport.js";
export type * from "./types.js";
export { VERSION } from "./version.js";
export { type PollInterval, TERMINAL, type WaitOptions } from "./wait.js";
export {
  signWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  verifyWebhookRequest,
  type WebhookFailureReason,
  type WebhookHeaders,
  type WebhookPayload,
  WebhookVerificationError,
  webhookEvent,
} from "./webhooks.js";
