/**
 * The raw typed client (openapi-fetch) for every path of the schema, over the same
 * transport as the client's methods.
 */
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../generated/schema.js";
import type { Replicate } from "./client.js";
import { PLACEHOLDER, pathValue } from "./params.js";
import { partsOf } from "./parts.js";
import { underDeadline } from "./responses.js";
import type { RequestParts } from "./transport.js";

/**
 * The parts of a `Request` (from openapi-fetch, say), its body read once so every
 * attempt can send the same bytes. Its signal goes in the send options.
 *
 * @example
 * await send(await requestParts(request), { signal: request.signal, hold: underDeadline })
 */
export async function requestParts(request: Request): Promise<RequestParts> {
  const { url, method } = request;
  // Headers iterate with lower-case names, repeated values already joined.
  const headers = Object.fromEntries(request.headers);
  // "follow" is every Request's default, not a choice: the transport follows those, by hand.
  const redirect = request.redirect === "follow" ? undefined : request.redirect;
  return { url, method, headers, redirect, body: request.body ? await request.arrayBuffer() : undefined };
}

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
    const fetch = async (request: Request) =>
      send(await requestParts(request), { signal: request.signal, hold: underDeadline });
    // Path values by the operations' rules: openapi-fetch's own serialiser leaves "." and
    // ".." as they are, which fetch then resolves (DELETE .../versions/.. deletes the
    // model), and an empty value would name another endpoint.
    const pathSerializer = (url: string, values: Record<string, unknown>) =>
      url.replace(PLACEHOLDER, (_, name: string) => pathValue("createApiClient", name, values[name]));
    api = createClient<paths>({ baseUrl, fetch, pathSerializer });
    made.set(replicate, api);
  }
  return api;
}

export type { paths } from "../generated/schema.js";
