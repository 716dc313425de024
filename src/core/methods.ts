/**
 * Every operation as a method, built from the generated table: `request(id, params)`
 * does the work, and the method tree (`replicate.predictions.get`) only names it.
 * Nothing in this file knows about a particular endpoint.
 */

import {
  type OperationId,
  type OperationParams,
  type OperationResults,
  type OperationSpec,
  type OperationTree,
  type OptionalParamsId,
  operationTable,
  type PaginatedId,
} from "../generated/operations.js";
import { checkSignal, checkTimeout } from "./checks.js";
import { ApiError, InputError } from "./errors.js";
import { headerRecord } from "./headers.js";
import { type Page, type PagePromise, pagePromise } from "./paginate.js";
import { toWire } from "./params.js";
import { underDeadline } from "./responses.js";
import { parseRetryAfter } from "./retry.js";
import type { RequestParts, Send, SendOptions } from "./transport.js";

/** Per-call options, accepted by every operation method as its second argument. */
export interface RequestOptions {
  /** Aborts the call, including retries and backoff; it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
  /** Extra headers for this call, to the API's origin only (dropped on a redirect elsewhere). */
  headers?: Record<string, string>;
}

/** One item of a paginated operation's pages. */
export type PageItem<Id extends PaginatedId> = OperationResults[Id] extends { results?: (infer T)[] } ? T : never;

/** What an operation method returns. */
export type OperationReturn<Id extends OperationId> = Id extends PaginatedId
  ? PagePromise<OperationResults[Id], PageItem<Id>>
  : Promise<OperationResults[Id]>;

/** The signature of the method for operation `Id`. */
export type OperationMethod<Id extends OperationId> = (
  ...args: Id extends OptionalParamsId
    ? [params?: OperationParams[Id], options?: RequestOptions]
    : [params: OperationParams[Id], options?: RequestOptions]
) => OperationReturn<Id>;

/** All operations as nested methods, e.g. `replicate.models.versions.list`. */
export type Operations = OperationTree<{ [Id in OperationId]: OperationMethod<Id> }>;

/** Send, and turn any non-2xx answer into an {@link ApiError} carrying the exact body. */
export function strictFetch(send: Send, options: SendOptions): (request: RequestParts) => Promise<Response> {
  // An unread body stays under the call's deadline, held by `underDeadline`.
  const sendOptions = { hold: underDeadline, ...options };
  return async (request) => {
    const response = await send(request, sendOptions);
    if (response.ok) return response;
    throw await apiError(request, response);
  };
}

/**
 * The ApiError for a non-2xx answer to `request`, carrying the exact body; but for the
 * credential the request went with (the transport put it in `request.headers`), should a
 * server or gateway echo it back: an error is logged, and must never show the token.
 */
async function apiError(request: RequestParts, response: Response): Promise<ApiError> {
  const secret = request.headers.authorization?.replace(/^\S+ /, "");
  const body = await response.text();
  return new ApiError({
    status: response.status,
    method: request.method,
    url: request.url,
    headers: response.headers,
    body: secret ? body.replaceAll(secret, "[token]") : body,
    retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
  });
}

/** A (buffered) success body, read as the operation declares it. */
async function read(response: Response, kind: OperationSpec["response"]): Promise<unknown> {
  if (kind === "blob") return response.blob();
  // "none": documented as bodiless (204, 202); anything sent anyway is ignored.
  const text = kind === "none" ? "" : await response.text();
  return kind === "text" ? text : text ? JSON.parse(text) : undefined;
}

/** Build the dispatcher and the method tree. */
export function createOperations(send: Send, baseUrl: string) {
  /**
   * Call any operation by its operationId.
   *
   * @example
   * await replicate.request("predictions.get", { prediction_id: "ufawqhfynnddngldkgtslldrkq" })
   */
  function request<Id extends OperationId>(id: Id, ...args: Parameters<OperationMethod<Id>>): OperationReturn<Id>;
  function request(id: string, params?: unknown, options?: RequestOptions | null): Promise<unknown> {
    options ??= {}; // null too: a JavaScript caller's placeholder
    const spec: OperationSpec | undefined = Object.hasOwn(operationTable, id)
      ? operationTable[id as OperationId]
      : undefined;
    let first: Promise<unknown>;
    let listUrl = "";
    let load: (url: string) => Promise<unknown>;
    try {
      if (!spec) throw new InputError(`Unknown operation "${id}". See the README's table of operations.`);
      checkTimeout("timeoutMs", options.timeoutMs);
      checkSignal(options.signal);
      const { target, headers: wire, body } = toWire(id, spec, params);
      const sendOptions = { signal: options.signal, timeoutMs: options.timeoutMs, buffer: true };
      // The call's own headers first: the schema's header params and content type win.
      // Names lower-cased, values checked; a Headers or pairs given from JavaScript work too.
      const headers = Object.assign(options.headers ? headerRecord(`${id}: headers`, options.headers) : {}, wire);
      const fetchPage = async (url: string) => {
        // Pages share the headers: the transport completes them in place, the same way each
        // time, as every page is on the same list (same origin and path).
        const request = { url, method: spec.method, headers, body };
        // As strictFetch does, one async layer fewer: this runs on every call.
        const response = await send(request, sendOptions);
        if (!response.ok) throw await apiError(request, response);
        return read(response, spec.response);
      };
      listUrl = baseUrl + target;
      first = fetchPage(listUrl);
      // Later pages (pagePromise checks their URLs) repeat the method, headers and body:
      // QUERY search sends its query again.
      load = fetchPage;
    } catch (error) {
      // A list call stays iterable even when its input was refused: iterating rethrows.
      first = Promise.reject(error);
      load = () => first;
    }
    return spec?.paginated
      ? pagePromise(first as Promise<Page<unknown>>, listUrl, load as (url: string) => Promise<Page<unknown>>)
      : first;
  }

  const tree: Record<string, unknown> = {};
  for (const id of Object.keys(operationTable)) {
    const keys = id.split(".");
    const last = keys.pop() as string;
    let node = tree;
    for (const key of keys) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[last] = (params?: unknown, options?: RequestOptions) =>
      (request as (id: string, p?: unknown, o?: RequestOptions) => Promise<unknown>)(id, params, options);
  }
  return { request, operations: tree as unknown as Operations };
}
