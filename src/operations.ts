/**
 * Every operation as a method, built from the generated table: `request(id, params)`
 * does the work, and the method tree (`replicate.predictions.get`) only names it.
 * Nothing in this file knows about a particular endpoint.
 */
import { ApiError, InputError } from "./errors.js";
import {
  type OperationId,
  type OperationParams,
  type OperationResults,
  type OperationSpec,
  type OperationTree,
  type OptionalParamsId,
  operationTable,
  type PaginatedId,
} from "./generated/operations.js";
import { checkNextUrl, type Page, type PagePromise, pagePromise } from "./paginate.js";
import { splitParams, toFormData } from "./params.js";
import { parseRetryAfter } from "./retry.js";
import type { FetchLike, Send, SendOptions } from "./transport.js";

/** Per-call options, accepted by every operation method as its second argument. */
export interface RequestOptions {
  /** Aborts the call, including retries and backoff; it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
  /** Extra headers for this call. */
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

/** The slice of openapi-fetch's client this module uses. */
export interface RawRequester {
  request(method: string, path: string, init: Record<string, unknown>): Promise<{ data?: unknown }>;
}

/** Send, and turn any non-2xx answer into an {@link ApiError} carrying the exact body. */
export function strictFetch(send: Send, options: SendOptions): FetchLike {
  return async (request) => {
    const response = await send(request, { buffer: true, ...options });
    if (response.ok) return response;
    throw new ApiError({
      status: response.status,
      method: request.method,
      url: request.url,
      headers: response.headers,
      body: await response.text(),
      retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
    });
  };
}

const PARSE_AS = { json: "json", text: "text", blob: "blob", none: "stream" } as const;

/** Build the dispatcher and the method tree. */
export function createOperations(api: RawRequester, send: Send, baseUrl: string) {
  function call(id: string, spec: OperationSpec, params: unknown, options: RequestOptions): Promise<unknown> {
    const { path, query, header, body } = splitParams(id, spec, params);
    const sendOptions = { signal: options.signal, timeoutMs: options.timeoutMs };
    const init: Record<string, unknown> = {
      params: { path, query, header },
      headers: options.headers,
      parseAs: PARSE_AS[spec.response ?? "json"],
      fetch: strictFetch(send, sendOptions),
    };
    if (body !== undefined) {
      init.body = body;
      if (spec.body === "multipart/form-data") init.bodySerializer = toFormData;
      if (spec.body === "text/plain") {
        init.bodySerializer = (text: string) => text;
        init.headers = { "content-type": "text/plain", ...options.headers };
      }
    }
    const first = api.request(spec.method, spec.path, init).then((r) => {
      // openapi-fetch gives no data for an empty body (Content-Length: 0): keep the declared type.
      if (spec.response === "text") return r.data ?? "";
      if (spec.response === "blob") return r.data ?? new Blob([]);
      if (spec.response !== "none") return r.data;
      // Documented as bodiless (204, 202): discard anything sent anyway.
      void (r.data as ReadableStream | undefined)?.cancel();
      return undefined;
    });
    if (!spec.paginated) return first;

    // Later pages repeat the method and body (QUERY search sends its query again).
    const loadNext = async (next: string) => {
      const url = checkNextUrl(next, baseUrl);
      const headers = new Headers(options.headers);
      if (spec.body === "text/plain") headers.set("content-type", "text/plain");
      const request = new Request(url, {
        method: spec.method,
        headers,
        ...(spec.body === "text/plain" && { body: body as string }),
      });
      const response = await strictFetch(send, sendOptions)(request);
      return (await response.json()) as Page<unknown>;
    };
    return pagePromise(first as Promise<Page<unknown>>, loadNext);
  }

  /**
   * Call any operation by its operationId.
   *
   * @example
   * await replicate.request("predictions.get", { prediction_id: "ufawqhfynnddngldkgtslldrkq" })
   */
  function request<Id extends OperationId>(id: Id, ...args: Parameters<OperationMethod<Id>>): OperationReturn<Id>;
  function request(id: string, params?: unknown, options: RequestOptions = {}): Promise<unknown> {
    const spec: OperationSpec | undefined = Object.hasOwn(operationTable, id)
      ? operationTable[id as OperationId]
      : undefined;
    if (!spec)
      return Promise.reject(new InputError(`Unknown operation "${id}". See the README's table of operations.`));
    try {
      return call(id, spec, params, options);
    } catch (error) {
      // A list call stays iterable even when its input was refused: iterating rethrows.
      return spec.paginated ? pagePromise(Promise.reject(error), () => Promise.reject(error)) : Promise.reject(error);
    }
  }

  const tree: Record<string, unknown> = {};
  for (const id of Object.keys(operationTable)) {
    const keys = id.split(".");
    let node = tree;
    for (const key of keys.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys.at(-1) as string] = (params?: unknown, options?: RequestOptions) =>
      (request as (id: string, p?: unknown, o?: RequestOptions) => Promise<unknown>)(id, params, options);
  }
  return { request, operations: tree as unknown as Operations };
}
