/**
 * The raw typed client (openapi-fetch) for every path of the schema, over the same
 * transport as the client's methods.
 */
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../generated/schema.js";
import type { Replicate } from "./client.js";
import { partsOf } from "./parts.js";
import { requestParts } from "./transport.js";

/** The typed openapi-fetch client over a client's transport. */
export type ApiClient = Client<paths>;

/** One openapi-fetch client per client, made on first use. */
const made = /* @__PURE__ */ new WeakMap<object, ApiClient>();

/**
 * The openapi-fetch client for `replicate`: the same auth, retries, timeout and base
 * URL. It returns `{ data, error, response }` instead of throwing on HTTP errors.
 *
 * @example
 * const api = createApiClient(replicate)
 * const { data, error } = await api.GET("/predictions/{prediction_id}", { params: { path: { prediction_id } } })
 */
export function createApiClient(replicate: Replicate): ApiClient {
  const { send, baseUrl } = partsOf(replicate);
  let api = made.get(replicate);
  if (!api) {
    const fetch = async (request: Request) => send(await requestParts(request), { signal: request.signal });
    api = createClient<paths>({ baseUrl, fetch });
    made.set(replicate, api);
  }
  return api;
}

export type { paths } from "../generated/schema.js";
