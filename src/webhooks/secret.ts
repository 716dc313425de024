/**
 * The account's default webhook signing secret, fetched once per client with the
 * generated `webhooks.default.secret.get` operation.
 */
import { checkSignal } from "../core/checks.js";
import type { Replicate } from "../core/client.js";
import { ReplicateError } from "../core/errors.js";
import { partsOf } from "../core/parts.js";
import { abortable, abortReason } from "../core/signals.js";

/** The secret per client, while the client lives. */
const secrets = /* @__PURE__ */ new WeakMap<object, Promise<string>>();

/**
 * The account's default webhook secret (`whsec_…`), cached per client. After rotating it
 * on Replicate, call with `{ refresh: true }`, and verify with `[newSecret, oldSecret]`
 * until webhooks signed with the old one stop arriving. `signal` ends this call's wait
 * (rejecting with its reason); the request, shared with other callers, goes on.
 *
 * @example
 * const secret = await webhookSecret(replicate, { signal: AbortSignal.timeout(5000) })
 * const prediction = await verifyWebhookRequest(request, secret)
 */
export async function webhookSecret(
  replicate: Replicate,
  options: { refresh?: boolean; signal?: AbortSignal } = {},
): Promise<string> {
  partsOf(replicate); // a wrong client rejects, like every other failure here
  const { signal } = options;
  checkSignal(signal);
  if (signal?.aborted) throw abortReason(signal); // nothing is sent for a caller already gone
  // Everything up to the return runs at once, so concurrent first calls share one request.
  let cached = secrets.get(replicate);
  if (!cached || options.refresh) {
    const pending = replicate.webhooks.default.secret.get().then((r) => {
      if (!r.key) throw new ReplicateError("The API returned no webhook secret");
      return r.key;
    });
    cached = pending;
    secrets.set(replicate, pending);
    // A failed fetch is not cached: the next call asks again.
    pending.catch(() => {
      if (secrets.get(replicate) === pending) secrets.delete(replicate);
    });
  }
  // The request is shared, so it gets no caller's signal: one caller's abort must not fail the others.
  return abortable(cached, signal);
}
