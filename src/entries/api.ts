/**
 * `replicate-fetch/api`: the raw typed client (openapi-fetch) for every path of the
 * schema, over the same transport as the client's methods.
 *
 * @example
 * import { createApiClient } from "replicate-fetch/api"
 * const api = createApiClient(replicate)
 * const { data, error } = await api.GET("/predictions/{prediction_id}", { params: { path: { prediction_id } } })
 */
import createClient, { type Client } from "openapi-fetch";
import type { Replicate } from "../client.js";
import type { paths } from "../generated/schema.js";
import { perClient } from "../internals.js";
import { partsOf } from "../transport.js";

/** The typed openapi-fetch client over a client's transport. */
export type ApiClient = Client<paths>;

const apiOf = /* @__PURE__ */ perClient((_, { send, baseUrl }) =>
  createClient<paths>({ baseUrl, fetch: async (request) => send(await partsOf(request), { signal: request.signal }) }),
);

/**
 * The openapi-fetch client for `replicate`: the same auth, retries, timeout and base
 * URL. It returns `{ data, error, response }` instead of throwing on HTTP errors.
 *
 * @example
 * const { data } = await createApiClient(replicate).GET("/account")
 */
export function createApiClient(replicate: Replicate): ApiClient {
  return apiOf(replicate);
}

export type { paths } from "../generated/schema.js";
