/**
 * replicate-kit: a typed toolkit for Replicate's HTTP API, in one entry.
 *
 * `createReplicate()` makes the client, with every operation as a method. Everything
 * else is a function that takes the client first (`run(replicate, ...)`), so an app's
 * bundler keeps only the functions it imports. This file only re-exports.
 *
 * @example
 * import { createReplicate, run } from "replicate-kit"
 * const replicate = createReplicate()
 * const output = await run(replicate, "black-forest-labs/flux-schnell", { input: { prompt: "a fox" } })
 */

// The client and its operations
export { createReplicate, type Replicate, type ReplicateOptions } from "./core/client.js";
export { DEFAULT_BASE_URL, TERMINAL, type WebhookEvent } from "./core/domain.js";
// Errors and their guards
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
} from "./core/errors.js";
export {
  isAbortError,
  isApiError,
  isConnectionError,
  isInputError,
  isPredictionError,
  isReplicateError,
  isTimeoutError,
  isTrainingError,
} from "./core/guards.js";
export { createLimiter, type Limiter, type Release } from "./core/limiter.js";
export type { OperationMethod, Operations, PageItem, RequestOptions } from "./core/methods.js";
export { type ApiClient, createApiClient, type paths } from "./core/openapi-client.js";
export type { Page, PagePromise } from "./core/paginate.js";
export type { RetryPolicy } from "./core/retry.js";
export type { FetchLike } from "./core/transport.js";
export type * from "./core/types.js";
export { VERSION } from "./core/version.js";
export type {
  OperationId,
  OperationParams,
  OperationResults,
  OperationSpec,
} from "./generated/operations.js";
export { operationTable } from "./generated/operations.js";
// The browser proxy (server side)
export { createProxy, type ProxyOptions } from "./proxy/proxy.js";
// Predictions
export { type CreatePredictionOptions, createPrediction } from "./run/create.js";
export type { FileInputOptions } from "./run/file-inputs.js";
export { type Download, decodeDataUrl, FileOutput } from "./run/file-output.js";
export { type RegisterOutputsOptions, registerModelOutputs } from "./run/model-outputs.js";
export { type NormalizeOptions, normalizeOutput, type OutputSchema } from "./run/output.js";
export { type Progress, parseProgress } from "./run/progress.js";
export { type ModelRef, type ParsedRef, parseRef } from "./run/refs.js";
export type {
  DeploymentRegistry,
  FileInput,
  ModelInput,
  ModelOutput,
  ModelPrediction,
  ModelRegistry,
  ModelStreamOutput,
  ModelTypes,
  RegistryEntry,
} from "./run/registry.js";
export { type RunOptions, run } from "./run/run.js";
export { type PollInterval, type WaitOptions, wait } from "./run/wait.js";
// Streaming
export type { ReconnectOptions } from "./stream/connection.js";
export { collectText, outputText, type StreamEvent } from "./stream/events.js";
export { createSseParser, type SseEvent, type SseParser, type SseParserOptions } from "./stream/sse.js";
export { type StreamOptions, stream } from "./stream/stream.js";
// Fine-tuning
export {
  type CreateDestination,
  startTraining,
  type TrainOptions,
  type TrainResult,
  train,
  trainedVersion,
  waitForTraining,
} from "./train/train.js";
// Webhooks
export { webhookSecret } from "./webhooks/secret.js";
export { signWebhook, type WebhookFailureReason, WebhookVerificationError } from "./webhooks/signature.js";
export {
  type VerifyWebhookOptions,
  verifyWebhook,
  verifyWebhookDelivery,
  verifyWebhookRequest,
  type WebhookDelivery,
  type WebhookHeaders,
  type WebhookPayload,
  webhookEvent,
} from "./webhooks/verify.js";
