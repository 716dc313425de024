/**
 * The account's default webhook signing secret, fetched once per client with the
 * generated `webhooks.default.secret.get` operation.
 */
import { ReplicateError } from "./errors.js";
import { perClient } from "./internals.js";
import type { Operations } from "./operations.js";

export function createSecretCache(ops: Operations) {
  let cached: Promise<string> | undefined;
  /**
   * The default webhook secret (`whsec_…`), cached for the client's lifetime. After
   * rotating it on Replicate, call with `{ refresh: true }`, and verify with
   * `[newSecret, oldSecret]` until webhooks signed with the old one stop arriving.
   *
   * @example
   * const secret = await webhookSecret(replicate)
   * const prediction = await verifyWebhookRequest(request, secret)
   */
  return function webhookSecret(options: { refresh?: boolean } = {}): Promise<string> {
    if (!cached || options.refresh) {
      const pending = ops.webhooks.default.secret.get().then((r) => {
        if (!r.key) throw new ReplicateError("The API returned no webhook secret");
        return r.key;
      });
      cached = pending;
      // A failed fetch is not cached: the next call asks again.
      pending.catch(() => {
        if (cached === pending) cached = undefined;
      });
    }
    return cached;
  };
}

/** The secret cache of a client, made on first use. */
export const secretOf = /* @__PURE__ */ perClient((client) => createSecretCache(client));
