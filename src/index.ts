/**
 * replicate-fetch: a typed client for Replicate's HTTP API.
 *
 * This entry is the core: the client with every operation, the errors and their
 * guards. Helpers that build on the client come from their own entries, so an app
 * bundles only what it imports: `replicate-fetch/run`, `/stream`, `/train`,
 * `/webhooks`, `/api`, `/proxy`, `/testing`.
 *
 * @example
 * import { createReplicate } from "replicate-fetch"
 * const replicate = createReplicate()
 * for await (const model of replicate.models.list()) console.log(model.name)
 */
export { createReplicate, DEFAULT_BASE_URL, type Replicate, type ReplicateOptions } from "./client.js";
export {
  ApiError,
  ConnectionError,
  InputError,
  type InvalidField,
  ReplicateError,
  TimeoutError,
} from "./errors.js";
export type {
  OperationId,
  OperationParams,
  OperationResults,
  OperationSpec,
} from "./generated/operations.js";
export { operationTable } from "./generated/operations.js";
export {
  isApiError,
  isConnectionError,
  isInputError,
  isReplicateError,
  isTimeoutError,
} from "./guards.js";
export type { Limiter } from "./limiter.js";
export type { OperationMethod, Operations, PageItem, RequestOptions } from "./operations.js";
export type { Page, PagePromise } from "./paginate.js";
export type { RetryPolicy } from "./retry.js";
export type { FetchLike } from "./transport.js";
export type * from "./types.js";
export { VERSION } from "./version.js";
